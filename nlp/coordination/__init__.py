"""Coordinated amplification (恶意炒作): signals, a per-event score 0–100, and the accounts behind them.

``analyse_event(posts)`` reads an event's spread as ``CascadePost`` records (``from_posts`` turns stored posts
into them) and answers a ``CoordinationReport``. Everything here is a pure function of its input: the
console, the alerts, the evidence pack and ``yuqing eval hype`` all call the same code.
"""

from nlp.coordination.model import (ALERT_LINE, METHOD_VERSION, AccountFinding, CascadePost, CoordinationReport,
                                    Signal)
from nlp.coordination.score import analyse_event
from nlp.coordination.signals import AccountHistory, account_history

__all__ = ["ALERT_LINE", "METHOD_VERSION", "AccountFinding", "CascadePost", "CoordinationReport", "Signal",
           "AccountHistory", "account_history", "analyse_event"]
