"""``yuqing train``, ``yuqing eval``, ``yuqing enrich``: train and measure the classifiers, enrich the store
(``--rescore``: every stored post again, with a progress bar)."""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from core.settings import Settings
from infra.cli.hype import run_eval_hype
from infra.runtime import Runtime
from nlp.models import read_manifest, shipped_model_dir
from nlp.training.evaluate import evaluate_folder
from nlp.training.train import train_model


def register(subparsers) -> None:
    train = subparsers.add_parser("train", help="train a sentiment or rumour model from labelled TSV files",
                                  description="Train on the train split of the files (a hash of each text keeps "
                                              "20%% aside) and write the model folder with its dev-split figures.")
    train.add_argument("task", choices=("sentiment", "rumour"))
    train.add_argument("--data", action="append", required=True, metavar="FILE.tsv",
                       help="TSV with a header and columns label (1 = positive / rumour) and text; repeatable")
    train.add_argument("--out", required=True, metavar="DIR", help="model folder to write")
    train.add_argument("--kind", choices=("classical", "transformer"), default=None,
                       help="classical (char n-grams + logistic regression, default) or transformer "
                            "(small BERT from scratch, or fine-tuning --base); --base implies transformer")
    train.add_argument("--base", metavar="CHECKPOINT_DIR", help="local BERT/RoBERTa checkpoint folder to fine-tune")
    train.add_argument("--epochs", type=int, help="transformer epochs (default 4 from scratch, 2 fine-tuning)")
    train.add_argument("--lr", type=float, help="transformer peak learning rate (default 5e-4 from scratch, "
                                                "3e-5 fine-tuning)")
    train.set_defaults(func=run_train)

    evaluate = subparsers.add_parser("eval", help="score a model on a labelled TSV file",
                                     description="Prints figures; the last line is "
                                                 "'accuracy=0.000 macro_f1=0.000 n=0'.")
    evaluate.add_argument("task", choices=("sentiment", "rumour", "hype"))
    evaluate.add_argument("--model", metavar="DIR",
                          help="model folder (default: the configured one, else the shipped default)")
    evaluate.add_argument("--data", required=True, metavar="FILE.tsv",
                          help="TSV with columns label and text; for hype the cascade columns plus 'coordinated' "
                               "(last line: 'precision=0.000 recall=0.000 n=0', accounts)")
    evaluate.add_argument("--held-out", action="store_true",
                          help="sentiment and rumour: score the file's dev split only (the 20%% that `yuqing "
                               "train` keeps aside)")
    evaluate.set_defaults(func=run_eval)

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
    kind = args.kind or ("transformer" if args.base else "classical")
    if args.base and kind != "transformer":
        print("yuqing: error: --base fine-tunes a transformer; drop --kind classical")
        return 2
    manifest, scores = train_model(args.task, args.data, args.out, kind=kind, base=args.base, epochs=args.epochs,
                                   lr=args.lr)
    print(f"model: {manifest.label} ({manifest.kind}) written to {args.out}")
    print(f"trained on {manifest.metrics['train_rows']} rows in {manifest.metrics['train_seconds']} s; "
          f"held-out dev split:")
    print(scores.line())
    return 0


def _model_dir(task: str, explicit: str | None, settings: Settings) -> Path:
    configured = settings[f"{task}_model"]
    return Path(explicit or configured or shipped_model_dir(task))


def run_eval(args, runtime: Runtime) -> int:
    if args.task == "hype":
        return run_eval_hype(args.data)
    folder = _model_dir(args.task, args.model, runtime.settings)
    manifest = read_manifest(folder, args.task)
    scores = evaluate_folder(folder, args.task, args.data, held_out=args.held_out)
    print(f"model: {manifest.label} ({manifest.kind}) from {folder}")
    print(f"data: {args.data}{' (dev split)' if args.held_out else ''}; "
          f"F1 negative={scores.f1_by_label[0]:.3f} positive={scores.f1_by_label[1]:.3f}")
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
    figures = {"posts": stats.posts, "batches": stats.batches, "events_created": stats.events_created,
               "events_updated": stats.events_updated, "events_deleted": stats.events_deleted,
               "seconds": round(stats.seconds, 2), "posts_per_second": round(stats.posts_per_second, 1),
               "model_version": stats.model_version}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(f"enriched {stats.posts} posts in {stats.seconds:.1f} s ({stats.posts_per_second:.0f}/s) with "
              f"{stats.model_version}; events: {stats.events_created} new, {stats.events_updated} updated")
    return 0
