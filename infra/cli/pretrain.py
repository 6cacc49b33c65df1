"""``yuqing pretrain`` (pre-train the small Chinese encoder the classifiers are fine-tuned from) and
``yuqing export-onnx`` (a transformer model folder made runnable without torch). Both need the ``train``
extra: ``pip install 'yuqing[train]'``."""

from __future__ import annotations

from infra.runtime import Runtime
import signal
from pathlib import Path

from nlp.models import read_manifest
from nlp.training.data import read_tsv, split
from nlp.training.distant import write_distant_labels
from nlp.classifiers.onnx_runtime import ONNX_INT8_FILE
from nlp.training.onnx_export import export_onnx
from nlp.training.pretrain import PretrainConfig, pretrain


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "pretrain", help="pre-train the small Chinese encoder (masked-language) on raw text; resumable",
        description="Builds a character vocabulary and a deduplicated corpus from the files (bare reposts "
                    "dropped, dev-split texts kept out), trains a small BERT with the masked-language "
                    "objective, saves a checkpoint every --save-every steps and writes DIR/base when it ends. "
                    "Run it again on the same DIR to resume.")
    parser.add_argument("--data", action="append", default=[], metavar="FILE",
                        help="TSV (.gz allowed) with a header and a 'text' column; repeatable; not needed to resume")
    parser.add_argument("--out", required=True, metavar="DIR", help="work folder (checkpoint, corpus, base/)")
    defaults = PretrainConfig()
    parser.add_argument("--steps", type=int, default=defaults.steps, help=f"optimizer steps (default {defaults.steps})")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--max-len", type=int, default=defaults.max_len, help="tokens read of each post")
    parser.add_argument("--lr", type=float, default=defaults.lr, help="peak learning rate")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop (checkpoint and base written) after this many minutes of this run")
    parser.add_argument("--save-every", type=int, default=defaults.save_every, help="checkpoint interval in steps")
    parser.add_argument("--eval-every", type=int, default=defaults.eval_every,
                        help="held-out loss interval in steps")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch threads (default 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    parser.set_defaults(func=run_pretrain)

    export = subparsers.add_parser(
        "export-onnx", help="export a transformer model folder to ONNX (model.onnx) for the torch-free runtime",
        description="Writes DIR/model.onnx from the torch weights, lists it in the manifest and checks that "
                    "onnxruntime's outputs match torch's on sample texts; then writes DIR/model.int8.onnx (weights "
                    "quantised to 8-bit integers, which the runtime prefers) when its outputs stay close.")
    export.add_argument("model_dir", metavar="DIR", help="transformer model folder (manifest.json, config.json)")
    export.set_defaults(func=run_export)

    distant = subparsers.add_parser(
        "distant-labels", help="sentiment labels from the emoticons of raw posts (emoticons removed from the text)",
        description="Writes a label/text TSV of the posts whose own text carries only positive (label 1) or only "
                    "negative (label 0) emoticons, cleaned and deduplicated; dev-split texts are left out, and so "
                    "is every text of the dev split of each --exclude-dev file.")
    distant.add_argument("--data", action="append", required=True, metavar="FILE",
                         help="TSV (.gz allowed) with a 'text' column; repeatable")
    distant.add_argument("--exclude-dev", action="append", default=[], metavar="FILE.tsv",
                         help="labelled TSV whose dev split must stay unseen; repeatable")
    distant.add_argument("--out", required=True, metavar="FILE.tsv")
    distant.set_defaults(func=run_distant)


def run_pretrain(args, runtime: Runtime) -> int:
    config = PretrainConfig(steps=args.steps, batch_size=args.batch_size, max_len=args.max_len, lr=args.lr,
                            max_minutes=args.max_minutes, save_every=args.save_every, eval_every=args.eval_every, threads=args.threads)
    _stop_on_signals()
    state = pretrain(args.data, args.out, config, progress=not args.no_progress)
    rate = state.tokens / state.seconds if state.seconds else 0.0
    loss = state.heldout[-1] if state.heldout else [state.step, 0.0, 0.0]
    print(f"预训练: {state.step}/{config.steps} 步, {state.tokens} tokens, {state.seconds:.0f} s, {rate:.0f} tokens/s")
    print(f"held-out: loss={loss[1]:.3f} masked_accuracy={loss[2]:.3f}; base model written to {args.out}/base")
    return 0


def run_export(args, runtime: Runtime) -> int:
    path = export_onnx(args.model_dir)
    manifest = read_manifest(args.model_dir)
    print(f"ONNX: {path} ({path.stat().st_size / 1e6:.1f} MB) for {manifest.label}; onnxruntime matches torch")
    int8 = Path(args.model_dir) / ONNX_INT8_FILE
    if ONNX_INT8_FILE in manifest.files:
        print(f"ONNX int8: {int8} ({int8.stat().st_size / 1e6:.1f} MB), the graph the runtime runs")
    else:
        print("ONNX int8: not kept (its outputs moved too far from the full-precision graph's); model.onnx runs")
    return 0


def run_distant(args, runtime: Runtime) -> int:
    held_out = [row.text for path in args.exclude_dev for row in split(read_tsv(path))[1]]
    stats = write_distant_labels(args.data, Path(args.out), exclude=held_out)
    print(f"{args.out}: {stats.positive} positive, {stats.negative} negative from {stats.posts} posts with "
          f"emoticons ({stats.mixed} mixed, {stats.held_out} too short or held out, {stats.duplicates} duplicates)")
    return 0


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT end a run the way Ctrl-C does (checkpoint and base written), also for a run started
    in the background, where the shell leaves SIGINT ignored."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
