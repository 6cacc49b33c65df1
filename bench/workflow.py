"""Workflow figures: raising alerts from events, the clock tick, the minors' check, the audit-chain
verification and an evidence pack, on the state database of a deployment in a temporary folder."""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.clock import ManualClock
from core.event import Event
from core.post import Post
from core.settings import load_settings
from core.workflow import SYSTEM
from core.workflow.evidence import build_pack, verify_pack
from core.workflow.masking import mask_minors
from core.workflow.model import Escalation, EscalationKind, EscalationStatus, EscalationTarget
from infra.runtime import open_runtime

EVENTS = 300
START = datetime(2026, 11, 29, tzinfo=timezone.utc)


def _timed(label: str, count: int, unit: str, work) -> None:
    began = time.perf_counter()
    work()
    spent = time.perf_counter() - began
    print(f"workflow  {label:<34} {count:>6} {unit:<8} {spent:7.2f} s  {count / spent if spent else 0:9.1f} {unit}/s")


def run(args) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(START)
        settings = load_settings(environ={"YUQING_CONFIG": str(Path(folder) / "-.toml")},
                                 overrides={"data_dir": folder})
        runtime = open_runtime(settings, clock=clock, bcrypt_rounds=4)
        wf = runtime.workflow
        events = [Event(id=f"ev-{i}", title=f"事件{i}", schools=("s",), incident_types=(), first_seen=START,
                        last_seen=START, post_ids=("p",), representative_post_id="p", post_count=3,
                        grade="II" if i % 3 == 0 else "III") for i in range(EVENTS)]
        _timed("raise alerts from events", EVENTS, "events", lambda: wf.alerts.raise_from_events(events))
        _timed("re-raise (idempotent refresh)", EVENTS, "events", lambda: wf.alerts.raise_from_events(events))
        clock.set(START + timedelta(hours=4))
        clocks = len(wf.clocks.active())
        _timed("clock tick", clocks, "clocks", wf.clocks.tick)
        text = ("受伤的是初二(3)班王某某，家住滨江小区3栋2单元501室，家长电话13812345678。县教育局已派工作组进驻。" * 20)
        _timed("minors' check (2 KB texts)", 200, "texts", lambda: [mask_minors(text) for _ in range(200)])
        entries = len(wf.audit.entries(limit=None))
        _timed("audit chain verification", entries, "entries", wf.audit.verify)
        posts = [Post(id=f"weibo:{i}", source="s", platform="weibo", url=f"https://e.x/{i}", published_at=START,
                      fetched_at=START, text="x" * 200, raw={"mid": i, "text": "x" * 500}, page="<html>" + "y" * 20000)
                 for i in range(200)]
        case = Escalation(id="E-bench", alert_id="A", kind=EscalationKind.RUMOUR, target=EscalationTarget.POLICE,
                          status=EscalationStatus.SENT, summary="bench", post_ids=tuple(p.id for p in posts),
                          created_by=SYSTEM.username, created_at=START)
        pack = Path(folder) / "pack.zip"
        _timed("evidence pack build (200 posts)", 200, "posts",
               lambda: build_pack(pack, case, posts, "bench", START))
        _timed("evidence pack verify (200 posts)", 200, "posts", lambda: verify_pack(pack))
        runtime.close()
