"""One batch of crawled posts into the store: exact duplicates dropped by id, changed posts updated,
near-copies and reposts attached to their original's ``copies`` (counted as spread, never stored twice).

Nothing stored is lost: an updated post keeps the copies already attached to it, and the store keeps its
enrichment when the text is unchanged (the PostStore contract).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from core.crawl_state import CrawlStateStore
from core.errors import StorageUnavailable
from core.post import Post, PostCopy
from core.storage import PostStore
from crawlers import dedup

log = logging.getLogger(__name__)
Match = tuple[str, float] | None          # a post id and its estimated similarity, or no match


@dataclass
class BatchResult:
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    copies: int = 0
    rejected: list[str] = field(default_factory=list)
    orphans: list[dict[str, Any]] = field(default_factory=list)   # copies whose original is not stored yet
    stored_ids: list[str] = field(default_factory=list)           # ids now safely stored (posts and copies)


def _same(old: Post, new: Post) -> bool:
    return (old.text, old.title, old.author, old.reposts, old.comments, old.likes, old.raw.get("revision")) == (
        new.text, new.title, new.author, new.reposts, new.comments, new.likes, new.raw.get("revision"))


def _copy_of(post: Post) -> PostCopy:
    return PostCopy(platform=post.platform, url=post.url, author=post.author, published_at=post.published_at)


class _BatchIndex:
    """Signatures of this batch's new posts, so a copy finds an original crawled in the same batch."""

    def __init__(self) -> None:
        self.bands: dict[tuple[int, int], list[str]] = {}
        self.sigs: dict[str, np.ndarray] = {}

    def add(self, post_id: str, sig: np.ndarray) -> None:
        self.sigs[post_id] = sig
        for band, key in enumerate(dedup.band_keys(sig)):
            self.bands.setdefault((band, key), []).append(post_id)

    def find(self, sig: np.ndarray) -> tuple[str, float] | None:
        candidates = {pid for band, key in enumerate(dedup.band_keys(sig)) for pid in self.bands.get((band, key), ())}
        scored = [(dedup.similarity(sig, self.sigs[pid]), pid) for pid in sorted(candidates)]
        scored = [(score, pid) for score, pid in scored if score >= dedup.SIMILAR_AT]
        return (max(scored)[1], max(scored)[0]) if scored else None


def ingest_batch(store: PostStore, state: CrawlStateStore, posts: list[Post],
                 copies: list[dict[str, Any]]) -> BatchResult:
    """Store one batch; ``copies`` are reposts (dicts with id, original_id, platform, url, author, published_at).
    Batches of parallel crawls take turns (the crawl state's ``exclusive()`` lock): each reads what the
    previous one wrote."""
    with state.exclusive():
        return _ingest(store, state, posts, copies)


def _ingest(store: PostStore, state: CrawlStateStore, posts: list[Post], copies: list[dict[str, Any]]) -> BatchResult:
    result = BatchResult()
    unique: dict[str, Post] = {}
    for post in posts:
        if post.id in unique:
            result.duplicate += 1
        unique[post.id] = post
    stored = _get_many(store, list(unique))
    lookups = _indexed_matches(state, [post for post in unique.values() if post.id not in stored])
    to_write: dict[str, Post] = {}
    attach: list[tuple[str, PostCopy, str]] = []
    batch_index, signatures, aliases, fresh = _BatchIndex(), [], {}, set()
    # Oldest first, so that of two near-copies in one batch the earlier one is the original.
    for post in sorted(unique.values(), key=lambda p: (p.published_at, p.id)):
        old = stored.get(post.id)
        if old is not None:
            if _same(old, post):
                result.duplicate += 1
                result.stored_ids.append(post.id)
            else:
                to_write[post.id] = replace(post, copies=_merged(old.copies, post.copies))
                result.updated += 1
            continue
        sig, indexed = lookups[post.id]
        original = _find_original(batch_index, sig, indexed, post.id) if sig is not None else None
        if original is not None and _earlier_than(post, original, to_write, stored, store):
            # A copy stored first (another source's crawl got there sooner) must not swallow the earlier
            # original: the original is evidence, so it is stored as a post of its own.
            original = None
        if original is not None:
            attach.append((original, _copy_of(post), post.id))
            aliases[post.id] = original
            continue
        to_write[post.id] = post
        fresh.add(post.id)
        if sig is not None:
            batch_index.add(post.id, sig)
            signatures.append((post.id, sig))
    _redirect_reactions(state, to_write, stored, aliases)
    for item in copies:
        # A repost of a post that was itself folded into another as a near-copy adds to that other post.
        original_id = aliases.get(item["original_id"]) or state.alias_of(item["original_id"]) or item["original_id"]
        attach.append((original_id, PostCopy(platform=item["platform"], url=item["url"],
                                                     author=item.get("author", ""),
                                                     published_at=item.get("published_at")), item["id"]))
    _attach(store, stored, to_write, attach, copies, result)
    _write(store, state, to_write, fresh, signatures, aliases, result)
    return result


