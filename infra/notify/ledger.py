"""The sent-ledger of notifications: every planned delivery, its attempts and outcome (``<data_dir>/notify.db``).

Promises:
- A trigger id is planned once: planning it again adds nothing, so nobody is told twice about one thing.
- A delivery is marked ``sending`` (committed) before it goes out and ``sent`` after; a delivery found in
  ``sending`` after a crash is marked ``interrupted`` and not retried, because it may already have arrived
  (at most once, and the console shows it).
- Failures keep their last error and attempt count; the console reads them with ``read_deliveries``.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from infra.storage.sqlite_file import open_sqlite_file

STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                "interrupted": "发送中断（可能已送达，未重发）"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS triggers (
    trigger_id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, planned_at TEXT NOT NULL,
    deliveries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    trigger_id TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL,
    title TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL, last_error TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
    sent_at TEXT, PRIMARY KEY (trigger_id, channel, address));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
"""


@dataclass(frozen=True)
class Delivery:
    """One message to one address on one channel, for one trigger."""

    trigger_id: str
    channel: str           # email / wecom / dingtalk / feishu / json (webhooks may carry a suffix, e.g. wecom#2)
    address: str           # an e-mail address, or the webhook's URL
    kind: str              # the trigger kind, e.g. alert_major
    title: str
    body: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


def ledger_path(settings: Mapping) -> Path:
    return Path(settings["data_dir"]) / "notify.db"


class Ledger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = open_sqlite_file(self.path, _SCHEMA, "notification ledger")

    def plan(self, trigger_id: str, kind: str, title: str, deliveries: Iterable[Delivery], now: datetime) -> bool:
        """Record a trigger and its deliveries unless the trigger was planned before; True when new."""
        rows = list(deliveries)
        with self._write():
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO triggers VALUES (?, ?, ?, ?, ?)",
                (trigger_id, kind, title, _iso(now), len(rows))).rowcount
            if not inserted:
                return False
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (trigger_id, channel, address, kind, title, body, status, "
                "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                [(trigger_id, d.channel, d.address, kind, d.title, d.body, _iso(now), _iso(now)) for d in rows])
        return True

    def is_planned(self, trigger_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM triggers WHERE trigger_id = ?", (trigger_id,)).fetchone() is not None

    def due(self, now: datetime, limit: int = 200) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        cursor = self._db.execute(
            "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY created_at, trigger_id LIMIT ?", (_iso(now), limit))
        return [_delivery(row, cursor) for row in cursor.fetchall()]

    def mark_sending(self, delivery: Delivery) -> bool:
        """Claim a pending delivery; False when someone else already claimed or finished it."""
        with self._write():
            return self._db.execute(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE trigger_id = ? "
                "AND channel = ? AND address = ? AND status = 'pending'", _key(delivery)).rowcount == 1

    def mark_sent(self, delivery: Delivery, now: datetime) -> None:
        with self._write():
            self._db.execute("UPDATE deliveries SET status = 'sent', sent_at = ?, last_error = '' WHERE "
                             "trigger_id = ? AND channel = ? AND address = ?", (_iso(now), *_key(delivery)))

    def mark_failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt: pending again until ``retry_at``, or failed for good when it is None."""
        status = "pending" if retry_at else "failed"
        with self._write():
            self._db.execute(
                "UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at) "
                "WHERE trigger_id = ? AND channel = ? AND address = ?",
                (status, error[:500], _iso(retry_at) if retry_at else None, *_key(delivery)))

    def recover_interrupted(self) -> int:
        """After a crash: deliveries left in 'sending' become 'interrupted' (never resent)."""
        with self._write():
            return self._db.execute("UPDATE deliveries SET status = 'interrupted', last_error = "
                                    "'进程在发送中退出，可能已送达，为避免重复未再发送' WHERE status = 'sending'").rowcount

    def deliveries(self, *, statuses: Iterable[str] = (), trigger_id: str | None = None,
                   limit: int = 200) -> list[Delivery]:
        """Deliveries, newest first, optionally only in ``statuses`` or of one trigger."""
        clauses, params = [], []
        statuses = list(statuses)
        if statuses:
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params += statuses
        if trigger_id:
            clauses.append("trigger_id = ?")
            params.append(trigger_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        cursor = self._db.execute(f"SELECT * FROM deliveries {where} ORDER BY created_at DESC, trigger_id "
                                  f"LIMIT ?", (*params, limit))
        return [_delivery(row, cursor) for row in cursor.fetchall()]

    def planned_triggers(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM triggers").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def _write(self):
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so two processes never interleave a claim."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, error, trace):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def read_deliveries(settings: Mapping, *, statuses: Iterable[str] = (), limit: int = 200) -> list[Delivery]:
    """For the console: recent notifications and their outcome (empty when the worker never ran)."""
    path = ledger_path(settings)
    if not path.exists():
        return []
    with closing(Ledger(path)) as ledger:
        return ledger.deliveries(statuses=statuses, limit=limit)


def _key(delivery: Delivery) -> tuple[str, str, str]:
    return delivery.trigger_id, delivery.channel, delivery.address


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _delivery(row: tuple, cursor: sqlite3.Cursor) -> Delivery:
    data = dict(zip((c[0] for c in cursor.description), row))
    for name in ("next_attempt_at", "created_at", "sent_at"):
        data[name] = _time(data[name])
    return Delivery(**data)
