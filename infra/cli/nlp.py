"""``yuqing train``, ``yuqing eval``, ``yuqing enrich``: train and measure the classifiers, enrich the store
(``--rescore``: every stored post again, with a progress bar)."""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from core.errors import InvalidInput
from core.settings import Settings
from core.vocabulary import SENTIMENTS, incident_name
from infra.cli.hype import run_eval_hype
from infra.runtime import Runtime
from nlp.crowd import CrowdRumourModel
from nlp.classifiers import load_classifier
from nlp.incident_model import IncidentModel
from nlp.models import read_manifest, shipped_model_dir
from nlp.training.cascades import read_cascades, read_jsonl, sniff_jsonl, write_jsonl
from nlp.training.crowd import evaluate_checkpoints, split_cascades, train_crowd
from nlp.training.data import read_tsv, split
from nlp.events import RUMOUR_FLAG
from nlp.training.evaluate import evaluate_folder, production_rumour_scores
from nlp.training.incident import cross_validate, measure, split_labelled, train_incident
from nlp.pipeline import load_neutral
from nlp.training.incident_data import LABELS_FILE, load_labelled
from nlp.training.neutral import measure_three_class, train_neutral
from nlp.training.review_domains import pooled, unseen_domain_scores
from nlp.training.sentiment_labels import (POLAR_WEIGHT, SENTIMENT_LABELS_FILE, load_sentiment_labelled,
                                           polar_training_rows)
from nlp.training.train import train_model

SHARED_DATA = Path("../shared/data")
CASCADES = SHARED_DATA / "weibo_events" / "cascades.tsv.gz"


