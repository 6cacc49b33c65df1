"""Pre-training throughput: ``yuqing pretrain``'s masked-language training in tokens/s, on posts of the
synthetic factory (``bench.synthetic``: real Weibo word frequencies and lengths where ``../shared/data`` exists),
one torch thread as on the shared development machine, a few hundred steps in a temporary folder. Needs the
``train`` extra (``make bench`` installs it); without torch it says so and measures nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

from bench.synthetic import PostFactory
from nlp.training.pretrain import PretrainConfig, pretrain


def _options(args: argparse.Namespace) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.pretrain")
    parser.add_argument("--pretrain-steps", type=int, default=60, help="optimizer steps timed (default 60)")
    parser.add_argument("--pretrain-posts", type=int, default=20_000, help="corpus posts (default 20000)")
    known, _ = parser.parse_known_args(getattr(args, "rest", []) or [])
    return known


def run(args: argparse.Namespace) -> None:
    if importlib.util.find_spec("torch") is None:
        print("pre-training: torch is not installed (pip install 'yuqing[train]'); not measured")
        return
    options = _options(args)
    posts = PostFactory().batch(0, options.pretrain_posts)
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-pretrain-") as folder:
        corpus = Path(folder) / "posts.tsv"
        corpus.write_text("text\n" + "".join(p.text.replace("\t", " ").replace("\n", " ") + "\n" for p in posts),
                          encoding="utf-8")
        started = time.perf_counter()
        state = pretrain([corpus], Path(folder) / "out",
                         PretrainConfig(steps=options.pretrain_steps, save_every=10**9, eval_every=10**9),
                         progress=False)
        total = time.perf_counter() - started
    config = PretrainConfig()
    print(f"pre-training ({config.model}, batch {config.batch_size}, at most {config.max_len} tokens a post, "
          f"1 torch thread): {state.tokens:,} tokens in {state.seconds:.1f} s of training = "
          f"{state.tokens / state.seconds:,.0f} tokens/s ({state.step} steps; {total:.0f} s with corpus, "
          "vocabulary and export)")
