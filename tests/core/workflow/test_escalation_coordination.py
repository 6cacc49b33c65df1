"""A 恶意炒作 case's evidence pack carries the coordination analysis under the same hashed manifest."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import docx
import pytest

from core.monitoring import MonitoringService
from core.workflow.evidence import verify_pack
from infra.state import open_state_database
from infra.storage.sqlite import SqlitePostStore
from nlp.coordination.service import CoordinationAnalyst
from workflow_factories import T0, make_event

CREW = ("渠江夜话", "达州小灵通", "川东说事", "宕渠路人乙", "看点渠县", "巴山夜雨说", "城事快报君", "渠城观察员")
SLOTS = ("学校", "校长", "教育局", "班主任", "学校领导", "县里", "镇上", "校方")


def _post(number: int, author: str, text: str, minutes: float, followers: int) -> dict:
    return {"id": f"weibo:{number}", "source": "weibo-search", "platform": "weibo",
            "url": f"https://m.weibo.cn/detail/{number}", "published_at": T0 + timedelta(minutes=minutes),
            "fetched_at": T0 + timedelta(hours=1), "text": text, "author": author,
            "raw": {"mid": str(number), "user": {"id": 7000 + number, "screen_name": author,
                                                  "followers_count": followers, "verified": False}},
            "capture_method": "scrapy crawl weibo"}


def _posts() -> list[dict]:
    posts = [_post(1, "渠江边的王姐", "渠县二中下午好像有个学生在楼梯上摔了，看到救护车开进学校", 0, 800)]
    for n, (author, slot) in enumerate(zip(CREW, SLOTS)):
        posts.append(_post(10 + n, author, f"扩散！渠县二中老师把学生打成重伤送医，{slot}到现在还在封锁消息，必须给个说法！",
                           20 + n * 0.6, 15 + n))
    posts.append(_post(30, "渠县家长李先生", "孩子也在二中读书，真有老师打学生？有没有知情的说一下", 40, 300))
    return posts


@pytest.fixture
def hype_case(make_workflow, users_factory, tmp_path):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many(_posts())
    state = open_state_database(f"sqlite:///{tmp_path / 'events.db'}")
    event = make_event(event_id="ev-hype", post_ids=tuple(p["id"] for p in _posts()), post_count=len(_posts()))
    state.events.save_events([event])
    wf = make_workflow(post_store=store, event_store=state.events,
                       spread_analyst=CoordinationAnalyst(store, state.events))
    users = users_factory(wf)
    alert = wf.alerts.raise_from_events([event])[0]
    case = wf.escalations.open(users["monitor"], alert.id, "malicious_hype", "police", ["weibo:10", "weibo:11"],
                               "多个账号短时间内集中发布相同不实信息。", person="王警官", deadline=T0 + timedelta(days=3))
    yield wf, users, case
    store.close()
    state.close()


@pytest.fixture
def users_factory():
    from workflow_factories import PASSWORD, ROLES  # noqa: F401  (same users as the `users` fixture)
    from core.workflow import SYSTEM

    def make(wf):
        return {role: wf.users.create(SYSTEM, role.replace("_", "-"), PASSWORD, role, display_name=f"{role} 用户",
                                      on_duty=role == "leader", email=f"{role}@example.gov.cn") for role in ROLES}
    return make


def test_the_pack_carries_the_coordination_analysis_under_its_manifest(hype_case):
    wf, users, case = hype_case
    sent = wf.escalations.approve(users["leader"], case.id)
    pack = wf.escalations.pack_bytes(users["leader"], case.id)
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        analysis = json.loads(archive.read("analysis/coordination.json"))
        summary = docx.Document(io.BytesIO(archive.read("summary.docx")))
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed["analysis/coordination.json"]["method_version"] == analysis["method_version"]
    assert analysis["score"] >= analysis["alert_line"] and analysis["verdict"] == "疑似有组织炒作"
    assert {a["name"] for a in analysis["accounts"]} == set(CREW)
    assert {"weibo:1", "weibo:30"}.isdisjoint(analysis["flagged_posts"])
    assert any(s["code"] == "copy_burst" and s["measurements"]["largest_burst_accounts"] == 8
               for s in analysis["signals"])
    assert all(a["first_post_at"].endswith("+08:00") for a in analysis["accounts"])
    text = "\n".join(p.text for p in summary.paragraphs)
    assert "协同传播（恶意炒作）分析" in text and "疑似有组织炒作" in text and "不能替代调查取证" in text
    assert verify_pack(sent.pack_path, sent.pack_sha256).ok


def test_the_worker_tells_people_of_suspected_hype_on_an_open_alert(hype_case, tmp_path):
    wf, users, case = hype_case
    monitoring = MonitoringService(wf.escalations.post_store, None, None, wf, wf.clock,
                                   spread_analyst=wf.escalations.spread_analyst)
    triggers = monitoring.hype_triggers()
    assert [t.kind for t in triggers] == ["hype_suspected"]
    assert triggers[0].title == "【疑似恶意炒作】渠县第二中学学生受伤"
    assert "协同度评分" in triggers[0].body and all(name in triggers[0].body for name in CREW)
    wf.alerts.dismiss(users["reviewer"], case.alert_id, "经核实为正常讨论")
    assert monitoring.hype_triggers() == []


def test_a_pack_without_an_analyst_has_no_analysis(ewf_plain, users):
    alert = ewf_plain.alerts.raise_from_events([make_event(post_ids=("weibo:1",))])[0]
    case = ewf_plain.escalations.open(users["monitor"], alert.id, "rumour", "police", ["weibo:1"], "谣言。",
                                      person="王警官", deadline=T0 + timedelta(days=3))
    ewf_plain.escalations.approve(users["leader"], case.id)
    with zipfile.ZipFile(io.BytesIO(ewf_plain.escalations.pack_bytes(users["leader"], case.id))) as archive:
        assert "analysis/coordination.json" not in archive.namelist()


@pytest.fixture
def ewf_plain(make_workflow, tmp_path):
    store = SqlitePostStore(tmp_path / "plain.db")
    store.upsert_many(_posts()[:1])
    yield make_workflow(post_store=store)
    store.close()
