"""NLP benchmark: full enrichment speed and the quality figures.

Speed: 10,000 synthetic posts (``bench.synthetic``) stored in a real SQLite post store of a deployment in a
temporary folder, then the monitoring service's enrichment as the worker runs it (segmentation, schools,
sentiment, rumour, incident type, event assignment, writes to the post store and the state database), with
the default models and with the transformer models (2,000 posts by default: they run at about a tenth of the
speed), beside the bare cost of jieba segmentation of the same texts measured in the same run. Target: >= 300
posts/s with the default models.

Quality (when ``../shared/data`` exists): sentiment macro-F1 and rumour accuracy on the held-out dev split
(never trained on), the snownlp baseline, three-class sentiment on the held-out part of our labelled posts, sentiment on a kind of review never
trained on, school-matching precision/recall on tests/nlp/data/schools.jsonl,
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
from core.settings import load_settings
from infra.runtime import open_runtime
from nlp.classifiers import load_classifier
from nlp.classifiers.baseline import SnowNLPClassifier
from nlp.models import shipped_model_dir
from nlp.pipeline import load_neutral, load_pipeline
from nlp.scenario_eval import scenario_figures
from nlp.schools import SchoolMatcher
from nlp.segment import make_segmenter
from nlp.training.data import read_tsv, split
from nlp.training.evaluate import match_scores, score
from nlp.training.neutral import measure_three_class
from nlp.training.distant import write_distant_labels
from nlp.training.review_domains import pooled, unseen_domain_scores
from nlp.training.sentiment_labels import load_sentiment_labelled, polar_training_rows

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TARGET_PER_SECOND = 300
TRANSFORMER_TARGET_PER_SECOND = 150


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
    segment = make_segmenter(profile)
    segment("渠县")                                     # load jieba's dictionary outside the timing
    started = time.perf_counter()
    for post in posts:
        segment(post.title + post.text)
    bare = len(posts) / (time.perf_counter() - started)
    print(f"bare jieba segmentation: {bare:,.0f} posts/s over {len(posts):,} posts")
    rate = _enrich(posts, "default models", {})
    verdict = "meets" if rate >= TARGET_PER_SECOND else "MISSES"
    print(f"  -> {verdict} the target of {TARGET_PER_SECOND} posts/s; enrichment costs {bare / rate:.1f}x bare segmentation")
    folders = {t: shipped_model_dir(t, "transformer") for t in ("sentiment", "rumour")}
    if all(f.is_dir() for f in folders.values()):
        rate = _enrich(posts[:options.nlp_transformer_posts], "transformer models (onnxruntime)",
                       {"sentiment_model": str(folders["sentiment"]), "rumour_model": str(folders["rumour"])})
        verdict = "meets" if rate >= TRANSFORMER_TARGET_PER_SECOND else "MISSES"
        print(f"  -> {verdict} the target of {TRANSFORMER_TARGET_PER_SECOND} posts/s with transformer models")
    else:
        print("transformer models: not shipped in nlp/models/*-transformer; skipped")


def _enrich(posts, label: str, models: dict[str, str]) -> float:
    """The worker's enrichment over a fresh deployment holding ``posts``: posts/s."""
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-nlp-") as folder:
        # A config file name that does not exist: a ./yuqing.toml of the checkout must not leak in.
        settings = load_settings(environ={"YUQING_CONFIG": str(Path(folder) / "-.toml")},
                                 overrides={"data_dir": folder, **models})
        with open_runtime(settings, clock=ManualClock(posts[0].fetched_at)) as runtime:
            for start in range(0, len(posts), 2_000):
                runtime.posts.upsert_many(posts[start:start + 2_000])
            runtime.analyser                                    # models loaded outside the timing
            stats = runtime.monitoring.enrich(batch_size=500)
            count = len(runtime.events.list_events(limit=100_000))
    print(f"full enrichment, {label} ({stats.model_version}): {stats.posts:,} posts in {stats.seconds:.1f} s "
          f"= {stats.posts_per_second:,.0f} posts/s; {count} events")
    return stats.posts_per_second


def _quality(profile) -> None:
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
    _three_class_quality()
    _review_domain_quality()


def _review_domain_quality() -> None:
    """Reviews of a kind the sentiment recipe never trained on (``yuqing eval review-domains``, distant labels
    written afresh from the cascades as the shipped model's were)."""
    cascades = DATA / "weibo_events" / "cascades.tsv.gz"
    weibo, reviews = DATA / "sentiment" / "weibo_senti_dev.tsv", DATA / "sentiment" / "chnsenticorp_train.tsv"
    if not (cascades.is_file() and reviews.is_file()):
        print("cascades or ChnSentiCorp not found: the unseen review kind figure is skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        distant = Path(folder) / "distant.tsv"
        write_distant_labels([cascades], distant, exclude=[r.text for r in split(read_tsv(weibo))[1]])
        base = split(read_tsv(weibo) + read_tsv(distant))[0]
    examples, _ = load_sentiment_labelled(DATA)
    figures = unseen_domain_scores(base + polar_training_rows(examples), read_tsv(reviews))
    kinds = ", ".join(f"{f.domain} {f.scores.macro_f1:.3f}" for f in figures)
    mean = pooled(figures).macro_f1
    print(f"sentiment on a kind of review never trained on (the shipped recipe less that kind): macro-F1 {kinds}; "
          f"mean {mean:.3f} (target 0.85: {'met' if mean >= 0.85 else 'NOT met'})")


def _three_class_quality() -> None:
    """Three classes (负面/中性/正面) on the held-out part of our labelled real posts, the enrichment path."""
    examples, _ = load_sentiment_labelled(DATA)
    held_out = [e for e in examples if e.held_out]
    polarity = load_classifier(shipped_model_dir("sentiment"), "sentiment")
    with_neutral = measure_three_class(polarity, load_neutral(), held_out)
    alone = measure_three_class(polarity, None, held_out)
    f1 = with_neutral.f1_by_label
    print(f"sentiment, three classes, {len(held_out)} held-out labelled posts: {with_neutral.line()} (负面 "
          f"{f1['negative']:.3f}, 中性 {f1['neutral']:.3f}, 正面 {f1['positive']:.3f}); polarity model alone: "
          f"{alone.line()}")