def register(subparsers) -> None:
    train = subparsers.add_parser("train", help="train a sentiment, rumour or incident-type model",
                                  description="Train on the train split of the files (a hash of each text keeps "
                                              "20%% aside) and write the model folder with its dev-split figures. "
                                              "rumour --kind crowd reads the cascades file (source posts and "
                                              "their reactions, split by event); incident and neutral (the "
                                              "third sentiment class, 中性) read our labels (--labels) and the "
                                              "shared data folder (--data).")
    train.add_argument("task", choices=("sentiment", "rumour", "incident", "neutral"))
    train.add_argument("--data", action="append", metavar="FILE.tsv",
                       help="TSV with a header and columns label (1 = positive / rumour) and text; repeatable. "
                            "rumour --kind crowd: the cascades file (default ../shared/data/weibo_events/"
                            "cascades.tsv.gz); incident, neutral: the shared data folder (default ../shared/data)")
    train.add_argument("--labels", metavar="FILE.tsv", default=None,
                       help="incident, neutral: the labels file (default: the shipped nlp/data/incident_labels.tsv "
                            "or nlp/data/sentiment_labels.tsv)")
    train.add_argument("--labelled-posts", metavar="SHARED_DATA_DIR", default=None,
                       help="sentiment: also train on the negative and positive posts of our labels (--labels, "
                            "default nlp/data/sentiment_labels.tsv; their train split only), found in this shared "
                            "data folder, each counted 10 times")
    train.add_argument("--sentiment-model", metavar="DIR", default=None,
                       help="neutral: the polarity model measured with it (default: the configured one)")
    train.add_argument("--out", required=True, metavar="DIR", help="model folder to write")
    train.add_argument("--kind", choices=("classical", "transformer", "crowd"), default=None,
                       help="classical (char n-grams + logistic regression, default) or transformer "
                            "(small BERT from scratch, or fine-tuning --base); --base implies transformer; "
                            "crowd: rumour from the source and its reactions")
    train.add_argument("--base", metavar="CHECKPOINT_DIR", help="local BERT/RoBERTa checkpoint folder to fine-tune")
    train.add_argument("--epochs", type=int, help="transformer epochs (default 4 from scratch, 2 fine-tuning)")
    train.add_argument("--lr", type=float, help="transformer peak learning rate (default 5e-4 from scratch, "
                                                "3e-5 fine-tuning)")
    train.set_defaults(func=run_train)

    evaluate = subparsers.add_parser("eval", help="score a model on labelled data",
                                     description="Prints figures; the last line is "
                                                 "'accuracy=0.000 macro_f1=0.000 n=0' (incident: "
                                                 "'macro_f1=0.000 precision=0.000 recall=0.000 n=0'). rumour "
                                                 "with a JSON-lines file ({\"label\", \"text\", \"reactions\": "
                                                 "[{\"text\", \"t\"}]}) scores the crowd model at four checkpoints: "
                                                 "source only, first 10 reactions, first hour, all (the last line). "
                                                 "sentiment3: three classes (负面/中性/正面) with the configured "
                                                 "sentiment and neutral models on the held-out part of our labels. "
                                                 "review-domains: the sentiment recipe trained three times, each "
                                                 "without one kind of ChnSentiCorp review (hotel, book, laptop), "
                                                 "scored on the kind left out.")
    evaluate.add_argument("task", choices=("sentiment", "rumour", "incident", "hype", "sentiment3", "review-domains"))
    evaluate.add_argument("--model", metavar="DIR",
                          help="model folder (default: the configured one, else the shipped default)")
    evaluate.add_argument("--data", metavar="FILE", help="TSV with columns label and text, or (rumour) JSON lines "
                          "with reactions; incident: the shared data folder (default ../shared/data), measured "
                          "on the held-out part of the labels; for hype the cascade columns plus 'coordinated' "
                          "(last line: 'precision=0.000 recall=0.000 n=0', accounts)")
    evaluate.add_argument("--labels", metavar="FILE.tsv", default=None,
                          help="incident, sentiment3: the labels file (default: the shipped one)")
    evaluate.add_argument("--neutral-model", metavar="DIR", default=None,
                          help="sentiment3: the neutral model folder (default: the configured one; off: none)")
    evaluate.add_argument("--distant", metavar="FILE.tsv", action="append", default=[],
                          help="review-domains: distant labels to train on as the shipped model did "
                               "(`yuqing distant-labels`); without it the recipe lacks them")
    evaluate.add_argument("--folds", type=int, default=0, metavar="K",
                          help="incident: also cross-validate the recipe on the training part of the labels, K folds "
                               "by story (the held-out part is never used); a steadier figure than the held-out "
                               "part's few posts of each rare type")
    evaluate.add_argument("--held-out", action="store_true",
                          help="sentiment and rumour: score the file's dev split only (the 20%% that `yuqing "
                               "train` keeps aside)")
    evaluate.set_defaults(func=run_eval)

    export = subparsers.add_parser("export-cascades", help="write cascades as JSON lines for `yuqing eval rumour`",
                                   description="Writes the held-out events (a hash of the event id, the part the "
                                               "shipped crowd model never saw) of the cascades file as JSON lines "
                                               "{label, text, reactions: [{text, t}]}. Write under var/ or /tmp: "
                                               "the rows of the shared data never go into the repository.")
    export.add_argument("--data", default=str(CASCADES), metavar="CASCADES.tsv.gz", help="the cascades file")
    export.add_argument("--out", required=True, metavar="FILE.jsonl", help="the file to write")
    export.add_argument("--part", choices=("held-out", "train", "all"), default="held-out")
    export.set_defaults(func=run_export)

    enrich = subparsers.add_parser("enrich", help="analyse the store's posts not yet enriched and update events")
    enrich.add_argument("--batch-size", type=int, default=None, help="posts per batch (default: enrich_batch_size or 500)")
    enrich.add_argument("--limit", type=int, default=None, help="stop after this many posts")
    enrich.add_argument("--json", action="store_true", help="print the run's figures as JSON")
    enrich.add_argument("--rescore", action="store_true",
                        help="re-score every stored post with the configured models, those already scored too "
                             "(posts scored by another model version are re-scored anyway)")
    enrich.add_argument("--no-progress", action="store_true", help="no progress bar")
    enrich.set_defaults(func=run_enrich)


