"""``core.workflow.repository.WorkflowRepository`` over the state database (SQLAlchemy 2 Core): on SQLite a
unit of work starts with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing; on PostgreSQL
the audit head's row lock orders appends."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core.errors import Conflict, NotFound
from core.workflow.model import AuditEntry
from infra.state import tables
from infra.state.codec import from_row, to_row, to_utc
from infra.state.engine import Database, insert_for


class SqlWorkflowRepository:
    """The workflow's records in the shared state database. ``close`` releases nothing: the engine belongs
    to the ``StateDatabase``."""

    def __init__(self, db: Database):
        self.db = db
        self.engine = db.engine
        self._local = threading.local()

    # --- units of work

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:
            yield                                        # joins the unit of work already open
            return
        with self.db.write() as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def _connection(self, write: bool = False) -> Iterator[Connection]:
        """The open unit of work's connection, or a transaction of its own (a write one takes SQLite's write
        lock at once; a read one never waits for writers)."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with (self.db.write() if write else self.db.read()) as conn:
            yield conn

    # --- records

    @staticmethod
    def _table(kind: type):
        try:
            return tables.TABLES[kind]
        except KeyError:
            raise TypeError(f"no workflow table stores {kind.__name__}") from None

    def add(self, record: Any) -> None:
        table = self._table(type(record))
        with self._connection(write=True) as conn:
            if conn.execute(select(table.c.id).where(table.c.id == record.id)).first():
                raise Conflict(f"{type(record).__name__} {record.id} 已存在。")
            conn.execute(insert(table).values(**to_row(record)))

    def get(self, kind: type, record_id: str) -> Any:
        table = self._table(kind)
        with self._connection() as conn:
            row = conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
        return from_row(kind, row) if row else None

    def find(self, kind: type, *, order_by: str | None = None, limit: int | None = None, **equals: Any) -> list:
        table = self._table(kind)
        query = select(table)
        for name, value in equals.items():
            column = table.c[name]
            if isinstance(value, (tuple, list, set, frozenset)):
                query = query.where(column.in_([getattr(v, "value", v) for v in value]))
            else:
                query = query.where(column == getattr(value, "value", value))
        name = (order_by or "id").lstrip("-")
        column = table.c[name]
        query = query.order_by(column.desc() if (order_by or "").startswith("-") else column.asc(), table.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self._connection() as conn:
            return [from_row(kind, row) for row in conn.execute(query).mappings()]

    def update(self, record: Any, expected_version: int) -> Any:
        kind = type(record)
        table = self._table(kind)
        values = to_row(record)
        values["version"] = expected_version + 1
        with self._connection(write=True) as conn:
            result = conn.execute(update(table).where(table.c.id == record.id, table.c.version == expected_version)
                                  .values(**values))
            if result.rowcount == 1:
                return from_row(kind, values)
            stored = conn.execute(select(table.c.version).where(table.c.id == record.id)).first()
        if stored is None:
            raise NotFound(f"{kind.__name__} {record.id} 不存在。")
        raise Conflict(f"{record.id} 已被他人修改（当前版本 {stored[0]}，您编辑的是版本 {expected_version}），"
                       "您的修改未保存，请刷新后重新提交。")

    def delete(self, kind: type, record_id: str) -> None:
        table = self._table(kind)
        with self._connection(write=True) as conn:
            conn.execute(delete(table).where(table.c.id == record_id))

    # --- claims

    def claim(self, key: str, holder: str, at: datetime, lease: timedelta) -> bool:
        """Take ``key`` for ``holder`` (committed on return, or with the open unit of work): True when it was
        free or its holder took it more than ``lease`` before ``at``; False when somebody holds it."""
        table = tables.claims
        at = to_utc(at)
        with self._connection(write=True) as conn:
            taken = conn.execute(insert_for(conn, table).on_conflict_do_nothing()
                                 .values(key=key, holder=holder, claimed_at=at).returning(table.c.key))
            if taken.first() is not None:                # rowcount is not reliable for ON CONFLICT DO NOTHING
                return True
            row = conn.execute(select(table.c.holder, table.c.claimed_at).where(table.c.key == key)
                               .with_for_update()).first()
            if row is None or to_utc(row.claimed_at) > at - lease:
                return False
            moved = conn.execute(update(table).where(table.c.key == key, table.c.holder == row.holder,
                                                     table.c.claimed_at == row.claimed_at)
                                 .values(holder=holder, claimed_at=at))
            return moved.rowcount == 1

    def release_claim(self, key: str) -> None:
        """Free ``key`` (an action that failed may be tried again); an unknown key is ignored."""
        with self._connection(write=True) as conn:
            conn.execute(delete(tables.claims).where(tables.claims.c.key == key))

    # --- audit log

    def append_audit(self, make_entry: Callable[[int, str], AuditEntry]) -> AuditEntry:
        """Append under the head row's lock. The head row is created (empty: seq 0) first if missing, so
        that on PostgreSQL even the very first appends of two writers queue on it instead of colliding."""
        head = tables.audit_head
        with self.transaction(), self._connection() as conn:
            conn.execute(insert_for(conn, head).on_conflict_do_nothing().values(id=1, seq=0, hash=""))
            seq, prev_hash = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update()).one()
            entry = make_entry(seq + 1, prev_hash if seq else "0" * 64)
            conn.execute(insert(tables.audit_log).values(**to_row(entry)))
            conn.execute(update(head).where(head.c.id == 1).values(seq=entry.seq, hash=entry.hash))
        return entry

    def audit_entries(self, *, since_seq: int = 0, limit: int | None = None,
                      newest_first: bool = False) -> list[AuditEntry]:
        log = tables.audit_log
        query = select(log).where(log.c.seq > since_seq)
        query = query.order_by(log.c.seq.desc() if newest_first else log.c.seq.asc())
        if limit is not None:
            query = query.limit(limit)
        with self._connection() as conn:
            return [from_row(AuditEntry, row) for row in conn.execute(query).mappings()]

    def audit_head(self) -> tuple[int, str]:
        head = tables.audit_head
        with self._connection() as conn:
            row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).first()
        return (row[0], row[1]) if row else (0, "")

    def count(self, kind: type) -> int:
        table = self._table(kind)
        with self._connection() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

    def close(self) -> None:
        """Nothing to release (the engine is the state database's)."""
