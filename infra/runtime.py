"""The runtime: everything a process works with, opened once from the resolved settings (after Datasette's
``Datasette`` object and Scrapy's ``Crawler``).

An entry point (the CLI, the worker, the console's backend, the drill, a benchmark) resolves the settings once
with ``core.settings.load_settings`` and calls ``open_runtime``. Nothing below reads a setting: the runtime
turns settings into typed values and objects (the profile, the segmenter, the stores, the workflow services,
the analyser, the notifier, the monitoring service) and hands those down. Each part is opened on first use, so
a command that needs only the state database never connects to Elasticsearch, and the console never loads the
NLP models. ``close()`` releases what was opened, newest first.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta
from typing import Any, Callable, TypeVar

from core.clock import Clock, clock_from_settings
from core.errors import ConfigurationError
from core.event import EventStore
from core.monitoring import MonitoringService
from core.profile import Profile, load_profile
from core.settings import Settings
from core.storage import PostStore
from core.vocabulary import GRADES
from core.workflow import AlertRules, Workflow, WorkflowConfig, build_workflow
from core.workflow.throttle import ThrottlePolicy
from infra.capture import capturer_from_settings
from infra.notify import Notifier, NotifyConfig, build_notifier
from infra.publish import build_channels
from infra.state import StateDatabase, open_state_database
from infra.storage import open_post_store
from infra.storage.spool import SpoolingPostStore
from nlp.coordination.service import CoordinationAnalyst
from nlp.pipeline import Pipeline, event_settings, load_pipeline
from nlp.segment import Segmenter, make_segmenter, profile_terms

log = logging.getLogger(__name__)
T = TypeVar("T")


class once:
    """Like ``functools.cached_property``, but thread-safe (worker jobs and console sessions run in threads,
    and a store must be opened once, not once per thread) and not caching a failure: a store that could
    not be opened is tried again on the next use."""

    def __init__(self, factory: Callable[[Any], T]):
        self.factory = factory
        self.name = factory.__name__
        self.__doc__ = factory.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, runtime: Any, owner: type | None = None) -> T:
        if runtime is None:
            return self                                      # type: ignore[return-value]
        values = runtime.__dict__
        if self.name in values:
            return values[self.name]
        with runtime._opening:
            if self.name not in values:
                values[self.name] = self.factory(runtime)
            return values[self.name]


class Runtime:
    """One process's composition root. Attributes are opened lazily and shared for the process's life."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, bcrypt_rounds: int = 12):
        self.settings = settings
        self.clock = clock or clock_from_settings(settings)
        self._bcrypt_rounds = bcrypt_rounds
        self._closers: list[Callable[[], None]] = []
        self._opening = threading.RLock()

    @once
    def profile(self) -> Profile:
        """The county profile (schools, townships, keywords, sources) the settings name."""
        return load_profile(self.settings.profile_file)

    # --- NLP parts the stores share

    @once
    def segmenter(self) -> Segmenter:
        """jieba with the county's schools, townships and local terms as whole words; the post store indexes
        with it and the analyser reads with it, so 渠县二中 is one term everywhere."""
        return make_segmenter(self.profile)

    @once
    def segmenter_version(self) -> str:
        """A short fingerprint of the segmenter's dictionary: a store indexed by another one needs a reindex."""
        words = "\n".join(sorted(set(profile_terms(self.profile))))
        return "jieba+" + hashlib.sha1(words.encode("utf-8")).hexdigest()[:12]

    # --- stores

    def open_posts(self) -> PostStore:
        """A new connection to the configured post store (the caller closes it)."""
        s = self.settings
        return open_post_store(s.store, sqlite_file=s.sqlite_file, es_url=s.es_url, es_index_prefix=s.es_index_prefix,
                               es_timeout=s.es_timeout, segment=self.segmenter, segmenter_version=self.segmenter_version)

    @once
    def posts(self) -> PostStore:
        """The post store (SQLite file or Elasticsearch)."""
        return self._owned(self.open_posts())

    @once
    def spooled_posts(self) -> PostStore:
        """The post store behind the ingest spool (crawls write through it): batches go to local disk while the
        store is unavailable and are replayed when it answers. The store itself is opened at the first write
        that needs it, so a crawl starts even while Elasticsearch is down. Without `spool`, the plain store."""
        if not self.settings.spool:
            return self.posts
        return self._owned(SpoolingPostStore(None, self.settings.spool_path, opener=self.open_posts))

    @once
    def state(self) -> StateDatabase:
        """The state database (everything but posts), migrated, with an older installation's files imported."""
        s = self.settings
        return self._owned(open_state_database(s.state_url, schema=s.state_db_schema or None,
                                               legacy_dir=s.data_path))

    @property
    def events(self) -> EventStore:
        return self.state.events

    # --- services

    @once
    def workflow(self) -> Workflow:
        """Every workflow service over the state database; the post store is opened when a service needs it
        (evidence packs, reports), so clocks and logins go on while Elasticsearch is down."""
        s = self.settings
        channels = build_channels(s.publish_path, s.publish_base_url, webhook_url=s.webhook_url,
                                  webhook_secret=s.webhook_secret, webhook_timeout=s.webhook_timeout)
        return build_workflow(self.state.workflow_repository(), self.clock, self.workflow_config(), channels=channels,
                              post_store=_LazyPosts(self), event_store=self.state.events,
                              spread_analyst=self.coordination, bcrypt_rounds=self._bcrypt_rounds,
                              capturer=capturer_from_settings(str(self.settings.capture_browser), self.clock.now))

    @once
    def coordination(self) -> CoordinationAnalyst:
        """Coordinated-amplification analysis of stored events (the event page's spread view, evidence packs)."""
        return CoordinationAnalyst(_LazyPosts(self), self.state.events)

    def workflow_config(self) -> WorkflowConfig:
        s = self.settings
        grade = str(s.alert_min_grade).strip().upper()
        if grade not in GRADES:
            raise ConfigurationError(f"setting 'alert_min_grade' is {s.alert_min_grade!r}; use IV, III, II or I")
        if s.session_ttl_minutes <= 0:
            raise ConfigurationError("setting 'session_ttl_minutes' must be a positive number of minutes")
        if min(s.login_max_failures, s.login_client_max_failures, s.login_lockout_minutes) <= 0:
            raise ConfigurationError("settings 'login_max_failures', 'login_client_max_failures' and "
                                     "'login_lockout_minutes' must be positive numbers")
        return WorkflowConfig(
            templates_dir=s.templates_path, evidence_dir=s.evidence_path,
            session_ttl=timedelta(minutes=s.session_ttl_minutes),
            login_throttle=ThrottlePolicy(max_user_failures=s.login_max_failures,
                                          max_client_failures=s.login_client_max_failures,
                                          window=timedelta(minutes=s.login_lockout_minutes),
                                          lockout=timedelta(minutes=s.login_lockout_minutes)),
            rules=AlertRules(min_grade=grade, rumour_share=s.alert_rumour_share, min_posts=s.alert_min_posts),
            upload_max_bytes=s.upload_max_bytes, county=self.profile.county, publisher=s.publisher,
            school_names=self.school_names, audit_anchor_file=s.audit_anchor_path, audit_hmac_key=s.audit_hmac_key)

    @property
    def school_names(self) -> dict[str, str]:
        return {school.id: school.name for school in self.profile.schools}

    @once
    def analyser(self) -> Pipeline:
        """The NLP pipeline (models read from disk once per process)."""
        s = self.settings
        events = event_settings(self.profile, window_hours=s.nlp_event_window_hours, growth_hours=s.nlp_growth_hours,
                                grade_iii_heat=s.nlp_grade_iii_heat, grade_ii_heat=s.nlp_grade_ii_heat,
                                grade_i_heat=s.nlp_grade_i_heat)
        return load_pipeline(self.profile, sentiment_dir=s.sentiment_model, rumour_dir=s.rumour_model,
                             events=events, segmenter=self.segmenter, neutral_dir=s.sentiment_neutral_model)

    @once
    def notifier(self) -> Notifier:
        """E-mail and group-chat notifications over the state database's sent-ledger; the people to reach
        by role are the workflow's active users with an e-mail, asked at planning time."""
        return build_notifier(self.notify_config(), self.state.notifications, directory=self.workflow.users.contacts)

    def notify_config(self) -> NotifyConfig:
        s = self.settings
        return NotifyConfig(smtp_host=s.smtp_host, smtp_port=s.smtp_port, smtp_user=s.smtp_user,
                            smtp_password=s.smtp_password, smtp_from=s.smtp_from, smtp_tls=s.smtp_tls,
                            webhooks=tuple(s.notify_webhooks), emails=tuple(s.notify_emails),
                            routes=tuple(s.notify_routes), max_attempts=s.notify_max_attempts,
                            retry_s=s.notify_retry_s)

    @once
    def monitoring(self) -> MonitoringService:
        """The monitoring round: enrichment, events, alerts, clocks, notifications."""
        return MonitoringService(self.posts, self.events, self.analyser, self.workflow, self.clock,
                                 notifier=self.notifier, batch_size=self.settings.enrich_batch_size,
                                 school_names=self.school_names, spread_analyst=self.coordination)

    # --- life cycle

    def _owned(self, thing: Any) -> Any:
        closer = getattr(thing, "close", None)
        if closer is not None:
            self._closers.append(closer)
        return thing

    def close(self) -> None:
        """Close everything opened, newest first; the runtime is unusable afterwards."""
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception as error:      # closing must go on: one failure must not leak the rest
                log.warning("closing %s failed: %s", getattr(closer, "__qualname__", closer), error)

    def __enter__(self) -> "Runtime":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LazyPosts:
    """The runtime's post store, opened at the first call a workflow service makes (evidence packs, reports),
    so services that never touch posts work while the post store is unavailable."""

    def __init__(self, runtime: Runtime):
        self._runtime = runtime

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime.posts, name)


def open_runtime(settings: Settings, *, clock: Clock | None = None, bcrypt_rounds: int = 12) -> Runtime:
    """The runtime for these settings. Nothing is opened yet: the profile, stores, models and services open
    on first use, and a part that cannot be opened raises a ``core.errors`` exception naming what to fix."""
    return Runtime(settings, clock=clock, bcrypt_rounds=bcrypt_rounds)


__all__ = ["Runtime", "open_runtime"]
