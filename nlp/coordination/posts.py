"""Stored posts as cascade records: who posted (a platform's user id where it gave one, else its author name),
when, what, under which parent, and the account facts the platform served (Weibo's user object)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from core.post import Post
from nlp.coordination.model import CascadePost


def cascade_posts(posts: Iterable[Post], event_id: str = "") -> list[CascadePost]:
    """The posts and their near-copies (``Post.copies``, each as a post of its own on its platform)."""
    out: list[CascadePost] = []
    for post in posts:
        user = post.raw.get("user") if isinstance(post.raw, Mapping) else None
        user = user if isinstance(user, Mapping) else {}
        out.append(CascadePost(
            post_id=post.id, account=_account(post.platform, user, post.author, post.id),
            at=post.published_at.timestamp(),
            text=post.text, parent_id=post.parent_id, platform=post.platform, event_id=event_id,
            followers=_number(user.get("followers_count")), verified=bool(user.get("verified")),
            verified_type=_number(user.get("verified_type"), allow_negative=True),
            account_created=None, author_name=str(user.get("screen_name") or post.author or "")))
        for number, copy in enumerate(post.copies):
            at = (copy.published_at or post.published_at).timestamp()
            out.append(CascadePost(
                post_id=f"{post.id}#copy{number}", account=_account(copy.platform, {}, copy.author,
                                                                      f"{post.id}#copy{number}"), at=at,
                text=post.text, parent_id=None, platform=copy.platform, event_id=event_id,
                author_name=copy.author, copy_of=post.id))
    return out


def _account(platform: str, user: Mapping[str, Any], author: str, post_id: str) -> str:
    """The platform's user id, else the author's name there; an unnamed author is an account of its own
    (two anonymous posts are not one account)."""
    if user.get("id") not in (None, ""):
        return f"{platform}:{user['id']}"
    return f"{platform}:{author}" if author else f"{platform}:anonymous:{post_id}"


def _number(value: Any, allow_negative: bool = False) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 or allow_negative else None
