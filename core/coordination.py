"""What the workflow needs from coordinated-amplification (恶意炒作) analysis, which NLP provides.

The escalation service asks a ``SpreadAnalyst`` for an event's analysis as a JSON-ready evidence document and
puts it in the evidence pack under the same hashed manifest; the analyst (``nlp.coordination.service``) is
wired in by the runtime. Without one, packs carry no analysis and say so.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol


class SpreadAnalyst(Protocol):
    def evidence(self, event_id: str) -> Mapping[str, Any] | None:
        """The event's coordination analysis as an evidence document (None for an unknown event):
        ``score``, ``method``, ``method_version``, ``reasons`` (Chinese), ``signals`` (each with its accounts,
        posts and measurements), ``accounts`` (the flagged ones, with their posts and times) and ``explanation``
        (Chinese paragraphs for the police liaison)."""
        ...
