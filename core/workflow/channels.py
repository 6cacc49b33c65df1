"""Channel adapters: where an approved release is published. Implementations live in ``infra/publish``
(the official website as static HTML + RSS, a generic JSON webhook); the composition root hands them to
the release service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OutgoingRelease:
    """What a channel publishes."""

    release_id: str
    alert_id: str
    template: str
    title: str
    body: str                                # plain text (never HTML): channels escape it
    version: int
    published_at: datetime
    publisher: str                           # the issuing body, e.g. 渠县教育局
    first_release_id: str = ""               # set for follow-ups


class Channel(Protocol):
    name: str                                # website / webhook / ...

    def publish(self, release: OutgoingRelease) -> str:
        """Publish and return where it went (a file path or URL). Raise StorageUnavailable with a
        sentence when the channel cannot be reached; nothing is then recorded as published there."""
        ...
