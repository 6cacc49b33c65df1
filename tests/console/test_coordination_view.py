"""协同传播分析 in the console: the event page shows the score, the reasons and the crew; the escalation form
offers 恶意炒作 with a summary drawn from the analysis."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from console import data
from core.event import Event
from tests.console.conftest import login, open_page, texts

CREW = ("渠江夜话", "达州小灵通", "川东说事", "宕渠路人乙", "看点渠县", "巴山夜雨说", "城事快报君", "渠城观察员")
SLOTS = ("学校", "校长", "教育局", "班主任", "学校领导", "县里", "镇上", "校方")


def _hype_event() -> None:
    """A crew of eight posting one template within five minutes, stored and grouped as the worker would."""
    now = datetime.now(timezone.utc) - timedelta(hours=2)
    posts = [{"id": f"weibo:h{n}", "source": "weibo-search", "platform": "weibo",
              "url": f"https://m.weibo.cn/detail/h{n}", "published_at": now + timedelta(seconds=40 * n),
              "fetched_at": now + timedelta(hours=1), "author": author,
              "text": f"扩散！渠县二中老师把学生打成重伤送医，{slot}到现在还在封锁消息，必须给个说法！",
              "raw": {"user": {"id": 9100 + n, "screen_name": author, "followers_count": 20 + n}}}
             for n, (author, slot) in enumerate(zip(CREW, SLOTS))]
    runtime = data.backend().runtime
    runtime.posts.upsert_many(posts)
    runtime.events.save_events([Event(
        id="ev-hype", title="渠县二中“老师打伤学生”传言", schools=("quxian-erzhong",), incident_types=("violence",),
        first_seen=now, last_seen=now + timedelta(minutes=5), post_ids=tuple(p["id"] for p in posts),
        representative_post_id="weibo:h0", post_count=len(posts), grade="II", heat=60.0, updated_at=now)])
    data.refresh()


def test_event_page_shows_the_coordination_score_reasons_and_crew(seeded):
    _hype_event()
    at = open_page(login("monitor"), "events")
    at.selectbox(key="event.selected").set_value("ev-hype").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    score = int(metrics["协同度评分"].split("/")[0])
    assert score >= 60 and metrics["可疑账号"] == "8"
    shown = texts(at)
    assert "疑似有组织炒作" in shown and "8 个账号在 5 分钟内发布几乎相同的文字" in shown
    [crew_table] = [d.value for d in at.dataframe if "命中检测项" in d.value.columns]
    assert set(crew_table["账号"]) == set(CREW)


def test_a_calm_event_says_no_coordination_was_seen(seeded):
    at = open_page(login("monitor"), "events")
    at.selectbox(key="event.selected").set_value("ev-calm").run()
    assert "未见明显协同炒作迹象" in texts(at)