def run_train(args, runtime: Runtime) -> int:
    if args.task == "incident":
        return _train_incident(args)
    if args.task == "neutral":
        return _train_neutral(args, runtime.settings)
    if args.kind == "crowd":
        return _train_crowd(args)
    if not args.data:
        print("yuqing: error: give --data FILE.tsv (labelled rows to train on)")
        return 2
    kind = args.kind or ("transformer" if args.base else "classical")
    if args.base and kind != "transformer":
        print("yuqing: error: --base fine-tunes a transformer; drop --kind classical")
        return 2
    extra, names = [], []
    if args.labelled_posts:
        if args.task != "sentiment":
            print("yuqing: error: --labelled-posts adds our sentiment labels; it is for `yuqing train sentiment`")
            return 2
        examples, left_out = load_sentiment_labelled(args.labelled_posts, args.labels or SENTIMENT_LABELS_FILE)
        extra = polar_training_rows(examples)
        names = [f"{Path(args.labels or SENTIMENT_LABELS_FILE).name} (our polar posts, train split, x{POLAR_WEIGHT})"]
        if left_out:
            print(f"left out {len(left_out)} labelled posts whose text is missing or changed")
    manifest, scores = train_model(args.task, args.data, args.out, kind=kind, base=args.base, epochs=args.epochs,
                                   lr=args.lr, extra_train=extra, extra_names=names)
    print(f"model: {manifest.label} ({manifest.kind}) written to {args.out}")
    print(f"trained on {manifest.metrics['train_rows']} rows in {manifest.metrics['train_seconds']} s; "
          f"held-out dev split:")
    print(scores.line())
    return 0


def _model_dir(task: str, explicit: str | None, settings: Settings) -> Path:
    configured = settings[f"{task}_model"]
    return Path(explicit or configured or shipped_model_dir(task))


def run_eval(args, runtime: Runtime) -> int:
    if args.task == "incident":
        return _eval_incident(args)
    if args.task == "sentiment3":
        return _eval_three_class(args, runtime.settings)
    if args.task == "review-domains":
        return _eval_review_domains(args)
    if not args.data:
        print("yuqing: error: give --data FILE (labelled rows to score)")
        return 2
    if args.task == "hype":
        return run_eval_hype(args.data)
    if args.task == "rumour" and sniff_jsonl(args.data):
        return _eval_crowd(args)
    folder = _model_dir(args.task, args.model, runtime.settings)
    manifest = read_manifest(folder, args.task)
    scores = evaluate_folder(folder, args.task, args.data, held_out=args.held_out)
    print(f"model: {manifest.label} ({manifest.kind}) from {folder}")
    print(f"data: {args.data}{' (dev split)' if args.held_out else ''}; "
          f"F1 negative={scores.f1_by_label[0]:.3f} positive={scores.f1_by_label[1]:.3f}")
    if args.task == "rumour":
        flagged = production_rumour_scores(folder, args.data, held_out=args.held_out)
        print(f"risk a post gets before any reaction (this model + the cues of nlp/rumour.py, flagged from "
              f"{RUMOUR_FLAG}; reactions then move it: `yuqing eval rumour --data F.jsonl`): {flagged.line()}")
    print(scores.line())
    return 0


