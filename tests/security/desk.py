"""A real installation for the security tests: settings resolved as an entry point resolves them, the runtime
over a SQLite state database and a SQLite post store in a temporary folder, one user per role, and helpers
that walk a case the way people do (crawled posts in, an event and alert, an escalation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.clock import ManualClock
from core.event import Event
from core.settings import load_settings
from core.workflow import SYSTEM
from infra.runtime import Runtime, open_runtime

T0 = datetime(2026, 11, 29, 1, 0, tzinfo=timezone.utc)
PASSWORD = "correct-horse-1"
ROLES = ("monitor", "reviewer", "spokesperson", "leader", "police_liaison", "admin")
AUDIT_KEY = "test-audit-key-not-for-production"


@dataclass
class Desk:
    runtime: Runtime
    clock: ManualClock
    users: dict
    folder: Path

    @property
    def wf(self):
        return self.runtime.workflow

    def close(self) -> None:
        self.runtime.close()


def open_desk(folder: Path, *, with_users: bool = True, **overrides) -> Desk:
    """The runtime for a data folder under ``folder`` (the anchor file in a folder of its own beside it)."""
    values = {"data_dir": str(folder / "data"), "audit_hmac_key": AUDIT_KEY,
              "audit_anchor_file": str(folder / "anchor" / "audit-heads.jsonl"),
              "publish_base_url": "https://www.example.gov.cn/xxgk/"}
    values.update(overrides)
    settings = load_settings(environ={}, overrides=values)
    clock = ManualClock(T0)
    runtime = open_runtime(settings, clock=clock, bcrypt_rounds=4)
    users = {}
    if with_users:
        users = {role: runtime.workflow.users.create(SYSTEM, role.replace("_", "-"), PASSWORD, role,
                                                     display_name=f"{role} 用户", on_duty=role == "leader")
                 for role in ROLES}
    return Desk(runtime=runtime, clock=clock, users=users, folder=folder)


def crawled(number: int, title: str = "渠县二中食堂问题", text: str = "渠县二中食堂饭菜变质，学生腹痛") -> dict:
    """A crawled item as the crawl pipeline hands it to the store."""
    return {"id": f"weibo:{number}", "source": "weibo-search", "platform": "weibo",
            "url": f"https://m.weibo.cn/detail/{number}", "published_at": (T0 - timedelta(minutes=number)).isoformat(),
            "fetched_at": T0.isoformat(), "title": title, "text": text, "author": f"网友{number}",
            "raw": {"mid": str(number), "text": text}, "page": f"<html><body>{text}</body></html>",
            "capture_method": "scrapy crawl weibo (yuqing test)"}


def event(event_id: str = "ev-1", title: str = "渠县二中食堂问题", post_ids=("weibo:1", "weibo:2")) -> Event:
    return Event(id=event_id, title=title, schools=("quxian-erzhong",), incident_types=("food_safety",),
                 first_seen=T0 - timedelta(hours=1), last_seen=T0, post_ids=tuple(post_ids),
                 representative_post_id=post_ids[0], post_count=len(post_ids), grade="II", rumour_share=0.5,
                 heat=60.0, spread_by_platform={"weibo": len(post_ids)})


def open_case(desk: Desk, summary: str = "网传渠县二中食堂饭菜变质，经查不实，系恶意炒作。", posts: int = 2,
              event_title: str = "渠县二中食堂问题"):
    """Crawled posts stored, their event saved and alerted, and an escalation opened by the monitor."""
    desk.runtime.posts.upsert_many([crawled(n) for n in range(1, posts + 1)])
    ids = tuple(f"weibo:{n}" for n in range(1, posts + 1))
    desk.runtime.events.save_events([event(title=event_title, post_ids=ids)])
    alert = desk.wf.alerts.raise_from_events([desk.runtime.events.get_event("ev-1")])[0]
    return desk.wf.escalations.open(desk.users["monitor"], alert.id, "rumour", "police", ids, summary)
