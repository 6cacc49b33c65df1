"""The narrow storage contract the workflow services run on (``infra/workflow_db`` implements it with
SQLAlchemy; the services never see SQL).

Records are the frozen dataclasses of ``core.workflow.model``; the repository knows one table per record
type. Promises:
- ``add`` stores a new record; an id that is already stored raises ``core.errors.Conflict``.
- ``get`` returns the record or None; ``find`` returns records whose fields equal the given values, in
  the order of ``order_by`` (a field name, "-name" for descending; default: id ascending).
- ``update`` replaces a record only if its stored ``version`` equals ``expected_version`` and returns it
  with ``version`` + 1; otherwise it raises ``core.errors.Conflict`` and changes nothing. An unknown id
  raises ``core.errors.NotFound``.
- Inside ``with repo.transaction():`` every call commits together or not at all (the first write takes
  the database's write lock, so concurrent transactions run one after another). Outside a transaction
  each call commits on its own.
- The audit log is append-only: ``append_audit`` links the new entry to the current head atomically and
  there is no method to change or delete an entry.
- Driver errors surface as ``core.errors.StorageUnavailable`` naming the database.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol, TypeVar

from core.workflow.model import AuditEntry

R = TypeVar("R")


class WorkflowRepository(Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """A unit of work: everything inside commits together, or nothing does."""
        ...

    def add(self, record: Any) -> None:
        """Store a new record (Conflict if its id exists)."""
        ...

    def get(self, kind: type[R], record_id: str) -> R | None:
        """The record of this type and id, or None."""
        ...

    def find(self, kind: type[R], *, order_by: str | None = None, limit: int | None = None,
             **equals: Any) -> list[R]:
        """Records of this type whose fields equal ``equals`` (a tuple/list value means "any of")."""
        ...

    def update(self, record: R, expected_version: int) -> R:
        """Replace the stored record if its version is ``expected_version``; returns it with version + 1."""
        ...

    def delete(self, kind: type, record_id: str) -> None:
        """Remove a record (used for sessions only); unknown ids are ignored."""
        ...

    def claim(self, key: str, holder: str, at: datetime, lease: timedelta) -> bool:
        """Take the one-time action ``key`` for ``holder``, committed before this returns (or with the open unit
        of work): True if nobody held it, or its holder took it more than ``lease`` before ``at``; else False.
        Two callers racing for one key: exactly one gets True."""
        ...

    def release_claim(self, key: str) -> None:
        """Free ``key`` so the action may be tried again (after it failed); unknown keys are ignored."""
        ...

    def append_audit(self, make_entry: Callable[[int, str], AuditEntry]) -> AuditEntry:
        """Append ``make_entry(next_seq, prev_hash)`` to the audit log atomically and return it."""
        ...

    def audit_entries(self, *, since_seq: int = 0, limit: int | None = None,
                      newest_first: bool = False) -> list[AuditEntry]:
        """Audit entries with seq > since_seq, oldest first unless ``newest_first``."""
        ...

    def audit_head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry appended, as recorded separately from the entries ((0, '') if none)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def utc(moment: datetime) -> datetime:
    """Reject naive times early: every workflow time is timezone-aware."""
    if moment.tzinfo is None:
        raise ValueError("workflow times must be timezone-aware")
    return moment