def run_enrich(args, runtime: Runtime) -> int:
    monitoring = runtime.monitoring
    counter = getattr(runtime.posts, "count_unenriched", None)
    total = counter(monitoring.pending_version(args.rescore)) if counter else None
    if args.limit is not None and total is not None:
        total = min(total, args.limit)
    with tqdm(total=total, unit="帖", desc="研判", disable=args.no_progress or args.json) as bar:
        stats = monitoring.enrich(max_posts=args.limit, batch_size=args.batch_size, rescore=args.rescore,
                                  on_batch=bar.update)
    refreshed = monitoring.refresh_events()      # events whose posts gained copies or engagement
    figures = {"posts": stats.posts, "batches": stats.batches, "events_created": stats.events_created,
               "events_updated": stats.events_updated, "events_deleted": stats.events_deleted,
               "events_refreshed": refreshed,
               "seconds": round(stats.seconds, 2), "posts_per_second": round(stats.posts_per_second, 1),
               "model_version": stats.model_version}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(f"enriched {stats.posts} posts in {stats.seconds:.1f} s ({stats.posts_per_second:.0f}/s) with "
              f"{stats.model_version}; events: {stats.events_created} new, {stats.events_updated} updated, "
              f"{refreshed} refreshed for new copies or engagement")
    return 0


def _train_incident(args) -> int:
    data_dir = Path(args.data[0]) if args.data else SHARED_DATA
    labels = args.labels or LABELS_FILE
    posts, left_out = load_labelled(data_dir, labels)
    manifest, figures = train_incident(posts, args.out, (Path(labels).name,))
    print(f"model: {manifest.label} (multilabel) written to {args.out}")
    if left_out:
        print(f"left out {len(left_out)} labelled posts whose text is missing or changed: {', '.join(left_out[:5])}")
    print(f"trained on {manifest.metrics['train_rows']} posts; held-out part:")
    _print_incident(figures)
    return 0


def _eval_incident(args) -> int:
    folder = Path(args.model) if args.model else shipped_model_dir("incident")
    model = IncidentModel.load(folder)
    posts, left_out = load_labelled(Path(args.data) if args.data else SHARED_DATA, args.labels or LABELS_FILE)
    _, held_out = split_labelled(posts)
    print(f"model: {model.manifest.label} from {folder}; learned types: {', '.join(model.learned)}")
    if left_out:
        print(f"left out {len(left_out)} labelled posts whose text is missing or changed")
    if args.folds:
        print(f"cross-validation of the recipe on the training part, {args.folds} folds by story:")
        _print_incident(cross_validate(posts, args.folds, {k: v for k, v in model.manifest.config.items()
                                                          if k != "heads"}))
    print(f"held-out part ({len(held_out)} posts):")
    _print_incident(measure(model, held_out))
    return 0


def _print_incident(figures) -> None:
    print("类型 type                 precision recall  f1     n")
    for f in figures.by_type:
        print(f"{incident_name(f.kind)} {f.kind:<20} {f.precision:.3f}     {f.recall:.3f}   {f.f1:.3f}  {f.support}")
    print(figures.line())


def _train_neutral(args, settings: Settings) -> int:
    data_dir = Path(args.data[0]) if args.data else SHARED_DATA
    examples, left_out = load_sentiment_labelled(data_dir, args.labels or SENTIMENT_LABELS_FILE)
    polarity = load_classifier(_model_dir("sentiment", args.sentiment_model, settings), "sentiment")
    manifest, with_neutral, alone = train_neutral(examples, data_dir, args.out, polarity)
    print(f"model: {manifest.label} (classical) written to {args.out}")
    if left_out:
        print(f"left out {len(left_out)} labelled posts whose text is missing or changed: {', '.join(left_out[:5])}")
    print(f"trained on {manifest.metrics['labelled_train_rows']} labelled posts and "
          f"{manifest.metrics['train_rows'] - manifest.metrics['labelled_train_rows']} polar rows in "
          f"{manifest.metrics['train_seconds']} s; held-out labelled posts, three classes with "
          f"{polarity.manifest.label}:")
    print(f"polarity model alone (0.4-0.6 read as neutral): {alone.line()}")
    _print_three_class(with_neutral)
    return 0


