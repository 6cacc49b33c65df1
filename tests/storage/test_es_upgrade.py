"""An Elasticsearch index written by an earlier yuqing (no ``published_us``, no ``segmenter``) is brought up to
date when a store opens it: the new fields are mapped, every post gets its microsecond time, and every query
answers as on a new index."""

from __future__ import annotations

import pytest
from elasticsearch import helpers

from infra.storage import elasticsearch_docs as docs
from infra.storage.common import Terms
from infra.storage.elasticsearch import ElasticsearchPostStore
from tests.storage.posts import POSTS
from tests.storage.test_queries import assert_answers_every_query

pytestmark = pytest.mark.elasticsearch


def old_index(store: ElasticsearchPostStore, segmenter) -> None:
    """The store's indices dropped and written again as yuqing wrote them before (template schema 1)."""
    client = store.client
    store.drop()
    template = docs.load_template(store.prefix)
    mapping = template["template"]["mappings"]["properties"]
    del mapping["published_us"], mapping["segmenter"]
    del template["template"]["settings"]["sort.field"], template["template"]["settings"]["sort.order"]
    client.indices.put_index_template(name=store.alias, **template)
    client.indices.create(index=f"{store.alias}-000001", aliases={store.alias: {"is_write_index": True}})
    terms = Terms(segmenter)
    old_docs = []
    for post in POSTS:
        source = docs.document(post, terms.of(post.title, post.text))
        del source["published_us"], source["segmenter"]
        old_docs.append({"_index": store.alias, "_id": post.id, "_source": source})
    helpers.bulk(client, old_docs, refresh=True)


def test_an_old_index_is_upgraded_in_place_and_answers_like_a_new_one(es_url, segmenter):
    first = ElasticsearchPostStore(es_url, index_prefix="upgrade-test", segment=segmenter)
    try:
        old_index(first, segmenter)
        store = ElasticsearchPostStore(es_url, index_prefix="upgrade-test", segment=segmenter)
        try:
            assert_answers_every_query(store)
            assert not store.needs_reindex
        finally:
            store.close()
    finally:
        first.drop()
        first.close()
