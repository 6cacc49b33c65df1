"""Factories and constants shared by the workflow tests (imported by name: tests have no packages)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.event import Event

T0 = datetime(2026, 11, 29, 0, 0, tzinfo=timezone.utc)
PASSWORD = "correct-horse-1"
ROLES = ("monitor", "reviewer", "spokesperson", "leader", "police_liaison", "admin")
FACTS = {"occurred_at": "11月28日下午", "incident_summary": "一名学生在课间活动时摔倒受伤，已送医，无生命危险。",
         "measures": ["学校已通知家长", "县教育局工作组已进驻"]}


def make_event(event_id="ev-1", grade="III", rumour_share=0.0, post_count=5, first_seen=T0, **extra) -> Event:
    return Event(id=event_id, title=extra.pop("title", "渠县第二中学学生受伤"), schools=("qx-no2",),
                 incident_types=("injury",), first_seen=first_seen, last_seen=first_seen + timedelta(hours=1),
                 post_ids=extra.pop("post_ids", ("weibo:1", "weibo:2")), representative_post_id="weibo:1",
                 post_count=post_count, grade=grade, rumour_share=rumour_share, heat=extra.pop("heat", 40.0), **extra)


def denied(wf, action: str) -> list:
    return [e for e in wf.audit.entries(limit=None, newest_first=False) if e.outcome == "denied" and e.action == action]
