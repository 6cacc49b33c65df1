"""The coordination analysis of stored events: the console's spread view and the evidence pack call this.

``CoordinationAnalyst.report(event_id)`` reads the event's posts (reposts, comments and folded copies included)
and, for the cross-event signal, the posts of the most recent other events, bounded so one analysis stays
well under a second on a county's store.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from core.clock import CHINA_TZ
from core.event import EventStore
from core.storage import PostStore
from core.vocabulary import COORDINATION_SIGNAL_NAMES
from nlp.coordination import signals as sig
from nlp.coordination.model import ALERT_LINE, METHOD_VERSION, CoordinationReport
from nlp.coordination.posts import cascade_posts
from nlp.coordination.score import SIGNAL_WEIGHTS, analyse_event
from nlp.coordination.text import own_wording

HISTORY_EVENTS = 50          # recent other events read for the cross-event signal
MAX_POSTS = 20_000           # posts read per analysis (the event's own first)
POST_TEXT_SHOWN = 200        # characters of a post's text quoted in the evidence


class CoordinationAnalyst:
    def __init__(self, posts: PostStore, events: EventStore):
        self.posts, self.events = posts, events

    def report(self, event_id: str) -> CoordinationReport | None:
        event = self.events.get_event(event_id)
        if event is None:
            return None
        own = cascade_posts(self.posts.get_many(list(event.post_ids[:MAX_POSTS])), event_id)
        return analyse_event(own, event_id, self._history(event_id, MAX_POSTS - len(own)))

    def _history(self, event_id: str, budget: int) -> sig.AccountHistory:
        others = []
        for other in self.events.list_events(limit=HISTORY_EVENTS):
            if other.id == event_id or budget <= 0:
                continue
            ids = list(other.post_ids[:budget])
            budget -= len(ids)
            others += cascade_posts(self.posts.get_many(ids), other.id)
        return sig.account_history(others, [own_wording(p.text) for p in others])

    def evidence(self, event_id: str) -> dict[str, Any] | None:
        report = self.report(event_id)
        return None if report is None else evidence_document(report)


def evidence_document(report: CoordinationReport) -> dict[str, Any]:
    """The analysis as the evidence pack carries it: every figure, account, post and time, and how to read it."""
    flagged = set(report.flagged_post_ids)
    return {
        "method": "协同传播（恶意炒作）分析", "method_version": METHOD_VERSION, "event_id": report.event_id,
        "score": report.score, "alert_line": ALERT_LINE,
        "verdict": "疑似有组织炒作" if report.above_alert_line else "未见明显协同炒作迹象",
        "posts_analysed": report.posts_analysed, "accounts_analysed": report.accounts_analysed,
        "reasons": list(report.reasons),
        "signals": [{"code": s.code, "name": COORDINATION_SIGNAL_NAMES.get(s.code, s.code), "summary": s.summary,
                     "strength": s.strength, "weight": SIGNAL_WEIGHTS[s.code], "measurements": s.measurements,
                     "accounts": list(s.accounts), "post_ids": list(s.post_ids)} for s in report.signals],
        "accounts": [{"account": f.account, "name": f.author_name, "posts": f.posts, "followers": f.followers,
                      "signals": [COORDINATION_SIGNAL_NAMES.get(c, c) for c in f.signals],
                      "first_post_at": _time(f.first_at)} for f in report.flagged],
        "flagged_posts": sorted(flagged),
        "explanation": explanation(report),
    }


def explanation(report: CoordinationReport) -> list[str]:
    """Chinese paragraphs for the police liaison: what was measured, what it shows and what it does not."""
    return [
        f"本分析对该事件的 {report.posts_analysed} 条信息（含转发、评论及其他平台的近似转载）、"
        f"{report.accounts_analysed} 个账号进行协同传播检测，方法版本 {METHOD_VERSION}。",
        "检测项目包括：短时间内多个账号发布相同或仅替换个别字词的文字；账号在事件前成批注册；"
        "同一账号在多个不相关事件中发布相同文字；低粉丝账号被异常放大；发布时间明显密于整体传播节奏；"
        "相同文字在多个平台短时间内相继出现。机构认证账号与新闻网站转发官方通报不计入。",
        f"协同度评分为 {report.score} 分（满分 100，{ALERT_LINE} 分及以上提示疑似有组织炒作），"
        f"共识别可疑账号 {len(report.flagged)} 个、相关信息 {len(report.flagged_post_ids)} 条。",
        "评分为线索提示，不能替代调查取证；账号、信息编号与发布时间均可在平台原始页面及本证据包的原始数据中逐条核对。",
    ]


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(CHINA_TZ).isoformat(timespec="seconds")
