"""How an event spread, from its posts: where it first appeared on each platform, which accounts carried it
furthest (top amplifiers), and the repost chains (posts linked by ``Post.parent_id``). Pure functions over
``core.post.Post``; the console's event page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from core.post import Post


@dataclass(frozen=True)
class FirstSeen:
    platform: str
    post_id: str
    author: str
    at: datetime


@dataclass(frozen=True)
class Amplifier:
    author: str
    platform: str
    posts: int
    reach: int                  # reposts + comments of the author's posts in the event


@dataclass(frozen=True)
class ChainLink:
    post_id: str
    author: str
    platform: str
    at: datetime
    depth: int                  # 0 for a post of its own, 1 for a repost of it, ...
    relation: str


def first_per_platform(posts: Iterable[Post]) -> list[FirstSeen]:
    """The earliest post on each platform, earliest platform first."""
    first: dict[str, Post] = {}
    for post in posts:
        if post.platform not in first or post.published_at < first[post.platform].published_at:
            first[post.platform] = post
    return sorted((FirstSeen(p.platform, p.id, p.author, p.published_at) for p in first.values()),
                  key=lambda f: f.at)


def top_amplifiers(posts: Iterable[Post], limit: int = 5) -> list[Amplifier]:
    """The accounts whose posts in the event drew the most reposts and comments."""
    totals: dict[tuple[str, str], list[int]] = {}
    for post in posts:
        key = (post.author or "匿名", post.platform)
        entry = totals.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += max(0, post.reposts) + max(0, post.comments)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    return [Amplifier(author, platform, count, reach) for (author, platform), (count, reach) in ranked[:limit]]


def repost_chains(posts: Sequence[Post], max_depth: int = 20) -> list[ChainLink]:
    """The event's posts as trees of reposts, comments and replies, depth first, oldest first at each level;
    only posts that have or are a reaction are listed. A parent outside the event starts its own tree."""
    by_id = {p.id: p for p in posts}
    children: dict[str, list[Post]] = {}
    for post in posts:
        if post.parent_id and post.parent_id in by_id and post.parent_id != post.id:
            children.setdefault(post.parent_id, []).append(post)
    roots = [p for p in posts if (not p.parent_id or p.parent_id not in by_id) and p.id in children]
    links: list[ChainLink] = []
    seen: set[str] = set()

    def walk(post: Post, depth: int) -> None:
        if post.id in seen or depth > max_depth:          # a cycle in web data must not hang the page
            return
        seen.add(post.id)
        links.append(ChainLink(post.id, post.author, post.platform, post.published_at, depth, post.relation))
        for child in sorted(children.get(post.id, []), key=lambda p: p.published_at):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda p: p.published_at):
        walk(root, 0)
    return links
