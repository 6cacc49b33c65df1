"""The ledger (台账): every alert, release and escalation in one table with responsible person, deadline
and status; exported to Excel."""

from __future__ import annotations

import io
from datetime import datetime

from core.clock import CHINA_TZ, Clock
from core.vocabulary import ALERT_STATE_NAMES, ESCALATION_NAMES, LEDGER_KIND_NAMES, RELEASE_STATUS_NAMES
from core.spreadsheet import safe_cell
from core.workflow.access import Guard, Permission
from core.workflow.clocks import MEETS, alert_deadline, is_late
from core.workflow.model import (Alert, AlertState, ClockStage, Escalation, EscalationStatus, LedgerRow, Release,
                                 ReleaseStatus, ResponseClock, User)
from core.workflow.repository import WorkflowRepository

KIND_NAMES = LEDGER_KIND_NAMES
HEADERS = ("类别", "编号", "关联预警", "事项", "责任单位", "责任人", "办理时限", "状态", "是否超时", "最近更新")


class LedgerService:
    def __init__(self, repo: WorkflowRepository, guard: Guard, clock: Clock):
        self.repo, self.guard, self.clock = repo, guard, clock

    def rows(self, actor: User, kinds: tuple[str, ...] = ("alert", "release", "escalation"),
             only_open: bool = False) -> list[LedgerRow]:
        """Ledger rows, overdue first, then by deadline (none last), then newest."""
        self.guard.require(actor, Permission.VIEW, "ledger")
        now = self.clock.now()
        clocks: dict[str, list[ResponseClock]] = {}
        for record in self.repo.find(ResponseClock):
            clocks.setdefault(record.alert_id, []).append(record)
        alerts = {a.id: a for a in self.repo.find(Alert)}
        names = {u.username: u.display_name or u.username for u in self.repo.find(User)}
        rows: list[LedgerRow] = []
        if "alert" in kinds:
            rows += [self._alert_row(a, clocks.get(a.id, []), now) for a in alerts.values()]
        if "release" in kinds:
            rows += [self._release_row(r, alerts.get(r.alert_id), clocks.get(r.alert_id, []), now, names)
                     for r in self.repo.find(Release)]
        if "escalation" in kinds:
            rows += [self._escalation_row(e, now, names) for e in self.repo.find(Escalation)]
        if only_open:
            rows = [r for r in rows if r.status not in _DONE]
        far = datetime.max.replace(tzinfo=CHINA_TZ)
        rows.sort(key=lambda r: (not r.overdue, r.deadline or far, -(r.updated_at.timestamp() if r.updated_at else 0)))
        return rows

    def _alert_row(self, alert: Alert, clocks: list[ResponseClock], now: datetime) -> LedgerRow:
        deadline = alert_deadline(alert, clocks)
        open_ = alert.state not in (AlertState.CLOSED, AlertState.DISMISSED)
        # A clock met late stays a breach after the alert is closed; a running one only while it is open.
        overdue = (any(c.stage == ClockStage.MET and is_late(c, now) for c in clocks)
                   or open_ and (any(is_late(c, now) for c in clocks)
                                 or bool(alert.deadline and alert.deadline <= now)))
        return LedgerRow(kind="alert", id=alert.id, alert_id=alert.id, title=alert.title, unit=alert.unit,
                         person=alert.person, deadline=deadline.at if deadline else None,
                         status=ALERT_STATE_NAMES[alert.state],
                         overdue=overdue, updated_at=alert.updated_at)

    def _release_row(self, release: Release, alert: Alert | None, clocks: list[ResponseClock],
                     now: datetime, names: dict[str, str]) -> LedgerRow:
        met = [c for c in clocks if c.met_by_release == release.id]
        answerable = met or [c for c in clocks if c.kind in MEETS.get(release.template, ())
                             and c.stage not in (ClockStage.MET, ClockStage.CANCELLED)]
        deadline = min((c.due_at for c in answerable), default=None)
        if release.status == ReleaseStatus.PUBLISHED:
            overdue = any(is_late(c, now) for c in met) or bool(
                deadline and release.published_at and release.published_at > deadline)
        else:
            overdue = bool(deadline and deadline <= now)
        return LedgerRow(kind="release", id=release.id, alert_id=release.alert_id, title=release.title,
                         unit=alert.unit if alert else "", person=names.get(release.created_by, release.created_by),
                         deadline=deadline, status=RELEASE_STATUS_NAMES[release.status], overdue=overdue,
                         updated_at=release.updated_at)

    def _escalation_row(self, case: Escalation, now: datetime, names: dict[str, str]) -> LedgerRow:
        title = f"{ESCALATION_NAMES[case.kind.value]}：{case.summary[:40]}"
        overdue = case.status != EscalationStatus.CLOSED and bool(case.deadline and case.deadline <= now)
        return LedgerRow(kind="escalation", id=case.id, alert_id=case.alert_id, title=title,
                         unit=ESCALATION_NAMES[case.target.value],
                         person=case.person or names.get(case.created_by, case.created_by), deadline=case.deadline,
                         status=ESCALATION_NAMES[case.status.value], overdue=overdue, updated_at=case.updated_at)

    def export_xlsx(self, actor: User) -> bytes:
        """The ledger as an Excel workbook (one sheet, Chinese headers, overdue rows marked)."""
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        rows = self.rows(actor)
        book = Workbook()
        sheet = book.active
        sheet.title = "台账"
        sheet.append(HEADERS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        red = PatternFill("solid", fgColor="FFC7CE")
        for row in rows:
            cells = (KIND_NAMES[row.kind], row.id, row.alert_id, row.title, row.unit, row.person,
                     _local(row.deadline), row.status, "是" if row.overdue else "否", _local(row.updated_at))
            sheet.append([safe_cell(value) for value in cells])
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type   # never a formula
            if row.overdue:
                for cell in sheet[sheet.max_row]:
                    cell.fill = red
        for column, width in zip("ABCDEFGHIJ", (10, 18, 18, 40, 16, 12, 18, 14, 10, 18)):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


_DONE = {ALERT_STATE_NAMES["closed"], ALERT_STATE_NAMES["dismissed"], RELEASE_STATUS_NAMES["published"],
         ESCALATION_NAMES["closed"]}


def _local(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""
