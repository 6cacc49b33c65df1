"""The worker's jobs. APScheduler keeps them in its persistent job store by reference (``module:function`` plus
picklable arguments), so the functions live here at module level and reach the running worker through
``CONTEXT``, which ``infra.worker.service`` sets before it starts the scheduler. Every job records its start,
duration and outcome in the worker status book and never raises.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from core.clock import CHINA_TZ
from core.errors import YuqingError
from core.files import private_dir, write_private
from core.worker_status import WorkerStatusBook
from infra.runtime import Runtime
from infra.storage.spool import SpoolingPostStore
from infra.worker.crawl import run_crawl

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    """What a job works with: the process's runtime, the status book, the stop flag and the worker's hooks."""

    runtime: Runtime
    book: WorkerStatusBook
    stop: threading.Event = field(default_factory=threading.Event)
    wake_enrich: Callable[[], None] = lambda: None


CONTEXT: WorkerContext | None = None


def _recorded(job_id: str, work: Callable[[WorkerContext], tuple[str, str]]) -> None:
    context = CONTEXT
    if context is None:
        log.error("job %s ran outside a worker; ignored", job_id)
        return
    if context.stop.is_set():
        return                                    # shutting down: the next worker runs it
    started = context.book.job_started(job_id)
    try:
        outcome, message = work(context)
    except YuqingError as error:
        outcome, message = "error", str(error)
    except Exception as error:                   # a job must never take the worker down
        outcome, message = "error", f"{type(error).__name__}: {error}"
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
    context.book.job_finished(job_id, started, outcome, message)
    (log.info if outcome in ("ok", "interrupted") else log.warning)("job %s: %s %s", job_id, outcome, message)


def crawl_source(source: str) -> None:
    """Crawl one source in a subprocess under `worker_crawl_limit_s`; a crash or a hang marks it unhealthy."""

    def work(context: WorkerContext) -> tuple[str, str]:
        settings = context.runtime.settings
        result = run_crawl(source, settings, limit_s=settings.worker_crawl_limit_s, stop=context.stop,
                           grace_s=settings.worker_shutdown_grace_s, log_dir=settings.data_path / "logs")
        if result.outcome in ("timeout", "error"):
            context.book.set_source_health(source, False, result.message)
        elif result.outcome == "ok":
            context.book.set_source_health(source, True, result.message)
            context.wake_enrich()             # new posts should not wait for the enrichment interval
        return result.outcome, result.message

    _recorded(f"crawl:{source}", work)


def enrich() -> None:
    """Enrich new posts, update events and raise alerts, then tell people about grave open alerts."""

    def work(context: WorkerContext) -> tuple[str, str]:
        report = context.runtime.monitoring.enrichment_round(should_stop=context.stop.is_set)
        return ("interrupted" if report.interrupted else "ok"), report.describe()

    _recorded("enrich", work)


def clocks() -> None:
    """Tick the response clocks, notify on clock stages and new escalations, retry notifications, then hand
    spooled batches to the post store if it answers again."""

    def work(context: WorkerContext) -> tuple[str, str]:
        report = context.runtime.monitoring.clock_round()
        replayed = replay_spool(context.runtime)
        return "ok", f"{report.describe()}；补写暂存批次 {replayed} 个"

    _recorded("clocks", work)


def replay_spool(runtime: Runtime) -> int:
    """Spooled batches handed to the store (0 when nothing waits or the spool is off)."""
    store = runtime.spooled_posts
    if not isinstance(store, SpoolingPostStore) or not store.pending():
        return 0
    return store.replay()


def daily_report() -> None:
    """Yesterday's daily report (舆情日报), written as Markdown and DOCX under ``<data_dir>/reports``."""

    def work(context: WorkerContext) -> tuple[str, str]:
        runtime = context.runtime
        workflow = runtime.workflow
        day = (runtime.clock.now().astimezone(CHINA_TZ) - timedelta(days=1)).date()
        report = workflow.reports.daily(workflow.users.report_signer(), day)
        folder = runtime.settings.data_path / "reports"
        private_dir(folder)
        write_private(folder / f"daily-{day}.md", report.markdown.encode("utf-8"))
        write_private(folder / f"daily-{day}.docx", report.docx)
        return "ok", f"{day} 舆情日报已生成：{folder}"

    _recorded("daily_report", work)


def retention() -> None:
    """Delete posts published longer ago than `retention_days`."""

    def work(context: WorkerContext) -> tuple[str, str]:
        runtime = context.runtime
        cutoff = runtime.clock.now() - timedelta(days=runtime.settings.retention_days)
        deleted = runtime.posts.delete_older_than(cutoff)
        return "ok", f"已删除 {cutoff.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 前发布的帖文 {deleted} 条"

    _recorded("retention", work)
