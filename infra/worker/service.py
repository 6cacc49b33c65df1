"""`yuqing worker`: the process that runs the pipeline on its own (APScheduler 3.11, jobs persisted in the
state database's ``apscheduler_jobs`` table).

Start-up is all or nothing: the deployment's worker lock is taken (a second worker is refused, naming the
first, also from another host sharing the state database), then every check runs (profile, spool disk,
notification settings, state database, models, clock) before a single job is scheduled. On SIGTERM/SIGINT the
worker stops taking jobs, lets a running crawl close its spider (or ends it after `worker_shutdown_grace_s`),
lets a running enrichment batch finish, records the outcome and exits 0.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import CHINA_TZ
from core.errors import ConfigurationError
from core.profile import Profile
from core.reactions import REACTIONS_SOURCE
from core.settings import Settings
from infra.runtime import Runtime
from infra.storage.spool import check_spool_ready
from infra.worker import jobs

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


def job_specs(settings: Settings, profile: Profile) -> list[JobSpec]:
    """Every job this deployment runs: one crawl per enabled source, the reaction round, enrichment, clocks,
    report, retention."""
    scale = settings.worker_interval_scale
    if scale <= 0:
        raise ConfigurationError(f"setting 'worker_interval_scale' is {scale}; it must be positive")
    specs = [JobSpec(f"crawl:{s.name}", jobs.crawl_source,
                     IntervalTrigger(seconds=max(MIN_CRAWL_INTERVAL_S, s.interval_s / scale)), (s.name,),
                     executor="crawl", run_now=True)
             for s in profile.sources if s.enabled]
    if settings.reaction_interval_s > 0:
        # The crowd's reactions to posts of rising or alerted events (core.reactions), a crawl like any source.
        specs.append(JobSpec(f"crawl:{REACTIONS_SOURCE}", jobs.crawl_source,
                             IntervalTrigger(seconds=max(MIN_CRAWL_INTERVAL_S, settings.reaction_interval_s / scale)),
                             (REACTIONS_SOURCE,), executor="crawl"))
    specs.append(JobSpec("enrich", jobs.enrich, IntervalTrigger(seconds=_positive(settings, "worker_enrich_interval_s")),
                         run_now=True))
    specs.append(JobSpec("clocks", jobs.clocks, IntervalTrigger(seconds=_positive(settings, "worker_clock_interval_s")),
                         run_now=True))
    hour = settings.worker_report_hour
    if hour >= 0:
        if hour > 23:
            raise ConfigurationError(f"setting 'worker_report_hour' is {hour}; use 0-23, or -1 to turn it off")
        specs.append(JobSpec("daily_report", jobs.daily_report, CronTrigger(hour=hour, minute=5, timezone=CHINA_TZ)))
    specs.append(JobSpec("retention", jobs.retention, CronTrigger(hour=3, minute=17, timezone=CHINA_TZ)))
    return specs


def _positive(settings: Settings, name: str) -> float:
    value = float(settings[name])
    if value <= 0:
        raise ConfigurationError(f"setting '{name}' is {value:g}; it must be a positive number of seconds")
    return value


class Worker:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.settings = runtime.settings
        self.context: jobs.WorkerContext | None = None
        self.scheduler: BackgroundScheduler | None = None

    def preflight(self) -> list[JobSpec]:
        """Every check that must pass before anything starts; raises with a sentence naming what to fix."""
        runtime = self.runtime
        specs = job_specs(self.settings, runtime.profile)
        _positive(self.settings, "worker_heartbeat_s")
        check_spool_ready(self.settings.spool_path, self.settings.spool_min_free_mb)
        runtime.notifier.ledger.recover_interrupted()     # builds the notifier: bad channel settings stop here
        runtime.analyser                                   # loads the models: a broken model folder stops here
        runtime.workflow                                   # opens the state database and the templates
        return specs

    def run(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or ``self.context.stop``); returns the exit status."""
        lock = self.runtime.state.worker_lock()
        lock.acquire()
        try:
            specs = self.preflight()
            self.settings.data_path.mkdir(parents=True, exist_ok=True)
            book = self.runtime.state.worker_status
            book.recover_stale()
            self.context = jobs.WorkerContext(self.runtime, book)
            if install_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, lambda *_: self.context.stop.set())
            self._start(specs)
            self._serve()
            return 0
        finally:
            self._shutdown()
            lock.release()

    def _start(self, specs: list[JobSpec]) -> None:
        self.context.wake_enrich = self._wake_enrich
        jobs.CONTEXT = self.context
        self.context.book.beat("running", self._heartbeat_s(), self._drill_time(), started_at=datetime.now(timezone.utc))
        self.scheduler = BackgroundScheduler(
            jobstores={"default": self.runtime.state.job_store()},
            executors={"default": ThreadPoolExecutor(2), "crawl": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=CHINA_TZ)
        self.scheduler.start(paused=True)
        self._reconcile(specs)
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
        self.context.book.forget_jobs(set(wanted))

    def _wake_enrich(self) -> None:
        """Run the enrichment job now (a crawl just stored posts); skipped if it is already running."""
        try:
            self.scheduler.modify_job("enrich", next_run_time=datetime.now(CHINA_TZ))
        except Exception as error:        # the scheduler is shutting down, or the job is gone
            log.debug("could not wake the enrichment job: %s", error)

    def _serve(self) -> None:
        interval = self._heartbeat_s()
        while not self.context.stop.is_set():
            self.context.book.beat("running", interval, self._drill_time())
            self.context.book.set_next_runs({job.id: job.next_run_time for job in self.scheduler.get_jobs()})
            self.context.stop.wait(interval)

    def _shutdown(self) -> None:
        context = self.context
        if context is None:
            return
        context.stop.set()
        context.book.beat("stopping", self._heartbeat_s(), self._drill_time())
        if self.scheduler and self.scheduler.running:
            # Running jobs see ``stop``: a crawl closes its spider, an enrichment batch finishes; then
            # the executors drain.
            self.scheduler.shutdown(wait=True)
        context.book.beat("stopped", self._heartbeat_s(), self._drill_time())
        log.info("worker stopped")
        jobs.CONTEXT = None
        self.context = None

    def _heartbeat_s(self) -> float:
        return _positive(self.settings, "worker_heartbeat_s")

    def _drill_time(self) -> datetime | None:
        return self.runtime.clock.now() if self.settings.clock_origin else None
