"""Coordinated amplification (恶意炒作): the held-out evaluation of ``yuqing eval hype`` and the analysis speed.

When ``../shared/data/weibo_events/cascades.tsv.gz`` exists: 250 events of the held-out (test) split of the real
cascades, campaigns of seven shapes injected into 40 % of them and an official-notice hard case into 10 %, written
to a temporary file (the data's rows never enter the repository), then scored by the same code as production.
Prints the per-shape lines, account-level precision and recall, the share of organic events above the alert line,
and posts analysed per second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nlp.coordination.campaigns import build_eval
from nlp.coordination.evaluation import evaluate_file

ROOT = Path(__file__).resolve().parents[1]
CASCADES = ROOT.parent / "shared" / "data" / "weibo_events" / "cascades.tsv.gz"
HELD_OUT_EVENTS = 250
SEED = 11


def run(args: argparse.Namespace) -> None:
    if not CASCADES.exists():
        print(f"skipped: {CASCADES} is not here (the shared Weibo cascades are needed for the hype evaluation)")
        return
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "hype-test.tsv"
        started = time.perf_counter()
        counts = build_eval(CASCADES, data, split="test", events=HELD_OUT_EVENTS, seed=SEED)
        print(f"built the held-out file in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{k}={v}" for k, v in counts.items()))
        started = time.perf_counter()
        scores, reports = evaluate_file(data)
        seconds = time.perf_counter() - started
    posts = sum(r.posts_analysed for r in reports.values())
    print(f"analysed {posts} posts of {len(reports)} events in {seconds:.1f} s ({posts / seconds:.0f} posts/s, "
          f"reading and cross-event history included)")
    for line in scores.lines():
        print(line)
