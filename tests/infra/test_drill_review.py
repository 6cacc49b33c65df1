"""The after-action report's facts (infra/drill/review.py) over a real runtime: the first post is the
earliest one published, an alert a monitor raised by hand is reported as such, a police referral is on the
timeline, and each improvement is listed once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.clock import ManualClock
from core.event import Event
from core.post import Post
from core.settings import load_settings
from core.workflow import SYSTEM
from infra.drill.review import milestones, review_context
from infra.runtime import open_runtime

T0 = datetime(2026, 11, 29, 0, 0, tzinfo=timezone.utc)


def _post(n: int, minutes: int) -> Post:
    at = T0 + timedelta(minutes=minutes)
    return Post(id=f"weibo:{n}", source="weibo-search", platform="weibo", url=f"https://weibo.com/1/{n}",
                published_at=at, fetched_at=at, text=f"网传渠县第二中学学生打架 {n}", author=f"网友{n}")


def test_the_after_action_report_tells_what_happened(tmp_path):
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path)})
    clock = ManualClock(T0 + timedelta(hours=1))
    with open_runtime(settings, clock=clock, bcrypt_rounds=4) as runtime:
        posts = [_post(1, 10), _post(2, 3), _post(3, 20)]          # the earliest is not the first listed
        runtime.posts.upsert_many(posts)
        event = Event(id="ev-1", title="网传渠县第二中学打架", schools=(), incident_types=("violence",),
                      first_seen=T0 + timedelta(minutes=10), last_seen=T0 + timedelta(minutes=20),
                      post_ids=tuple(p.id for p in posts), representative_post_id="weibo:1", post_count=3,
                      grade="IV", rumour_share=0.0, heat=10.0, detected_at=T0 + timedelta(minutes=25))
        runtime.events.save_events([event])
        wf = runtime.workflow
        for name, role, display in (("monitor", "monitor", "王舆情"), ("reviewer", "reviewer", "李审核"),
                                    ("leader", "leader", "赵值班")):
            wf.users.create(SYSTEM, name, "demo-pass-2026", role, display_name=display)
        person = wf.users.by_username
        alert = wf.alerts.raise_manual(person("monitor"), event, "校外人员聚集，规则未触发")
        wf.alerts.start_review(person("reviewer"), alert.id)
        wf.alerts.confirm(person("reviewer"), alert.id)
        wf.escalations.open(person("monitor"), alert.id, "rumour", "police", ["weibo:1"], "编造伤亡谣言")
        items = milestones(wf, runtime.events, clock.now(), runtime.posts)
        context = review_context("演练", "打架谣言", T0, clock.now(), items + items)     # two alike incidents
    lines = [row["what"] for row in context["timeline"]]
    assert items[0].first_post == T0 + timedelta(minutes=3)
    assert "王舆情人工发起预警" in lines and "系统发出预警" not in lines
    assert "发起移交公安机关（谣言）" in lines
    assert len(context["improvements"]) == len(set(context["improvements"]))
