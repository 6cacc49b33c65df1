"""Every test here runs once per backend: the embedded SQLite store and a real Elasticsearch node."""

from __future__ import annotations

import uuid

import pytest

from infra.storage.common import default_segmenter
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.sqlite import SqlitePostStore
from tests.storage.posts import POSTS

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("elasticsearch", id="elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture(scope="session")
def segmenter():
    return default_segmenter()


class Stores:
    """Opens empty stores of one backend and removes what they left behind."""

    def __init__(self, backend: str, folder, segmenter, request):
        self.backend, self.folder, self.segmenter = backend, folder, segmenter
        self.es_url = request.getfixturevalue("es_url") if backend == "elasticsearch" else None
        self.opened = []

    def open(self, segment=None, segmenter_version: str = "", name: str | None = None):
        """A new empty store, or with ``name`` (a store's ``name`` attribute) the same store opened again."""
        name = name or f"t{uuid.uuid4().hex[:10]}"
        segment = segment or self.segmenter
        if self.backend == "sqlite":
            store = SqlitePostStore(self.folder / f"{name}.db", segment=segment, segmenter_version=segmenter_version)
        else:
            store = ElasticsearchPostStore(self.es_url, index_prefix=name, segment=segment,
                                           segmenter_version=segmenter_version)
        store.name = name
        self.opened.append(store)
        return store

    def close(self):
        for store in self.opened:
            if self.backend == "elasticsearch":
                store.drop()
            store.close()


@pytest.fixture(params=BACKENDS)
def stores(request, tmp_path, segmenter):
    opened = Stores(request.param, tmp_path, segmenter, request)
    yield opened
    opened.close()


@pytest.fixture
def store(stores):
    """An empty store."""
    return stores.open()


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, tmp_path_factory, segmenter):
    """A store holding every fixture post, all written before any query runs."""
    opened = Stores(request.param, tmp_path_factory.mktemp("loaded"), segmenter, request)
    store = opened.open()
    report = store.upsert_many(POSTS)
    assert not report.rejected and len(report.new) == len(POSTS)
    yield store
    opened.close()
