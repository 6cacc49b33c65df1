"""``core.notifications.DeliveryLedger`` in the state database: planned triggers and their deliveries.

``mark_sending`` is a conditional update (``status = 'pending'`` in its WHERE clause) checked by its row
count: on SQLite the write lock orders two claims, on PostgreSQL the second waits for the first's row lock and
then finds the row no longer pending; either way exactly one claimer gets True.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select, update

from core.notifications import Delivery
from infra.state.codec import from_row, to_utc
from infra.state.engine import Database, insert_for, insert_new
from infra.state.tables import notify_deliveries as deliveries_table
from infra.state.tables import notify_triggers as triggers_table

INTERRUPTED = "进程在发送中退出，可能已送达，为避免重复未再发送"
_KEY = ("trigger_id", "channel", "address")


class SqlDeliveryLedger:
    """The sent-ledger (promises of ``core.notifications``)."""

    def __init__(self, db: Database):
        self.db = db

    def plan(self, trigger_id: str, kind: str, title: str, deliveries: Iterable[Delivery], now: datetime) -> bool:
        """Record a trigger and its deliveries (pending, due ``now``) unless the trigger was planned before;
        True when new. Two deliveries to one channel and address are one."""
        rows = list(deliveries)
        at = to_utc(now)
        with self.db.write() as conn:
            statement = (insert_for(conn, triggers_table).on_conflict_do_nothing()
                         .values(trigger_id=trigger_id, kind=kind, title=title, planned_at=at, deliveries=len(rows))
                         .returning(triggers_table.c.trigger_id))
            new = conn.execute(statement).first() is not None
            if new:
                insert_new(conn, deliveries_table, [dict(
                    trigger_id=trigger_id, channel=d.channel, address=d.address, kind=kind, title=d.title,
                    body=d.body, status="pending", attempts=0, next_attempt_at=at, last_error="", created_at=at,
                    sent_at=None) for d in rows])
        return new

    def is_planned(self, trigger_id: str) -> bool:
        with self.db.read() as conn:
            return conn.execute(select(triggers_table.c.trigger_id)
                                .where(triggers_table.c.trigger_id == trigger_id)).first() is not None

    def due(self, now: datetime, limit: int = 200) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        table = deliveries_table
        query = (select(table).where(table.c.status == "pending", table.c.next_attempt_at <= to_utc(now))
                 .order_by(table.c.created_at, *(table.c[k] for k in _KEY)).limit(int(limit)))
        return self._read(query)

    def mark_sending(self, delivery: Delivery) -> bool:
        """Claim a pending delivery (one more attempt); False when someone else claimed or finished it."""
        table = deliveries_table
        with self.db.write() as conn:
            return conn.execute(update(table).where(*_matches(delivery), table.c.status == "pending")
                                .values(status="sending", attempts=table.c.attempts + 1)).rowcount == 1

    def mark_sent(self, delivery: Delivery, now: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(update(deliveries_table).where(*_matches(delivery))
                         .values(status="sent", sent_at=to_utc(now), last_error=""))

    def mark_failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: pending again until ``retry_at``, or failed for good when it is None (the
        error is kept, cut to 500 characters)."""
        table = deliveries_table
        values = {"status": "pending" if retry_at else "failed", "last_error": error[:500]}
        if retry_at is not None:
            values["next_attempt_at"] = to_utc(retry_at)
        with self.db.write() as conn:
            conn.execute(update(table).where(*_matches(delivery)).values(**values))

    def recover_interrupted(self) -> int:
        table = deliveries_table
        with self.db.write() as conn:
            return conn.execute(update(table).where(table.c.status == "sending")
                                .values(status="interrupted", last_error=INTERRUPTED)).rowcount

    def deliveries(self, *, statuses: Iterable[str] = (), trigger_id: str | None = None,
                   limit: int = 200) -> list[Delivery]:
        """Deliveries, newest first (then by trigger, channel, address), optionally only in ``statuses`` or
        of one trigger."""
        table = deliveries_table
        query = select(table)
        statuses = list(statuses)
        if statuses:
            query = query.where(table.c.status.in_(statuses))
        if trigger_id:
            query = query.where(table.c.trigger_id == trigger_id)
        return self._read(query.order_by(table.c.created_at.desc(), *(table.c[k] for k in _KEY)).limit(int(limit)))

    def planned_triggers(self) -> int:
        with self.db.read() as conn:
            return conn.execute(select(func.count()).select_from(triggers_table)).scalar_one()

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""

    def _read(self, query) -> list[Delivery]:
        with self.db.read() as conn:
            return [from_row(Delivery, row) for row in conn.execute(query).mappings()]


def _matches(delivery: Delivery) -> list:
    return [deliveries_table.c[k] == getattr(delivery, k) for k in _KEY]
