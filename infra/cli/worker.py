"""`yuqing worker`, `yuqing worker-status` and `yuqing drill`: the pipeline on its own, and rehearsals."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from core.clock import CHINA_TZ
from core.vocabulary import job_name, name_of
from infra.drill import DEMO_SPEED, Drill
from infra.runtime import Runtime
from infra.worker.service import Worker


def register(subparsers) -> None:
    """Add this area's subcommands to the `yuqing` parser."""
    worker = subparsers.add_parser(
        "worker", help="run the background worker: crawls, enrichment, alerts, clocks, notifications, reports")
    worker.set_defaults(func=run_worker)

    status = subparsers.add_parser("worker-status", help="show the worker's heartbeat, jobs and source health")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(func=run_worker_status, reads_only="state")

    drill = subparsers.add_parser(
        "drill", help="rehearse a scenario on the configured stores (simulated web + worker + console; 演练)")
    drill.add_argument("scenario", help="a scenario name from infra/scenarios (e.g. food-safety-rumour) or a file")
    drill.add_argument("--speed", type=float, default=DEMO_SPEED,
                       help=f"drill time runs this many times faster (default {DEMO_SPEED:g}: the 5 h clock lasts "
                            f"{300 / DEMO_SPEED:.0f} real minutes)")
    drill.add_argument("--port", type=int, default=8501, help="console port (default 8501)")
    drill.add_argument("--duration", type=float, default=None,
                       help="stop after this many drill hours (default: when the scenario ends, plus 1 h)")
    drill.add_argument("--no-console", action="store_true", help="run without the Streamlit console")
    drill.add_argument("--keep", action="store_true",
                       help="keep the drill's posts and state (its own index prefix / schema / files) afterwards")
    drill.set_defaults(func=run_drill)


def run_worker(args, runtime: Runtime) -> int:
    return Worker(runtime).run()


def _when(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def run_worker_status(args, runtime: Runtime) -> int:
    status = runtime.state.worker_status.read()
    if args.json:
        print(json.dumps(asdict(status), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"后台任务 worker: {name_of('worker_state', status.state)}"
          + (f"，进程 {status.pid}（主机 {status.host}）" if status.pid else ""))
    print(f"最近心跳 heartbeat: {_when(status.beat_at)}   启动于 started: {_when(status.started_at)}")
    if status.drill_time:
        print(f"演练时间 drill time: {_when(status.drill_time)}")
    for job in status.jobs:
        took = f"{job.duration_s:.1f}秒" if job.duration_s is not None else "—"
        outcome = name_of("job_outcome", job.outcome)
        print(f"  {job_name(job.job_id):<16} 上次 {_when(job.last_start)}（{took}）{outcome:<8} "
              f"下次 {_when(job.next_run)}  共 {job.runs} 次，失败 {job.failures} 次")
        if job.outcome not in (None, "ok") and job.message:
            print(f"      {job.message[:200]}")
    for source in status.sources:
        if not source.healthy:
            print(f"  采集源异常 {source.source}: {source.reason[:200]}")
    return 0


def run_drill(args, runtime: Runtime) -> int:
    return Drill(runtime.settings, args.scenario, speed=args.speed, port=args.port, duration_h=args.duration,
                 console=not args.no_console, keep=args.keep).run()
