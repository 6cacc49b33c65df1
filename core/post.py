"""The post: one piece of news or social media that mentions the county's schools.

A post's id is stable: it is derived from the platform and the platform's own id when there is one,
otherwise from the canonical URL, so crawling the same thing twice can never store it twice.
Enrichment fields are empty when the crawler stores a post and are filled later by the NLP worker,
which records the model version so that a better model can re-score old posts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.clock import ensure_aware
from core.errors import InvalidInput
from core.text import clean_text

# Query parameters that only track the reader; dropped so that one article has one URL.
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|source|share_\w+|wfr|luicode|lfid|featurecode|isappinstalled|"
                              r"sharer_shareid|scene|clicktime|enterid|_t|timestamp)$", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop fragments, default ports and tracking parameters, sort the rest."""
    if not url or not url.strip():
        raise InvalidInput("url is empty", field="url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"url {url!r} is not an absolute http(s) URL", field="url")
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING_PARAMS.match(k))
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))


def make_post_id(platform: str, native_id: str | None = None, url: str | None = None) -> str:
    """A stable id: ``<platform>:<native id>`` or ``<platform>:u<sha1 of the canonical URL>[:16]``."""
    if not platform:
        raise InvalidInput("platform is empty", field="platform")
    if native_id not in (None, ""):
        return f"{platform}:{native_id}"
    if url:
        digest = hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:16]
        return f"{platform}:u{digest}"
    raise InvalidInput("a post needs a native id or a URL to derive its id from", field="url")


@dataclass(frozen=True)
class PostCopy:
    """A repost or near-copy of a stored post: it counts as spread and is not stored as a post itself."""

    platform: str
    url: str
    author: str = ""
    published_at: datetime | None = None


# How a reaction post relates to its parent (Post.relation); "" is a post of its own.
REACTION_RELATIONS = ("repost", "comment", "reply")


# Sentiment below this is negative, above POSITIVE_FROM positive, between them neutral.
NEGATIVE_BELOW = 0.4
POSITIVE_FROM = 0.6


def sentiment_label(score: float | None) -> str | None:
    """'negative' / 'neutral' / 'positive' (``core.vocabulary.SENTIMENTS``, named by ``SENTIMENT_NAMES``) for a
    probability-of-positive score, None when unscored."""
    if score is None:
        return None
    if score < NEGATIVE_BELOW:
        return "negative"
    if score >= POSITIVE_FROM:
        return "positive"
    return "neutral"


@dataclass(frozen=True)
class Enrichment:
    """What NLP says a post means. ``model_version`` names the models that produced it."""

    model_version: str
    schools: tuple[str, ...] = ()
    sentiment: float | None = None          # expected polarity 0..1 (negative 0, neutral 0.5, positive 1)
    rumour_score: float | None = None       # probability that the post is a rumour, 0..1
    rumour_cues: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = ()
    incident_terms: tuple[str, ...] = ()    # the matched terms that explain the incident types
    event_id: str | None = None
    enriched_at: datetime | None = None


