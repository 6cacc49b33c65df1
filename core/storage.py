"""The post store contract. Every backend (``infra/storage/sqlite.py``, ``infra/storage/elasticsearch.py``)
keeps these promises, and ``tests/storage/`` checks them against each one.

Promises common to every method:
- Times are timezone-aware; a backend returns them in UTC.
- A write is visible to every read that starts after the write method returned (backends refresh).
- Driver errors surface as ``core.errors.StorageUnavailable`` naming the URL or path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping, Protocol, Sequence

from core.post import Enrichment, Post

SortOrder = Literal["time", "relevance"]
GroupBy = Literal["hour", "day", "platform", "source", "school", "incident_type", "sentiment_label", "event"]


@dataclass(frozen=True)
class PostQuery:
    """A filtered set of posts. Every given filter must hold (AND); empty tuples and None mean "any".

    ``text`` is Chinese full text: it is segmented the same way as the stored text and every term of it
    must occur in the post's title or text. ``sentiment_below`` keeps posts with a sentiment score strictly
    below it (more negative); ``sentiment_at_least`` the opposite; ``rumour_at_least`` keeps posts whose
    rumour score is at least it. Score filters never match an unenriched post. ``since`` is inclusive,
    ``until`` exclusive, both on ``published_at``. ``parent_ids`` keeps the reactions (reposts, comments,
    replies) whose ``Post.parent_id`` is one of them.
    """

    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    platforms: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = ()
    sentiment_below: float | None = None
    sentiment_at_least: float | None = None
    rumour_at_least: float | None = None
    event_id: str | None = None
    parent_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """A post that a batch could not store, and why."""

    index: int                 # position in the batch
    post_id: str | None
    field: str | None
    reason: str


@dataclass
class UpsertReport:
    """What one ``upsert_many`` did: ids newly stored, ids that replaced a stored post, and rejections."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: the posts, and how many posts match in total."""

    posts: list[Post]
    total: int


@dataclass(frozen=True)
class Bucket:
    key: str          # an ISO time (hour/day buckets, UTC) or a platform/source/school/label/event id
    count: int


class PostStore(Protocol):
    """Where raw posts and their enrichment live."""

    def upsert_many(self, posts: Iterable[Post | Mapping[str, Any]]) -> UpsertReport:
        """Store posts by id. Idempotent: storing the same post twice leaves one copy.

        A post whose id is new is reported in ``new``; a post whose id is stored replaces the stored
        one and is reported in ``updated`` — except that a stored enrichment is kept when the incoming
        post has none and its text and title are unchanged (a re-crawl never erases NLP work; an edited
        post loses its stale enrichment and is enriched again). Mappings are validated with
        ``core.post.post_from_mapping``; a post that fails validation is reported in ``rejected`` with the
        field named, and the rest of the batch is stored. Within one batch a later duplicate id wins.
        """
        ...

    def get(self, post_id: str) -> Post | None:
        """The stored post with this id, or None for an unknown id."""
        ...

    def get_many(self, post_ids: Sequence[str]) -> list[Post]:
        """The stored posts among these ids, in the order given; unknown ids are left out."""
        ...

    def search(self, query: PostQuery = PostQuery(), *, sort: SortOrder = "time",
               offset: int = 0, limit: int = 20) -> SearchPage:
        """Matching posts, one page. ``time`` sorts newest first (ties by id ascending); ``relevance``
        sorts by text relevance (ties newest first) and equals ``time`` when the query has no text."""
        ...

    def count(self, query: PostQuery = PostQuery()) -> int:
        """How many posts match."""
        ...

    def aggregate(self, query: PostQuery, by: GroupBy) -> list[Bucket]:
        """Counts per group over the matching posts. Time buckets (``hour``, ``day``, in UTC) come in time
        order and leave out empty buckets; other groups come by count descending, then key ascending.
        ``school`` and ``incident_type`` count a post once under each of its values; posts without a value
        are left out of those groups and of ``sentiment_label`` and ``event``."""
        ...

    def iter_unenriched(self, model_version: str | None = None, batch_size: int = 500) -> Iterator[list[Post]]:
        """Batches of posts not yet enriched, or (with ``model_version``) enriched by any other version,
        oldest ``fetched_at`` first. Safe to write enrichment back while iterating."""
        ...

    def write_enrichment(self, enrichments: Mapping[str, Enrichment]) -> int:
        """Store enrichment for post ids; returns how many posts were updated. Unknown ids are ignored."""
        ...

    def delete_older_than(self, cutoff: datetime) -> int:
        """Delete posts published before ``cutoff``; returns how many were deleted."""
        ...

    @property
    def needs_reindex(self) -> bool:
        """True when the store holds posts whose index terms were cut by another segmenter version than the
        one the store was opened with (posts from before versions were recorded count as the unnamed
        version ""): full-text search may miss them until ``reindex`` ran. A re-crawl that leaves a post's
        title and text unchanged keeps its terms and their version; a post stored or edited through this
        store is cut by this store's segmenter."""
        ...

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Cut the title and text of every post that ``needs_reindex`` counts again with this store's
        segmenter, in batches, and return how many posts were re-cut. Only the index terms and their version
        change; each batch is visible to searches once written. Safe beside writers: a post's terms always
        follow its current title and text (a post replaced meanwhile never gets the terms of its old text).
        Stopped halfway, a second run does only the rest.
        ``progress(done, total)`` is called after each batch."""
        ...

    def drop(self) -> None:
        """Delete everything this store holds (its file, or its indices and template) and release it; for a
        drill's own store once the drill is over. The store is unusable afterwards."""
        ...

    def close(self) -> None:
        """Release connections. The store is unusable afterwards."""
        ...
