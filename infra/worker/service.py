"""`yuqing worker`: the process that runs the pipeline on its own (APScheduler 3.11, jobs persisted in
``<data_dir>/jobs.db``).

Start-up is all or nothing: the lock is taken (a second worker is refused, naming the first), then every
check runs (profile, spool disk, notification settings, workflow database, clock) before a single job is
scheduled. On SIGTERM/SIGINT the worker stops taking jobs, lets a running crawl close its spider (or ends it
after `worker_shutdown_grace_s`), lets a running enrichment batch finish, records the outcome and exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import CHINA_TZ, Clock, clock_from_settings
from core.errors import ConfigurationError
from core.profile import Profile, load_profile
from infra.storage.spool import check_spool_ready, spool_path
from infra.worker import jobs
from infra.worker.lock import WorkerLock
from infra.worker.status import StatusBook, status_path

log = logging.getLogger(__name__)

# A drill divides crawl intervals by its speed; below this a scrapy subprocess would barely have started.
MIN_CRAWL_INTERVAL_S = 5.0


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[..., None]
    trigger: object
    args: tuple = ()
    executor: str = "default"
    run_now: bool = False          # first run right away when the job is new (not on every restart)


def load_worker_profile(settings) -> Profile:
    """The county profile named by the `profile` setting (relative paths may name a shipped profile)."""
    name = settings["profile"] or ""
    path = Path(name)
    if name and not path.exists():
        shipped = Path(__file__).resolve().parents[2] / "core" / name
        path = shipped if shipped.exists() else path
    return load_profile(path if name else None)


def job_specs(settings, profile: Profile) -> list[JobSpec]:
    """Every job this deployment runs: one crawl per enabled source, enrichment, clocks, report, retention."""
    scale = float(settings["worker_interval_scale"])
    if scale <= 0:
        raise ConfigurationError(f"setting 'worker_interval_scale' is {scale}; it must be positive")
    specs = [JobSpec(f"crawl:{s.name}", jobs.crawl_source,
                     IntervalTrigger(seconds=max(MIN_CRAWL_INTERVAL_S, s.interval_s / scale)), (s.name,),
                     executor="crawl", run_now=True)
             for s in profile.sources if s.enabled]
    specs.append(JobSpec("enrich", jobs.enrich, IntervalTrigger(seconds=_positive(settings, "worker_enrich_interval_s")),
                         run_now=True))
    specs.append(JobSpec("clocks", jobs.clocks, IntervalTrigger(seconds=_positive(settings, "worker_clock_interval_s")),
                         run_now=True))
    hour = int(settings["worker_report_hour"])
    if hour >= 0:
        if hour > 23:
            raise ConfigurationError(f"setting 'worker_report_hour' is {hour}; use 0-23, or -1 to turn it off")
        specs.append(JobSpec("daily_report", jobs.daily_report, CronTrigger(hour=hour, minute=5, timezone=CHINA_TZ)))
    specs.append(JobSpec("retention", jobs.retention, CronTrigger(hour=3, minute=17, timezone=CHINA_TZ)))
    return specs


def _positive(settings, name: str) -> float:
    value = float(settings[name])
    if value <= 0:
        raise ConfigurationError(f"setting '{name}' is {value:g}; it must be a positive number of seconds")
    return value


class Worker:
    def __init__(self, settings, *, clock: Clock | None = None):
        self.settings = settings
        self.data_path = Path(settings["data_dir"])
        self.clock = clock
        self.stop = threading.Event()
        self.lock = WorkerLock(self.data_path / "worker.lock")
        self.scheduler: BackgroundScheduler | None = None
        self.book: StatusBook | None = None

    def preflight(self) -> list[JobSpec]:
        """Every check that must pass before anything starts; raises with a sentence naming what to fix."""
        self.clock = self.clock or clock_from_settings(self.settings)
        profile = load_worker_profile(self.settings)
        specs = job_specs(self.settings, profile)
        check_spool_ready(spool_path(self.settings), float(self.settings["spool_min_free_mb"]))
        from infra.notify import open_notifier

        open_notifier(self.settings).ledger.close()
        from infra.worker import pipeline

        pipeline.check_ready(self.settings, self.clock)
        return specs

    def run(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or ``self.stop``); returns the exit status."""
        self.lock.acquire()
        try:
            specs = self.preflight()
            self.data_path.mkdir(parents=True, exist_ok=True)
            self.book = StatusBook(status_path(self.settings))
            self.book.recover_stale()
            if install_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, lambda *_: self.stop.set())
            self._start(specs)
            self._serve()
            return 0
        finally:
            self._shutdown()
            self.lock.release()

    def _start(self, specs: list[JobSpec]) -> None:
        jobs.RUNTIME = jobs.Runtime(self.settings, self.clock, self.book, self.stop)
        started = datetime.now(timezone.utc)
        self.book.beat("running", self._heartbeat_s(), self._drill_time(), started_at=started)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{(self.data_path / 'jobs.db').resolve()}")},
            executors={"default": ThreadPoolExecutor(2), "crawl": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=CHINA_TZ)
        self.scheduler.start(paused=True)
        self._reconcile(specs)
        jobs.RUNTIME.state["wake_enrich"] = self._wake_enrich
        self.scheduler.resume()
        log.info("worker started: %d jobs (%s)", len(specs), ", ".join(s.id for s in specs))

    def _reconcile(self, specs: list[JobSpec]) -> None:
        """Make the persistent job store hold exactly ``specs``, keeping each unchanged job's next run time
        (a restart does not re-crawl everything at once, and a job missed while down runs once)."""
        wanted = {s.id: s for s in specs}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        now = datetime.now(CHINA_TZ)
        for spec in specs:
            existing = self.scheduler.get_job(spec.id)
            if existing and str(existing.trigger) == str(spec.trigger) and existing.func is spec.func:
                continue
            self.scheduler.add_job(spec.func, spec.trigger, args=spec.args, id=spec.id, name=spec.id,
                                   executor=spec.executor, replace_existing=True,
                                   next_run_time=now if spec.run_now else spec.trigger.get_next_fire_time(None, now))
        self.book.forget_jobs(set(wanted))

    def _wake_enrich(self) -> None:
        """Run the enrichment job now (a crawl just stored posts); skipped if it is already running."""
        try:
            self.scheduler.modify_job("enrich", next_run_time=datetime.now(CHINA_TZ))
        except Exception as error:        # the scheduler is shutting down, or the job is gone
            log.debug("could not wake the enrichment job: %s", error)

    def _serve(self) -> None:
        interval = self._heartbeat_s()
        while not self.stop.is_set():
            self.book.beat("running", interval, self._drill_time())
            self.book.set_next_runs({job.id: job.next_run_time for job in self.scheduler.get_jobs()})
            self.stop.wait(interval)

    def _shutdown(self) -> None:
        self.stop.set()
        if self.book:
            self.book.beat("stopping", self._heartbeat_s(), self._drill_time())
        if self.scheduler and self.scheduler.running:
            # Running jobs see ``stop``: a crawl closes its spider, an enrichment batch finishes; then
            # the executors drain.
            self.scheduler.shutdown(wait=True)
        if self.book:
            self.book.beat("stopped", self._heartbeat_s(), self._drill_time())
            self.book.close()
            self.book = None
        if jobs.RUNTIME is not None:
            log.info("worker stopped")
        jobs.RUNTIME = None

    def _heartbeat_s(self) -> float:
        return _positive(self.settings, "worker_heartbeat_s")

    def _drill_time(self) -> datetime | None:
        return self.clock.now() if self.settings.get("clock_origin") and self.clock else None
