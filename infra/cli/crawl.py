"""``yuqing crawl``, ``yuqing crawl-all``, ``yuqing crawl-health``, ``yuqing simweb``, ``yuqing scenario
build-real``: crawling, the simulated web and its scenarios built from real cascades.

A crawl is a subprocess, the crawl process (``python -m infra.crawl``, which runs Scrapy; Twisted's reactor
cannot restart inside one process), under a time limit. The subprocess gets every setting through
``YUQING_*`` environment variables, never on its command line, so cookies and proxy credentials appear in no
process list and no log. It records its run in the crawl health store; a crawl that crashes or runs past the
limit is recorded here instead.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from core.clock import CHINA_TZ
from core.crawl_health import CrawlRun, SourceHealth, judge_all
from core.vocabulary import name_of
from core.errors import ConfigurationError
from core.notifications import Trigger
from core.settings import Settings
from infra.crawl.process import find_source
from infra.runtime import Runtime
from infra.worker.crawl import EXIT_TIMED_OUT
from infra.simweb import SimWeb, list_scenarios, load_scenario
from infra.simweb.real import REAL_SCENARIOS, build_real

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REAL_DATA = REPO_ROOT.parent / "shared" / "data" / "weibo_events"


def register(subparsers) -> None:
    crawl = subparsers.add_parser("crawl", help="crawl one source of the county profile (a scrapy subprocess)")
    crawl.add_argument("source", help="a [[sources]] name of the profile, e.g. weibo-search")
    _crawl_options(crawl)
    crawl.set_defaults(func=run_crawl_command)

    every = subparsers.add_parser("crawl-all", help="crawl every enabled source of the profile once")
    _crawl_options(every)
    every.set_defaults(func=run_crawl_all)

    health = subparsers.add_parser("crawl-health", help="each source's crawl health verdict and its recent runs")
    health.add_argument("--json", action="store_true", help="print JSON instead of text")
    health.add_argument("--runs", type=int, default=3, help="recent runs shown per source (default 3)")
    health.set_defaults(func=run_crawl_health, reads_only="state")

    web = subparsers.add_parser("simweb", help="serve a scenario on the simulated web and print its address")
    web.add_argument("scenario", nargs="?", help="a scenario id (see --list) or a scenario .toml file")
    web.add_argument("--list", action="store_true", help="list the shipped scenarios")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    web.add_argument("--speed", type=float, default=None, help="drill speed factor (default: the scenario's)")
    web.add_argument("--at-min", type=float, default=None, help="freeze the drill clock at this scenario minute")
    web.add_argument("--origin", default="scenario",
                     help="drill time at start: 'scenario' (its start), 'now', or an ISO 8601 time")
    web.set_defaults(func=run_simweb)

    scenario = subparsers.add_parser("scenario", help="drill scenarios beyond the shipped ones")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", metavar="COMMAND")
    real = scenario_commands.add_parser(
        "build-real", help="build the real-language drill scenarios from the weibo_events cascades (真实语料演练场景)")
    real.add_argument("--data", default=str(DEFAULT_REAL_DATA),
                      help=f"the weibo_events folder with cascades.tsv.gz (default {DEFAULT_REAL_DATA})")
    real.add_argument("--out", default="", help="folder for the scenario files (default <data_dir>/scenarios-real)")
    real.set_defaults(func=run_build_real)
    scenario.set_defaults(func=lambda args, runtime: scenario.print_help() or 2)


def _crawl_options(parser) -> None:
    parser.add_argument("--base-url", default=None,
                        help="fetch from this address instead of the real sites (the simulated web)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds before the crawl is ended (default: setting crawl_time_limit_s)")


def crawl_env(settings: Settings) -> dict[str, str]:
    """Our environment plus every resolved setting as ``YUQING_<NAME>``, so the crawl process resolves exactly
    the settings of this command (config file, environment and --set alike; secrets never on a command line)."""
    env = {**os.environ, **settings.environment()}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def crawl_source(runtime: Runtime, name: str, base_url: str | None = None, time_limit: float | None = None,
                 quiet: bool = False) -> CrawlRun:
    """Crawl one source in a crawl process (``python -m infra.crawl``) and return its recorded run. A crawl
    that crashes or runs past the time limit is recorded as failing (the spider could not record itself)."""
    settings = runtime.settings
    source = find_source(runtime.profile, name)
    run_id = uuid.uuid4().hex
    limit = float(time_limit or settings.crawl_time_limit_s)
    env = crawl_env(settings.replace(crawl_base_url=base_url) if base_url else settings)
    command = [sys.executable, "-m", "infra.crawl", name, "--run-id", run_id]
    started = runtime.clock.now()
    output = subprocess.DEVNULL if quiet else None
    # In our own process group: a worker ending this command's group (at shutdown or at its time limit)
    # reaches the crawl too, which closes its spider and stores what it has.
    process = subprocess.Popen(command, env=env, stdout=output, stderr=output, stdin=subprocess.DEVNULL)
    outcome = _wait(process, limit)
    health = runtime.state.crawl_health
    run = health.get(run_id)
    if run is None or outcome != "finished":
        reason = {"timeout": "timeout", "finished": "crashed"}.get(outcome, outcome)
        sample = (f"超过时限 {limit:g} 秒被终止" if outcome == "timeout"
                  else f"采集进程异常退出（退出码 {process.returncode}）")
        run = replace(run, finish_reason=reason, error_samples=(sample, *run.error_samples)) if run else CrawlRun(
            run_id=run_id, source=name, spider=source.spider, started_at=started, finished_at=runtime.clock.now(),
            finish_reason=reason, errors=1, error_samples=(sample,))
        health.record(run)
    if run.format_drift:
        notify_drift(runtime, run)
    return run


def notify_drift(runtime: Runtime, run: CrawlRun) -> None:
    """Tell the administrator (route ``crawl_format_drift``) that a source's format drifted: at most once per
    source per day, however often it is crawled."""
    day = run.started_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d")
    sample = run.drift_sample[:600]
    runtime.notifier.notify([Trigger(
        id=f"crawl_drift:{run.source}:{day}", kind="crawl_format_drift",
        title=f"【采集格式异常】信息源 {run.source}",
        body=(f"信息源 {run.source} 的页面正常返回，但采集程序读不出条目：{run.drift_reason}。\n"
              f"在网站恢复或采集配置更新之前，这个来源的舆情会漏采。请用 yuqing crawl-health 查看详情。\n"
              f"页面样本（节选）：\n{sample}"))])


def _wait(process: subprocess.Popen, limit: float) -> str:
    try:
        process.wait(timeout=limit)
        return "finished" if process.returncode == 0 else "crashed"
    except subprocess.TimeoutExpired:
        pass
    # Scrapy closes its spider on the first SIGTERM (items in flight are stored); SIGKILL if it hangs.
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    return "timeout"


def _summary(run: CrawlRun) -> str:
    flags = []
    if run.blocked:
        flags.append("被封禁迹象: " + "；".join(run.blocked_reasons))
    if run.truncated:
        flags.append("截断: " + run.truncated_reason)
    if run.format_drift:
        flags.append("格式异常: " + run.drift_reason)
    if run.errors:
        flags.append(f"错误 {run.errors}: " + (run.error_samples[0] if run.error_samples else ""))
    return (f"{run.source:<16} {name_of('crawl_finish', run.finish_reason):<8} 页 {run.pages:<4} 条目 {run.items_parsed:<5} 新增 {run.items_new:<4} "
            f"更新 {run.items_updated:<4} 重复 {run.items_duplicate:<4} 转发/副本 {run.items_copies:<4} 丢弃 "
            f"{run.items_dropped:<3} " + " | ".join(flags))


@contextmanager
def _crawls_close_first():
    """SIGTERM to this command's process group (the worker stopping, or its time limit) reaches the crawl
    processes too, and Scrapy closes their spiders on it, storing what they have. This command then waits for
    them and records their runs instead of dying first (and a crawl is never sent a second SIGTERM, which
    Scrapy takes as "force it")."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_crawl_command(args, runtime: Runtime) -> int:
    with _crawls_close_first():
        run = crawl_source(runtime, args.source, args.base_url, args.time_limit)
    print(_summary(run))
    if run.finish_reason == "timeout":
        return EXIT_TIMED_OUT
    # A blocked or drifting source is not healthy: the worker marks it so, with this summary as the reason.
    return 0 if run.finish_reason == "finished" and not run.blocked and not run.format_drift else 1


