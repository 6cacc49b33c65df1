"""Incident types and crowd rumour risk on real posts: the shipped models on the held-out parts of our labels
and of the Weibo cascades (``../shared/data``; skipped when that folder is not here).

Prints per-type precision/recall and macro-F1 of the incident typer (and the recipe's cross-validated figure on
the training part, steadier than the held-out part's few posts of each rare type), and the crowd rumour model's accuracy at
the four checkpoints (source only, first 10 reactions, first hour, all)."""

from __future__ import annotations

from pathlib import Path

from nlp.crowd import shipped_crowd_model
from nlp.incident_model import shipped_incident_model
from nlp.training.cascades import read_cascades
from nlp.training.crowd import evaluate_checkpoints, split_cascades
from nlp.training.incident import cross_validate, measure, split_labelled
from nlp.training.incident_data import load_labelled

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CASCADES = SHARED / "weibo_events" / "cascades.tsv.gz"


def run(args) -> None:
    if not CASCADES.is_file():
        print(f"skipped: {CASCADES} is not here")
        return
    posts, left_out = load_labelled(SHARED)
    figures = measure(shipped_incident_model(), split_labelled(posts)[1])
    print(f"incident types, held-out labelled posts ({len(left_out)} labels left out as changed):")
    for f in figures.by_type:
        print(f"  {f.kind:<20} P={f.precision:.3f} R={f.recall:.3f} F1={f.f1:.3f} n={f.support}")
    print(f"  {figures.line()} (targets: macro_f1 0.75, recall 0.7)")
    pooled = cross_validate(posts, 5, {k: v for k, v in shipped_incident_model().manifest.config.items()
                                      if k != "heads"})
    print(f"  the same recipe cross-validated on the training part (5 folds by story): {pooled.line()}")
    held_out = split_cascades(read_cascades(CASCADES))[1]
    print(f"crowd rumour model, {len(held_out)} held-out cascades:")
    for name, scores in evaluate_checkpoints(shipped_crowd_model(), held_out):
        print(f"  {name}: {scores.line()}")
    print("  (targets: first 10 reactions 0.85, all 0.90)")
