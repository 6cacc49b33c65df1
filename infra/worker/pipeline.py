"""What the worker's enrichment and clock jobs do, composed from the other areas' services: NLP enrichment
(``nlp.enrich.enrich_pending``), events (the event store), alerts, clocks and escalations (the workflow),
notifications (``infra.notify``) and the ingest spool.

Each round opens its stores and closes them again, so an outage of one round costs that round only.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable

from core.clock import CHINA_TZ, Clock
from core.errors import ConfigurationError
from core.event import GRADE_NAMES

log = logging.getLogger(__name__)

MAJOR_GRADES = ("II", "I")
EVENT_LOOKBACK = timedelta(days=3)       # events seen this recently are re-checked for alerts each round
ESCALATION_LOOKBACK = timedelta(days=1)  # older escalations predate this worker: nobody is told again


def check_ready(settings, clock: Clock) -> None:
    """Open everything a round needs once, so a broken model folder or database stops the worker at start."""
    from infra.worker.service import load_worker_profile

    load_worker_profile(settings)
    _nlp_pipeline(settings, {})
    workflow = _open_workflow(settings, clock)
    workflow.close()


def _nlp_pipeline(settings, state: dict[str, Any]):
    """The NLP pipeline the settings describe, loaded once per worker (models are read from disk)."""
    if "nlp" not in state:
        from nlp.pipeline import load_pipeline

        from infra.worker.service import load_worker_profile

        state["nlp"] = load_pipeline(load_worker_profile(settings), settings["sentiment_model"],
                                     settings["rumour_model"], settings)
    return state["nlp"]


def _open_workflow(settings, clock: Clock, **stores):
    """The workflow services. Unless a post store is given, the post store is opened only when a service
    needs it (evidence packs, reports), so clocks and notifications go on while Elasticsearch is down."""
    from infra.storage.spool import open_spooled_post_store
    from infra.workflow_db import open_workflow

    if "post_store" in stores:
        return open_workflow(settings, clock, **stores)
    lazy = open_spooled_post_store(settings)
    workflow = open_workflow(settings, clock, post_store=lazy, **stores)
    workflow.on_close.append(lazy.close)
    return workflow


def _open_stores(settings, stack: ExitStack):
    from infra.storage import open_event_store, open_post_store

    store = open_post_store(settings)
    stack.callback(store.close)
    events = open_event_store(settings)
    if hasattr(events, "close"):
        stack.callback(events.close)
    return store, events


def notifier_for(runtime):
    """The worker's notifier; its directory is the workflow's active users with an e-mail."""
    if "notifier" not in runtime.state:
        from infra.notify import Contact, open_notifier

        def directory() -> Iterable[Contact]:
            from core.workflow.model import User

            workflow = _open_workflow(runtime.settings, runtime.clock)
            try:
                return [Contact(str(u.role), u.email) for u in workflow.repo.find(User, active=True) if u.email]
            finally:
                workflow.close()

        notifier = open_notifier(runtime.settings, directory=directory)
        notifier.ledger.recover_interrupted()
        runtime.state["notifier"] = notifier
    return runtime.state["notifier"]


def enrich_round(runtime) -> tuple[str, str]:
    """Enrich new posts batch by batch (stopping between batches at shutdown), then raise alerts from the
    events seen recently, then tell people about new grade II/I alerts."""
    from nlp.enrich import enrich_pending

    settings, clock = runtime.settings, runtime.clock
    with ExitStack() as stack:
        store, events = _open_stores(settings, stack)
        # Asked between batches: at shutdown the batch in hand is finished, the rest handed back.
        stats = enrich_pending(store, events, _nlp_pipeline(settings, runtime.state), clock,
                               batch_size=int(settings["enrich_batch_size"]), should_stop=runtime.stop.is_set)
        workflow = _open_workflow(settings, clock, post_store=store, event_store=events)
        stack.callback(workflow.close)
        recent = events.list_events(since=clock.now() - EVENT_LOOKBACK, limit=1000)
        raised = workflow.alerts.raise_from_events(recent)
        triggers = major_alert_triggers(workflow)
    report = notifier_for(runtime).notify(triggers)
    outcome = "interrupted" if runtime.stop.is_set() else "ok"
    return outcome, (f"{_describe_stats(stats)}; {len(recent)} recent events, {len(raised)} new alerts; "
                     f"{report.planned} notifications planned, {report.sent} sent")


def _describe_stats(stats: Any) -> str:
    posts = getattr(stats, "posts", None)
    if posts is None and isinstance(stats, dict):
        posts = stats.get("posts")
    return f"{posts if posts is not None else '?'} posts enriched"


def major_alert_triggers(workflow) -> list:
    """One trigger per alert of grade II or I (the ledger drops those already sent)."""
    from core.workflow.model import Alert
    from infra.notify import Trigger

    triggers = []
    for alert in workflow.repo.find(Alert, grade=MAJOR_GRADES):
        if str(alert.state) in ("dismissed", "closed"):
            continue
        t0 = alert.t0.astimezone(CHINA_TZ)
        body = "\n".join([
            f"事件：{alert.title}",
            f"等级：{alert.grade}级（{GRADE_NAMES.get(alert.grade, '')}）",
            f"涉及学校：{'、'.join(alert.schools) or '未识别'}",
            f"首次发现：{t0:%Y-%m-%d %H:%M}",
            f"5小时信息发布截止：{t0 + timedelta(hours=5):%m-%d %H:%M}；24小时新闻发布会截止："
            f"{t0 + timedelta(hours=24):%m-%d %H:%M}",
            f"依据：{'；'.join(alert.rules) or '分级规则'}",
            "请登录舆情监测与回应台「预警审核」页处理。"])
        triggers.append(Trigger(id=f"alert:{alert.id}:major", kind="alert_major",
                                title=f"【舆情预警·{alert.grade}级{GRADE_NAMES.get(alert.grade, '')}】{alert.title}",
                                body=body))
    return triggers


def clock_round(runtime) -> tuple[str, str]:
    """Tick the response clocks; notify on 80 % and overdue, and on new escalations; retry notifications
    that failed; replay the ingest spool if the store is back."""
    settings, clock = runtime.settings, runtime.clock
    workflow = _open_workflow(settings, clock)
    try:
        changes = workflow.clocks.tick(clock.now())
        triggers = clock_triggers(workflow, changes) + escalation_triggers(workflow, clock)
    finally:
        workflow.close()
    report = notifier_for(runtime).notify(triggers)
    replayed = replay_spool(settings)
    return "ok", (f"{len(changes)} clock changes; {report.planned} notifications planned, {report.sent} sent, "
                  f"{report.retrying} to retry, {report.failed} failed; {replayed} spooled batches replayed")


def clock_triggers(workflow, changes) -> list:
    from core.workflow.model import CLOCK_NAMES, User
    from infra.notify import Trigger

    triggers = []
    for change in changes:
        stage = str(change.new_stage)
        if stage not in ("warning_80", "overdue"):
            continue
        users = [workflow.repo.get(User, uid) for uid in change.notify_user_ids]
        label = "即将到期" if stage == "warning_80" else "已超时"
        due = change.due_at.astimezone(CHINA_TZ)
        triggers.append(Trigger(
            id=f"clock:{change.clock_id}:{stage}", kind="clock_80" if stage == "warning_80" else "clock_overdue",
            title=f"【{label}】{CLOCK_NAMES.get(str(change.kind), str(change.kind))}：{change.alert_title}",
            body=f"{change.message}\n截止时间：{due:%Y-%m-%d %H:%M}\n请登录舆情监测与回应台处理。",
            emails=tuple(u.email for u in users if u is not None and u.email)))
    return triggers


def escalation_triggers(workflow, clock: Clock) -> list:
    from core.workflow.model import ESCALATION_NAMES, Escalation
    from infra.notify import Trigger

    since = clock.now() - ESCALATION_LOOKBACK
    triggers = []
    for case in workflow.repo.find(Escalation):
        if case.created_at < since:
            continue
        triggers.append(Trigger(
            id=f"escalation:{case.id}:new", kind="escalation_new",
            title=f"【移交处置】{ESCALATION_NAMES.get(str(case.kind), str(case.kind))} → "
                  f"{ESCALATION_NAMES.get(str(case.target), str(case.target))}",
            body=f"{case.summary}\n状态：{ESCALATION_NAMES.get(str(case.status), str(case.status))}\n"
                 f"涉及帖文 {len(case.post_ids)} 条。请登录舆情监测与回应台「升级处置」页处理。"))
    return triggers


def replay_spool(settings) -> int:
    """Hand spooled batches to the store once it answers again."""
    from infra.storage.spool import SpoolingPostStore, spool_path

    folder = spool_path(settings)
    if not folder.is_dir() or not any(folder.glob("segment-*.jsonl")):
        return 0
    from infra.storage import open_post_store

    store = open_post_store(settings)
    try:
        inner = store.inner if isinstance(store, SpoolingPostStore) else store
        return SpoolingPostStore(inner, folder).replay()
    finally:
        store.close()


def daily_report(runtime) -> tuple[str, str]:
    """Yesterday's daily report (舆情日报), written as Markdown and DOCX under ``<data_dir>/reports``."""
    from core.workflow.access import Permission, allowed
    from core.workflow.model import User

    settings, clock = runtime.settings, runtime.clock
    with ExitStack() as stack:
        store, events = _open_stores(settings, stack)
        workflow = _open_workflow(settings, clock, post_store=store, event_store=events)
        stack.callback(workflow.close)
        signer = next((u for u in workflow.repo.find(User, active=True, order_by="username")
                       if allowed(u.role, Permission.REPORT) and str(u.role) in ("admin", "leader")), None)
        if signer is None:
            raise ConfigurationError("no active admin or leader user to write the daily report as; "
                                     "add one with `yuqing users add`")
        day = (clock.now().astimezone(CHINA_TZ) - timedelta(days=1)).date()
        report = workflow.reports.daily(signer, day)
    folder = Path(settings["data_dir"]) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"daily-{day}.md").write_text(report.markdown, encoding="utf-8")
    (folder / f"daily-{day}.docx").write_bytes(report.docx)
    return "ok", f"daily report for {day} written to {folder}"
