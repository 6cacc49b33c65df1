"""The records coordination analysis reads and writes: one post of a cascade, a signal, an event's report."""

from __future__ import annotations

from dataclasses import dataclass, field

# Bumped whenever a threshold, a weight or a signal changes: packs and reports name the method they used.
METHOD_VERSION = "coordination-1.0"

# An event scoring at or above this is shown as suspected coordinated amplification (疑似恶意炒作).
ALERT_LINE = 60


@dataclass(frozen=True)
class CascadePost:
    """One post of an event's spread, reduced to what coordination analysis needs.

    ``account`` is a stable account key (a platform user id or its hash), ``at`` seconds since the epoch.
    Account facts are None where the platform did not say (news comments carry no follower count).
    """

    post_id: str
    account: str
    at: float
    text: str
    parent_id: str | None = None
    platform: str = "weibo"
    event_id: str = ""
    followers: int | None = None
    verified: bool = False
    verified_type: int | None = None
    account_created: float | None = None
    author_name: str = ""
    copy_of: str | None = None         # a near-copy folded into that post by the crawler (its wording is its own)


@dataclass(frozen=True)
class Signal:
    """One kind of evidence, with the accounts and posts behind it and the figures measured."""

    code: str                                  # core.vocabulary.COORDINATION_SIGNALS
    strength: float                            # 0..1: how far past its threshold the evidence is
    accounts: tuple[str, ...]
    post_ids: tuple[str, ...]
    measurements: dict[str, float | int | str] = field(default_factory=dict)
    summary: str = ""                          # one Chinese sentence for the console and the pack


@dataclass(frozen=True)
class AccountFinding:
    account: str
    author_name: str
    signals: tuple[str, ...]                   # signal codes this account is part of
    posts: int                                 # its posts in the event
    followers: int | None
    account_created: float | None
    first_at: float


@dataclass(frozen=True)
class CoordinationReport:
    """An event's coordination analysis: the score, why, and who."""

    event_id: str
    score: int                                 # 0..100
    signals: tuple[Signal, ...]
    flagged: tuple[AccountFinding, ...]        # the accounts judged coordinated, most evidence first
    posts_analysed: int
    accounts_analysed: int
    flagged_post_ids: tuple[str, ...]
    method_version: str = METHOD_VERSION
    reasons: tuple[str, ...] = ()              # Chinese sentences, strongest first

    @property
    def above_alert_line(self) -> bool:
        return self.score >= ALERT_LINE

    @property
    def flagged_accounts(self) -> frozenset[str]:
        return frozenset(f.account for f in self.flagged)
