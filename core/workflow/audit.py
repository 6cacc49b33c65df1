"""The audit log: append-only and hash-chained. Each entry's hash covers its own fields and the previous
entry's hash, so editing an entry breaks its own hash and deleting one breaks the next entry's link; the
repository also keeps the head (last seq and hash) apart from the entries, so cutting off the tail shows.

Whoever can write the database can re-compute all of that, so every committed head is also appended, signed,
to an anchor outside the database (``core.workflow.anchor``): after each unit of work commits and after each
entry written on its own. ``verify`` compares the chain with the newest anchor, which shows a cut tail, entries
removed and re-chained, and emptied tables."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from core.clock import Clock
from core.workflow.anchor import Anchor, AuditAnchor
from core.workflow.model import AuditEntry, AuditReport
from core.workflow.repository import WorkflowRepository

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def entry_hash(seq: int, at: datetime, actor: str, action: str, target: str, outcome: str,
               before: Any, after: Any, detail: str, prev_hash: str) -> str:
    """SHA-256 over a canonical JSON of the entry's fields and the previous hash."""
    payload = json.dumps([seq, at.isoformat(), actor, action, target, outcome, before, after, detail, prev_hash],
                         ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def jsonable(value: Any) -> Any:
    """A JSON-safe copy of a record snapshot (times as ISO strings, enums as values, tuples as lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


class AuditLog:
    def __init__(self, repo: WorkflowRepository, clock: Clock, anchor: AuditAnchor | None = None):
        self.repo = repo
        self.clock = clock
        self.anchor = anchor
        self._local = threading.local()

    @contextmanager
    def work(self) -> Iterator[None]:
        """A unit of work whose refusals survive its rollback: a denial recorded inside it is written
        after the rollback, so a refused attempt is audited although nothing else of it is kept."""
        if getattr(self._local, "deferred", None) is not None:
            yield
            return
        self._local.deferred = []
        committed = False
        try:
            with self.repo.transaction():
                yield
            committed = True
        finally:
            deferred, self._local.deferred = self._local.deferred, None
            for args, kwargs in deferred:
                self.record(*args, **kwargs)
        if committed:
            self._anchor_head()

    def record(self, actor: str, action: str, target: str, *, outcome: str = "ok",
               before: Any = None, after: Any = None, detail: str = "") -> AuditEntry | None:
        """Append one entry (who, what, when, before, after) and return it. A denial inside ``work()`` is
        held back until that unit of work ends (and then returns None here)."""
        deferred = getattr(self._local, "deferred", None)
        if outcome == "denied" and deferred is not None:
            deferred.append(((actor, action, target), dict(outcome=outcome, before=before, after=after,
                                                           detail=detail)))
            return None
        at = self.clock.now().astimezone(timezone.utc)
        before, after = jsonable(before), jsonable(after)

        def make(seq: int, prev_hash: str) -> AuditEntry:
            digest = entry_hash(seq, at, actor, action, target, outcome, before, after, detail, prev_hash)
            return AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, outcome=outcome,
                              before=before, after=after, detail=detail, prev_hash=prev_hash, hash=digest)

        entry = self.repo.append_audit(make)
        if deferred is None:                         # written on its own: committed now
            self._anchor_head()
        return entry

    def _anchor_head(self, reason: str = "") -> Anchor | None:
        """Append the committed head to the anchor (read outside any unit of work, so only what was committed
        is anchored). A failed write is logged, not raised: the action already happened and is recorded."""
        if self.anchor is None:
            return None
        seq, head_hash = self.repo.audit_head()
        if not seq:
            return None
        try:
            return self.anchor.append(seq, head_hash, self.clock.now(), reason)
        except OSError as error:
            log.error("cannot append the audit head %s to the anchor file %s: %s", seq, self.anchor.path, error)
            return None

    def signed_head(self, reason: str) -> Anchor | None:
        """The committed head, signed and appended to the anchor now (a daily report prints it, so a paper
        copy outside every system holds it too); None without an anchor or entries."""
        return self._anchor_head(reason)

    def entries(self, *, limit: int | None = 200, newest_first: bool = True) -> list[AuditEntry]:
        return self.repo.audit_entries(limit=limit, newest_first=newest_first)

    def verify(self) -> AuditReport:
        """Re-compute every hash and link; name each entry that was edited, removed or cut off."""
        problems: list[str] = []
        prev_hash, expected_seq, count = GENESIS, 1, 0
        for entry in self.repo.audit_entries():
            count += 1
            if entry.seq != expected_seq:
                problems.append(f"第 {expected_seq}–{entry.seq - 1} 条审计记录缺失（被删除）。"
                                if entry.seq > expected_seq else f"第 {entry.seq} 条审计记录序号重复。")
            if entry.prev_hash != prev_hash:
                problems.append(f"第 {entry.seq} 条审计记录与前一条的链接不符（前一条被修改或删除）。")
            digest = entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.outcome,
                                entry.before, entry.after, entry.detail, entry.prev_hash)
            if digest != entry.hash:
                problems.append(f"第 {entry.seq} 条审计记录内容被修改（哈希不符）。")
            prev_hash, expected_seq = entry.hash, entry.seq + 1
        head_seq, head_hash = self.repo.audit_head()
        if head_seq != expected_seq - 1 or (head_seq and head_hash != prev_hash):
            problems.append(f"审计日志末尾不完整：应有 {head_seq} 条，实有至第 {expected_seq - 1} 条。")
        anchored, notes = self._check_anchor(expected_seq - 1, problems)
        return AuditReport(ok=not problems, entries=count, problems=tuple(problems), anchored_seq=anchored,
                           notes=tuple(notes))

    def _check_anchor(self, last_seq: int, problems: list[str]) -> tuple[int, list[str]]:
        """Compare the chain (ending at ``last_seq``) with the newest anchor; add problems, return notes."""
        if self.anchor is None:
            return 0, ["未配置审计锚点：整体截断、删除后重建哈希链或清空日志无法被发现。"]
        notes = [] if self.anchor.keyed else ["未设置审计密钥（audit_hmac_key）：锚点未签名，能改写锚点文件者可以伪造。"]
        reading = self.anchor.latest()
        problems.extend(reading.problems)
        anchor = reading.latest
        if anchor is None:
            notes.append(f"审计锚点文件 {self.anchor.path} 尚无记录（首次校验或新启用）。")
            return 0, notes
        if anchor.seq > last_seq:
            problems.append(f"审计日志被截断或清空：外部锚点记录到第 {anchor.seq} 条（{anchor.at}），"
                            f"数据库中只到第 {last_seq} 条。")
        else:
            stored = self.repo.audit_entries(since_seq=anchor.seq - 1, limit=1)
            if not stored or stored[0].seq != anchor.seq or stored[0].hash != anchor.hash:
                problems.append(f"第 {anchor.seq} 条审计记录与外部锚点不符（该条或之前的记录被删除或改动后"
                                "重新计算了哈希链）。")
        return anchor.seq, notes
