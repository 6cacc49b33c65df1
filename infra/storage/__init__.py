"""The post store backends. Only composition roots (``infra.runtime``) open a store, through ``open_post_store``."""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigurationError
from core.storage import PostStore
from infra.storage.common import Segmenter
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.sqlite import SqlitePostStore

BACKENDS = ("sqlite", "elasticsearch")


def open_post_store(backend: str, *, sqlite_file: Path, es_url: str, es_index_prefix: str, es_timeout: float,
                    segment: Segmenter | None = None, segmenter_version: str = "") -> PostStore:
    """The post store ``backend`` names: ``sqlite`` (the file ``sqlite_file``) or ``elasticsearch`` (the cluster at
    ``es_url``, indices ``<es_index_prefix>-posts-*``, unreachable after ``es_timeout`` seconds).

    ``segment`` (text -> words) replaces jieba's search-mode segmenter, e.g. with the county profile's; pass
    with it ``segmenter_version``, a short fingerprint that changes whenever ``segment`` would cut a text
    differently. Posts are stamped with it, so the store can tell (``needs_reindex``) when posts were
    indexed by another segmenter and must be re-segmented (``reindex``). Raises ConfigurationError for an
    unknown backend, StorageUnavailable / VersionMismatch when the store cannot be used."""
    if backend == "sqlite":
        return SqlitePostStore(sqlite_file, segment=segment, segmenter_version=segmenter_version)
    if backend == "elasticsearch":
        return ElasticsearchPostStore(es_url, index_prefix=es_index_prefix, timeout=es_timeout, segment=segment,
                                      segmenter_version=segmenter_version)
    raise ConfigurationError(f"setting 'store' is {backend!r}; use {' or '.join(repr(b) for b in BACKENDS)}")
