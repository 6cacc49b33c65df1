"""``yuqing eval hype``: account-level precision and recall of the coordination analysis on a labelled
cascade file, and how many organic events score above the alert line. Same code path as production:
``analyse_event`` per event, with the cross-event history of every event in the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.coordination.cascades import by_event, read_cascades
from nlp.coordination.model import ALERT_LINE, CoordinationReport
from nlp.coordination.score import analyse_event
from nlp.coordination.signals import account_history
from nlp.coordination.text import own_wording


@dataclass(frozen=True)
class HypeScores:
    precision: float
    recall: float
    accounts: int                 # distinct accounts in the file
    campaign_accounts: int
    flagged_accounts: int
    campaign_events: int
    campaign_events_alerted: int
    organic_events: int
    organic_events_alerted: int
    by_shape: dict[str, tuple[int, int, int]]     # shape -> (events, events above the line, accounts recalled %)

    @property
    def organic_alert_rate(self) -> float:
        return self.organic_events_alerted / self.organic_events if self.organic_events else 0.0

    def lines(self) -> list[str]:
        shapes = [f"shape {name}: events={n} above_line={above} account_recall={recall}%"
                  for name, (n, above, recall) in sorted(self.by_shape.items())]
        return [*shapes,
            f"events={self.campaign_events + self.organic_events} campaign_events={self.campaign_events} "
            f"alerted={self.campaign_events_alerted}",
            f"organic_events={self.organic_events} above_line={self.organic_events_alerted} "
            f"rate={self.organic_alert_rate:.3f} (alert line {ALERT_LINE})",
            f"campaign_accounts={self.campaign_accounts} flagged_accounts={self.flagged_accounts}",
            f"precision={self.precision:.3f} recall={self.recall:.3f} n={self.accounts}",
        ]


def evaluate_file(path: str | Path) -> tuple[HypeScores, dict[str, CoordinationReport]]:
    events = by_event(read_cascades(path))
    every = [row.post for rows in events.values() for row in rows]
    history = account_history(every, [own_wording(p.text) for p in every])
    reports = {event_id: analyse_event([r.post for r in rows], event_id, history)
               for event_id, rows in events.items()}
    truth = {r.post.account for rows in events.values() for r in rows if r.coordinated}
    flagged = set().union(*(r.flagged_accounts for r in reports.values())) if reports else set()
    campaign_events = {e for e, rows in events.items() if any(r.coordinated for r in rows)}
    hits = len(truth & flagged)
    scores = HypeScores(
        precision=hits / len(flagged) if flagged else 1.0,
        recall=hits / len(truth) if truth else 1.0,
        accounts=len({p.account for p in every}), campaign_accounts=len(truth), flagged_accounts=len(flagged),
        campaign_events=len(campaign_events),
        campaign_events_alerted=sum(reports[e].above_alert_line for e in campaign_events),
        organic_events=len(events) - len(campaign_events),
        organic_events_alerted=sum(r.above_alert_line for e, r in reports.items() if e not in campaign_events),
        by_shape=_by_shape(events, reports, flagged))
    return scores, reports


def _by_shape(events, reports, flagged: set[str]) -> dict[str, tuple[int, int, int]]:
    """Per injected shape (and hard case): events, how many scored above the line, and account recall."""
    shapes: dict[str, tuple[set[str], set[str]]] = {}
    for event_id, rows in events.items():
        for row in rows:
            if row.shape:
                ids, accounts = shapes.setdefault(row.shape, (set(), set()))
                ids.add(event_id)
                if row.coordinated:
                    accounts.add(row.post.account)
    out = {}
    for shape, (ids, accounts) in shapes.items():
        recall = round(100 * len(accounts & flagged) / len(accounts)) if accounts else 0
        out[shape] = (len(ids), sum(reports[e].above_alert_line for e in ids), recall)
    return out
