"""The monitoring round as one service: unenriched posts -> analyse -> events -> enrichment -> alerts ->
triggers -> notifications. The worker, ``yuqing enrich``, drills and benchmarks all run it; nothing outside
``core`` repeats its steps.

What a post means is nlp's business and reaches this module through two small contracts, so that ``core``
imports nothing of ours: an ``Analyser`` (the loaded models and rules, with a version that names them) opens an
``EventBook`` for one round (the incremental clustering of posts into events, fed the stored events the
round's posts could join).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping, Protocol, Sequence

from core.clock import CHINA_TZ, Clock
from core.coordination import SpreadAnalyst
from core.event import Event, EventStore
from core.notifications import Notifier, RoundReport as NotifyReport, Trigger
from core.post import Enrichment, Post
from core.storage import PostQuery, PostStore
from core.vocabulary import CLOCK_NAMES, ESCALATION_NAMES, GRADE_NAMES
from core.workflow import Workflow


class EventBook(Protocol):
    """Incremental clustering for one round. It starts empty; ``add_events`` makes stored events known."""

    def add_events(self, events: Iterable[Event]) -> None:
        """Make stored events known (events already known keep their in-memory state)."""
        ...

    def enrich(self, posts: Sequence[Post], now: datetime) -> tuple[dict[str, Enrichment], set[str]]:
        """Analyse posts and place each in an event (or none): the enrichment of every post by id (its
        ``event_id`` set, ``model_version`` the analyser's, ``enriched_at`` = now) and the ids of every event
        the batch changed (joined, founded or left). A post already a member (re-enriched after an edit or a
        crash) is not counted twice."""
        ...

    def members(self, event_id: str) -> list[str]:
        """Post ids of an event as the book knows it now (empty for an event that lost every post)."""
        ...

    def crowd_rumour(self, source: Post, reactions: Sequence[Post]) -> tuple[float, tuple[str, ...]]:
        """The source's rumour risk read with its reactions so far, and the cues that say why."""
        ...

    def summarise(self, event_id: str, members: Sequence[tuple[Post, Enrichment]], now: datetime,
                  previous: Event | None) -> Event:
        """The event's figures, heat and grade from its member posts and their enrichment; ``previous`` (the
        stored event) keeps its detection time."""
        ...


class Analyser(Protocol):
    """The loaded NLP models and rules."""

    model_version: str          # names every model and rule set: a post enriched by another version is redone
    event_window: timedelta     # a post may join an event last seen this long before it

    def open_book(self) -> EventBook:
        ...


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _event_of(placed: Mapping[str, Enrichment], post_id: str | None) -> str | None:
    enrichment = placed.get(post_id or "")
    return enrichment.event_id if enrichment else None


# --- the service ------------------------------------------------------------------------------------------

log = logging.getLogger(__name__)

# Events are loaded with this limit; a county sees far fewer open events than this in one window.
EVENT_LOAD_LIMIT = 100_000
# Sources whose rumour risk is read again with their reactions, per batch (the rest wait for the next batch
# that brings a reaction of theirs).
CROWD_SOURCES_PER_BATCH = 200
# Reactions fetched per source batch when joining early reactions to their source's event, and how many
# generations (a comment on a repost of a source) one batch follows.
REACTION_LOAD_LIMIT = 10_000
REACTION_DEPTH = 4
EVENT_LOOKBACK = timedelta(days=3)        # events seen this recently are re-checked for alerts each round
ESCALATION_LOOKBACK = timedelta(days=1)   # older escalations predate this worker: nobody is told again
RESCORE_SUFFIX = ";rescore"               # never part of a stored model_version: see pending_version


@dataclass
class EnrichStats:
    """What one enrichment run did."""

    posts: int = 0
    batches: int = 0
    events_created: int = 0
    events_updated: int = 0
    events_deleted: int = 0
    seconds: float = 0.0
    model_version: str = ""

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


@dataclass
class RoundReport:
    """What one monitoring round or clock round did, for the worker's status line."""

    enrichment: EnrichStats | None = None
    recent_events: int = 0
    alerts_raised: int = 0
    clock_changes: int = 0
    notifications: NotifyReport = field(default_factory=NotifyReport)
    interrupted: bool = False

    def describe(self) -> str:
        """One line in Chinese for the worker's status (the console shows it)."""
        parts = []
        if self.enrichment is not None:
            parts.append(f"研判 {self.enrichment.posts} 条，近期事件 {self.recent_events} 个，新预警 "
                         f"{self.alerts_raised} 条")
        else:
            parts.append(f"回应时限变化 {self.clock_changes} 项")
        report = self.notifications
        parts.append(f"通知新增 {report.planned} 项、发出 {report.sent} 条、待重试 {report.retrying} 条、失败 "
                     f"{report.failed} 条")
        return "；".join(parts)


class _EventsOfRound:
    """The stored events a round has handed to its book, and which ones it already loaded."""

    def __init__(self, store: EventStore, book: EventBook, window: timedelta):
        self.store, self.book, self.window = store, book, window
        self.loaded_since: datetime | None = None
        self.known: dict[str, Event] = {}

    def load_for(self, posts: Sequence[Post]) -> None:
        """Load stored events that posts of this batch could join (those last seen within the window)."""
        since = min(p.published_at for p in posts) - self.window
        if self.loaded_since is not None and since >= self.loaded_since:
            return
        events = self.store.list_events(since=since, limit=EVENT_LOAD_LIMIT)
        for event in events:
            self.known.setdefault(event.id, event)
        self.book.add_events(events)
        self.loaded_since = since if self.loaded_since is None else min(since, self.loaded_since)


class MonitoringService:
    """The monitoring round over the stores, the analyser, the workflow and the notifier.

    Promises: every post not yet enriched by the analyser's ``model_version`` is enriched once, oldest fetched
    first, in batches; a batch's events are saved before its posts' enrichment, so a crash between the two
    re-enriches the batch on the next run and the book, finding each post already a member, does not count it
    twice. Alerts and notifications go through the workflow's services and the notifier only."""

    def __init__(self, posts: PostStore, events: EventStore, analyser: Analyser, workflow: Workflow,
                 clock: Clock, *, notifier: Notifier | None = None, batch_size: int = 200,
                 school_names: Mapping[str, str] | None = None, spread_analyst: SpreadAnalyst | None = None):
        self.posts, self.events, self.analyser, self.workflow = posts, events, analyser, workflow
        self.spread_analyst = spread_analyst
        self.clock, self.notifier, self.batch_size = clock, notifier, max(1, batch_size)
        self.school_names = dict(school_names or {})

    # --- enrichment

    def enrich(self, *, max_posts: int | None = None, batch_size: int | None = None,
               should_stop: Callable[[], bool] | None = None, rescore: bool = False,
               on_batch: Callable[[int], None] | None = None) -> EnrichStats:
        """Enrich every pending post (at most ``max_posts``, ``batch_size`` at a time, by default the service's)
        and update the events they belong to. ``should_stop`` is asked between batches: a worker shutting down
        finishes the batch in hand. ``rescore`` re-enriches every stored post, those already enriched by this
        version too; ``on_batch`` is told how many posts each batch held (a progress bar)."""
        stats = EnrichStats(model_version=self.analyser.model_version)
        started = time.monotonic()
        book = self.analyser.open_book()
        loaded = _EventsOfRound(self.events, book, self.analyser.event_window)
        size = max(1, batch_size or self.batch_size)
        for batch in self.posts.iter_unenriched(self.pending_version(rescore), batch_size=size):
            if (max_posts is not None and stats.posts >= max_posts) or (should_stop and should_stop()):
                break
            if max_posts is not None:
                batch = batch[:max_posts - stats.posts]
            self._enrich_batch(batch, book, loaded, stats)
            if on_batch:
                on_batch(len(batch))
            log.info("enriched %d posts (%d events new, %d updated)", stats.posts, stats.events_created,
                     stats.events_updated)
        stats.seconds = time.monotonic() - started
        return stats

    def pending_version(self, rescore: bool = False) -> str:
        """The version ``iter_unenriched`` compares with: posts not enriched by it are pending. To rescore, a
        version no post carries (the stores page by key, so every post comes exactly once)."""
        return self.analyser.model_version + (RESCORE_SUFFIX if rescore else "")

    def _enrich_batch(self, posts: list[Post], book: EventBook, loaded: _EventsOfRound, stats: EnrichStats) -> None:
        loaded.load_for(posts)
        now = self.clock.now()
        enrichments, touched = book.enrich(posts, now)
        self._save_events(touched, enrichments, book, loaded, now, stats)
        self.posts.write_enrichment(enrichments)
        stats.posts += len(posts)
        stats.batches += 1
        self._join_early_reactions(enrichments, book, loaded, now, stats)
        self._rescore_sources(posts, book, loaded, now, stats)

    def _rescore_sources(self, posts: Sequence[Post], book: EventBook, loaded: _EventsOfRound, now: datetime,
                         stats: EnrichStats) -> None:
        """Sources whose reposts, comments or replies arrived in this batch have their rumour risk read again
        with every reaction stored so far (the crowd's doubt and rebuttals), and their events re-summarised."""
        source_ids = sorted({p.parent_id for p in posts if p.parent_id})[:CROWD_SOURCES_PER_BATCH]
        updated: dict[str, Enrichment] = {}
        for source in self.posts.get_many(source_ids):
            if source.enrichment is None:
                continue
            reactions = self.posts.search(PostQuery(parent_ids=(source.id,)), limit=REACTION_LOAD_LIMIT).posts
            if not reactions:
                continue
            score, cues = book.crowd_rumour(source, reactions)
            updated[source.id] = replace(source.enrichment, rumour_score=score, rumour_cues=cues)
        if updated:
            self.posts.write_enrichment(updated)
            touched = {e.event_id for e in updated.values() if e.event_id and book.members(e.event_id)}
            self._save_events(touched, updated, book, loaded, now, stats)

    def _join_early_reactions(self, placed: Mapping[str, Enrichment], book: EventBook, loaded: _EventsOfRound,
                              now: datetime, stats: EnrichStats) -> None:
        """Reactions enriched before their source was placed in an event are placed again now that it is, so
        they join its event (and, generation by generation, the reactions to them)."""
        sources = {post_id for post_id, e in placed.items() if e.event_id}
        for _ in range(REACTION_DEPTH):
            if not sources:
                return
            waiting = [p for chunk in _chunks(sorted(sources), 500)
                       for p in self.posts.search(PostQuery(parent_ids=tuple(chunk)), limit=REACTION_LOAD_LIMIT).posts
                       if p.enrichment is not None and p.id not in placed
                       and p.enrichment.model_version == self.analyser.model_version]
            waiting = [p for p in waiting if p.enrichment.event_id != _event_of(placed, p.parent_id)]
            if not waiting:
                return
            loaded.load_for(waiting)
            enrichments, touched = book.enrich(waiting, now)
            self._save_events(touched, enrichments, book, loaded, now, stats)
            self.posts.write_enrichment(enrichments)
            placed = {**placed, **enrichments}
            sources = {post_id for post_id, e in enrichments.items() if e.event_id}

    def refresh_events(self) -> int:
        """Summarise again the recent events whose posts gained copies, reposts or engagement since they were
        summarised (a copy folded into an enriched post changes no enrichment, so no batch touches its event):
        volume, heat, grade and alerts follow. Returns how many events changed."""
        now = self.clock.now()
        book = self.analyser.open_book()
        changed = []
        for event in self.events.list_events(since=now - EVENT_LOOKBACK, limit=EVENT_LOAD_LIMIT):
            stored = self.posts.get_many(list(event.post_ids))
            members = [(p, p.enrichment) for p in stored if p.enrichment is not None]
            if not members:
                continue
            volume = sum(p.spread for p, _ in members)
            engagement = sum(p.engagement for p, _ in members)
            if (volume, engagement) == (event.post_count, event.engagement):
                continue
            changed.append(book.summarise(event.id, members, now, event))
        if changed:
            self.events.save_events(changed)
        return len(changed)

    def _save_events(self, touched: set[str], fresh: Mapping[str, Enrichment], book: EventBook,
                     loaded: _EventsOfRound, now: datetime, stats: EnrichStats) -> None:
        changed: list[Event] = []
        for event_id in sorted(touched):
            member_ids = book.members(event_id)
            stored = {p.id: p for p in (self.posts.get_many(member_ids) if member_ids else [])}
            members = [(stored[i], fresh.get(i) or stored[i].enrichment) for i in member_ids if i in stored]
            members = [(post, enrichment) for post, enrichment in members if enrichment is not None]
            previous = loaded.known.get(event_id)
            if not members:
                if previous is not None:
                    self.events.delete_event(event_id)
                    loaded.known.pop(event_id, None)
                    stats.events_deleted += 1
                continue
            event = book.summarise(event_id, members, now, previous)
            if previous is None:
                stats.events_created += 1
            else:
                stats.events_updated += 1
            loaded.known[event_id] = event
            changed.append(event)
        if changed:
            self.events.save_events(changed)

    # --- alerts and triggers

    def raise_alerts(self) -> tuple[int, list]:
        """Raise or refresh alerts from the events seen recently: (how many events were checked, new alerts)."""
        recent = self.events.list_events(since=self.clock.now() - EVENT_LOOKBACK, limit=1000)
        return len(recent), self.workflow.alerts.raise_from_events(recent)

    def major_alert_triggers(self) -> list[Trigger]:
        """One trigger per open alert of grade II or I (the ledger drops those already sent)."""
        return [self._major_trigger(alert) for alert in self.workflow.alerts.open_major()]

    def _major_trigger(self, alert) -> Trigger:
        t0 = alert.t0.astimezone(CHINA_TZ)
        grade = f"{alert.grade}级（{GRADE_NAMES.get(alert.grade, '')}）"
        schools = "、".join(self.school_names.get(s, s) for s in alert.schools) or "未识别"
        body = "\n".join([
            f"事件：{alert.title}", f"等级：{grade}", f"涉及学校：{schools}", f"首次发现：{t0:%Y-%m-%d %H:%M}",
            f"5小时信息发布截止：{t0 + timedelta(hours=5):%m-%d %H:%M}；24小时新闻发布会截止："
            f"{t0 + timedelta(hours=24):%m-%d %H:%M}",
            f"依据：{'；'.join(alert.rules) or '分级规则'}", "请登录舆情监测与回应台「预警审核」页处理。"])
        return Trigger(id=f"alert:{alert.id}:major", kind="alert_major",
                       title=f"【舆情预警·{alert.grade}级{GRADE_NAMES.get(alert.grade, '')}】{alert.title}", body=body)

    def hype_triggers(self) -> list[Trigger]:
        """One trigger per open alert whose event's spread looks coordinated (score at the alert line or above):
        the monitor and the propaganda department hear of suspected 恶意炒作 once, with the reasons."""
        if self.spread_analyst is None:
            return []
        triggers = []
        for alert in self.workflow.alerts.open_alerts():
            found = self.spread_analyst.evidence(alert.event_id)
            if not found or found.get("score", 0) < found.get("alert_line", 101):
                continue
            accounts = "、".join(str(a.get("name") or "匿名用户") for a in found.get("accounts", ())[:10])
            triggers.append(Trigger(
                id=f"alert:{alert.id}:hype", kind="hype_suspected", title=f"【疑似恶意炒作】{alert.title}",
                body="\n".join([f"事件：{alert.title}", f"协同度评分：{found['score']} 分（{found.get('verdict', '')}）",
                                f"依据：{'；'.join(found.get('reasons', ()))}", f"可疑账号：{accounts or '—'}",
                                "评分为线索提示，请登录舆情监测与回应台「事件」页核查，必要时在「移交处置」中移交。"])))
        return triggers

    def clock_triggers(self, changes: Iterable) -> list[Trigger]:
        """Triggers for clocks that reached 80 % or ran out, addressed also to the people the clock names."""
        triggers = []
        for change in changes:
            stage = str(change.new_stage)
            if stage not in ("warning_80", "overdue"):
                continue
            label = "即将到期" if stage == "warning_80" else "已超时"
            due = change.due_at.astimezone(CHINA_TZ)
            triggers.append(Trigger(
                id=f"clock:{change.clock_id}:{stage}", kind="clock_80" if stage == "warning_80" else "clock_overdue",
                title=f"【{label}】{CLOCK_NAMES.get(str(change.kind), '回应时限')}：{change.alert_title}",
                body=f"{change.message}\n截止时间：{due:%Y-%m-%d %H:%M}\n请登录舆情监测与回应台处理。",
                emails=tuple(self.workflow.users.emails_of(change.notify_user_ids))))
        return triggers

    def escalation_triggers(self) -> list[Trigger]:
        """One trigger per escalation opened within the last day."""
        triggers = []
        for case in self.workflow.escalations.created_since(self.clock.now() - ESCALATION_LOOKBACK):
            kind, target, status = (ESCALATION_NAMES.get(str(v), "未知") for v in (case.kind, case.target, case.status))
            triggers.append(Trigger(
                id=f"escalation:{case.id}:new", kind="escalation_new", title=f"【移交处置】{kind} → {target}",
                body=f"{case.summary}\n状态：{status}\n涉及帖文 {len(case.post_ids)} 条。"
                     "请登录舆情监测与回应台「升级处置」页处理。"))
        return triggers

    def _notify(self, triggers: list[Trigger]) -> NotifyReport:
        return self.notifier.notify(triggers) if self.notifier is not None else NotifyReport()

    # --- the two rounds the worker runs

    def enrichment_round(self, should_stop: Callable[[], bool] | None = None) -> RoundReport:
        """Enrich new posts, raise alerts from recent events, tell people about grave open alerts."""
        stats = self.enrich(should_stop=should_stop)
        self.refresh_events()
        checked, raised = self.raise_alerts()
        report = RoundReport(enrichment=stats, recent_events=checked, alerts_raised=len(raised),
                             interrupted=bool(should_stop and should_stop()))
        report.notifications = self._notify(self.major_alert_triggers() + self.hype_triggers())
        return report

    def clock_round(self) -> RoundReport:
        """Tick the response clocks; notify on 80 % and overdue, and on new escalations; retry what failed."""
        changes = self.workflow.clocks.tick(self.clock.now())
        report = RoundReport(clock_changes=len(changes))
        report.notifications = self._notify(self.clock_triggers(changes) + self.escalation_triggers())
        return report
