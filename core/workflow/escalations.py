"""Escalations: malicious hype, rumours and 校闹 handed to the propaganda department, the police or the
cyberspace office, with an evidence pack.

Status: opened -> sent (the leader approves; an evidence pack is built) -> accepted (the receiving unit)
-> resolved (its feedback) -> closed (the leader). Feedback may be added at any time after sending.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from core.capture import PageCapturer
from core.clock import Clock
from core.coordination import SpreadAnalyst
from core.errors import Conflict, InvalidInput, NotFound, StorageUnavailable, YuqingError
from core.files import private_dir, write_private
from core.storage import PostStore
from core.vocabulary import ESCALATION_NAMES
from core.workflow.access import Guard, Permission
from core.workflow.audit import AuditLog
from core.text import clean_text
from core.workflow.evidence import build_pack, is_current, verify_pack
from core.workflow.model import (Alert, Attachment, Escalation, EscalationKind, EscalationStatus, EscalationTarget,
                                 Feedback, PackReport, User, new_id, snapshot)
from core.workflow.repository import WorkflowRepository

# Files a user may attach (name suffix -> first bytes that such a file starts with; None: text).
ATTACHMENT_TYPES = {".png": b"\x89PNG", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".pdf": b"%PDF",
                    ".txt": None, ".html": None, ".json": None}


_FLOW = {
    "approve": (Permission.ESCALATION_APPROVE, (EscalationStatus.OPENED,), EscalationStatus.SENT, "审批移交"),
    "accept": (Permission.ESCALATION_HANDLE, (EscalationStatus.SENT,), EscalationStatus.ACCEPTED, "受理"),
    "close": (Permission.ESCALATION_CLOSE, (EscalationStatus.ACCEPTED, EscalationStatus.RESOLVED),
              EscalationStatus.CLOSED, "办结"),
}
_SAFE_STEM = re.compile(r"[^A-Za-z0-9_.-]")
MAX_CAPTURES = 20                   # pages captured per case (each a browser load of up to 15 s)
_NAME = re.compile(r"^[A-Za-z0-9\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5_. -]{0,99}$")


class EscalationService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 post_store: PostStore | None, evidence_dir: Path, upload_max_bytes: int = 10 * 1024 * 1024, *,
                 county: str, spread_analyst: SpreadAnalyst | None = None, capturer: PageCapturer | None = None):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.spread_analyst = spread_analyst
        self.post_store = post_store
        self.evidence_dir = Path(evidence_dir)
        self.upload_max_bytes = upload_max_bytes
        self.county = county
        self.capturer = capturer

    def open(self, actor: User, alert_id: str, kind: EscalationKind | str, target: EscalationTarget | str,
             post_ids: Iterable[str], summary: str, *, person: str = "",
             deadline: datetime | None = None) -> Escalation:
        """A new case for an alert; InvalidInput when there is no summary or no post."""
        user = self.guard.require(actor, Permission.ESCALATION_OPEN, f"alert:{alert_id}")
        if self.repo.get(Alert, alert_id) is None:
            raise NotFound(f"预警 {alert_id} 不存在。")
        try:
            kind, target = EscalationKind(kind), EscalationTarget(target)
        except ValueError:
            raise InvalidInput(f"移交事由或对象无效：{kind!r} / {target!r}。", field="kind") from None
        ids = tuple(dict.fromkeys(p.strip() for p in post_ids if p and p.strip()))
        summary, person = clean_text(summary), clean_text(person)
        if not ids:
            raise InvalidInput("请至少选择一条作为证据的网络信息。", field="post_ids")
        if not (summary or "").strip():
            raise InvalidInput("请填写案情摘要。", field="summary")
        if deadline is not None and deadline.tzinfo is None:
            raise InvalidInput("办理时限须带时区。", field="deadline")
        now = self.clock.now()
        case = Escalation(id=new_id("E"), alert_id=alert_id, kind=kind, target=target,
                          status=EscalationStatus.OPENED, summary=summary.strip(), post_ids=ids,
                          created_by=user.username, created_at=now, person=person.strip(), deadline=deadline,
                          updated_at=now)
        with self.audit.work():
            self.repo.add(case)
            self.audit.record(user.username, "escalation.open", f"escalation:{case.id}", after=snapshot(case))
        return self._capture_pages(case, user) if self.capturer is not None else case

    def _capture_pages(self, case: Escalation, user: User) -> Escalation:
        """Each evidence post's page as it is seen now (HTML + screenshot by headless Chromium), filed with
        the case as attachments collected by the person who opened it; what could not be captured is audited."""
        posts = self.post_store.get_many(list(case.post_ids)) if self.post_store is not None else []
        by_url = {p.url: p for p in posts if p.url}
        results = self.capturer.capture(list(by_url)[:MAX_CAPTURES])
        files, failed = [], []
        for number, (url, result) in enumerate(results.items(), start=1):
            if isinstance(result, str):
                failed.append(f"{url}：{result}")
                continue
            stem = f"网页原貌-{number:03d}-{_SAFE_STEM.sub('_', by_url[url].id)[:60]}"
            files += [(f"{stem}.png", result.png), (f"{stem}.html", result.html)]
        with self.audit.work():
            current = self._load(case.id)
            added = tuple(self._store(case.id, name, data, user.username) for name, data in files
                          if not self._upload_problem(name, data))
            updated = self.repo.update(replace(current, attachments=current.attachments + added,
                                               updated_at=self.clock.now()), current.version)
            self.audit.record(user.username, "evidence.capture", f"escalation:{case.id}",
                              after={"captured": [a.name for a in added], "failed": failed},
                              detail=f"截取网页原貌 {len(added) // 2} 个" + (f"，{len(failed)} 个未能截取" if failed else ""))
        return updated

    def _store(self, escalation_id: str, name: str, data: bytes, by: str) -> Attachment:
        """Keep a file of the case under evidence_dir and describe it (hash, size, who, when)."""
        digest = hashlib.sha256(data).hexdigest()
        folder = self.evidence_dir / "attachments" / escalation_id
        private_dir(folder)
        stored = folder / f"{digest[:16]}-{name}"
        write_private(stored, data)
        return Attachment(name=name, sha256=digest, size=len(data), uploaded_by=by, uploaded_at=self.clock.now(),
                          path=str(stored))

    def get(self, actor: User, escalation_id: str) -> Escalation:
        self.guard.require(actor, Permission.VIEW, f"escalation:{escalation_id}")
        return self._load(escalation_id)

    def list(self, actor: User, alert_id: str | None = None,
             statuses: Iterable[EscalationStatus | str] = ()) -> list[Escalation]:
        self.guard.require(actor, Permission.VIEW, "escalations")
        filters: dict = {"alert_id": alert_id} if alert_id else {}
        wanted = tuple(EscalationStatus(s) for s in statuses)
        if wanted:
            filters["status"] = wanted
        return self.repo.find(Escalation, order_by="-created_at", **filters)

    def created_since(self, moment: datetime) -> list[Escalation]:
        """Escalations created at or after ``moment`` (timezone-aware), oldest first. A system-side read for
        the worker's notifications: no actor, no permission check."""
        if moment.tzinfo is None:
            raise InvalidInput("created_since needs a timezone-aware time.", field="moment")
        return [case for case in self.repo.find(Escalation, order_by="created_at") if case.created_at >= moment]

    def attach(self, actor: User, escalation_id: str, filename: str, data: bytes) -> Escalation:
        """Attach a file (a screenshot, a PDF) to the case. Oversized, empty, unknown-type or malformed
        files are refused with InvalidInput naming the limit or the type, and audited."""
        user = self.guard.require(actor, Permission.EVIDENCE, f"escalation:{escalation_id}")
        problem = self._upload_problem(filename or "", data or b"")
        if problem:
            self.guard.deny(user.username, "escalation.attach", f"escalation:{escalation_id}", problem,
                            exc=InvalidInput, detail={"filename": filename, "size": len(data or b"")})
        name = Path(filename).name
        attachment = self._store(escalation_id, name, data, user.username)
        digest = attachment.sha256
        with self.audit.work():
            case = self._load(escalation_id)
            if any(a.name == name for a in case.attachments):
                self.guard.deny(user.username, "escalation.attach", f"escalation:{escalation_id}",
                                f"已有同名附件 {name}，请改名后上传。", exc=InvalidInput)
            updated = self.repo.update(replace(case, attachments=case.attachments + (attachment,),
                                               updated_at=self.clock.now()), case.version)
            self.audit.record(user.username, "escalation.attach", f"escalation:{escalation_id}",
                              after={"name": name, "sha256": digest, "size": len(data)})
        return updated

    def _upload_problem(self, filename: str, data: bytes) -> str:
        name = Path(filename).name
        suffix = Path(name).suffix.lower()
        if not name or name != filename or not _NAME.match(name):
            return "文件名无效：只能包含中文、字母、数字、空格和 _ . -，不超过 100 个字符。"
        if suffix not in ATTACHMENT_TYPES:
            return f"不支持的文件类型 {suffix or '（无扩展名）'}；可上传：{'、'.join(ATTACHMENT_TYPES)}。"
        if not data:
            return "文件为空。"
        if len(data) > self.upload_max_bytes:
            return f"文件过大（{len(data)} 字节），上限为 {self.upload_max_bytes} 字节。"
        magic = ATTACHMENT_TYPES[suffix]
        if magic is not None and not data.startswith(magic):
            return f"文件内容与扩展名 {suffix} 不符（文件已损坏或类型不对）。"
        if magic is None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return f"{suffix} 文件须为 UTF-8 文本。"
            if suffix == ".json":
                try:
                    json.loads(text)
                except ValueError:
                    return "JSON 文件格式错误，无法解析。"
        return ""

    def approve(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        """The leader hands the case over: the evidence pack is built first and the case becomes sent together
        with the pack's record, in one unit of work. When the pack cannot be built the case stays as it was
        and the error says why (and that nothing was handed over)."""
        permission, sources, target, label = _FLOW["approve"]
        user = self.guard.require(actor, permission, f"escalation:{escalation_id}")
        case = self._fresh(user, escalation_id, base_version, "escalation.approve")
        self._check_move(user, case, "approve")
        now = self.clock.now()
        info = self._pack_file(case, user.username, now, "escalation.approve")
        try:
            with self.audit.work():
                current = self._fresh(user, escalation_id, case.version, "escalation.approve")
                self._check_move(user, current, "approve")
                updated = self.repo.update(replace(current, status=target, approved_by=user.username,
                                                   approved_at=now, updated_at=now, pack_path=str(info.path),
                                                   pack_sha256=info.manifest_sha256), current.version)
                self.audit.record(user.username, "escalation.approve", f"escalation:{escalation_id}",
                                  before={"status": current.status.value}, after={"status": target.value})
                self._audit_pack(user.username, escalation_id, info)
        except BaseException:
            info.path.unlink(missing_ok=True)        # a pack no case names would only mislead
            raise
        return updated

    def accept(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        return self._move(actor, escalation_id, "accept", base_version)

    def close(self, actor: User, escalation_id: str, base_version: int | None = None) -> Escalation:
        return self._move(actor, escalation_id, "close", base_version)

    def _move(self, actor: User, escalation_id: str, action: str, base_version: int | None) -> Escalation:
        permission, sources, target, label = _FLOW[action]
        user = self.guard.require(actor, permission, f"escalation:{escalation_id}")
        with self.audit.work():
            case = self._fresh(user, escalation_id, base_version, f"escalation.{action}")
            self._check_move(user, case, action)
            now = self.clock.now()
            changes: dict = {"status": target, "updated_at": now}
            if action == "approve":
                changes.update(approved_by=user.username, approved_at=now)
            updated = self.repo.update(replace(case, **changes), case.version)
            self.audit.record(user.username, f"escalation.{action}", f"escalation:{escalation_id}",
                              before={"status": case.status.value}, after={"status": target.value})
        return updated

    def _check_move(self, user: User, case: Escalation, action: str) -> None:
        _, sources, _, label = _FLOW[action]
        if case.status not in sources:
            self.guard.deny(user.username, f"escalation.{action}", f"escalation:{case.id}",
                            f"案件当前为“{ESCALATION_NAMES[case.status.value]}”，不能{label}。", exc=Conflict)

    def add_feedback(self, actor: User, escalation_id: str, text: str, *, resolved: bool = False,
                     base_version: int | None = None) -> Escalation:
        user = self.guard.require(actor, Permission.ESCALATION_HANDLE, f"escalation:{escalation_id}")
        text = clean_text(text)
        if not text.strip():
            raise InvalidInput("反馈内容不能为空。", field="text")
        with self.audit.work():
            case = self._fresh(user, escalation_id, base_version, "escalation.feedback")
            if case.status in (EscalationStatus.OPENED, EscalationStatus.CLOSED):
                self.guard.deny(user.username, "escalation.feedback", f"escalation:{escalation_id}",
                                f"案件当前为“{ESCALATION_NAMES[case.status.value]}”，不能反馈。", exc=Conflict)
            now = self.clock.now()
            status = EscalationStatus.RESOLVED if resolved else case.status
            updated = self.repo.update(replace(case, feedback=case.feedback + (Feedback(now, user.username,
                                                                                        text.strip()),),
                                               status=status, updated_at=now), case.version)
            self.audit.record(user.username, "escalation.feedback", f"escalation:{escalation_id}",
                              before={"status": case.status.value}, after={"status": status.value},
                              detail=text.strip())
        return updated

    def build_pack(self, actor: User, escalation_id: str) -> Path:
        """(Re)build the evidence pack zip of an approved case and return its path; the manifest hash is
        recorded. Before the leader's approval there is no pack (Conflict)."""
        user = self.guard.require(actor, Permission.EVIDENCE, f"escalation:{escalation_id}")
        case = self._approved(user, escalation_id, "evidence.build")
        return Path(self._with_pack(case, user.username).pack_path)

    def pack_is_current(self, actor: User, escalation_id: str) -> bool:
        """Whether the latest pack holds the case's attachments as they are now (False: none built yet, or an
        attachment came later; ``pack_bytes`` then rebuilds it)."""
        self.guard.require(actor, Permission.EVIDENCE, f"escalation:{escalation_id}")
        case = self._load(escalation_id)
        return bool(case.pack_path) and is_current(case.pack_path, case.attachments)

    def _coordination(self, case: Escalation) -> Mapping[str, Any] | None:
        """The coordination analysis of the case's event, for the pack (None without an analyst or event)."""
        alert = self.repo.get(Alert, case.alert_id)
        if self.spread_analyst is None or alert is None:
            return None
        return self.spread_analyst.evidence(alert.event_id)

    def _name_of(self, username: str) -> str:
        """A person's display name (as a pack names its 制作人), their username when they have none."""
        found = self.repo.find(User, username=username, limit=1)
        return (found[0].display_name or username) if found else username

    def pack_bytes(self, actor: User, escalation_id: str) -> bytes:
        """The latest pack's bytes for download (audited), only once the leader approved the case. A pack that
        no longer holds the case's attachments (one was added after it was built) is rebuilt first, so a stale
        pack is never served; the rebuild is audited."""
        user = self.guard.require(actor, Permission.EVIDENCE, f"escalation:{escalation_id}")
        case = self._approved(user, escalation_id, "evidence.download")
        if not case.pack_path or not is_current(case.pack_path, case.attachments):
            case = self._with_pack(case, user.username, reason="附件有变化，证据包已按最新附件重新生成"
                                   if case.pack_path else "")
        try:
            data = Path(case.pack_path).read_bytes()
        except OSError as error:
            raise StorageUnavailable(f"证据包 {case.pack_path} 无法读取：{error.strerror}") from error
        self.audit.record(user.username, "evidence.download", f"escalation:{escalation_id}",
                          after={"pack": Path(case.pack_path).name, "manifest_sha256": case.pack_sha256})
        return data

    def _approved(self, user: User, escalation_id: str, action: str) -> Escalation:
        case = self._load(escalation_id)
        if case.status == EscalationStatus.OPENED:
            self.guard.deny(user.username, action, f"escalation:{escalation_id}",
                            "案件尚未经值班领导审批移交，不能制作或下载证据包（证据包在审批时生成）。", exc=Conflict)
        return case

    def _pack_file(self, case: Escalation, operator: str, now: datetime, action: str):
        """Build the pack file (nothing recorded yet); a failure is audited and raised with a sentence that
        says the case is unchanged."""
        if self.post_store is None:
            raise StorageUnavailable("未连接信息库，无法制作证据包；案件状态未改变。")
        path = self.evidence_dir / f"evidence-{case.id}-{now.astimezone(timezone.utc):%Y%m%dT%H%M%S%f}.zip"
        try:
            posts = self.post_store.get_many(list(case.post_ids))
            # 制作人: who gathered the evidence (opened the case), by name; the audit names who acted.
            return build_pack(path, case, posts, self._name_of(case.created_by), now, case.attachments,
                              county=self.county, coordination=self._coordination(case))
        except (YuqingError, OSError, ValueError) as error:
            reason = str(error) if isinstance(error, YuqingError) else f"{type(error).__name__}: {error}"
            self.audit.record(operator, action, f"escalation:{case.id}", outcome="failed",
                              detail=f"证据包制作失败：{reason}")
            if isinstance(error, YuqingError):
                raise type(error)(f"证据包制作失败，案件状态未改变：{error}") from error
            raise StorageUnavailable(f"证据包制作失败，案件状态未改变：{reason}") from error

    def _with_pack(self, case: Escalation, operator: str, reason: str = "") -> Escalation:
        now = self.clock.now()
        info = self._pack_file(case, operator, now, "evidence.build")
        with self.audit.work():
            current = self._load(case.id)
            updated = self.repo.update(replace(current, pack_path=str(info.path), pack_sha256=info.manifest_sha256,
                                               updated_at=now), current.version)
            self._audit_pack(operator, case.id, info, reason)
        return updated

    def _audit_pack(self, operator: str, escalation_id: str, info, reason: str = "") -> None:
        self.audit.record(operator, "evidence.build", f"escalation:{escalation_id}",
                          after={"pack": info.path.name, "manifest_sha256": info.manifest_sha256,
                                 "files": info.files}, detail=reason)

    def verify(self, actor: User, escalation_id: str) -> PackReport:
        """Re-check the latest pack against its manifest and the hash recorded when it was built."""
        user = self.guard.require(actor, Permission.EVIDENCE, f"escalation:{escalation_id}")
        case = self._load(escalation_id)
        if not case.pack_path:
            raise NotFound("该案件尚未制作证据包。")
        report = verify_pack(case.pack_path, case.pack_sha256)
        self.audit.record(user.username, "evidence.verify", f"escalation:{escalation_id}",
                          outcome="ok" if report.ok else "failed", detail=report.message)
        return report

    def _load(self, escalation_id: str) -> Escalation:
        case = self.repo.get(Escalation, escalation_id)
        if case is None:
            raise NotFound(f"移交案件 {escalation_id} 不存在。")
        return case

    def _fresh(self, user: User, escalation_id: str, base_version: int | None, action: str) -> Escalation:
        case = self._load(escalation_id)
        if base_version is not None and case.version != base_version:
            self.guard.deny(user.username, action, f"escalation:{escalation_id}",
                            f"案件已被他人修改（当前版本 {case.version}），请刷新后重试。", exc=Conflict)
        return case
