"""What both post stores share: segmenting Chinese for the index, validating a batch, and turning a post
into plain values and back. Keeping it here is what makes the two backends agree on every query."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from core.clock import ensure_aware
from core.errors import InvalidInput
from core.post import (Enrichment, Post, PostCopy, parse_time, post_from_mapping,
                       sentiment_label, with_clean_text)
from core.storage import Rejected

Segmenter = Callable[[str], list[str]]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def default_segmenter() -> Segmenter:
    """jieba's search-engine mode, with its dictionary loaded once per process (the first cut loads it)."""
    import jieba

    jieba.setLogLevel(60)   # the dictionary-loading chatter is not a user's business
    jieba.initialize()
    return jieba.lcut_for_search


_default: Segmenter | None = None


def _lazy_default_segmenter(text: str) -> list[str]:
    """jieba's search mode, its dictionary loaded at the first cut: loading takes a second or more, and a
    process that opens a store without writing new text (a re-crawl of seen posts) never needs it."""
    global _default
    if _default is None:
        _default = default_segmenter()      # jieba.initialize() is itself locked and idempotent
    return _default(text)


class Terms:
    """Segmented, lower-cased, space-joined terms: what the SQLite FTS5 table and the Elasticsearch
    ``whitespace`` analyzer index. Tokens without a letter or digit (punctuation, spaces) are dropped,
    so a query matches on words only."""

    def __init__(self, segment: Segmenter | None = None):
        self.segment = segment or _lazy_default_segmenter
        self.query_terms = lru_cache(maxsize=1024)(self._query_terms)

    def of(self, *texts: str) -> str:
        words: list[str] = []
        for text in texts:
            if text:
                words.extend(clean_words(self.segment(text)))
        return " ".join(words)

    def _query_terms(self, text: str) -> tuple[str, ...]:
        """The distinct terms of a search text, in order; each must occur in a matching post."""
        seen: dict[str, None] = {}
        for word in clean_words(self.segment(text)):
            seen.setdefault(word, None)
        return tuple(seen)


_NOT_A_WORD = object()
_CLEANED: dict[str, object] = {}


def clean_words(tokens: Iterable[str]) -> Iterable[str]:
    """The index words among segmenter tokens: lower-cased, with punctuation and spaces dropped."""
    # jieba's tokens repeat a lot, so each distinct token is cleaned once and remembered.
    cleaned = _CLEANED
    if len(cleaned) > 500_000:
        cleaned.clear()
    for token in tokens:
        word = cleaned.get(token)
        if word is None:
            word = cleaned[token] = _clean_one(token)
        if word is not _NOT_A_WORD:
            yield word


def _clean_one(token: str) -> object:
    token = token.strip().lower()
    if token and any(ch.isalnum() for ch in token):
        # A token with inner spaces would split into two index terms; keep it one.
        return token.replace(" ", "_")
    return _NOT_A_WORD


@dataclass
class Batch:
    """A validated batch: the valid posts by id (a later duplicate id wins, in the first one's place),
    where each accepted id stood in the batch, and the rejections, each naming the field that failed."""

    accepted: dict[str, Post]
    positions: dict[str, int]
    rejected: list[Rejected]


def validate_batch(posts: Iterable[Post | Mapping[str, Any]], fetched_at: datetime) -> Batch:
    """Check every post of a batch; ``fetched_at`` stamps mappings that do not say when they were fetched."""
    accepted: dict[str, Post] = {}
    positions: dict[str, int] = {}
    rejected: list[Rejected] = []
    for index, item in enumerate(posts):
        try:
            post = _checked(item, fetched_at)
        except InvalidInput as error:
            rejected.append(Rejected(index, _id_of(item), error.field, str(error)))
            continue
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            rejected.append(Rejected(index, _id_of(item), None, f"post #{index} is malformed: {error!r}"))
            continue
        accepted[post.id] = post
        positions[post.id] = index
    return Batch(accepted, positions, rejected)


def _id_of(item: Any) -> str | None:
    if isinstance(item, Post):
        return item.id
    if isinstance(item, Mapping):
        value = item.get("id")
        return str(value) if value else None
    return None


def _checked(item: Post | Mapping[str, Any], fetched_at: datetime) -> Post:
    if isinstance(item, Mapping):
        return post_from_mapping(item, fetched_at=fetched_at)
    if not isinstance(item, Post):
        raise InvalidInput(f"a post must be a Post or a mapping, not {type(item).__name__}", field=None)
    for name in ("id", "source", "platform", "url", "text"):
        value = getattr(item, name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"post is missing required field '{name}'", field=name)
    for name in ("published_at", "fetched_at"):
        if not isinstance(getattr(item, name), datetime):
            parse_time(getattr(item, name), name)   # raises naming the field
    return with_clean_text(item)


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch; exact, and sortable as an integer."""
    delta = ensure_aware(moment) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value))


def enrichment_to_dict(enrichment: Enrichment | None) -> dict[str, Any] | None:
    if enrichment is None:
        return None
    return {
        "model_version": enrichment.model_version,
        "schools": list(enrichment.schools),
        "sentiment": enrichment.sentiment,
        "rumour_score": enrichment.rumour_score,
        "rumour_cues": list(enrichment.rumour_cues),
        "incident_types": list(enrichment.incident_types),
        "incident_terms": list(enrichment.incident_terms),
        "event_id": enrichment.event_id,
        "enriched_at": ensure_aware(enrichment.enriched_at).isoformat() if enrichment.enriched_at else None,
    }


def enrichment_fields(enrichment: Enrichment | None) -> dict[str, Any]:
    """The enrichment values that filters and aggregations use, None/empty when unenriched."""
    if enrichment is None:
        return {"model_version": None, "schools": [], "incident_types": [], "sentiment": None,
                "sentiment_label": None, "rumour_score": None, "event_id": None}
    return {"model_version": enrichment.model_version, "schools": list(enrichment.schools),
            "incident_types": list(enrichment.incident_types), "sentiment": enrichment.sentiment,
            "sentiment_label": sentiment_label(enrichment.sentiment), "rumour_score": enrichment.rumour_score,
            "event_id": enrichment.event_id}


def copies_to_list(copies: Iterable[PostCopy]) -> list[dict[str, Any]]:
    return [{"platform": c.platform, "url": c.url, "author": c.author,
             "published_at": ensure_aware(c.published_at).isoformat() if c.published_at else None}
            for c in copies]


def copies_from_list(items: Iterable[Mapping[str, Any]] | None) -> tuple[PostCopy, ...]:
    return tuple(PostCopy(platform=c["platform"], url=c["url"], author=c.get("author") or "",
                          published_at=parse_time(c["published_at"], "copies.published_at")
                          if c.get("published_at") else None)
                 for c in items or ())


@dataclass(frozen=True)
class Merge:
    """How an incoming post meets a stored one: the post to store, and whether its index terms changed."""

    post: Post
    text_changed: bool


def merge(incoming: Post, stored_title: str, stored_text: str, stored_enrichment: Enrichment | None) -> Merge:
    """A re-crawl keeps the stored enrichment when the incoming post has none and its text and title are
    unchanged; an edited post drops it so that it is enriched again."""
    changed = incoming.text != stored_text or incoming.title != stored_title
    if incoming.enrichment is None and not changed and stored_enrichment is not None:
        return Merge(incoming.with_enrichment(stored_enrichment), False)
    return Merge(incoming, changed)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    # A crawled payload may carry odd values (bytes, decimals); keep their text rather than lose the batch.
    return str(value)
