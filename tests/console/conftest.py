"""Fixtures for the console tests: a seeded data folder, and AppTest helpers that log in and open a page
the way a person would (through the login form and the navigation)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from console import data
from core.settings import load_settings
from tests.console.seed import PASSWORD, Seeded, seed

APP = Path(__file__).resolve().parents[2] / "console" / "app.py"


@pytest.fixture(scope="session")
def _seed_template(tmp_path_factory) -> Seeded:
    """Seeded once per test run; each test gets its own copy."""
    return seed(tmp_path_factory.mktemp("console-seed") / "data")


@pytest.fixture
def seeded(_seed_template, tmp_path, monkeypatch) -> Seeded:
    """A seeded data folder of this test's own that the console under test reads (``YUQING_DATA_DIR``)."""
    for name in ("YUQING_CONFIG", "YUQING_STORE", "YUQING_SQLITE_PATH", "YUQING_WORKFLOW_DB_URL", "YUQING_STATE_DB_URL", "YUQING_STATE_DB_SCHEMA",
                 "YUQING_CLOCK_ORIGIN", "YUQING_PROFILE", "YUQING_PUBLISH_DIR", "YUQING_EVIDENCE_DIR",
                 "YUQING_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)                 # no stray ./yuqing.toml is read
    data_dir = tmp_path / "data"
    shutil.copytree(_seed_template.data_dir, data_dir)
    monkeypatch.setenv("YUQING_DATA_DIR", str(data_dir))
    data.bind(load_settings())                  # what console/app.py does at the start of every run
    return replace(_seed_template, data_dir=data_dir)


def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=60)


def submit(at, label: str):
    """Click the form submit button (or button) labelled ``label`` and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button labelled {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0].click().run()


def act(at, label: str) -> str:
    """Click ``label`` and return what the page then says; then let the page settle.

    An action that succeeds calls ``st.rerun()`` inside the run; AppTest keeps the elements of that inner
    rerun under the previous page's widget ids, so one more plain run (what a browser does when it
    redraws) is needed before the next click lands."""
    submit(at, label)
    assert not at.exception, at.exception
    said = texts(at)
    at.run()
    return said


def login(username: str, password: str = PASSWORD):
    """A fresh console session logged in through the login form."""
    at = app().run()
    assert not at.exception, at.exception
    at.text_input(key="auth.username").input(username)
    at.text_input(key="auth.password").input(password)
    submit(at, "登录")
    assert not at.exception, at.exception
    return at.run()                      # settle after the login's st.rerun (see ``act``)


def open_page(at, url_path: str):
    """Open a navigation page. AppTest.switch_page only knows file pages; ours are callables, so look the
    page up by its url path among the pages the last run registered (what a click in the sidebar sends)."""
    wanted = "" if url_path == "overview" else url_path         # the default page is served at the root
    for page_hash, info in at._registered_pages.items():
        if info.get("url_pathname") == wanted:
            at._page_hash = page_hash
            return at.run()
    raise AssertionError(f"no page {url_path!r}; registered: "
                         f"{[i.get('url_pathname') for i in at._registered_pages.values()]}")


def texts(at) -> str:
    """Every piece of text the page shows (markdown, captions, alerts), for assertions."""
    parts = []
    for kind in ("markdown", "caption", "text", "error", "warning", "success", "info", "title", "subheader"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)
