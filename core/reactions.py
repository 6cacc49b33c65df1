"""The crowd's reactions round: which posts get their comments, reposts and replies collected.

Posts of events that are rising (more posts in the last growth span than in the span before) or alerted (an
alert that is neither dismissed nor closed) are the ones whose reactions tell whether a rumour spreads or is
doubted. Only platforms with a reaction feed (Weibo comments and reposts, Tieba floors and 楼中楼) count, and
only source posts (a reaction's own reactions are not chased). The busiest posts come first, and a round
takes at most ``max_posts`` of them; ``reaction_max_per_post`` bounds what each one yields.

The crawl of the round is the source ``reactions`` (spider ``reactions``), whose targets the crawl's
composition root computes here from the event store, the alert service and the post store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Sequence

from core.event import Event, EventStore
from core.storage import PostStore

REACTIONS_SOURCE = "reactions"           # the source name (and spider name) of the reaction round
REACTION_PLATFORMS = ("weibo", "tieba")
LIVE_ALERT_STATES = ("new", "under_review", "confirmed")     # core.workflow.model.AlertState values
MIN_RECENT_POSTS = 2                     # fewer new posts than this is noise, not a rising event


@dataclass(frozen=True)
class ReactionTarget:
    post_id: str          # our id of the post whose reactions are collected (the reactions' parent_id)
    platform: str
    native_id: str        # the platform's id: a Weibo mid, a Tieba thread id
    event_id: str

    def as_option(self) -> dict[str, str]:
        return {"post_id": self.post_id, "platform": self.platform, "native_id": self.native_id,
                "event_id": self.event_id}


def is_rising(event: Event, now: datetime, span: timedelta) -> bool:
    """More posts in the event's timeline during the last ``span`` than in the ``span`` before it."""
    recent = sum(p.posts for p in event.timeline if now - span < p.at <= now)
    before = sum(p.posts for p in event.timeline if now - 2 * span < p.at <= now - span)
    return recent >= MIN_RECENT_POSTS and recent > before


def reaction_targets(events: EventStore, alert_state_of: Callable[[str], str | None], posts: PostStore, *,
                     now: datetime, span: timedelta, max_posts: int, window: timedelta) -> list[ReactionTarget]:
    """The posts whose reactions this round collects: source posts on Weibo and Tieba of events seen within
    ``window`` that are rising or alerted (``alert_state_of(event_id)`` gives the event's alert state or
    None), busiest first, at most ``max_posts``."""
    if max_posts <= 0:
        return []
    chosen: list[Event] = []
    for event in events.list_events(since=now - window, limit=200):
        state = alert_state_of(event.id)
        if (state in LIVE_ALERT_STATES) or is_rising(event, now, span):
            chosen.append(event)
    candidates = []
    for event in chosen:
        ids = [pid for pid in event.post_ids if pid.split(":", 1)[0] in REACTION_PLATFORMS]
        for post in posts.get_many(ids):
            native = post.id.split(":", 1)[1]
            if post.relation or post.platform not in REACTION_PLATFORMS or not native.isdigit():
                continue
            candidates.append((post.comments + post.reposts, post.id, post.platform, native, event.id))
    targets, seen = [], set()
    for _, post_id, platform, native, event_id in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if post_id not in seen:
            seen.add(post_id)
            targets.append(ReactionTarget(post_id, platform, native, event_id))
    return targets[:max_posts]


def target_from_option(value: object) -> ReactionTarget | None:
    """A target from the reaction source's options (as the composition root wrote it); None when malformed."""
    if not isinstance(value, dict):
        return None
    fields: Sequence[str] = ("post_id", "platform", "native_id")
    if not all(isinstance(value.get(name), str) and value.get(name) for name in fields):
        return None
    return ReactionTarget(value["post_id"], value["platform"], value["native_id"], str(value.get("event_id", "")))
