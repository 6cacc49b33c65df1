"""NLP benchmark: full enrichment speed and the quality figures.

Speed: 10,000 synthetic posts (``bench.synthetic``) stored in a real SQLite post store, then
``enrich_pending`` (segmentation, schools, sentiment, rumour, incident type, event assignment, writes)
with the default models and with the transformer models (2,000 posts by default: they run at about a
tenth of the speed), beside the bare cost of jieba segmentation of
the same texts measured in the same run. Target: >= 300 posts/s with the default models.

Quality (when ``../shared/data`` exists): sentiment macro-F1 and rumour accuracy on the held-out dev split
(never trained on), the snownlp baseline, school-matching precision/recall on tests/nlp/data/schools.jsonl,
and the drill scenarios' event ARI and incident precision/recall.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.synthetic import PostFactory
from core.clock import ManualClock
from core.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TARGET_PER_SECOND = 300


def run(args: argparse.Namespace) -> None:
    options = _options(args)
    profile = load_profile()
    posts = [replace(p, enrichment=None) for p in PostFactory().batch(0, options.nlp_posts)]
    _speed(profile, posts, options)
    _quality(profile)


def _options(args: argparse.Namespace) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.nlp")
    parser.add_argument("--nlp-posts", type=int, default=10_000, help="posts to enrich (default 10000)")
    parser.add_argument("--nlp-transformer-posts", type=int, default=2_000,
                        help="posts to enrich with the transformer models (default 2000, to keep the run short)")
    known, _ = parser.parse_known_args(getattr(args, "rest", []) or [])
    return known


def _speed(profile, posts, options) -> None:
    from nlp.models import shipped_model_dir
    from nlp.pipeline import load_pipeline

    segmenter_pipeline = load_pipeline(profile)
    segment = segmenter_pipeline.segmenter
    segment("渠县")                                     # load jieba's dictionary outside the timing
    started = time.perf_counter()
    for post in posts:
        segment(post.title + post.text)
    bare = len(posts) / (time.perf_counter() - started)
    print(f"bare jieba segmentation: {bare:,.0f} posts/s over {len(posts):,} posts")
    rate = _enrich(segmenter_pipeline, posts, "default models")
    verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
    print(f"  -> {verdict} the target of {TARGET_PER_SECOND} posts/s; enrichment costs {bare / rate:.1f}x bare segmentation")
    folders = {t: shipped_model_dir(t, "transformer") for t in ("sentiment", "rumour")}
    if all(f.is_dir() for f in folders.values()):
        pipeline = load_pipeline(profile, folders["sentiment"], folders["rumour"])
        _enrich(pipeline, posts[:options.nlp_transformer_posts], "transformer models")
    else:
        print("transformer models: not shipped in nlp/models/*-transformer; skipped")


def _enrich(pipeline, posts, label: str) -> float:
    from infra.storage.event_store import SqliteEventStore
    from infra.storage.sqlite import SqlitePostStore
    from nlp.enrich import enrich_pending

    with tempfile.TemporaryDirectory(prefix="yuqing-bench-nlp-") as folder:
        store = SqlitePostStore(Path(folder) / "posts.db", segment=pipeline.segmenter)
        events = SqliteEventStore(Path(folder) / "events.db")
        try:
            for start in range(0, len(posts), 2_000):
                store.upsert_many(posts[start:start + 2_000])
            stats = enrich_pending(store, events, pipeline, ManualClock(posts[0].fetched_at), batch_size=500)
            count = len(events.list_events(limit=100_000))
        finally:
            store.close()
            events.close()
    print(f"full enrichment, {label} ({pipeline.model_version}): {stats.posts:,} posts in {stats.seconds:.1f} s "
          f"= {stats.posts_per_second:,.0f} posts/s; {count} events")
    return stats.posts_per_second


def _quality(profile) -> None:
    from nlp.evaluate import match_scores
    from nlp.pipeline import load_pipeline
    from nlp.scenario_eval import scenario_figures
    from nlp.schools import SchoolMatcher

    rows = [json.loads(line) for line in (ROOT / "tests" / "nlp" / "data" / "schools.jsonl").open(encoding="utf-8")]
    matcher = SchoolMatcher(profile)
    school = match_scores([r["schools"] for r in rows], [matcher.school_ids(r["text"]) for r in rows])
    print(f"school matching on {len(rows)} labelled posts: precision={school.precision:.3f} recall={school.recall:.3f} "
          f"(targets 0.95 / 0.90)")
    scenarios = sorted((ROOT / "infra" / "scenarios").glob("*.toml"))
    if scenarios:
        figures = scenario_figures(load_pipeline(profile), scenarios)
        print(f"scenarios ({figures['posts']} posts, {figures['events_true']} true events, {figures['events_found']} found): "
              f"event ARI={figures['ari']:.3f} (target 0.8); incident P={figures['incident_precision']:.3f} "
              f"R={figures['incident_recall']:.3f}; schools P={figures['school_precision']:.3f} "
              f"R={figures['school_recall']:.3f}; rumour accuracy={figures['rumour_accuracy']:.3f}")
    if not DATA.is_dir():
        print(f"{DATA} not found: sentiment and rumour figures skipped")
        return
    _classifier_quality()


def _classifier_quality() -> None:
    from nlp.classifiers import SnowNLPClassifier, load_classifier
    from nlp.evaluate import score
    from nlp.models import shipped_model_dir
    from nlp.train import read_tsv, split

    sets = {"sentiment": DATA / "sentiment" / "weibo_senti_dev.tsv", "rumour": DATA / "rumour" / "weibo_rumour_train.tsv"}
    for task, path in sets.items():
        _, dev = split(read_tsv(path))
        labels, texts = [r.label for r in dev], [r.text for r in dev]
        candidates = [shipped_model_dir(task), shipped_model_dir(task, "transformer")]
        for folder in candidates:
            if folder.is_dir():
                classifier = load_classifier(folder, task)
                scores = score(labels, classifier.predict_proba(texts))
                print(f"{task} dev split of {path.name} (emoticons stripped), {classifier.manifest.label}: {scores.line()}")
        if task == "sentiment":
            print(f"sentiment baseline snownlp: {score(labels, SnowNLPClassifier().predict_proba(texts)).line()}")
