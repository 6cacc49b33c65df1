"""The console's entry point (``streamlit run console/app.py``, or ``yuqing console``): checks the
login and builds the navigation. Every page lives in ``console/pages/`` and exposes ``render()``."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run console/app.py` puts console/ on the path, not the repository root.
_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from core.errors import YuqingError  # noqa: E402
from core.files import restrict_umask  # noqa: E402
from core.settings import load_settings  # noqa: E402

from console import data, session  # noqa: E402
from console.components.chrome import localise  # noqa: E402
from console.components.feedback import explain, show_flash  # noqa: E402
from console.pages import (audit, dashboard, escalation, event, feed, ledger, notifications, release,  # noqa: E402
                           reports, review, settings)

# URL paths differ from the module names on purpose: Streamlit treats a folder named pages/ beside the
# entry script as old-style file pages until st.navigation first runs in the process, and a URL equal to
# a module's name would then run that module as a script (an empty page) instead of the app.
SECTIONS = {
    "监测": [(dashboard, "总览", "overview", ":material/dashboard:"), (feed, "信息流", "posts", ":material/feed:"), (event, "事件", "events", ":material/timeline:")],
    "处置": [(review, "预警审核", "alerts", ":material/notification_important:"), (release, "回应发布", "releases", ":material/edit_note:"),
           (escalation, "升级处置", "escalations", ":material/local_police:"), (ledger, "台账", "ledger-book", ":material/table_view:")],
    "管理": [(reports, "报告", "report-center", ":material/description:"), (audit, "审计", "audit-log", ":material/verified_user:"),
           (notifications, "通知记录", "notifications", ":material/notifications:"),
           (settings, "设置", "admin", ":material/settings:")],
}


def _navigation() -> dict[str, list]:
    return {section: [st.Page(module.render, title=title, url_path=path, icon=icon, default=path == "overview")
                      for module, title, path, icon in pages]
            for section, pages in SECTIONS.items()}


def _login_navigation() -> list:
    """Logged out, every page's address shows the login form, so a bookmarked link (/alerts) asks for the
    login and then opens that page, instead of saying the page does not exist."""
    pages = [st.Page(session.login_page, title="登录", url_path="sign-in", icon=":material/login:", default=True)]
    pages += [st.Page(session.login_page, title=title, url_path=path, icon=icon)
              for entries in SECTIONS.values() for _, title, path, icon in entries if path != "overview"]
    return pages


def main() -> None:
    restrict_umask()                      # attachments and packs written from here are the owner's only
    st.set_page_config(page_title="渠县校园安全舆情监测与回应台", page_icon=":material/shield:", layout="wide")
    localise()
    try:
        data.bind(load_settings())        # config file < environment, resolved once per run, here only
        current = session.current_user()
    except YuqingError as error:          # the stores or the workflow database cannot be opened
        st.error(explain(error))
        st.stop()
    if current is None:
        st.navigation(_login_navigation(), position="hidden").run()
        return
    session.sidebar(current)
    show_flash()
    st.navigation(_navigation()).run()


main()
