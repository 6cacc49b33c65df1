"""`yuqing worker`, `yuqing worker-status` and `yuqing drill`: the pipeline on its own, and rehearsals."""

from __future__ import annotations

import json
from datetime import datetime

from core.clock import CHINA_TZ


def register(subparsers) -> None:
    """Add this area's subcommands to the `yuqing` parser."""
    worker = subparsers.add_parser(
        "worker", help="run the background worker: crawls, enrichment, alerts, clocks, notifications, reports")
    worker.set_defaults(func=run_worker)

    status = subparsers.add_parser("worker-status", help="show the worker's heartbeat, jobs and source health")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(func=run_worker_status)

    drill = subparsers.add_parser(
        "drill", help="rehearse a scenario: simulated web + worker + console on a fresh store (演练)")
    drill.add_argument("scenario", help="a scenario name from infra/scenarios (e.g. food-safety-rumour) or a file")
    drill.add_argument("--speed", type=float, default=60.0, help="drill time runs this many times faster (default 60)")
    drill.add_argument("--port", type=int, default=8501, help="console port (default 8501)")
    drill.add_argument("--duration", type=float, default=None,
                       help="stop after this many drill hours (default: when the scenario ends, plus 1 h)")
    drill.add_argument("--no-console", action="store_true", help="run without the Streamlit console")
    drill.set_defaults(func=run_drill)


def run_worker(args, settings) -> int:
    from infra.worker.service import Worker

    return Worker(settings).run()


def _when(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def worker_line(settings) -> str:
    """One line for `yuqing status`: the worker's state and last heartbeat."""
    from infra.worker.status import read_worker_status

    status = read_worker_status(settings)
    failing = sum(1 for job in status.jobs if job.outcome in ("error", "timeout"))
    return (f"worker:     {status.state_name} ({status.state}), heartbeat {_when(status.beat_at)}"
            + (f", {failing} jobs failing (see `yuqing worker-status`)" if failing else ""))


def run_worker_status(args, settings) -> int:
    from dataclasses import asdict

    from infra.worker.status import read_worker_status

    status = read_worker_status(settings)
    if args.json:
        print(json.dumps(asdict(status), ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"worker:     {status.state_name} ({status.state})"
          + (f", pid {status.pid} on {status.host}" if status.pid else ""))
    print(f"heartbeat:  {_when(status.beat_at)}   started: {_when(status.started_at)}")
    if status.drill_time:
        print(f"drill time: {_when(status.drill_time)}")
    for job in status.jobs:
        took = f"{job.duration_s:.1f}s" if job.duration_s is not None else "-"
        print(f"  {job.job_id:<24} last {_when(job.last_start)} ({took}) {job.outcome or '-':<11} "
              f"next {_when(job.next_run)}  runs {job.runs}, failures {job.failures}")
        if job.outcome not in (None, "ok") and job.message:
            print(f"      {job.message[:200]}")
    unhealthy = [s for s in status.sources if not s.healthy]
    for source in unhealthy:
        print(f"  unhealthy source {source.source}: {source.reason[:200]}")
    return 0


def run_drill(args, settings) -> int:
    from infra.drill import Drill

    return Drill(settings, args.scenario, speed=args.speed, port=args.port, duration_h=args.duration,
                 console=not args.no_console).run()
