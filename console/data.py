"""Cached reads for the pages. Pages never open a backend themselves: they call these functions for
posts, events, the profile and the health figures, and ``workflow()`` for the workflow services (whose
reads are not cached, because they depend on who asks and must show a write at once).

Reads of posts and events are cached for ``console_cache_ttl_s`` seconds: each cached function takes
the current time window as an argument, so a new window is a cache miss. ``refresh()`` drops them all.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import streamlit as st

from core.event import Event
from core.links import source_hosts as source_hosts_of
from core.post import Post
from core.profile import Profile
from core.settings import Settings
from core.storage import Bucket, PostQuery, SearchPage, SortOrder
from core.workflow import Workflow
from nlp.coordination.posts import cascade_posts

from console.backend import Backend, open_backend


_bound = threading.local()


def bind(values: Settings) -> None:
    """Called by ``console/app.py`` (the entry point, which resolves the settings) at the start of each run;
    Streamlit runs each browser session's script in its own thread."""
    _bound.settings = values


def settings() -> Settings:
    """The settings of this run, as the entry point resolved them."""
    values = getattr(_bound, "settings", None)
    if values is None:
        raise RuntimeError("console/data.py used before console/app.py bound the settings")
    return values


def _fingerprint(values: Settings) -> str:
    return json.dumps({k: values[k] for k in values}, sort_keys=True, ensure_ascii=False, default=str)


@st.cache_resource(show_spinner="正在连接数据存储…", max_entries=4)
def _open(fingerprint: str) -> Backend:
    values = json.loads(fingerprint)
    return open_backend(Settings(values, {k: "console" for k in values}))


def backend() -> Backend:
    """The backend for the current settings (one per distinct settings, shared by every session)."""
    return _open(_fingerprint(settings()))


def workflow() -> Workflow:
    return backend().workflow


def now() -> datetime:
    """The deployment's time: wall time, or drill time in a drill."""
    return backend().clock.now()


def _window() -> tuple[str, int]:
    """(backend fingerprint, time window number): the cache key part that expires cached reads."""
    values = settings()
    ttl = max(1, values.console_cache_ttl_s)
    return _fingerprint(values), int(time.time() // ttl)


def refresh() -> None:
    """Forget every cached read (after a write, or when the user asks)."""
    st.cache_data.clear()


@st.cache_data(show_spinner=False, ttl=600, max_entries=256)
def _search(key: tuple[str, int], query: PostQuery, sort: SortOrder, offset: int, limit: int) -> SearchPage:
    return _open(key[0]).posts.search(query, sort=sort, offset=offset, limit=limit)


def search(query: PostQuery, sort: SortOrder = "time", offset: int = 0, limit: int = 20) -> SearchPage:
    """One page of matching posts (see ``core.storage.PostStore.search``)."""
    return _search(_window(), query, sort, offset, limit)


@st.cache_data(show_spinner=False, ttl=600, max_entries=256)
def _aggregate(key: tuple[str, int], query: PostQuery, by: str) -> list[Bucket]:
    return _open(key[0]).posts.aggregate(query, by)


def aggregate(query: PostQuery, by: str) -> list[Bucket]:
    """Counts per group (see ``core.storage.PostStore.aggregate``)."""
    return _aggregate(_window(), query, by)


@st.cache_data(show_spinner=False, ttl=600, max_entries=64)
def _count(key: tuple[str, int], query: PostQuery) -> int:
    return _open(key[0]).posts.count(query)


def count(query: PostQuery) -> int:
    return _count(_window(), query)


@st.cache_data(show_spinner=False, ttl=600, max_entries=256)
def _posts(key: tuple[str, int], post_ids: tuple[str, ...]) -> list[Post]:
    return _open(key[0]).posts.get_many(list(post_ids))


def posts(post_ids: tuple[str, ...] | list[str]) -> list[Post]:
    """The stored posts among these ids, in the order given."""
    return _posts(_window(), tuple(post_ids))


@st.cache_data(show_spinner=False, ttl=600, max_entries=64)
def _events(key: tuple[str, int], since: datetime | None, min_grade: str | None, limit: int) -> list[Event]:
    store = _open(key[0]).events
    return store.list_events(since=since, min_grade=min_grade, limit=limit) if store else []


def events(since: datetime | None = None, min_grade: str | None = None, limit: int = 100) -> list[Event]:
    """Events, hottest first; empty when no event store is configured."""
    return _events(_window(), since, min_grade, limit)


def event(event_id: str) -> Event | None:
    store = backend().events
    return store.get_event(event_id) if store else None


@st.cache_data(show_spinner=False, ttl=120, max_entries=32)
def _coordination(key: tuple[str, int], event_id: str):
    runtime = _open(key[0]).runtime
    event_ = runtime.events.get_event(event_id)
    if event_ is None:
        return None, []
    report = runtime.coordination.report(event_id)
    return report, cascade_posts(runtime.posts.get_many(list(event_.post_ids)), event_id)


def coordination(event_id: str):
    """The event's coordination analysis (``nlp.coordination.CoordinationReport``) and its cascade records."""
    return _coordination(_window(), event_id)


def has_events() -> bool:
    return backend().events is not None


def profile() -> Profile:
    """The county profile as it is on disk now."""
    return backend().profile()


def school_names() -> dict[str, str]:
    """School id -> name, for labelling aggregates."""
    return {s.id: s.name for s in profile().schools}


def source_hosts() -> dict[str, frozenset[str]]:
    """Source name -> the hosts it crawls (``core.links``), for deciding which post addresses are links."""
    return {s.name: source_hosts_of(s.spider, s.options) for s in profile().sources}


def worker_status():
    """The worker's heartbeat, jobs and source health (``core.worker_status.WorkerStatus``)."""
    return backend().worker_status()


def deliveries(statuses: tuple[str, ...] = (), limit: int = 500):
    """Notification deliveries, newest first (``core.notifications.Delivery``); not cached: a page of
    records a person checks right after something was sent."""
    return backend().deliveries(statuses, limit)


def format_drift():
    """Sources whose format drifted (``core.crawl_health.SourceHealth``, verdict ``drift``), with page samples."""
    return backend().format_drift()


def extra(name: str) -> Any | None:
    """Kept for pages written before ``worker_status``: ``extra("worker")`` is the worker's status."""
    return worker_status() if name == "worker" else None


def since_days(days: int) -> datetime:
    return now() - timedelta(days=days)