def _redirect_reactions(state: CrawlStateStore, to_write: dict[str, Post], stored: dict[str, Post],
                        aliases: dict[str, str]) -> None:
    """A reaction to a post that was folded into another as a near-copy reacts to that other post: its
    ``parent_id`` is moved there, so it joins the event of the post that is stored."""
    for post_id, post in list(to_write.items()):
        parent = post.parent_id
        if not parent or parent in to_write or parent in stored:
            continue
        source = aliases.get(parent) or state.alias_of(parent)
        if source and source != parent:
            to_write[post_id] = replace(post, parent_id=source)


def _write(store: PostStore, state: CrawlStateStore, to_write: dict[str, Post], fresh: set[str],
           signatures: list[tuple[str, np.ndarray]], aliases: dict[str, str], result: BatchResult) -> None:
    """Write the batch's posts, then remember what was stored: signatures of new posts, copies' originals."""
    report = store.upsert_many(list(to_write.values()))
    rejected = {r.post_id for r in report.rejected}
    result.rejected = [f"{r.post_id}: {r.field or ''} {r.reason}".strip() for r in report.rejected]
    # The store decides what is new: another source's crawl may have stored the same post between our
    # read and our write (e.g. a watched account's post that the keyword search also finds).
    result.new = len(fresh.intersection(report.new))
    result.duplicate += len(fresh.intersection(report.updated))
    state.index([(pid, dedup.to_bytes(sig), dedup.band_keys(sig)) for pid, sig in signatures if pid not in rejected])
    state.set_aliases({copy: original for copy, original in aliases.items() if original not in rejected})
    result.stored_ids += [pid for pid in to_write if pid not in rejected]


def _get_many(store: PostStore, ids: list[str]) -> dict[str, Post]:
    try:
        return {p.id: p for p in store.get_many(ids)}
    except StorageUnavailable as error:
        # A spooling store may be unable to read while the backend is down; writing still works, and
        # upsert by id is idempotent, so classifying everything as new only misstates the counts.
        log.warning("cannot read stored posts to classify a batch (%s); counting them as new", error)
        return {}


def _indexed_matches(state: CrawlStateStore, posts: list[Post]) -> dict[str, tuple[np.ndarray | None, Match]]:
    """For each post: its signature (None when the text is too short to compare) and the most similar post in
    the crawl state's index, asked for the whole batch in one round trip. The index changes only after the
    batch, so asking first is the same as asking post by post."""
    sigs = {post.id: dedup.signature(post.text) for post in posts}
    comparable = [(post_id, sig) for post_id, sig in sigs.items() if sig is not None]
    found = state.candidates_many([dedup.band_keys(sig) for _, sig in comparable]) if comparable else []
    matches = {post_id: dedup.most_similar(sig, candidates, exclude=post_id)
               for (post_id, sig), candidates in zip(comparable, found)}
    return {post_id: (sig, matches.get(post_id)) for post_id, sig in sigs.items()}


def _find_original(batch_index: _BatchIndex, sig: np.ndarray, indexed: Match, post_id: str) -> str | None:
    found = [hit for hit in (batch_index.find(sig), indexed) if hit and hit[0] != post_id]
    return max(found, key=lambda hit: hit[1])[0] if found else None


def _earlier_than(post: Post, original_id: str, to_write: dict[str, Post], stored: dict[str, Post],
                  store: PostStore) -> bool:
    original = to_write.get(original_id) or stored.get(original_id)
    if original is None:
        found = _get_many(store, [original_id])
        original = stored[original_id] = found[original_id] if original_id in found else None
    return original is not None and post.published_at < original.published_at


def _merged(old: tuple[PostCopy, ...], new: tuple[PostCopy, ...]) -> tuple[PostCopy, ...]:
    urls = {c.url for c in old}
    return old + tuple(c for c in new if c.url not in urls)


def _attach(store: PostStore, stored: dict[str, Post], to_write: dict[str, Post],
            attach: list[tuple[str, PostCopy, str]], copies: list[dict[str, Any]], result: BatchResult) -> None:
    missing = [oid for oid, _, _ in attach if oid not in to_write and oid not in stored]
    stored.update(_get_many(store, sorted(set(missing))))
    by_copy_id = {item["id"]: item for item in copies}
    for original_id, copy, copy_id in attach:
        target = to_write.get(original_id) or stored.get(original_id)
        if target is None:
            if copy_id in by_copy_id:
                result.orphans.append(by_copy_id[copy_id])
            continue
        result.stored_ids.append(copy_id)
        if any(c.url == copy.url for c in target.copies):
            result.duplicate += 1
            continue
        to_write[original_id] = replace(target, copies=target.copies + (copy,))
        result.copies += 1
