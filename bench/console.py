"""Console page latency: how long each page takes to draw (one Streamlit script run through AppTest, the
same code path a browser triggers) on an embedded store of synthetic posts, cold (empty caches) and warm.

``python -m bench --only console [--console-posts 20000] [--console-runs 5]``"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.synthetic import PostFactory
from console import data
from core.event import Event, TimelinePoint
from core.settings import load_settings
from core.workflow import SYSTEM
from infra.runtime import open_runtime

PAGES = ["overview", "posts", "events", "alerts", "releases", "escalations", "ledger-book", "report-center",
         "audit-log", "admin"]
PASSWORD = "bench-password-1"


def _options(args) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.console")
    parser.add_argument("--console-posts", type=int, default=20_000)
    parser.add_argument("--console-runs", type=int, default=5)
    known, _ = parser.parse_known_args(getattr(args, "rest", []) or [])
    return known


def _events(posts) -> list:
    groups = defaultdict(list)
    for post in posts:
        if post.enrichment and post.enrichment.event_id:
            groups[post.enrichment.event_id].append(post)
    events = []
    for number, (event_id, members) in enumerate(sorted(groups.items(), key=lambda kv: -len(kv[1]))[:60]):
        members.sort(key=lambda p: p.published_at)
        platforms = defaultdict(int)
        for post in members:
            platforms[post.platform] += 1
        events.append(Event(
            id=event_id, title=(members[0].title or members[0].text)[:24], schools=members[0].enrichment.schools,
            incident_types=members[0].enrichment.incident_types, first_seen=members[0].published_at,
            last_seen=members[-1].published_at, post_ids=tuple(p.id for p in members),
            representative_post_id=members[0].id, post_count=len(members), spread_by_platform=dict(platforms),
            heat=float(len(members)), grade=("II", "III", "IV", "IV")[number % 4], rumour_share=0.2,
            timeline=tuple(TimelinePoint(at=p.published_at, posts=1) for p in members[:200])))
    return events


def _seed(data_dir: Path, count: int) -> None:
    settings = load_settings(environ={"YUQING_DATA_DIR": str(data_dir), "YUQING_CONFIG": str(data_dir / "-.toml")})
    factory = PostFactory(days=30, end=datetime.now(timezone.utc))
    with open_runtime(settings, bcrypt_rounds=4) as runtime:
        posts = []
        for start in range(0, count, 2_000):
            batch = factory.batch(start, min(count, start + 2_000))
            runtime.posts.upsert_many(batch)
            posts.extend(batch)
        events = _events(posts)
        runtime.events.save_events(events)
        runtime.workflow.users.create(SYSTEM, "leader", PASSWORD, "leader", on_duty=True)
        runtime.workflow.alerts.raise_from_events(events)


def _open(at, url_path: str):
    wanted = "" if url_path == "overview" else url_path
    for page_hash, info in at._registered_pages.items():
        if info.get("url_pathname") == wanted:
            at._page_hash = page_hash
            return at.run()
    raise RuntimeError(f"no page {url_path}")


def run(args) -> None:
    options = _options(args)
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        started = time.perf_counter()
        _seed(data_dir, options.console_posts)
        print(f"seeded {options.console_posts} posts in {time.perf_counter() - started:.1f} s")
        os.environ["YUQING_DATA_DIR"] = str(data_dir)
        os.environ["YUQING_CONFIG"] = str(data_dir / "-.toml")       # no ./yuqing.toml of the checkout
        data.bind(load_settings())

        at = AppTest.from_file(str(root / "console" / "app.py"), default_timeout=120).run()
        at.session_state["auth.token"] = data.workflow().users.login("leader", PASSWORD).token
        at.run()
        print(f"{'page':<15}{'cold ms':>10}{'warm p50 ms':>14}{'warm max ms':>14}")
        for page in PAGES:
            st.cache_data.clear()
            began = time.perf_counter()
            _open(at, page)
            cold = (time.perf_counter() - began) * 1000
            if at.exception:
                print(f"{page:<15} error: {at.exception[0].value}")
                continue
            warm = []
            for _ in range(options.console_runs):
                began = time.perf_counter()
                at.run()
                warm.append((time.perf_counter() - began) * 1000)
            print(f"{page:<15}{cold:>10.0f}{statistics.median(warm):>14.0f}{max(warm):>14.0f}")
