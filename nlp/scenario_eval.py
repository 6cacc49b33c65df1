"""Measuring the pipeline on the drill scenarios' ground truth (``infra/scenarios/*.toml``).

Each scenario post carries its true schools, incident types, rumour flag and event. Posts are built the way
the crawlers store them and nothing is filled in: a repost with words of its own names its source by
``Post.parent_id`` (relation ``repost``) as the Weibo spider does, and a near-copy (``copy_of``) is attached
to its original's ``copies`` instead of being a post of its own. They are placed by the same ``ClusterBook``
a monitoring round uses (the live figures, through a drill, are in ``bench/real_scenarios.py``).
Figures: adjusted Rand index of the events (posts outside any event count as singletons on both sides),
micro precision/recall of incident types and of schools, and rumour accuracy.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Iterable, Sequence

from core.post import Enrichment, Post, PostCopy, parse_time
from nlp.pipeline import Pipeline
from nlp.training.evaluate import adjusted_rand_index, match_scores


@dataclass(frozen=True)
class TruePost:
    key: str
    post: Post
    event: str
    schools: tuple[str, ...]
    incident_types: tuple[str, ...]
    rumour: bool


def load_scenario_posts(path: str | Path) -> list[TruePost]:
    """The scenario's posts with their ground truth, near-copies folded into their originals."""
    path = Path(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    scenario = data["scenario"]
    start = parse_time(scenario["start"], "start")
    by_key: dict[str, TruePost] = {}
    order: list[str] = []
    for item in data.get("posts", []):
        at = start + timedelta(minutes=float(item["at_min"]))
        parent = by_key.get(item.get("repost_of", ""))
        post = Post(id=f"{scenario['id']}:{item['key']}", source=item["platform"], platform=item["platform"],
                    url=f"http://sim.local/{scenario['id']}/{item['key']}", published_at=at, fetched_at=at,
                    text=item["text"], title=item.get("title", ""), author=item.get("author", ""),
                    reposts=int(item.get("reposts", 0)), comments=int(item.get("comments", 0)),
                    likes=int(item.get("likes", 0)), parent_id=parent.post.id if parent else None,
                    relation="repost" if parent else "")
        truth = TruePost(item["key"], post, item.get("event", ""), tuple(item.get("schools", ())),
                         tuple(item.get("incident_types", ())), bool(item.get("rumour", False)))
        original = by_key.get(item.get("copy_of", ""))
        if original is not None:
            copies = original.post.copies + (PostCopy(item["platform"], post.url, post.author, at),)
            by_key[original.key] = replace(original, post=replace(original.post, copies=copies))
            continue
        by_key[item["key"]] = truth
        order.append(item["key"])
    return [by_key[k] for k in order]


def cluster(pipeline: Pipeline, posts: Sequence[Post]) -> dict[str, Enrichment]:
    """Each post's enrichment (its event and its schools in the event's context) as a monitoring round that
    found the posts in publication order would write it."""
    ordered = sorted(posts, key=lambda p: (p.published_at, p.id))
    if not ordered:
        return {}
    enrichments, _ = pipeline.open_book().enrich(ordered, ordered[-1].published_at)
    return enrichments


def scenario_figures(pipeline: Pipeline, paths: Iterable[str | Path]) -> dict[str, float]:
    """ARI, incident P/R, school P/R and rumour accuracy over every post of the given scenarios."""
    truths = [t for path in sorted(map(Path, paths)) for t in load_scenario_posts(path)]
    if not truths:
        return {}
    found = cluster(pipeline, [t.post for t in truths])
    true_labels = [t.event or f"noise:{t.post.id}" for t in truths]
    found_labels = [found[t.post.id].event_id or f"none:{t.post.id}" for t in truths]
    incidents = match_scores([t.incident_types for t in truths], [found[t.post.id].incident_types for t in truths])
    schools = match_scores([t.schools for t in truths], [found[t.post.id].schools for t in truths])
    rumour_right = sum(((found[t.post.id].rumour_score or 0.0) >= 0.5) == t.rumour for t in truths)
    return {
        "posts": len(truths), "events_true": len({t.event for t in truths if t.event}),
        "events_found": len({e.event_id for e in found.values() if e.event_id}),
        "ari": adjusted_rand_index(true_labels, found_labels),
        "incident_precision": incidents.precision, "incident_recall": incidents.recall,
        "school_precision": schools.precision, "school_recall": schools.recall,
        "rumour_accuracy": rumour_right / len(truths),
    }
