"""A small, real deployment for the console tests: posts in the embedded SQLite store, events in the
event store, demo users of every role and alerts raised by the workflow services, all under one data
folder. Written by us for the tests (no rows of shared data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.event import Event, TimelinePoint
from core.post import Enrichment, Post, PostCopy
from core.settings import load_settings
from core.workflow import SYSTEM
from infra.runtime import open_runtime

PASSWORD = "demo-pass-2026"
USERS = {"monitor": "monitor", "reviewer": "reviewer", "spokesperson": "spokesperson", "leader": "leader",
         "police": "police_liaison", "admin": "admin"}
DISPLAY_NAMES = {"monitor": "王舆情", "reviewer": "李审核", "spokesperson": "张发言", "leader": "赵值班",
                 "police": "刘联络", "admin": "陈管理"}
SCRIPT_TEXT = "<script>alert('xss')</script>渠县中学门口有人聚集 [点我](http://evil.example/) :red[假消息]"


@dataclass(frozen=True)
class Seeded:
    data_dir: Path
    event_ids: tuple[str, ...]
    alert_ids: dict[str, str]            # event id -> alert id
    script_post_id: str


def _post(n: int, now: datetime, text: str, *, platform: str = "weibo", school: str = "quxian-zhongxue",
          sentiment: float = 0.2, rumour: float = 0.1, event_id: str | None = None, title: str = "",
          hours_ago: float = 1.0) -> Post:
    published = now - timedelta(hours=hours_ago)
    return Post(
        id=f"{platform}:seed{n}", source=f"{platform}-search", platform=platform,
        url=f"https://{platform}.example.cn/p/{n}", published_at=published, fetched_at=published + timedelta(minutes=5),
        text=text, title=title, author=f"网友{n}", reposts=n * 3, comments=n, likes=n * 5,
        raw={"id": n, "text": text}, page=f"<html><body>{n}</body></html>", capture_method="seed (tests)",
        copies=(PostCopy(platform="news", url=f"https://news.example.cn/c/{n}"),) if n % 3 == 0 else (),
        enrichment=Enrichment(model_version="seed-1", schools=(school,), sentiment=sentiment, rumour_score=rumour,
                              rumour_cues=("网传",) if rumour >= 0.5 else (), incident_types=("food_safety",),
                              event_id=event_id, enriched_at=published + timedelta(minutes=10)))


def _posts(now: datetime) -> list[Post]:
    food = [_post(i, now, f"渠县中学食堂饭菜疑似变质，多名学生反映肚子疼，第{i}条讨论", event_id="ev-food",
                  rumour=0.2 + 0.1 * i, hours_ago=3 - i * 0.4) for i in range(1, 6)]
    rumour = [_post(10 + i, now, f"网传渠县第二中学发生打架事件，有人受伤，未经证实 {i}", platform="tieba",
                    school="quxian-erzhong", rumour=0.8, event_id="ev-rumour", hours_ago=2 - i * 0.3)
              for i in range(1, 4)]
    calm = [_post(20, now, "渠县第三中学举办秋季运动会，学生积极参与", platform="news", school="quxian-sanzhong",
                  sentiment=0.9, title="渠县三中秋季运动会开幕", event_id="ev-calm", hours_ago=20)]
    script = [_post(30, now, SCRIPT_TEXT, title="<b>加粗标题</b>", event_id="ev-food", hours_ago=0.5)]
    return food + rumour + calm + script


def _events(now: datetime, posts: list[Post]) -> list[Event]:
    def make(event_id: str, title: str, grade: str, rumour_share: float, school: str) -> Event:
        members = [p for p in posts if p.enrichment and p.enrichment.event_id == event_id]
        first = min(p.published_at for p in members)
        return Event(id=event_id, title=title, schools=(school,), incident_types=("food_safety",), first_seen=first,
                     last_seen=max(p.published_at for p in members), post_ids=tuple(p.id for p in members),
                     representative_post_id=members[0].id, post_count=len(members),
                     spread_by_platform={"weibo": len(members), "news": 1}, engagement=100, heat=42.0 + len(members),
                     grade=grade, grade_reasons=("负面信息集中",), rumour_share=rumour_share, negative_share=0.8,
                     timeline=tuple(TimelinePoint(at=p.published_at, posts=1) for p in members),
                     updated_at=now, detected_at=first + timedelta(minutes=15))

    return [make("ev-food", "渠县中学食堂饭菜疑似变质", "II", 0.2, "quxian-zhongxue"),
            make("ev-rumour", "网传渠县第二中学打架事件", "IV", 1.0, "quxian-erzhong"),
            make("ev-calm", "渠县三中秋季运动会", "IV", 0.0, "quxian-sanzhong")]        # raises no alert


def seed(data_dir: Path) -> Seeded:
    """Fill ``data_dir`` with posts, events, users and alerts; returns what the tests refer to."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # A config file name that does not exist: a ./yuqing.toml of the checkout must not leak into the seed.
    settings = load_settings(environ={"YUQING_DATA_DIR": str(data_dir), "YUQING_CONFIG": str(data_dir / "-.toml")})
    now = datetime.now(timezone.utc)
    # Low bcrypt cost keeps the tests quick; the hash records its cost, so logins stay quick too.
    with open_runtime(settings, bcrypt_rounds=4) as runtime:
        posts = _posts(now)
        report = runtime.posts.upsert_many(posts)
        assert not report.rejected, report.rejected
        events = _events(now, posts)
        runtime.events.save_events(events)
        workflow = runtime.workflow
        for username, role in USERS.items():
            workflow.users.create(SYSTEM, username, PASSWORD, role, display_name=DISPLAY_NAMES[username],
                                  email=f"{username}@example.cn", unit="渠县教育局", on_duty=role == "leader")
        workflow.alerts.raise_from_events(events)
        alert_ids = {e.id: alert.id for e in events if (alert := workflow.alerts.for_event(e.id))}
    return Seeded(data_dir=data_dir, event_ids=tuple(e.id for e in events), alert_ids=alert_ids,
                  script_post_id="weibo:seed30")
