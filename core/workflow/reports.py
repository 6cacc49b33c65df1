"""Daily, weekly and special (one event) reports, as Markdown and DOCX with PNG charts (matplotlib),
from the post store, the events and the workflow records. Charts are labelled in Chinese with the first
installed CJK font (`make install` installs Noto CJK where it is missing); on a server with none the
labels fall back to Latin text and codes, which still render, rather than rows of empty boxes."""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Mapping, Sequence

from core.clock import CHINA_TZ, Clock
from core.errors import NotFound
from core.event import EventStore
from core.post import NEGATIVE_BELOW
from core.storage import Bucket, PostQuery, PostStore
from core.markdown import Verbatim
from core.vocabulary import (ALERT_STATE_NAMES, CLOCK_NAMES, ESCALATION_NAMES, GRADE_NAMES,
                             platform_name)
from core.workflow.access import Guard, Permission
from core.workflow.audit import AuditLog
from core.workflow.clocks import ClockService
from core.workflow.documents import markdown_to_docx
from core.workflow.official_docx import OfficialLayout
from core.workflow.model import Alert, Escalation, Release, ReleaseStatus, Report, User
from core.workflow.repository import WorkflowRepository
from core.workflow.templates import TemplateLibrary


log = logging.getLogger(__name__)
# Chinese fonts by preference: Noto CJK (Debian's fonts-noto-cjk), then others common on Linux and Windows.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of the first installed CJK font matplotlib can use, or None (logged once)."""
    from matplotlib import font_manager

    found = _first_family(font_manager)
    if found is None:
        # matplotlib keeps its own list of fonts from the first run; a font installed since is added here.
        for path in font_manager.findSystemFonts():
            if any(mark in path for mark in ("CJK", "wqy", "DroidSansFallback")):
                font_manager.fontManager.addfont(path)
        found = _first_family(font_manager)
    if found is None:
        log.warning("reports: no CJK font installed (apt-get install fonts-noto-cjk); charts use Latin labels")
    return found


