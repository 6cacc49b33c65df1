"""The worker's jobs. APScheduler keeps them in its persistent job store by reference (``module:function``
plus picklable arguments), so the functions live here at module level and reach the running worker's
settings, clock and status book through ``RUNTIME``, which ``infra.worker.service`` sets before it starts the
scheduler. Every job records its start, duration and outcome in the status book and never raises.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from core.clock import CHINA_TZ, Clock
from core.errors import YuqingError
from infra.worker.crawl import run_crawl
from infra.worker.status import StatusBook

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Any
    clock: Clock
    book: StatusBook
    stop: threading.Event = field(default_factory=threading.Event)
    state: dict[str, Any] = field(default_factory=dict)         # long-lived helpers (the notifier)

    @property
    def data_path(self) -> Path:
        return Path(self.settings["data_dir"])


RUNTIME: Runtime | None = None


def _recorded(job_id: str, work: Callable[[Runtime], tuple[str, str]]) -> None:
    runtime = RUNTIME
    if runtime is None:
        log.error("job %s ran outside a worker; ignored", job_id)
        return
    if runtime.stop.is_set():
        return                                    # shutting down: the next worker runs it
    started = runtime.book.job_started(job_id)
    try:
        outcome, message = work(runtime)
    except YuqingError as error:
        outcome, message = "error", str(error)
    except Exception as error:                   # a job must never take the worker down
        outcome, message = "error", f"{type(error).__name__}: {error}"
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
    runtime.book.job_finished(job_id, started, outcome, message)
    (log.info if outcome in ("ok", "interrupted") else log.warning)("job %s: %s %s", job_id, outcome, message)


def crawl_source(source: str) -> None:
    """Crawl one source in a subprocess under `worker_crawl_limit_s`; a crash or a hang marks it unhealthy."""

    def work(runtime: Runtime) -> tuple[str, str]:
        settings = runtime.settings
        result = run_crawl(source, settings, limit_s=float(settings["worker_crawl_limit_s"]), stop=runtime.stop,
                           grace_s=float(settings["worker_shutdown_grace_s"]), log_dir=runtime.data_path / "logs")
        if result.outcome in ("timeout", "error"):
            runtime.book.set_source_health(source, False, result.message)
        elif result.outcome == "ok":
            runtime.book.set_source_health(source, True, result.message)
            # New posts should not wait for the enrichment interval: run it now.
            runtime.state.get("wake_enrich", lambda: None)()
        return result.outcome, result.message

    _recorded(f"crawl:{source}", work)


def enrich() -> None:
    """Enrich new posts, update events and raise alerts (then tell people about grave new alerts)."""
    from infra.worker import pipeline

    _recorded("enrich", pipeline.enrich_round)


def clocks() -> None:
    """Tick the response clocks, notify on clock stages and new escalations, retry notifications, replay
    the spool."""
    from infra.worker import pipeline

    _recorded("clocks", pipeline.clock_round)


def daily_report() -> None:
    from infra.worker import pipeline

    _recorded("daily_report", pipeline.daily_report)


def retention() -> None:
    """Delete posts published longer ago than `retention_days`."""

    def work(runtime: Runtime) -> tuple[str, str]:
        from infra.storage import open_post_store

        cutoff = runtime.clock.now() - timedelta(days=int(runtime.settings["retention_days"]))
        store = open_post_store(runtime.settings)
        try:
            deleted = store.delete_older_than(cutoff)
        finally:
            store.close()
        return "ok", f"deleted {deleted} posts published before {cutoff.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"

    _recorded("retention", work)

