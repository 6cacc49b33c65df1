"""No raw code on any page: every page, as every role, over the seeded deployment after a day's work (an alert
confirmed and regraded, a release published, a case escalated with an attachment and feedback, a refused
attempt, a worker that ran its jobs), must show names, not codes.

What is read: every element the page sends (markdown, captions, text, alerts, titles, metrics, widget labels,
options and defaults, tabs, expanders, buttons), every cell and header of every table, and the spec and data
of every chart. What counts as a raw code: every code of ``core.vocabulary`` (platforms, incident types,
states, roles, actions ...), "None"/"nan"/"null", the profile's source names and school ids, each as a whole
word (not inside a longer ASCII word; case-sensitive), and a grade written without 级 ("II" instead of "II级").

What is not a code: text from the web (the seeded posts' own words and links), file paths, people's display
names (data an administrator typed), and the two places whose job is to show identifiers an administrator
types elsewhere: the 用户名 column and user picker of 设置, and the 配置名/配置编号 columns of the sources and
schools tables. E-mail addresses are data too."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1.element_tree import Dataframe

from console import data
from core.errors import PermissionDenied
from core.post import Enrichment, Post
from core.vocabulary import GRADES, all_codes
from core.workflow import SYSTEM
from infra.state import open_state_database
from tests.console.conftest import login, open_page, submit
from tests.console.seed import SCRIPT_TEXT, USERS

PAGES = ("overview", "posts", "events", "alerts", "releases", "escalations", "ledger-book", "report-center",
         "audit-log", "admin")
FACTS = {"occurred_at": "11月28日下午", "incident_summary": "部分学生反映食堂饭菜有异味，已封存留样送检。",
         "measures": ["食堂暂停供餐", "县市场监管局已介入"]}
WEB_TEXT = (SCRIPT_TEXT, "<b>加粗标题</b>")
IDENTIFIER_COLUMNS = {"用户名", "配置名", "配置编号"}
IDENTIFIER_WIDGETS = ("settings.user",)
_SKIPPED_KEYS = {"id", "formId", "spec", "datasets", "arrowData", "data", "url", "icon", "key", "autocomplete"}
_WORD = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
_GRADE_WITHOUT_LEVEL = re.compile(_WORD.format(r"(?:IV|III|II|I)") + r"(?!\s*级)")
_LINKS_AND_PATHS = re.compile(r"https?://\S+|(?:/[^\s/：，；。、（）]+){2,}|[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


# --- a day's work, through the services (the same database the console reads)


def _worker_ran() -> None:
    """The worker's heartbeat, each kind of job and the sources' health in the state database, as a running
    worker records them (messages as the worker writes them today, some in English)."""
    state = open_state_database(data.settings().state_url)
    try:
        book = state.worker_status
        book.beat("running", 60.0)
        for job_id, outcome, message in (("crawl:weibo-search", "ok", "crawl of weibo-search finished in 9.4 s"),
                                         ("crawl:gov-board", "timeout", "crawl of gov-board timed out"),
                                         ("enrich", "ok", "12 posts enriched"), ("clocks", "error", "boom"),
                                         ("daily_report", "ok", ""), ("retention", "interrupted", "")):
            book.job_finished(job_id, book.job_started(job_id), outcome, message)
        book.set_source_health("weibo-search", True, "crawl of weibo-search finished in 9.4 s")
        book.set_source_health("gov-board", False, "crawl of gov-board timed out")
    finally:
        state.close()


def _posts_as_nlp_writes_them() -> None:
    """A post from the government message board whose enrichment carries incident-type codes, as the nlp
    pipeline writes them, added to the food event (the seed's own posts carry Chinese names)."""
    now = data.now()
    post = Post(id="gov_board:vocab1", source="gov-board", platform="gov_board",
                url="https://ly.example.gov.cn/t/1", published_at=now - timedelta(hours=1), fetched_at=now,
                text="家长留言：渠县中学食堂饭菜变质，有家长到校门口讨说法。", title="关于渠县中学食堂的留言",
                author="家长", enrichment=Enrichment(model_version="vocab-test", schools=("quxian-zhongxue",),
                                                    sentiment=0.1, rumour_score=0.2,
                                                    incident_types=("food_safety", "school_disruption"),
                                                    event_id="ev-food", enriched_at=now))
    backend = data.backend()
    assert not backend.posts.upsert_many([post]).rejected
    event = backend.events.get_event("ev-food")
    backend.events.save_events([replace(event, post_ids=(post.id, *event.post_ids), representative_post_id=post.id,
                                        incident_types=("food_safety", "school_disruption"),
                                        spread_by_platform={**event.spread_by_platform, "gov_board": 1})])
    data.refresh()


def _day_of_work(seeded) -> dict[str, str]:
    _posts_as_nlp_writes_them()
    wf = data.workflow()
    user = {name: wf.users.by_username(name) for name in USERS}
    food, rumour = seeded.alert_ids["ev-food"], seeded.alert_ids["ev-rumour"]
    wf.alerts.start_review(user["reviewer"], food)
    wf.alerts.confirm(user["reviewer"], food)
    wf.alerts.set_facts(user["reviewer"], food, FACTS)
    wf.alerts.assign(user["reviewer"], food, unit_kind="school", unit="渠县中学", person="张主任",
                     deadline=data.now() + timedelta(days=1))
    wf.alerts.change_grade(user["reviewer"], rumour, "III", "传播范围扩大")
    with pytest.raises(PermissionDenied):
        wf.alerts.confirm(user["monitor"], rumour)
    release = wf.releases.draft(user["spokesperson"], food, "first_response")
    wf.releases.check_minors(user["spokesperson"], release.id)
    wf.releases.sign(user["spokesperson"], release.id)
    wf.releases.approve(user["leader"], release.id)
    wf.releases.publish(user["spokesperson"], release.id)
    posts = wf.alerts.get(SYSTEM, food).post_ids
    case = wf.escalations.open(user["monitor"], food, "rumour", "police", list(posts[:2]), "有人散布食物中毒谣言",
                               person="李警官", deadline=data.now() + timedelta(days=3))
    wf.escalations.attach(user["monitor"], case.id, "说明.txt", "网传截图说明".encode())
    wf.escalations.approve(user["leader"], case.id)
    wf.escalations.accept(user["police"], case.id)
    wf.escalations.add_feedback(user["police"], case.id, "已约谈发帖人", resolved=True)
    _worker_ran()
    return {"food": food, "release": release.id, "case": case.id}


# --- reading everything a page shows


def _strings(value, key: str = ""):
    if isinstance(value, dict):
        for name, item in value.items():
            if name not in _SKIPPED_KEYS:
                yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield value


def _frame_text(frame: pd.DataFrame, skip_columns=frozenset()) -> list[str]:
    texts = [str(c) for c in frame.columns]
    for column in frame.columns:
        if column in skip_columns:
            continue
        texts += ["None" if pd.isna(v) else str(v) for v in frame[column].tolist()]
    return texts


def _chart_text(proto) -> list[str]:
    texts = list(_strings(json.loads(proto.spec)))
    for dataset in proto.datasets:
        texts += _frame_text(convert_arrow_bytes_to_pandas_df(dataset.data.data))
    return texts


def _texts(node) -> list[str]:
    """Every string the element and its children put on the screen."""
    texts: list[str] = []
    if isinstance(node, Dataframe):
        return _frame_text(node.value, IDENTIFIER_COLUMNS)
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(node, "type", "") in ("arrow_vega_lite_chart", "vega_lite_chart"):
        texts += _chart_text(proto)
    elif proto is not None and not str(getattr(proto, "id", "")).endswith(IDENTIFIER_WIDGETS):
        try:
            texts += list(_strings(MessageToDict(proto)))
        except (TypeError, AttributeError):
            pass                          # a block without a message of its own
    for child in (getattr(node, "children", None) or {}).values():
        texts += _texts(child)
    return texts


def _normalised(text: str, people: list[str]) -> str:
    text = re.sub(r"\\(.)", r"\1", html.unescape(text))             # our Markdown escapes every punctuation
    for data_text in sorted((*WEB_TEXT, *people), key=len, reverse=True):
        text = text.replace(data_text, " ")
    return _LINKS_AND_PATHS.sub(" ", text)


def _forbidden() -> re.Pattern:
    profile = data.profile()
    words = (all_codes() - set(GRADES)) | {"None", "nan", "NaN", "null", "system", "anonymous"}
    words |= {s.name for s in profile.sources} | {s.id for s in profile.schools}
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(_WORD.format(f"(?:{alternatives})"))


def _problems(at, where: str, forbidden: re.Pattern, people: list[str]) -> list[str]:
    assert not at.exception, (where, at.exception)
    found = []
    for raw in _texts(at._tree):
        text = _normalised(raw, people)
        for match in list(forbidden.finditer(text)) + list(_GRADE_WITHOUT_LEVEL.finditer(text)):
            context = text[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
            found.append(f"{where}: {match.group()!r} in …{context}…")
    return found


def _views(at, ids: dict[str, str]):
    """Each page, plus the views a page only shows after a choice (the published release, the case, reports)."""
    for page in PAGES:
        at = open_page(at, page)
        yield page, at
        if page == "alerts":
            yield "alerts/selected", at.selectbox(key="review.selected").set_value(ids["food"]).run()
        elif page == "releases":
            at.selectbox(key="release.alert").set_value(ids["food"]).run()
            yield "releases/published", at.radio(key=f"release.chosen.{ids['food']}").set_value(ids["release"]).run()
        elif page == "escalations":
            yield "escalations/case", at.radio(key="escalation.chosen").set_value(ids["case"]).run()
        elif page == "report-center":
            yield "report-center/daily", submit(at, "生成报告")
            at.radio(key="reports.kind").set_value("special").run()
            yield "report-center/special", submit(at, "生成报告")


@pytest.mark.slow
@pytest.mark.parametrize("username", list(USERS))
def test_no_raw_code_on_any_page(seeded, username):
    ids = _day_of_work(seeded)
    forbidden = _forbidden()
    people = [name for name in data.workflow().users.display_names().values() if name]
    problems = []
    for where, at in _views(login(username), ids):
        problems += _problems(at, f"{username} {where}", forbidden, people)
        if where == "overview":                     # the worker's jobs and sources are part of what is checked
            shown = "\n".join(_texts(at._tree))
            assert "研判与预警" in shown and "微博·关键词搜索" in shown, "the dashboard shows no worker status"
    assert not problems, "raw codes on screen:\n" + "\n".join(dict.fromkeys(problems))


def test_the_check_catches_a_raw_code(seeded):
    """The scanner itself: a platform code, "None" and a bare grade on a page are found."""
    forbidden = _forbidden()
    assert forbidden.search("来源：weibo · 等级") and forbidden.search("说明：None")
    assert forbidden.search("采集·gov-board") and forbidden.search("操作 escalation.attach")
    assert not forbidden.search("微博 · RSS订阅 · yuqing worker · SHA-256")
    assert _GRADE_WITHOUT_LEVEL.search("等级由 IV 调整为 II") and not _GRADE_WITHOUT_LEVEL.search("II级（重大） IV 级")
    assert "weibo" not in _normalised("原文地址：https://weibo.example.cn/p/1", [])
    assert "admin" not in _normalised("邮箱：admin@example.cn；", [])