def _first_family(font_manager) -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def bar_chart(title: str, buckets: Sequence[tuple[str, int]], xlabel: str = "", *,
              latin: tuple[str, Sequence[str]] | None = None) -> bytes:
    """A PNG bar chart (matplotlib's object API: no global pyplot state, safe in a threaded server),
    labelled in Chinese; ``latin`` = (title, bar labels) for a server without a CJK font."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    family = cjk_font()
    labels = [label for label, _ in buckets]
    ylabel = "信息量（条）"
    if family is None and latin is not None:
        title, labels, ylabel = latin[0], list(latin[1]), "posts"
    font = FontProperties(family=[family, "DejaVu Sans"] if family else ["DejaVu Sans"])
    figure = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    labels = labels or ["-"]
    axes.bar(range(len(labels)), [count for _, count in buckets] or [0], color="#c0392b")
    axes.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 8 else 0, fontsize=8,
                    fontproperties=font)
    heading = font.copy()
    heading.set_size(12)
    axes.set_title(title, fontproperties=heading)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))          # counts of posts are whole numbers
    axes.set_xlabel(xlabel, fontproperties=font)
    axes.set_ylabel(ylabel, fontproperties=font)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _china_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=CHINA_TZ)
    return start, start + timedelta(days=1)


class ReportService:
    def __init__(self, repo: WorkflowRepository, guard: Guard, clock: Clock, templates: TemplateLibrary,
                 post_store: PostStore | None, event_store: EventStore | None, *, county: str,
                 school_names: Mapping[str, str] | None = None, clocks: ClockService | None = None,
                 audit: AuditLog | None = None, issuer: str = ""):
        self.repo, self.guard, self.clock, self.templates = repo, guard, clock, templates
        self.post_store, self.event_store = post_store, event_store
        self.county = county
        self.issuer = issuer or f"{county}教育局"          # 发文机关 of the DOCX masthead
        self.school_names = dict(school_names or {})
        self.clocks = clocks
        self.audit = audit

    def daily(self, actor: User, day: date | None = None) -> Report:
        """舆情日报 for one day (China time; default: today)."""
        self.guard.require(actor, Permission.REPORT, "report:daily")
        day = day or self.clock.now().astimezone(CHINA_TZ).date()
        start, end = _china_day_bounds(day)
        return self._periodic("daily", "舆情日报", f"{day.year}年{day.month}月{day.day}日", start, end, "hour",
                              footer=self._signed_audit_head(f"daily report {day.isoformat()}"))

    def weekly(self, actor: User, ending: date | None = None) -> Report:
        """舆情周报 for the seven days ending on ``ending`` (China time; default: today)."""
        self.guard.require(actor, Permission.REPORT, "report:weekly")
        ending = ending or self.clock.now().astimezone(CHINA_TZ).date()
        first = ending - timedelta(days=6)
        start, end = _china_day_bounds(first)[0], _china_day_bounds(ending)[1]
        period = f"{first.year}年{first.month}月{first.day}日至{ending.month}月{ending.day}日"
        return self._periodic("weekly", "舆情周报", period, start, end, "day")

    def _periodic(self, kind: str, name: str, period: str, start: datetime, end: datetime, step: str,
                  footer: str = "") -> Report:
        query = PostQuery(since=start, until=end)
        store = self.post_store
        total = store.count(query) if store else 0
        negative = store.count(PostQuery(since=start, until=end, sentiment_below=NEGATIVE_BELOW)) if store else 0
        platforms = store.aggregate(query, "platform") if store else []
        schools = store.aggregate(query, "school")[:10] if store else []
        volume = store.aggregate(query, step) if store else []
        # Chart files are named in Chinese: the name is the caption on screen and the image's text in the report.
        ticks = [(_tick(b, step), b.count) for b in volume]
        charts = {"信息量趋势.png": bar_chart("每小时信息量（北京时间）" if step == "hour" else "每日信息量", ticks,
                                          latin=(f"Posts per {step}", [t for t, _ in ticks])),
                  "平台分布.png": bar_chart("各平台信息量", [(platform_name(b.key), b.count) for b in platforms],
                                        latin=("Posts per platform", [b.key for b in platforms]))}
        events = self.event_store.list_events(since=start, limit=10) if self.event_store else []
        alerts = [a for a in self.repo.find(Alert, order_by="-raised_at", limit=200)
                  if a.raised_at < end and (a.raised_at >= start or a.state not in ("closed", "dismissed"))]
        context = {
            "releases": self._released_between(start, end), "referrals": self._referrals_between(start, end),
            "report_name": name, "county": self.county, "period": period, "total_posts": total,
            "negative_posts": negative, "by_platform": [{"name": platform_name(b.key), "count": b.count} for b in platforms],
            "top_schools": [{"name": self.school_names.get(b.key, b.key), "count": b.count} for b in schools],
            "events": [{"title": e.title, "grade": e.grade, "posts": e.post_count, "heat": round(e.heat, 1)}
                       for e in events],
            "alerts": [{"title": a.title, "grade": a.grade, "state": ALERT_STATE_NAMES[a.state], "person": a.person}
                       for a in alerts],
            "generated_at": self._now_text(), "charts": [Verbatim(name) for name in charts],
            "summary": f"负面信息占比 {negative / total:.0%}。" if total else "本时段未监测到相关信息。",
        }
        return self._report(kind, f"{self.county}校园安全{name}（{period}）", "daily_report", context, charts, footer)

    def special(self, actor: User, event_id: str) -> Report:
        """舆情专报 on one event: timeline, spread, clocks, releases, escalations."""
        self.guard.require(actor, Permission.REPORT, f"report:special:{event_id}")
        event = self.event_store.get_event(event_id) if self.event_store else None
        alert = next(iter(self.repo.find(Alert, event_id=event_id, limit=1)), None)
        if event is None and alert is None:
            raise NotFound(f"事件 {event_id} 不存在，无法生成专报。")
        title = event.title if event else alert.title
        grade = (alert.grade if alert else event.grade)
        first_seen = event.first_seen if event else alert.t0
        spread = sorted((event.spread_by_platform if event else {}).items(), key=lambda kv: -kv[1])
        timeline = [(p.at.astimezone(CHINA_TZ).strftime("%m-%d %H"), p.posts) for p in (event.timeline if event else ())]
        charts = {"事件时间线.png": bar_chart("事件信息量时间线（北京时间）", timeline,
                                          latin=("Posts over time (China time)", [t for t, _ in timeline])),
                  "各平台传播量.png": bar_chart("各平台传播量", [(platform_name(k), v) for k, v in spread],
                                          latin=("Spread per platform", [k for k, _ in spread]))}
        context = {
            "county": self.county, "event_title": title, "grade": grade, "grade_name": GRADE_NAMES.get(grade, ""),
            "first_seen": first_seen.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
            "post_count": event.post_count if event else len(alert.post_ids),
            "spread": [{"name": platform_name(k), "count": v} for k, v in spread],
            "clocks": self._clock_items(alert), "releases": self._release_items(alert),
            "escalations": self._escalation_items(alert), "generated_at": self._now_text(),
            "analysis": alert.analysis if alert else "", "charts": [Verbatim(name) for name in charts],
            "suggestions": self._suggestions(alert),
        }
        return self._report("special", f"舆情专报：{title}", "special_report", context, charts)

    def _released_between(self, start: datetime, end: datetime) -> list[dict]:
        """Releases published in the period, oldest first (回应发布 of a daily or weekly report)."""
        published = self.repo.find(Release, status=ReleaseStatus.PUBLISHED, order_by="published_at")
        return [{"title": r.title, "time": r.published_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M"),
                 "kind": self.templates.get(r.template).title if r.template in self._template_names() else ""}
                for r in published if r.published_at and start <= r.published_at < end]

    def _template_names(self) -> set[str]:
        return {t.name for t in self.templates.list()}

    def _referrals_between(self, start: datetime, end: datetime) -> list[dict]:
        """Referrals (移交处置) opened in the period or still open at its end."""
        cases = [e for e in self.repo.find(Escalation, order_by="created_at")
                 if e.created_at < end and (e.created_at >= start or e.status.value != "closed")]
        return [{"kind": ESCALATION_NAMES[e.kind.value], "target": ESCALATION_NAMES[e.target.value],
                 "status": ESCALATION_NAMES[e.status.value], "summary": e.summary[:60],
                 "time": e.created_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")} for e in cases]

    def _clock_items(self, alert: Alert | None) -> list[dict]:
        if alert is None or self.clocks is None:
            return []
        return [{"name": CLOCK_NAMES[v.clock.kind], "state": v.stage_name,
                 "due": v.clock.due_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")}
                for v in self.clocks.for_alert(alert.id)]

    def _release_items(self, alert: Alert | None) -> list[dict]:
        if alert is None:
            return []
        published = self.repo.find(Release, alert_id=alert.id, status=ReleaseStatus.PUBLISHED, order_by="published_at")
        return [{"title": r.title, "time": r.published_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")}
                for r in published]

    def _escalation_items(self, alert: Alert | None) -> list[dict]:
        if alert is None:
            return []
        return [{"kind": ESCALATION_NAMES[e.kind.value], "target": ESCALATION_NAMES[e.target.value],
                 "status": ESCALATION_NAMES[e.status.value]} for e in self.repo.find(Escalation, alert_id=alert.id)]

    def _suggestions(self, alert: Alert | None) -> list[str]:
        if alert is None or self.clocks is None:
            return []
        return [f"{CLOCK_NAMES[v.clock.kind]}已超时，请值班领导督办。" for v in self.clocks.for_alert(alert.id)
                if v.stage.value == "overdue"]

    def _signed_audit_head(self, reason: str) -> str:
        """The audit log's head, signed and anchored now, as the closing lines of a daily report: a copy of the
        head outside the database (printed, filed, sent), which a later ``verify-audit`` can be held against."""
        head = self.audit.signed_head(reason) if self.audit is not None else None
        if head is None:
            return ""
        signature = f"签名（HMAC-SHA256）：{head.mac}" if head.mac else "未设置审计密钥，链头未签名"
        return (f"\n\n## 审计链锚点\n\n截至本报告生成，审计日志共 {head.seq} 条；链头哈希：{head.hash}；"
                f"{signature}。可在“审计日志”页核验审计链，并与此比对。\n")

    def _report(self, kind: str, title: str, template: str, context: dict, charts: dict[str, bytes],
                footer: str = "") -> Report:
        markdown = self.templates.render(template, context) + footer
        layout = OfficialLayout(issuer=self.issuer, number=self._document_number(kind))
        return Report(kind=kind, title=title, markdown=markdown, docx=markdown_to_docx(markdown, charts, layout),
                      charts=charts)

    def _document_number(self, kind: str) -> str:
        """发文字号 of a report: daily reports are numbered by the day of the year, weekly by the ISO week,
        special reports by the minute they were made (〔year〕 in the 六角括号 of GB/T 9704)."""
        now = self.clock.now().astimezone(CHINA_TZ)
        name = {"daily": "舆情日报", "weekly": "舆情周报"}.get(kind, "舆情专报")
        serial = {"daily": now.timetuple().tm_yday, "weekly": now.isocalendar()[1]}.get(kind,
                                                                                      int(now.strftime("%m%d%H%M")))
        return f"{self.county}{name}〔{now.year}〕{serial}号"

    def _now_text(self) -> str:
        return self.clock.now().astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _tick(bucket: Bucket, step: str) -> str:
    moment = datetime.fromisoformat(bucket.key).astimezone(CHINA_TZ)
    return moment.strftime("%H") if step == "hour" else moment.strftime("%m-%d")
