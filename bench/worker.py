"""End-to-end latency of the running system, and the worker's CPU share while idle.

A synthetic incident of 60 posts (Weibo and Tieba) is published on the simulated web over 100 seconds of
*real* time (speed 1, no scaled clock), while a real `yuqing worker` crawls both sources every 60 s
(`scrapy crawl` subprocesses, politeness off as for any local site), enriches, clusters and raises alerts.
For each post the bench records when it was published (ground truth), when it reached the store, and when
it became visible to a reviewer: enriched and part of an event that has an alert in the review queue.
Then it measures the worker's CPU share while nothing new arrives.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.profile import DEFAULT_PROFILE
from core.settings import Settings, load_settings
from infra.runtime import open_runtime
from infra.simweb.scenario import load_scenario
from infra.simweb.server import SimWeb

REPO_ROOT = Path(__file__).resolve().parents[1]
POSTS = 60
SPREAD_S = 100.0
LEAD_S = 30.0
INTERVAL_S = 60
IDLE_S = 30.0

OPENERS = ["听说", "网传", "家长群里都在说", "刚看到", "有邻居讲", "扩散一下：", "不知道真假，", "今天接孩子时听到",
           "求证一下，", "我表姐说", "群里转来的消息：", "有人爆料"]
DETAILS = ["渠县二小食堂中午的肉有股酸味", "渠县二小好几个孩子吃完午饭肚子疼", "渠县二小食堂的冻肉过期了还在用",
           "渠县二小有学生呕吐被送去县医院", "渠县二小食堂被市场监管的人查了", "渠县二小的菜是从没有资质的地方进的",
           "渠县二小三年级有一个班一半人没来上课", "渠县二小食堂的厨师被带走问话了", "渠县二小的家长堵在校门口要说法",
           "渠县二小食堂这周换了供货商", "渠县二小中午的回锅肉颜色发黑", "渠县二小校医室今天排了长队",
           "渠县二小有家长说孩子发烧拉肚子", "渠县二小停了两天食堂改成发面包", "渠县二小老师让大家别在群里乱传"]
CLOSERS = ["学校到现在没有回应。", "有没有知情的出来说说？", "希望教育局赶紧查清楚。", "大家注意孩子身体。",
           "真的假的啊？", "太让人担心了。", "这事必须给个说法。", "先别急着转，等官方消息。", "孩子的安全最要紧。",
           "明天还敢送孩子去吗？"]


def scenario_toml(start: datetime) -> str:
    """The bench's incident as a scenario file (see infra/scenarios/README.md)."""
    rng = random.Random(7)
    lines = ["[scenario]", 'id = "bench-latency"', 'title = "基准测试：渠县二小食堂传言"',
             f'start = "{start.isoformat()}"', "speed = 1", 'summary = "基准测试用的合成事件。"', "",
             "[[events]]", 'id = "bench-erxiao"', 'title = "渠县二小食堂传言"', 'schools = ["quxian-erxiao"]',
             'incident_types = ["food_safety"]', "rumour = true", ""]
    for i in range(POSTS):
        platform = "weibo" if i % 3 else "tieba"
        text = f"{OPENERS[i % 12]}{DETAILS[(i * 7) % 15]}，{CLOSERS[(i * 3 + i // 12) % 10]}（第{i + 1}位网友）"
        lines += ["[[posts]]", f'key = "b{i:02d}"', f'platform = "{platform}"',
                  f"at_min = {i * SPREAD_S / POSTS / 60:.4f}", f'author = "网友{rng.randint(1000, 9999)}"',
                  f'title = "{"渠县二小食堂的事" if platform == "tieba" else ""}"', f'text = "{text}"',
                  'event = "bench-erxiao"', 'schools = ["quxian-erxiao"]', 'incident_types = ["food_safety"]',
                  f"rumour = {'true' if i % 2 else 'false'}", f"reposts = {rng.randint(0, 40)}",
                  f"comments = {rng.randint(0, 60)}", f"likes = {rng.randint(0, 90)}", ""]
    return "\n".join(lines)


