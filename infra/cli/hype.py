"""``yuqing hype``: coordinated-amplification (恶意炒作) analysis tools, and ``yuqing eval hype``'s runner."""

from __future__ import annotations

from pathlib import Path

from infra.runtime import Runtime
from nlp.coordination.campaigns import SHAPES, build_eval
from nlp.coordination.evaluation import evaluate_file


def register(subparsers) -> None:
    hype = subparsers.add_parser("hype", help="coordinated amplification (恶意炒作): build evaluation data")
    actions = hype.add_subparsers(dest="hype_action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build-eval", help="write a cascade TSV with injected campaigns for `yuqing eval hype`",
        description=f"Reads real cascades (weibo_events/cascades.tsv.gz), keeps the events of one split, injects "
                    f"campaigns of the shapes {', '.join(SHAPES)} and organic hard cases, and writes a TSV with a "
                    f"'coordinated' column. Write it outside the repository: the data's rows never go into it.")
    build.add_argument("--cascades", required=True, metavar="FILE", help="cascades.tsv(.gz) of the shared data")
    build.add_argument("--out", required=True, metavar="FILE.tsv")
    build.add_argument("--split", choices=("dev", "test"), default="test",
                       help="events of the tuning split (dev) or the held-out split (test, default)")
    build.add_argument("--events", type=int, default=200, help="organic events to sample (default 200)")
    build.add_argument("--seed", type=int, default=7)
    build.set_defaults(func=run_build_eval)


def run_build_eval(args, runtime: Runtime) -> int:
    if args.events < 1:
        print("yuqing: error: --events must be at least 1")
        return 2
    counts = build_eval(args.cascades, args.out, split=args.split, events=args.events, seed=args.seed)
    shapes = ", ".join(f"{name}={count}" for name, count in counts.items())
    print(f"wrote {args.out} ({args.split} split): {shapes}")
    return 0


def run_eval_hype(data: str) -> int:
    """Print the account-level figures of the coordination analysis on a labelled cascade file."""
    scores, reports = evaluate_file(Path(data))
    for line in scores.lines():
        print(line)
    return 0
