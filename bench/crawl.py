"""Crawl benchmarks on the simulated web (``python -m bench --only crawl [--crawl-posts N]``).

1. Throughput: a synthetic scenario of N posts (Weibo, news, Tieba, message board, RSS) served at once; every
   profile source crawled by real ``scrapy crawl`` subprocesses (two at a time, as on a 2-core machine) with
   politeness off into a fresh SQLite store. Figure: stored posts per second of wall time, subprocess start-up
   included. Target: at least 150 posts/s.
2. Publish-to-row latency with a 60 s polling interval, on a scaled clock: posts are published at random
   moments over a drill window; the poller advances the simulated web's clock by 60 s of drill time per
   poll and then runs a real crawl of the sources (weibo-search and gov-board, in parallel) whose wall time
   ``d`` is measured. A post published at drill time t and first found in the store after the poll at drill
   time T has latency (T - t) + d: the wait for the next poll is simulated, the crawl and the write are real.
   Target: p95 at most 75 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from core.clock import CHINA_TZ
from core.profile import load_profile
from core.settings import load_settings
from core.storage import PostQuery
from infra.cli.crawl import crawl_source
from infra.runtime import open_runtime
from infra.simweb import SimWeb
from infra.simweb.scenario import Scenario, ScenarioPost, native_number
from infra.storage.sqlite import SqlitePostStore

START = datetime(2026, 12, 1, 8, 0, tzinfo=CHINA_TZ)
_WORDS = ("学校", "食堂", "家长", "老师", "学生", "门口", "交警", "教育局", "通报", "检查", "安全", "宿舍", "午餐",
          "放学", "上学", "县城", "街道", "社区", "视频", "网友", "消息", "回应", "调查", "整改", "会议", "活动")
_SCHOOLS = ("渠县中学", "渠县第二中学", "渠县实验中学", "渠县文华小学", "渠县第一小学", "三汇中学", "土溪中学")
_MIX = (("weibo", 0.5), ("news", 0.17), ("tieba", 0.17), ("gov_board", 0.16))


def synthetic_text(rng: random.Random, number: int) -> str:
    """About 120 characters of distinct text (no two are near-copies), always naming the county."""
    words = [rng.choice(_WORDS) for _ in range(40)]
    return f"渠县{rng.choice(_SCHOOLS)}第{number}号消息：" + "".join(words) + f"。编号{number * 7919 % 100003}"


def synthetic_scenario(count: int, window_min: float, platforms: tuple[tuple[str, float], ...] = _MIX,
                       seed: int = 7) -> Scenario:
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        platform = rng.choices([p for p, _ in platforms], [w for _, w in platforms])[0]
        key = f"s{i:05d}"
        posts.append(ScenarioPost(
            key=key, platform=platform, at_min=round(rng.uniform(0, window_min), 3), author=f"用户{i % 97}",
            text=synthetic_text(rng, i), title=f"渠县学校第{i}号帖子" if platform != "weibo" else "",
            native_id=native_number("bench", key, {"weibo": 16, "tieba": 10, "gov_board": 8}.get(platform, 7)),
            uid=native_number("user", str(i % 97), 10)))
    return Scenario(id="bench", title="bench", start=START, speed=1.0, posts=posts)


def _settings(web: SimWeb, data_dir: Path):
    return load_settings(environ={}, overrides={
        "data_dir": str(data_dir), "crawl_polite": "false", "crawl_base_url": web.url, "crawl_max_pages": "100000",
        "crawl_batch_size": "500", **{k: str(v) for k, v in web.clock_settings().items()}})


def _crawl(settings, names: list[str], parallel: int = 2) -> float:
    started = time.perf_counter()
    with open_runtime(settings) as runtime, ThreadPoolExecutor(parallel) as pool:
        runs = list(pool.map(lambda n: crawl_source(runtime, n, quiet=True, time_limit=600), names))
    failed = [r.source for r in runs if r.finish_reason != "finished" or r.blocked]
    if failed:
        raise RuntimeError(f"crawl of {failed} did not finish cleanly")
    return time.perf_counter() - started


def throughput(count: int) -> None:
    scenario = synthetic_scenario(count, window_min=600)
    web = SimWeb(scenario, at_min=601).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder:
            names = [s.name for s in load_profile().sources]
            elapsed = _crawl(_settings(web, Path(folder)), names)
            store = SqlitePostStore(Path(folder) / "posts.db")
            stored = store.count()
            store.close()
    finally:
        web.stop()
    load = os.getloadavg()[0]
    print(f"throughput: machine load average {load:.1f} on {os.cpu_count()} cores while measuring")
    print(f"throughput: {stored} of {count} posts from the simulated web into SQLite in {elapsed:.1f} s "
          f"(7 sources, 2 subprocesses at a time, politeness off): {stored / elapsed:.0f} posts/s (target >= 150)")


def latency(polls: int, per_poll: float, interval_s: float = 60.0) -> None:
    window = polls * interval_s / 60
    scenario = synthetic_scenario(int(polls * per_poll), window_min=window,
                                  platforms=(("weibo", 0.6), ("gov_board", 0.4)), seed=11)
    web = SimWeb(scenario, at_min=0).start()
    first_seen: dict[str, float] = {}
    durations = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
            for poll in range(1, polls + 2):
                web.set_minute(poll * interval_s / 60)
                duration = _crawl(_settings(web, Path(folder)), ["weibo-search", "gov-board"])
                durations.append(duration)
                store = SqlitePostStore(Path(folder) / "posts.db")
                stored = {p.id for p in store.search(PostQuery(), limit=100000).posts}
                store.close()
                for post in scenario.posts:
                    post_id = scenario.expected_post_id(post.key)
                    if post_id in stored and post_id not in first_seen:
                        first_seen[post_id] = poll * interval_s - post.at_min * 60 + duration
    finally:
        web.stop()
    values = sorted(first_seen.values())
    missing = len(scenario.posts) - len(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    print(f"latency: {len(values)} posts ({missing} never stored), polling every {interval_s:.0f} s of drill time; "
          f"crawl+write per poll {statistics.median(durations):.1f} s median, {max(durations):.1f} s max")
    print(f"latency: publish-to-row p50 {statistics.median(values):.1f} s, p95 {p95:.1f} s, max {values[-1]:.1f} s "
          f"(target p95 <= 75 s)")


def run(args: argparse.Namespace) -> None:
    parser = argparse.ArgumentParser(prog="bench.crawl")
    parser.add_argument("--crawl-posts", type=int, default=3000, help="posts in the throughput scenario")
    parser.add_argument("--latency-polls", type=int, default=12, help="polls in the latency run")
    own, _ = parser.parse_known_args(getattr(args, "rest", []) or [])
    throughput(own.crawl_posts)
    latency(own.latency_polls, per_poll=5)