def bench_profile(folder: Path) -> Path:
    """The shipped profile with just the two sources the bench crawls, every 60 s."""
    kept, skipping = [], False
    for line in DEFAULT_PROFILE.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("["):
            skipping = line.strip() == "[[sources]]" or line.strip().startswith("[sources.")
        if not skipping:
            kept.append(line)
    kept += ["", "[[sources]]", 'name = "weibo-search"', 'spider = "weibo"', f"interval_s = {INTERVAL_S}",
             'keywords = ["渠县"]', "", "[[sources]]", 'name = "tieba-quxian"', 'spider = "tieba"',
             f"interval_s = {INTERVAL_S}", 'bar = ["渠县"]', ""]
    path = folder / "profile.toml"
    path.write_text("\n".join(kept), encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the process's own CPU seconds, CPU seconds of its finished children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def observe(settings: Settings, expected: dict[str, datetime], deadline: float) -> tuple[dict[str, float], dict[str, float]]:
    """Poll once a second: when each post reached the store, and when a reviewer could see it under an alert."""
    stored: dict[str, float] = {}
    alerted: dict[str, float] = {}
    with open_runtime(settings) as runtime:
        alerts = runtime.workflow.alerts
        while len(alerted) < len(expected) and time.time() < deadline:
            now = time.time()
            events = {a.event_id for a in alerts.all_alerts() if str(a.state) != "dismissed"}
            for post in runtime.posts.get_many(list(expected)):
                stored.setdefault(post.id, now)
                if post.enrichment and post.enrichment.event_id in events:
                    alerted.setdefault(post.id, now)
            time.sleep(max(0.0, 1.0 - (time.time() - now)))
    return stored, alerted


def run(args) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-worker-"))
    start = (datetime.now(timezone.utc) + timedelta(seconds=LEAD_S)).replace(microsecond=0)
    (folder / "bench.toml").write_text(scenario_toml(start), encoding="utf-8")
    scenario = load_scenario(folder / "bench.toml")
    web = SimWeb(scenario, speed=1.0, origin=datetime.now(timezone.utc)).start()   # drill time = real time
    settings = load_settings(environ={}, overrides={
        "data_dir": str(folder / "data"), "profile": str(bench_profile(folder)), "crawl_base_url": web.url,
        "crawl_polite": "false", "worker_report_hour": "-1"})
    expected = {scenario.expected_post_id(p.key): scenario.published_at(p) for p in scenario.posts
                if not scenario.is_copy(p)}
    log = (folder / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "infra.cli", "worker"], cwd=REPO_ROOT, stdout=log,
                              stderr=subprocess.STDOUT,
                              env={**os.environ, **settings.environment(), "PYTHONPATH": str(REPO_ROOT)})
    try:
        last = max(expected.values()).timestamp()
        stored, alerted = observe(settings, expected, last + INTERVAL_S + 60)
        idle = measure_idle(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        web.stop()
    report(expected, stored, alerted, idle, folder)


def measure_idle(pid: int) -> tuple[float, float]:
    own0, children0 = cpu_seconds(pid)
    time.sleep(IDLE_S)
    own1, children1 = cpu_seconds(pid)
    return (own1 - own0) / IDLE_S, (own1 - own0 + children1 - children0) / IDLE_S


def report(expected, stored, alerted, idle, folder: Path) -> None:
    def latencies(seen: dict[str, float]) -> list[float]:
        return [seen[i] - expected[i].timestamp() for i in seen]

    print(f"posts published over {SPREAD_S:.0f} s of real time (speed 1), crawl interval {INTERVAL_S} s: "
          f"{len(expected)}; in store {len(stored)}; visible under an alert {len(alerted)}")
    for name, seen in (("published -> in store", stored), ("published -> alert visible to a reviewer", alerted)):
        values = latencies(seen)
        if values:
            print(f"  {name:<44} p50 {statistics.median(values):6.1f} s   p95 {percentile(values, 0.95):6.1f} s   "
                  f"max {max(values):6.1f} s   (n={len(values)})")
    target = percentile(latencies(alerted), 0.95) <= 90 if alerted else False
    print(f"  target p95 <= 90 s: {'met' if target and len(alerted) == len(expected) else 'NOT met'}")
    own, with_children = idle
    print(f"  worker CPU while idle ({IDLE_S:.0f} s, no new posts): {own * 100:.2f} % of one core "
          f"(with its crawl subprocesses: {with_children * 100:.2f} %)")
    print(f"  data and worker log: {folder}")