def _eval_three_class(args, settings: Settings) -> int:
    data_dir = Path(args.data) if args.data else SHARED_DATA
    examples, left_out = load_sentiment_labelled(data_dir, args.labels or SENTIMENT_LABELS_FILE)
    held_out = [e for e in examples if e.held_out]
    polarity = load_classifier(_model_dir("sentiment", args.model, settings), "sentiment")
    neutral = load_neutral(args.neutral_model if args.neutral_model is not None
                           else settings["sentiment_neutral_model"])
    print(f"models: {polarity.manifest.label}" + (f" + {neutral.manifest.label}" if neutral else " (no neutral model)"))
    if left_out:
        print(f"left out {len(left_out)} labelled posts whose text is missing or changed")
    _print_three_class(measure_three_class(polarity, neutral, held_out))
    return 0


def _eval_review_domains(args) -> int:
    data_dir = Path(args.data) if args.data else SHARED_DATA
    weibo, reviews = data_dir / "sentiment" / "weibo_senti_dev.tsv", data_dir / "sentiment" / "chnsenticorp_train.tsv"
    for needed in (weibo, reviews):
        if not needed.is_file():
            print(f"yuqing: error: {needed} not found; give --data the shared data folder")
            return 2
    base = split([row for path in (weibo, *args.distant) for row in read_tsv(path)])[0]
    examples, _ = load_sentiment_labelled(data_dir)
    base += polar_training_rows(examples)
    print(f"recipe: {weibo.name} + {', '.join(Path(p).name for p in args.distant) or 'no distant labels'} (train "
          f"splits) + our polar posts x{POLAR_WEIGHT} + the train split of the two other kinds of review")
    figures = unseen_domain_scores(base, read_tsv(reviews))
    for f in figures:
        print(f"{f.domain} reviews, never trained on ({f.trained_rows} training rows): F1 negative="
              f"{f.scores.f1_by_label[0]:.3f} positive={f.scores.f1_by_label[1]:.3f}; {f.scores.line()}")
    print(pooled(figures).line())
    return 0


def _print_three_class(scores) -> None:
    names = {"negative": "负面", "neutral": "中性", "positive": "正面"}
    print("情感 class            f1     found as: negative neutral positive")
    for label in SENTIMENTS:
        row = scores.confusion.get(label, {})
        print(f"{names[label]} {label:<16} {scores.f1_by_label[label]:.3f}  "
              + " ".join(f"{row.get(f, 0):>8}" for f in SENTIMENTS))
    print(scores.line())


def _train_crowd(args) -> int:
    data = args.data[0] if args.data else str(CASCADES)
    manifest, figures = train_crowd(data, args.out)
    print(f"model: {manifest.label} (crowd) written to {args.out}")
    print(f"trained on {manifest.metrics['train_rows']} events in {manifest.metrics['train_seconds']} s; "
          "held-out events:")
    for name, scores in figures:
        print(f"{name}: {scores.line()}")
    return 0


def _eval_crowd(args) -> int:
    folder = Path(args.model) if args.model else shipped_model_dir("rumour", "crowd")
    model = CrowdRumourModel.load(folder)
    cascades = read_jsonl(args.data)
    print(f"model: {model.manifest.label} (crowd) from {folder}; data: {args.data}, {len(cascades)} sources")
    figures = evaluate_checkpoints(model, cascades)
    for name, scores in figures[:-1]:
        print(f"{name}: {scores.line()}")
    print(f"{figures[-1][0]}: F1 negative={figures[-1][1].f1_by_label[0]:.3f} "
          f"positive={figures[-1][1].f1_by_label[1]:.3f}")
    print(figures[-1][1].line())
    return 0


def run_export(args, runtime: Runtime) -> int:
    cascades = read_cascades(args.data)
    train, held_out = split_cascades(cascades)
    chosen = {"held-out": held_out, "train": train, "all": cascades}[args.part]
    if not chosen:
        raise InvalidInput(f"no events in the {args.part} part of {args.data}", field="data")
    written = write_jsonl(chosen, args.out)
    print(f"wrote {written} events ({sum(c.label for c in chosen)} rumours) to {args.out}")
    return 0
