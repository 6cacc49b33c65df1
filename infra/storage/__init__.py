"""Storage backends. Only composition roots (the CLI, console/app.py, the worker) call these factories."""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigurationError
from core.settings import Settings
from core.storage import PostStore


def sqlite_path(settings: Settings) -> Path:
    return Path(settings.sqlite_path) if settings.sqlite_path else settings.data_path / "posts.db"


def open_post_store(settings: Settings, segment=None) -> PostStore:
    """The post store the settings name: the embedded SQLite file or an Elasticsearch cluster.
    ``segment`` (text -> words) replaces jieba's default segmenter, e.g. with the county user dictionary."""
    if settings.store == "sqlite":
        from infra.storage.sqlite import SqlitePostStore

        return SqlitePostStore(sqlite_path(settings), segment=segment)
    if settings.store == "elasticsearch":
        from infra.storage.elasticsearch import ElasticsearchPostStore

        return ElasticsearchPostStore(settings.es_url, index_prefix=settings.es_index_prefix,
                                      timeout=settings.es_timeout, segment=segment)
    raise ConfigurationError(f"setting 'store' is {settings.store!r}; use 'sqlite' or 'elasticsearch'")


def open_event_store(settings: Settings):
    """The event store: ``<data_dir>/events.db`` (SQLite), used with either post store backend."""
    from infra.storage.event_store import SqliteEventStore

    return SqliteEventStore(settings.data_path / "events.db")
