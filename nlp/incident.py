"""Incident type: the trained multi-label model (``nlp.incident_model``), explained by the lexicon's words.

``classify_incident(text)`` is what the pipeline calls. A post without a school context has no type; a type
the model learned from labelled real posts is given by its probability, one it had too few examples of by
its lexicon. Each type given lists the words that triggered it ("type:term"), or the model's probability
when no lexicon word did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nlp.incident_lexicon import LEXICON, OTHER, content_of
from nlp.incident_model import IncidentModel, shipped_incident_model
from nlp.text import clean

__all__ = ["LEXICON", "OTHER", "IncidentResult", "classify_incident", "classify_incidents"]


@dataclass(frozen=True)
class IncidentResult:
    types: tuple[str, ...]            # in the order of core.vocabulary.INCIDENT_TYPES
    terms: tuple[str, ...]            # "type:term" for every matched term, the explanation
    reason: str = ""


def classify_incidents(texts: Sequence[str], model: IncidentModel | None = None) -> list[IncidentResult]:
    """The incident types of each text, with the words (or probability) behind each. Never raises on text."""
    model = model or shipped_incident_model()
    cleaned = [clean(content_of(t)) if isinstance(t, str) else clean(t) for t in texts]
    readable = [c.text for c in cleaned if c.readable]
    scores = iter(model.score(readable))
    results = []
    for body in cleaned:
        if not body.readable:
            results.append(IncidentResult((), (), body.reason))
            continue
        score = next(scores)
        types = model.types(score)
        terms = []
        for kind in types:
            words = score.hits.get(kind) or [f"模型{score.probabilities.get(kind, 0.0):.2f}"]
            terms.extend(f"{kind}:{w}" for w in words)
        results.append(IncidentResult(tuple(types), tuple(terms)))
    return results


def classify_incident(text: str, model: IncidentModel | None = None) -> IncidentResult:
    """The incident types of one post (see ``classify_incidents``)."""
    return classify_incidents([text], model)[0]

