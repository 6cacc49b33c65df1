"""How posts look inside Elasticsearch: a post as an indexed document and back, a ``PostQuery`` as a bool
query, and the index template that ships in ``infra/deploy/elasticsearch/``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any, Mapping

from core.clock import ensure_aware
from core.errors import ConfigurationError
from core.post import Post, enrichment_from_mapping
from core.storage import PostQuery
from infra.storage import common

TEMPLATE_FILE = "posts-template.json"
# Fields sent back on reads; ``terms`` stays behind because only the index needs it.
SOURCE_EXCLUDES = ["terms"]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def load_template(prefix: str) -> dict[str, Any]:
    """The composable index template for ``<prefix>-posts-*`` indices, from the shipped JSON file."""
    try:
        text = resources.files("infra.deploy.elasticsearch").joinpath(TEMPLATE_FILE).read_text(encoding="utf-8")
        template = json.loads(text)
    except (OSError, ValueError, ModuleNotFoundError) as error:
        raise ConfigurationError(f"cannot read the index template infra/deploy/elasticsearch/{TEMPLATE_FILE}: "
                                 f"{error}") from error
    template["index_patterns"] = [p.replace("{prefix}", prefix) for p in template["index_patterns"]]
    return template


def es_time(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds, which ``date_nanos`` keeps exactly."""
    return ensure_aware(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def document(post: Post, terms: str | None, segmenter: str = "") -> dict[str, Any]:
    """The indexed document; ``terms`` None leaves the stored terms as they are (a partial update).
    ``segmenter`` is the version of the segmenter that cut ``terms``."""
    values = common.enrichment_fields(post.enrichment)
    doc = {
        "id": post.id, "source": post.source, "platform": post.platform, "url": post.url,
        "published_at": es_time(post.published_at), "fetched_at": es_time(post.fetched_at),
        "published_us": common.micros(post.published_at),
        "title": post.title, "text": post.text, "author": post.author,
        "reposts": post.reposts, "comments": post.comments, "likes": post.likes,
        # The payload as a JSON string: a partial update would merge two objects key by key.
        "raw": common.dumps(post.raw) if post.raw else None, "page": post.page,
        "capture_method": post.capture_method,
        "copies": common.copies_to_list(post.copies) or None,
        "parent_id": post.parent_id, "relation": post.relation or None,
        "enrichment": common.enrichment_to_dict(post.enrichment),
        **values,
    }
    if terms is not None:
        doc.update(terms_document(terms, segmenter))
    return doc


def terms_document(terms: str, segmenter: str) -> dict[str, Any]:
    """The segmented fields. The unnamed version '' is left out (null), as in posts stored before versions
    were recorded, so that both read alike."""
    return {"terms": terms, "segmenter": segmenter or None}


def stale_query(segmenter: str) -> dict[str, Any]:
    """Posts whose terms another segmenter version cut."""
    if not segmenter:
        return {"exists": {"field": "segmenter"}}
    return {"bool": {"must_not": [{"term": {"segmenter": segmenter}}]}}


def enrichment_document(enrichment) -> dict[str, Any]:
    return {"enrichment": common.enrichment_to_dict(enrichment), **common.enrichment_fields(enrichment)}


def post_from_source(source: Mapping[str, Any]) -> Post:
    return Post(
        id=source["id"], source=source["source"], platform=source["platform"], url=source["url"],
        published_at=parse_es_time(source["published_at"]), fetched_at=parse_es_time(source["fetched_at"]),
        text=source["text"], title=source.get("title") or "", author=source.get("author") or "",
        reposts=source.get("reposts") or 0, comments=source.get("comments") or 0, likes=source.get("likes") or 0,
        raw=json.loads(source["raw"]) if source.get("raw") else {}, page=source.get("page"),
        capture_method=source.get("capture_method") or "",
        copies=common.copies_from_list(source.get("copies")),
        parent_id=source.get("parent_id") or None, relation=source.get("relation") or "",
        enrichment=enrichment_from_mapping(source.get("enrichment")),
    )


def parse_es_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def bucket_time(key_millis: int) -> str:
    return (_EPOCH + timedelta(milliseconds=int(key_millis))).isoformat()


def bool_query(query: PostQuery, terms: tuple[str, ...]) -> dict[str, Any]:
    """Every given filter must hold; ``terms`` (the segmented text) must all occur in ``terms``."""
    must: list[dict] = []
    filters: list[dict] = []
    if terms:
        must.append({"match": {"terms": {"query": " ".join(terms), "operator": "and",
                                         "analyzer": "whitespace"}}})
    published: dict[str, int] = {}
    if query.since is not None:
        published["gte"] = common.micros(query.since)
    if query.until is not None:
        published["lt"] = common.micros(query.until)
    if published:
        filters.append({"range": {"published_us": published}})
    for field, values in (("platform", query.platforms), ("source", query.sources), ("schools", query.schools),
                          ("incident_types", query.incident_types)):
        if values:
            filters.append({"terms": {field: list(values)}})
    for field, op, value in (("sentiment", "lt", query.sentiment_below),
                             ("sentiment", "gte", query.sentiment_at_least),
                             ("rumour_score", "gte", query.rumour_at_least)):
        if value is not None:
            filters.append({"range": {field: {op: float(value)}}})
    if query.event_id is not None:
        filters.append({"term": {"event_id": query.event_id}})
    if query.parent_ids:
        filters.append({"terms": {"parent_id": list(query.parent_ids)}})
    if not must and not filters:
        return {"match_all": {}}
    return {"bool": {"must": must, "filter": filters}}


# The order of pages, and the index sort of the shipped template: with the segments stored in this order a
# page of a million posts is read from their head instead of by comparing every match (measured on the
# bench node: 62 ms -> 2 ms at 300,000 posts). published_us is a long because a sort on it measured about
# four times faster than on the date_nanos published_at in an unsorted index.
NEWEST_FIRST = [{"published_us": "desc"}, {"id": "asc"}]
# Posts written before published_us existed (they get it when a store opens their index).
MISSING_MICROS = {"bool": {"must_not": [{"exists": {"field": "published_us"}}]}}


def unenriched_query(model_version: str | None) -> dict[str, Any]:
    if model_version is None:
        return {"bool": {"must_not": [{"exists": {"field": "model_version"}}]}}
    return {"bool": {"must_not": [{"term": {"model_version": model_version}}]}}


GROUP_FIELDS = {"platform": "platform", "source": "source", "school": "schools", "incident_type": "incident_types",
                "sentiment_label": "sentiment_label", "event": "event_id"}


def aggregation(by: str) -> dict[str, Any]:
    if by in ("hour", "day"):
        return {"date_histogram": {"field": "published_at", "calendar_interval": by, "min_doc_count": 1,
                                   "time_zone": "UTC"}}
    if by not in GROUP_FIELDS:
        raise ValueError(f"cannot group posts by {by!r}")
    return {"terms": {"field": GROUP_FIELDS[by], "size": 10_000, "order": [{"_count": "desc"}, {"_key": "asc"}]}}