@dataclass(frozen=True)
class Post:
    """A raw post as crawled, with its enrichment once the NLP worker has seen it."""

    id: str
    source: str                 # the configured source that collected it, e.g. "weibo-search"
    platform: str               # weibo, news, rss, tieba, gov_board, ...
    url: str
    published_at: datetime
    fetched_at: datetime
    text: str
    title: str = ""
    author: str = ""
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict)   # the payload as the platform served it
    page: str | None = None                                  # the captured page (HTML/JSON text) for evidence
    capture_method: str = ""                                 # e.g. "scrapy crawl weibo (yuqing 0.1)"
    # The crawler-NLP contract for the crowd's reactions: a repost, comment or reply names the post it reacts to
    # by our post id (make_post_id of the parent's platform and native id) and says how it relates to it.
    parent_id: str | None = None
    relation: str = ""                                       # one of REACTION_RELATIONS, "" for a source post
    copies: tuple[PostCopy, ...] = ()
    enrichment: Enrichment | None = None

    @property
    def engagement(self) -> int:
        return self.reposts + self.comments + self.likes

    @property
    def spread(self) -> int:
        """How many times it was seen: the post itself plus its reposts and near-copies."""
        return 1 + len(self.copies)

    def with_enrichment(self, enrichment: Enrichment | None) -> "Post":
        return replace(self, enrichment=enrichment)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO strings)."""
        data = asdict(self)
        return _jsonable(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Post":
        return post_from_mapping(data)


_REQUIRED = ("source", "platform", "url", "published_at", "text")
_POST_FIELDS = {f.name for f in fields(Post)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def parse_time(value: Any, field_name: str) -> datetime:
    """A datetime or ISO-8601 string, made timezone-aware (naive times are China time)."""
    if isinstance(value, datetime):
        return ensure_aware(value)
    if isinstance(value, str) and value.strip():
        try:
            return ensure_aware(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise InvalidInput(f"{field_name} {value!r} is not a time (expected ISO 8601, e.g. 2026-11-29T08:30:00+08:00)",
                       field=field_name)


def _count(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name) or 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {value!r} is not a whole number", field=name) from None
    if number < 0:
        raise InvalidInput(f"{name} {value!r} is negative", field=name)
    return number


def enrichment_from_mapping(data: Any) -> Enrichment | None:
    """An Enrichment from a stored or JSON mapping (None or an empty mapping: not enriched)."""
    if not data or isinstance(data, Enrichment):
        return data or None
    return Enrichment(
        model_version=str(data["model_version"]),
        schools=tuple(data.get("schools") or ()),
        sentiment=data.get("sentiment"),
        rumour_score=data.get("rumour_score"),
        rumour_cues=tuple(data.get("rumour_cues") or ()),
        incident_types=tuple(data.get("incident_types") or ()),
        incident_terms=tuple(data.get("incident_terms") or ()),
        event_id=data.get("event_id"),
        enriched_at=parse_time(data["enriched_at"], "enriched_at") if data.get("enriched_at") else None,
    )


def _copy_from(data: Any) -> PostCopy:
    if isinstance(data, PostCopy):
        return data
    published = data.get("published_at")
    return PostCopy(platform=data["platform"], url=data["url"], author=data.get("author", ""),
                    published_at=parse_time(published, "copies.published_at") if published else None)


def _parent_id(data: Mapping[str, Any]) -> str | None:
    value = data.get("parent_id")
    return str(value).strip() or None if value is not None else None


def _relation(data: Mapping[str, Any]) -> str:
    relation = str(data.get("relation") or "").strip()
    if relation and relation not in REACTION_RELATIONS:
        raise InvalidInput(f"relation {relation!r} is not one of {', '.join(REACTION_RELATIONS)}", field="relation")
    if relation and not _parent_id(data):
        raise InvalidInput(f"a {relation} needs parent_id (the post it reacts to)", field="parent_id")
    return relation


def with_clean_text(post: Post) -> Post:
    """The post with the store rule (``core.text.clean_text``) applied to its title, text and author: a Post
    built in code reaches a store as clean as one built from a crawled mapping."""
    title, text, author = clean_text(post.title), clean_text(post.text), clean_text(post.author)
    if (title, text, author) == (post.title, post.text, post.author):
        return post
    return replace(post, title=title, text=text, author=author)


def post_from_mapping(data: Mapping[str, Any], fetched_at: datetime | None = None) -> Post:
    """Build and validate a Post from a mapping (a crawled item, a stored row, a JSON line).

    Raises InvalidInput naming the first field that is missing or wrong. ``id`` is derived when absent
    (from ``platform`` and ``native_id`` or ``url``).
    """
    for name in _REQUIRED:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(f"post is missing required field '{name}'", field=name)
    unknown = set(data) - _POST_FIELDS - {"native_id"}
    if unknown:
        raise InvalidInput(f"post has unknown fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    post_id = data.get("id") or make_post_id(str(data["platform"]), data.get("native_id"), str(data["url"]))
    fetched = data.get("fetched_at") or fetched_at
    if fetched is None:
        raise InvalidInput("post is missing required field 'fetched_at'", field="fetched_at")
    return Post(
        id=str(post_id),
        source=str(data["source"]),
        platform=str(data["platform"]),
        url=str(data["url"]),
        published_at=parse_time(data["published_at"], "published_at"),
        fetched_at=parse_time(fetched, "fetched_at"),
        text=clean_text(data["text"]),
        title=clean_text(data.get("title") or ""),
        author=clean_text(data.get("author") or ""),
        reposts=_count(data, "reposts"),
        comments=_count(data, "comments"),
        likes=_count(data, "likes"),
        raw=dict(data.get("raw") or {}),
        page=data.get("page"),
        capture_method=str(data.get("capture_method") or ""),
        parent_id=_parent_id(data),
        relation=_relation(data),
        copies=tuple(_copy_from(c) for c in data.get("copies") or ()),
        enrichment=enrichment_from_mapping(data.get("enrichment")),
    )
