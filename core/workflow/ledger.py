"""The ledger (台账): every alert, release and escalation in one table with responsible person, deadline
and status; exported to Excel."""

from __future__ import annotations

from core.clock import Clock
from core.workflow.access import Guard
from core.workflow.model import LedgerRow, User
from core.workflow.repository import WorkflowRepository


class LedgerService:
    def __init__(self, repo: WorkflowRepository, guard: Guard, clock: Clock):
        self.repo, self.guard, self.clock = repo, guard, clock

    def rows(self, actor: User, kinds: tuple[str, ...] = ("alert", "release", "escalation"),
             only_open: bool = False) -> list[LedgerRow]:
        """Ledger rows, overdue first, then by deadline (none last), then newest."""
        raise NotImplementedError

    def export_xlsx(self, actor: User) -> bytes:
        """The ledger as an Excel workbook (one sheet, Chinese headers, overdue rows marked)."""
        raise NotImplementedError