def run_crawl_all(args, runtime: Runtime) -> int:
    names = [s.name for s in runtime.profile.sources if s.enabled]
    with _crawls_close_first(), ThreadPoolExecutor(max(1, runtime.settings.crawl_parallel)) as pool:
        runs = list(pool.map(lambda n: crawl_source(runtime, n, args.base_url, args.time_limit, quiet=True), names))
    for run in runs:
        print(_summary(run))
    return 0 if all(r.finish_reason == "finished" and not r.blocked and not r.format_drift for r in runs) else 1


def health_report(runtime: Runtime) -> list[SourceHealth]:
    """Every profile source's verdict (and any other source with recorded runs)."""
    return judge_all(runtime.state.crawl_health, [s.name for s in runtime.profile.sources if s.enabled],
                     runtime.clock.now(), float(runtime.settings.crawl_silent_after_s))


def _local(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "-"


def run_crawl_health(args, runtime: Runtime) -> int:
    report = health_report(runtime)
    if args.json:
        print(json.dumps([{"source": h.source, "verdict": h.verdict, "reason": h.reason,
                           "last_items_at": _local(h.last_items_at),
                           "runs": [_run_json(r) for r in h.runs[:args.runs]]} for h in report],
                         ensure_ascii=False, indent=2))
    else:
        for health in report:
            print(f"{health.source:<16} {name_of('crawl_verdict', health.verdict):<6} {health.reason}")
            for run in health.runs[:args.runs]:
                print(f"    {_local(run.started_at)}  {_summary(run)}")
            if health.verdict == "drift" and health.last_run is not None:
                print("    页面样本（节选）：" + " ".join(health.last_run.drift_sample[:300].split()))
    return 0 if all(h.verdict == "ok" for h in report) else 1


def _run_json(run: CrawlRun) -> dict:
    data = {k: getattr(run, k) for k in run.__dataclass_fields__}
    return {k: (v.isoformat() if isinstance(v, datetime) else list(v) if isinstance(v, tuple) else v)
            for k, v in data.items()}


def run_build_real(args, runtime: Runtime) -> int:
    """Write the real-language scenarios (their rows stay out of the repository: built here, at run time)."""
    out = Path(args.out) if args.out else Path(runtime.settings.data_dir) / "scenarios-real"
    written = build_real(args.data, out)
    print(f"已生成 {len(written)} 个真实语料演练场景 / built {len(written)} real-language scenarios in {out}:")
    for path, spec in zip(written, REAL_SCENARIOS):
        print(f"  {spec.title}\n    yuqing drill {path}")
    return 0


def run_simweb(args, runtime: Runtime) -> int:
    if args.list or not args.scenario:
        for name in list_scenarios():
            scenario = load_scenario(name)
            print(f"{name:<22} {len(scenario.posts):>3} 条  {scenario.title}")
        return 0 if args.list else 2
    scenario = load_scenario(args.scenario, runtime.profile)
    origin = None
    if args.origin == "now":
        origin = datetime.now(CHINA_TZ)
    elif args.origin != "scenario":
        try:
            origin = datetime.fromisoformat(args.origin)
        except ValueError:
            raise ConfigurationError(f"--origin {args.origin!r}: use 'scenario', 'now' or an ISO 8601 time") from None
    web = SimWeb(scenario, host=args.host, port=args.port, speed=args.speed, origin=origin, at_min=args.at_min).start()
    print(f"模拟网络 simulated web: {web.url}  scenario {scenario.id} ({scenario.title}), {len(scenario.posts)} posts")
    print("crawl it with:")
    clock = " ".join(f"YUQING_{k.upper()}={v}" for k, v in web.clock_settings().items())
    print(f"  YUQING_CRAWL_BASE_URL={web.url} {clock} yuqing crawl-all", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        web.stop()
    return 0
