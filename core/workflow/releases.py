"""Releases: drafted from a press template with the alert's verified facts, edited with optimistic
concurrency (versions), checked for minors' data, signed by the spokesperson, approved by the leader and
published through channels; every save is kept as a version and every publication recorded.

Flow: draft -> (save ...) -> check_minors -> checked -> sign (spokesperson) -> signed ->
approve (leader) -> approved -> publish -> published. Saving a new text returns the release to draft.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any, Mapping, Sequence

from core.clock import CHINA_TZ, Clock
from core.errors import Conflict, InvalidInput, NotFound, YuqingError
from core.secrets import mask_text
from core.text import clean_text
from core.vocabulary import GRADE_NAMES, RELEASE_STATUS_NAMES
from core.workflow.access import Guard, Permission
from core.workflow.audit import AuditLog
from core.workflow.channels import Channel, OutgoingRelease
from core.workflow.clocks import ClockService
from core.workflow.masking import mask_minors
from core.workflow.model import (Alert, AlertState, DraftAutosave, Publication, Release, ReleaseStatus,
                                 ReleaseVersion, User, new_id, snapshot)
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import TemplateLibrary, canonical_facts, split_title

S = ReleaseStatus
# A publisher that claimed a channel and died before recording the outcome blocks it this long; then another may
# publish (at worst sending twice, which is the lesser harm than a release that can never go out).
PUBLISH_CLAIM_LEASE = timedelta(minutes=10)


def _claim_key(release_id: str, channel: str) -> str:
    return f"publish:{release_id}:{channel}"
MAX_AUTOSAVE_CHARS = 200_000             # a release is a few thousand characters; this bounds a pasted flood


def china_date(moment) -> str:
    local = moment.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


class ReleaseService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 templates: TemplateLibrary, clocks: ClockService, channels: Sequence[Channel] = (), *,
                 publisher: str, county: str, school_names: Mapping[str, str] | None = None):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.templates, self.clocks = templates, clocks
        self.channels = {c.name: c for c in channels}
        self.publisher, self.county = publisher, county
        self.school_names = dict(school_names or {})

    # --- drafting

    def context_for(self, actor: User, alert_id: str, template: str,
                    fields: Mapping[str, Any] | None = None, follows: str | None = None) -> dict[str, Any]:
        """The template context: the alert's figures and verified facts, then ``fields`` on top."""
        self.guard.require(actor, Permission.VIEW, f"alert:{alert_id}")
        alert = self._alert(alert_id)
        context: dict[str, Any] = {
            "county": self.county, "publisher": self.publisher, "event_title": alert.title,
            "school": "、".join(self.school_names.get(s, s) for s in alert.schools) or None,
            "grade": alert.grade, "grade_name": GRADE_NAMES.get(alert.grade, ""),
            "release_time": china_date(self.clock.now()),
        }
        if follows:
            first = self._first_of(follows, alert_id)
            context.update(first_release_title=first.title,
                           first_release_time=china_date(first.published_at or first.created_at))
        context.update(canonical_facts(alert.facts))
        context.update({k: v for k, v in (fields or {}).items()})
        return context

    def draft(self, actor: User, alert_id: str, template: str, fields: Mapping[str, Any] | None = None,
              *, follows: str | None = None, title: str | None = None) -> Release:
        """A new draft rendered from ``template``; InvalidInput listing every missing field. ``follows``
        links a follow-up to an earlier release (stored as the first release of the chain)."""
        user = self.guard.require(actor, Permission.RELEASE_EDIT, f"alert:{alert_id}")
        alert = self._alert(alert_id)
        if alert.state in (AlertState.DISMISSED, AlertState.CLOSED):
            self.guard.deny(user.username, "release.draft", f"alert:{alert_id}",
                            "预警已排除或办结，不能再起草回应。", exc=Conflict)
        if self.templates.get(template).kind != "release":
            raise InvalidInput(f"模板 {template} 不是对外发布的回应模板。", field="template")
        first = self._first_of(follows, alert_id) if follows else None
        try:
            text = self.templates.render(template, self.context_for(user, alert_id, template, fields, follows))
        except InvalidInput as error:
            self.guard.deny(user.username, "release.draft", f"alert:{alert_id}", str(error), exc=InvalidInput)
        rendered_title, body = split_title(clean_text(text))
        title = clean_text(title)
        now = self.clock.now()
        release = Release(id=new_id("R"), alert_id=alert_id, template=template,
                          title=(title or rendered_title or self.templates.get(template).title).strip(), body=body,
                          status=S.DRAFT, created_by=user.username, created_at=now,
                          first_release_id=first.id if first else "", updated_at=now)
        with self.audit.work():
            self.repo.add(release)
            self._keep_version(release, user.username, f"由模板“{self.templates.get(template).title}”生成")
            self.audit.record(user.username, "release.draft", f"release:{release.id}", after=snapshot(release))
        return release

    def _first_of(self, release_id: str, alert_id: str) -> Release:
        earlier = self.repo.get(Release, release_id)
        if earlier is None or earlier.alert_id != alert_id:
            raise InvalidInput(f"续发关联的回应 {release_id} 不属于本预警。", field="follows")
        return self.repo.get(Release, earlier.first_release_id) if earlier.first_release_id else earlier

    # --- reading

    def get(self, actor: User, release_id: str) -> Release:
        self.guard.require(actor, Permission.VIEW, f"release:{release_id}")
        return self._load(release_id)

    def list(self, actor: User, alert_id: str | None = None) -> list[Release]:
        """Releases (of one alert), newest first."""
        self.guard.require(actor, Permission.VIEW, "releases")
        filters = {"alert_id": alert_id} if alert_id else {}
        return self.repo.find(Release, order_by="-created_at", **filters)

    def published_for(self, alert_id: str) -> list[Release]:
        """The published releases of an alert, oldest publication first (empty for an unknown alert). A
        system-side read for the drill's after-action report: no actor, no permission check."""
        return self.repo.find(Release, alert_id=alert_id, status=ReleaseStatus.PUBLISHED, order_by="published_at")

    def versions(self, actor: User, release_id: str) -> list[ReleaseVersion]:
        self.guard.require(actor, Permission.VIEW, f"release:{release_id}")
        return self.repo.find(ReleaseVersion, release_id=release_id, order_by="number")

    def publications(self, actor: User, release_id: str | None = None) -> list[Publication]:
        self.guard.require(actor, Permission.VIEW, "publications")
        filters = {"release_id": release_id} if release_id else {}
        return self.repo.find(Publication, order_by="-published_at", **filters)

    # --- editing and sign-off

    def save(self, actor: User, release_id: str, title: str, body: str, base_version: int) -> Release:
        """Save an edit made on ``base_version``. If someone saved since, Conflict: the stored text stays
        and the caller keeps theirs to merge. A new text returns the release to draft (sign-offs lapse)."""
        user = self.guard.require(actor, Permission.RELEASE_EDIT, f"release:{release_id}")
        title, body = clean_text(title), clean_text(body)
        if not title.strip() or not body.strip():
            raise InvalidInput("标题和正文都不能为空。", field="title" if not (title or "").strip() else "body")
        with self.audit.work():
            release = self._fresh(user, release_id, base_version, "release.save")
            if release.status == S.PUBLISHED:
                self.guard.deny(user.username, "release.save", f"release:{release_id}",
                                "已发布的回应不能修改，请起草续发通报。", exc=Conflict)
            if release.title == title.strip() and release.body == body:
                return release
            updated = self.repo.update(replace(release, title=title.strip(), body=body, status=S.DRAFT,
                                               checked_version=0, findings=(), signed_by="", signed_at=None,
                                               approved_by="", approved_at=None, updated_at=self.clock.now()),
                                       release.version)
            self._keep_version(updated, user.username, "编辑")
            self.repo.delete(DraftAutosave, f"{release_id}:{user.username}")       # saved: nothing pending
            self.audit.record(user.username, "release.save", f"release:{release_id}",
                              before={"version": release.version, "status": release.status.value},
                              after={"version": updated.version, "status": updated.status.value})
        return updated

    # --- autosave: what a person typed and has not saved survives a reload

    def autosave(self, actor: User, release_id: str, title: str, body: str, base_version: int) -> None:
        """Keep ``actor``'s unsaved text of this release (typed on ``base_version``); not a version, not
        audited (the save is). Text over ``MAX_AUTOSAVE_CHARS`` is refused."""
        user = self.guard.require(actor, Permission.RELEASE_EDIT, f"release:{release_id}")
        if len(title or "") + len(body or "") > MAX_AUTOSAVE_CHARS:
            raise InvalidInput(f"正文过长（超过 {MAX_AUTOSAVE_CHARS} 字），无法自动保存。", field="body")
        self._load(release_id)
        key = f"{release_id}:{user.username}"
        record = DraftAutosave(id=key, release_id=release_id, username=user.username, base_version=base_version,
                               title=title or "", body=body or "", saved_at=self.clock.now())
        current = self.repo.get(DraftAutosave, key)
        if current is None:
            self.repo.add(record)
        else:
            self.repo.update(replace(record, version=current.version), current.version)

    def autosaved(self, actor: User, release_id: str) -> DraftAutosave | None:
        """``actor``'s own unsaved text of this release, if any (no one reads another person's)."""
        return self.repo.get(DraftAutosave, f"{release_id}:{actor.username}")

    def discard_autosave(self, actor: User, release_id: str) -> None:
        self.repo.delete(DraftAutosave, f"{release_id}:{actor.username}")

    def check_minors(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """Mask minors' data in the current text; when something was masked the masked text is saved as a
        new version. The release becomes ``checked`` (its findings kept for the reviewer to see).
        Names listed in the alert's fact ``student_names`` are masked wherever they appear."""
        user = self.guard.require(actor, Permission.RELEASE_EDIT, f"release:{release_id}")
        with self.audit.work():
            release = self._fresh(user, release_id, base_version, "release.check")
            if release.status not in (S.DRAFT, S.CHECKED):
                self.guard.deny(user.username, "release.check", f"release:{release_id}",
                                f"回应当前为“{RELEASE_STATUS_NAMES[release.status]}”，无需再检查。", exc=Conflict)
            names = self._alert(release.alert_id).facts.get("student_names") or ()
            names = [names] if isinstance(names, str) else list(names)
            title, body = mask_minors(release.title, names), mask_minors(release.body, names)
            findings = title.findings + body.findings
            changed = bool(findings)
            checked = replace(release, title=title.text, body=body.text, status=S.CHECKED, findings=findings,
                              checked_version=release.version + 1, updated_at=self.clock.now())
            updated = self.repo.update(checked, release.version)
            if changed:
                self._keep_version(updated, user.username, f"未成年人信息检查：隐去 {len(findings)} 处")
            self.audit.record(user.username, "release.check", f"release:{release_id}",
                              after={"version": updated.version, "masked": [f.kind for f in findings]},
                              detail=f"隐去 {len(findings)} 处未成年人信息" if changed else "未发现未成年人信息")
        return updated

    def sign(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """The spokesperson's sign-off of a checked release; signing twice is a Conflict."""
        return self._sign_off(actor, release_id, base_version, Permission.RELEASE_SIGN)

    def approve(self, actor: User, release_id: str, base_version: int | None = None) -> Release:
        """The leader's approval of a signed release; approving twice is a Conflict."""
        return self._sign_off(actor, release_id, base_version, Permission.RELEASE_APPROVE)

    def _sign_off(self, actor: User, release_id: str, base_version: int | None, permission: Permission) -> Release:
        user = self.guard.require(actor, permission, f"release:{release_id}")
        leader = permission == Permission.RELEASE_APPROVE
        action = "release.approve" if leader else "release.sign"
        needed, done = (S.SIGNED, (S.APPROVED, S.PUBLISHED)) if leader else (S.CHECKED, (S.SIGNED, S.APPROVED, S.PUBLISHED))
        with self.audit.work():
            release = self._fresh(user, release_id, base_version, action)
            if release.status in done:
                who = release.approved_by if leader else release.signed_by
                self.guard.deny(user.username, action, f"release:{release_id}",
                                f"该回应已由 {who} {'审批' if leader else '签发'}，不能重复{'审批' if leader else '签发'}。",
                                exc=Conflict)
            if release.status != needed or release.checked_version != release.version or \
                    not mask_minors(release.body).clean:
                reason = "须先由新闻发言人签发，再由领导审批。" if leader else "须先通过未成年人信息检查，才能签发。"
                self.guard.deny(user.username, action, f"release:{release_id}", reason, exc=Conflict)
            now = self.clock.now()
            changes = dict(status=S.APPROVED, approved_by=user.username, approved_at=now) if leader else \
                dict(status=S.SIGNED, signed_by=user.username, signed_at=now)
            # A sign-off leaves the text as checked, so the checked mark moves with the record's version.
            updated = self.repo.update(replace(release, **changes, checked_version=release.version + 1,
                                               updated_at=now), release.version)
            self.audit.record(user.username, action, f"release:{release_id}",
                              before={"status": release.status.value}, after={"status": updated.status.value})
        return updated

    # --- publishing

    def publish(self, actor: User, release_id: str, channels: Sequence[str] | None = None) -> list[Publication]:
        """Publish an approved release on these channels (all configured when None); record each
        publication (failed ones with their error); meet the alert's matching clocks."""
        user = self.guard.require(actor, Permission.RELEASE_PUBLISH, f"release:{release_id}")
        names = list(channels) if channels is not None else self.channel_names()
        unknown = [n for n in names if n not in self.channels]
        if unknown or not names:
            raise InvalidInput(f"未配置的发布渠道：{'、'.join(unknown) or '（无）'}；可用：{'、'.join(self.channels)}。",
                               field="channels")
        release = self._load(release_id)
        done = {p.channel for p in self.repo.find(Publication, release_id=release_id, ok=True)}
        if release.status != S.APPROVED and not (release.status == S.PUBLISHED and set(names) - done):
            reason = "该回应已发布。" if release.status == S.PUBLISHED else "须经新闻发言人签发、领导审批后才能发布。"
            self.guard.deny(user.username, "release.publish", f"release:{release_id}", reason, exc=Conflict)
        now = self.clock.now()
        outgoing = OutgoingRelease(release_id=release.id, alert_id=release.alert_id, template=release.template,
                                   title=release.title, body=release.body, version=release.version,
                                   published_at=now, publisher=self.publisher,
                                   first_release_id=release.first_release_id)
        pending = [name for name in names if name not in done]
        if not pending:
            # Every asked channel already carries it: another publisher finished between our two reads.
            self.guard.deny(user.username, "release.publish", f"release:{release_id}", "该回应已发布。", exc=Conflict)
        claimed = self._claim_channels(user, release_id, pending, now)
        records = [self._publish_on(name, outgoing, user.username) for name in claimed]
        for record in records:
            if not record.ok:                        # a failed channel may be tried again
                self.repo.release_claim(_claim_key(release_id, record.channel))
        with self.audit.work():
            for record in records:
                self.repo.add(record)
                self.audit.record(user.username, "release.publish", f"release:{release_id}",
                                  outcome="ok" if record.ok else "failed",
                                  after={"channel": record.channel, "location": record.location,
                                         "sha256": record.content_sha256, "version": record.release_version},
                                  detail=record.error)
            if any(r.ok for r in records) and release.status == S.APPROVED:
                current = self._load(release_id)
                self.repo.update(replace(current, status=S.PUBLISHED, published_at=now, updated_at=now),
                                 current.version)
                self.clocks.meet(release.alert_id, release.template, release_id, now)
        return records

    def _claim_channels(self, user: User, release_id: str, names: list[str], now) -> list[str]:
        """The channels this publisher may send on: each is claimed in the database (committed) before anything
        is sent, so two people publishing at once send the release once. All or none, in one order: had each of
        two people claimed some channels, both would have published part of it and both been told it went out;
        the first channel someone else holds ends the attempt, the claims taken so far are given back, and this
        publisher is told the release is being published (Conflict)."""
        claimed: list[str] = []
        for name in sorted(names):
            if self.repo.claim(_claim_key(release_id, name), user.username, now, PUBLISH_CLAIM_LEASE):
                claimed.append(name)
                continue
            for taken in claimed:
                self.repo.release_claim(_claim_key(release_id, taken))
            self.guard.deny(user.username, "release.publish", f"release:{release_id}",
                            "该回应正在由他人发布或已发布（每个渠道只发送一次），请刷新后查看发布记录。", exc=Conflict)
        return claimed

    def _publish_on(self, name: str, outgoing: OutgoingRelease, by: str) -> Publication:
        digest = hashlib.sha256(f"{outgoing.title}\n{outgoing.body}".encode("utf-8")).hexdigest()
        try:
            location, ok, error = self.channels[name].publish(outgoing), True, ""
        except YuqingError as failure:
            location, ok, error = "", False, str(failure)
        # A channel's address may hold its key (a relay's token in the URL): what is stored, audited and shown
        # to every role is masked.
        return Publication(id=new_id("P"), release_id=outgoing.release_id, release_version=outgoing.version,
                           channel=name, location=mask_text(location), published_at=outgoing.published_at,
                           published_by=by, content_sha256=digest, ok=ok, error=mask_text(error))

    def channel_names(self) -> list[str]:
        return sorted(self.channels)

    # --- helpers

    def _alert(self, alert_id: str) -> Alert:
        alert = self.repo.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"预警 {alert_id} 不存在。")
        return alert

    def _load(self, release_id: str) -> Release:
        release = self.repo.get(Release, release_id)
        if release is None:
            raise NotFound(f"回应 {release_id} 不存在。")
        return release

    def _fresh(self, user: User, release_id: str, base_version: int | None, action: str) -> Release:
        """The stored release; a Conflict (audited) if the caller worked on an older version."""
        release = self._load(release_id)
        if base_version is not None and release.version != base_version:
            last = self.repo.find(ReleaseVersion, release_id=release_id, order_by="-number", limit=1)
            by = f"（{last[0].saved_by} 于 {last[0].saved_at.astimezone(CHINA_TZ):%H:%M} 保存）" if last else ""
            self.guard.deny(user.username, action, f"release:{release_id}",
                            f"该稿件已被他人修改{by}，当前版本 {release.version}，您编辑的是版本 {base_version}。"
                            "您的修改未保存，但仍在编辑框中并已自动保存（刷新不会丢失），请对照最新版本合并后再保存。", exc=Conflict,
                            detail={"base_version": base_version, "current_version": release.version})
        return release

    def _keep_version(self, release: Release, by: str, note: str) -> None:
        self.repo.add(ReleaseVersion(id=f"{release.id}:{release.version}", release_id=release.id,
                                     number=release.version, title=release.title, body=release.body,
                                     saved_by=by, saved_at=self.clock.now(), note=note))
