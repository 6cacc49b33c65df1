"""Notifications as the domain sees them: a trigger (something people must hear about, with a stable id), the
deliveries planned for it, and the two contracts around them: the sent-ledger that remembers every delivery
(kept in the state database by ``infra/state``) and the notifier that plans and sends (``infra/notify``).

Ledger promises:
- A trigger id is planned once: planning it again adds nothing, so nobody is told twice about one thing.
- A delivery is marked ``sending`` (committed) before it goes out and ``sent`` after; one found in ``sending``
  after a crash is marked ``interrupted`` by ``recover_interrupted`` and never retried (it may have arrived).
- ``mark_sending`` is a claim: of two processes claiming one pending delivery, exactly one gets True.
- Failures keep their last error and attempt count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Protocol


@dataclass(frozen=True)
class Trigger:
    """Something people must hear about. ``id`` is stable (e.g. ``clock:<clock id>:overdue``): the same id is
    never notified twice. ``kind`` is one of ``core.vocabulary.TRIGGER_KINDS``."""

    id: str
    kind: str
    title: str
    body: str
    emails: tuple[str, ...] = ()               # people named by the workflow (responsible person, leader on duty)


@dataclass(frozen=True)
class Contact:
    """Someone to reach by role (a workflow user with an e-mail, or a configured address)."""

    role: str
    email: str


@dataclass(frozen=True)
class Delivery:
    """One message to one address on one channel, for one trigger."""

    trigger_id: str
    channel: str           # email / wecom / dingtalk / feishu / json (webhooks may carry a suffix, e.g. wecom#2)
    address: str           # an e-mail address, or the webhook's name
    kind: str              # the trigger kind, e.g. alert_major
    title: str
    body: str
    status: str = "pending"            # pending / sending / sent / failed / interrupted
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None
    sent_at: datetime | None = None


@dataclass
class RoundReport:
    """What one notification round did."""

    planned: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class DeliveryLedger(Protocol):
    def plan(self, trigger_id: str, kind: str, title: str, deliveries: Iterable[Delivery], now: datetime) -> bool:
        """Record a trigger and its deliveries unless the trigger was planned before; True when new."""
        ...

    def is_planned(self, trigger_id: str) -> bool:
        ...

    def due(self, now: datetime, limit: int = 200) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        ...

    def mark_sending(self, delivery: Delivery) -> bool:
        """Claim a pending delivery; False when someone else already claimed or finished it."""
        ...

    def mark_sent(self, delivery: Delivery, now: datetime) -> None:
        ...

    def mark_failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: pending again until ``retry_at``, or failed for good when it is None."""
        ...

    def recover_interrupted(self) -> int:
        """After a crash: deliveries left in 'sending' become 'interrupted' (never resent); returns how many."""
        ...

    def deliveries(self, *, statuses: Iterable[str] = (), trigger_id: str | None = None,
                   limit: int = 200) -> list[Delivery]:
        """Deliveries, newest first, optionally only in ``statuses`` or of one trigger."""
        ...

    def planned_triggers(self) -> int:
        ...


class Notifier(Protocol):
    def notify(self, triggers: Iterable[Trigger]) -> RoundReport:
        """Plan the triggers not seen before, then deliver everything due (new ones and earlier retries)."""
        ...
