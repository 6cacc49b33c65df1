"""The after-action report of a drill (演练复盘报告): when the first post appeared, when yuqing detected it,
when the alert was reviewed, when the first release went out, each against the 5 h / 24 h / 48 h clocks.

Read from the drill's own stores after the worker stopped, and rendered from ``press_templates``'s
``drill_review`` template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import CHINA_TZ
from core.vocabulary import ESCALATION_NAMES, GRADE_NAMES, grade_rank
from core.workflow import Workflow
from core.workflow.model import Escalation

CLOCK_LIMITS = (("release_5h", "5小时信息发布", timedelta(hours=5)),
                ("press_24h", "24小时新闻发布会", timedelta(hours=24)),
                ("answer_48h", "48小时回应", timedelta(hours=48)))
DETECTION_TARGET = timedelta(minutes=15)


@dataclass
class Milestones:
    """The moments of one alerted incident (drill time, UTC)."""

    title: str
    grade: str
    first_post: datetime | None = None
    detected: datetime | None = None
    alert_raised: datetime | None = None
    reviewed: datetime | None = None
    review_outcome: str = ""
    first_release: datetime | None = None
    first_release_title: str = ""
    raised_by: str = "system"             # "system", or the person who raised it by hand (display name)
    referrals: list[tuple[datetime, str]] = field(default_factory=list)     # (when, what) of each referral
    clocks: list[dict[str, Any]] = field(default_factory=list)


def _at(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M") if moment else "—"


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "未发生"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}小时{minutes % 60}分钟" if minutes >= 60 else f"{max(minutes, 0)}分钟"


def milestones(workflow: Workflow, event_store, now: datetime, post_store=None) -> list[Milestones]:
    """One entry per alert of the drill, gravest first."""
    result = []
    people = workflow.users.display_names()
    for alert in sorted(workflow.alerts.all_alerts(), key=lambda a: (-grade_rank(a.grade), a.t0)):
        event = event_store.get_event(alert.event_id) if event_store else None
        item = Milestones(alert.title, alert.grade, first_post=_first_post(event, alert, post_store),
                          detected=(event.detected_at if event and event.detected_at else alert.raised_at),
                          alert_raised=alert.raised_at,
                          raised_by=people.get(alert.raised_by, alert.raised_by) if alert.raised_by != "system"
                          else "system")
        item.referrals = _referrals(workflow, alert.id)
        if alert.confirmed_at:
            item.reviewed, item.review_outcome = alert.confirmed_at, "确认"
        elif str(alert.state) in ("dismissed", "closed") and alert.updated_at:
            item.reviewed, item.review_outcome = alert.updated_at, "排除" if str(alert.state) == "dismissed" else "办结"
        published = workflow.releases.published_for(alert.id)
        if published:
            item.first_release, item.first_release_title = published[0].published_at, published[0].title
        item.clocks = _clock_rows(workflow, alert, now)
        result.append(item)
    return result


def _first_post(event, alert, post_store) -> datetime | None:
    """When the incident's first post was published: the earliest of the event's posts as stored (an event's
    first_seen may be a later post's when the earliest was merged in afterwards), else the event's or alert's."""
    ids = list(event.post_ids) if event else list(alert.post_ids)
    posts = post_store.get_many(ids[:5000]) if post_store is not None and ids else []
    published = [p.published_at for p in posts if p.published_at]
    if published:
        return min(published)
    return event.first_seen if event else alert.t0


def _referrals(workflow, alert_id: str) -> list[tuple[datetime, str]]:
    """Each referral of the alert (to police, propaganda, cyberspace) as a timeline line."""
    lines = []
    for case in workflow.repo.find(Escalation, alert_id=alert_id, order_by="created_at"):
        what = f"移交{ESCALATION_NAMES[case.target.value]}（{ESCALATION_NAMES[case.kind.value]}）"
        lines.append((case.created_at, f"发起{what}"))
        if case.approved_at:
            lines.append((case.approved_at, f"{what}经审批送出"))
    return lines


def _clock_rows(workflow, alert, now: datetime) -> list[dict[str, Any]]:
    views = {str(v.clock.kind): v for v in workflow.clocks.for_alert(alert.id, now)}
    rows = []
    for kind, name, limit in CLOCK_LIMITS:
        view = views.get(kind)
        if view is None:
            continue                 # this clock does not apply (grade below II, or never confirmed)
        met = view.clock.met_at
        rows.append({"name": f"{name}（{alert.title[:16]}）", "due": _at(view.clock.due_at),
                     "met_at": _at(met) if met else None, "ok": bool(met and met <= view.clock.due_at),
                     "pending": not met and view.clock.due_at > now})
    return rows


def review_context(name: str, scenario_text: str, started: datetime, ended: datetime,
                   items: list[Milestones]) -> dict[str, Any]:
    """The ``drill_review`` template's context (fields documented in press_templates/catalog.toml)."""
    timeline: list[dict[str, str]] = []
    clocks: list[dict[str, Any]] = []
    findings: list[str] = []
    improvements: list[str] = []
    for item in items:
        label = f"{item.title[:20]}（{item.grade}级{GRADE_NAMES.get(item.grade, '')}）"
        raised = "系统发出预警" if item.raised_by == "system" else f"{item.raised_by}人工发起预警"
        for moment, what in ((item.first_post, f"首条相关信息发布：{label}"),
                             (item.detected, "系统发现并聚合为事件"), (item.alert_raised, raised),
                             (item.reviewed, f"预警审核{item.review_outcome}"),
                             (item.first_release, f"首次发布：{item.first_release_title[:24]}"), *item.referrals):
            if moment:
                timeline.append({"at": _at(moment), "what": what, "sort": moment.isoformat()})
        clocks += item.clocks
        _judge(item, label, findings, improvements)
    if not items:
        findings.append("演练期间系统未产生预警：检查采集源是否正常、分级阈值是否过高。")
        improvements.append("核对信息源健康状态（yuqing crawl-health）和预警规则设置。")
    timeline.sort(key=lambda row: row.pop("sort"))
    improvements = list(dict.fromkeys(improvements))      # one line per measure, however many alerts need it
    first = items[0] if items else None
    delay = (first.detected - first.first_post) if first and first.detected and first.first_post else None
    return {"drill_name": name, "scenario": scenario_text, "started_at": _at(started), "ended_at": _at(ended),
            "participants": ["县委宣传部（舆情监测）", "县教育局（预警审核）", "新闻发言人", "值班领导", "县公安局（联络员）"],
            "timeline": timeline, "clocks": clocks, "detection_delay": _span(delay),
            "findings": findings, "improvements": improvements, "author": "yuqing 演练模式（自动生成）"}


def _judge(item: Milestones, label: str, findings: list[str], improvements: list[str]) -> None:
    if item.detected and item.first_post and item.detected - item.first_post > DETECTION_TARGET:
        findings.append(f"{label}：从首条信息到系统发现用时{_span(item.detected - item.first_post)}，超过15分钟。")
        improvements.append("缩短重点信息源的采集间隔，检查采集源是否被封禁。")
    if item.reviewed is None:
        findings.append(f"{label}：预警在演练结束时仍未审核。")
        improvements.append("明确预警审核责任人和值班安排，审核时限纳入考核。")
    if item.first_release is None and item.grade in ("II", "I"):
        findings.append(f"{label}：演练结束时尚未发布首次回应。")
        improvements.append("预先准备首次回应口径模板，简化签发流程。")
    for clock in item.clocks:
        if clock.pop("pending", False):
            findings.append(f"{clock['name']}：演练结束时尚未完成（截止 {clock['due']}）。")
        elif not clock["ok"]:
            findings.append(f"{clock['name']}未在时限（{clock['due']}）内完成。")
