"""How fast the crawl state's near-duplicate index is: index N signatures in ingest-sized batches, then look
up candidates for N posts (half near-copies of indexed ones, half new) one by one and a batch at a time
(``candidates_many``), each with the similarity check a crawl makes, on SQLite and, when
YUQING_TEST_PG_URL is set, PostgreSQL. Run on request, prints figures:

    .venv/bin/python -m tests.state.bench_crawl_state [N]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from crawlers import dedup
from infra.state import open_state_database

BATCH = 200                    # posts per ingest batch, as a crawl hands them over
ALPHABET = "渠县第二中学小学食堂学生家长老师校园安全事故通报网友视频发布教育局回应调查处理情况今日上午下午"


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(80)) for _ in range(count)]


def near_copy(text: str) -> str:
    return "【扩散】" + text[:-3] + "！！"


def measure(url: str, schema: str | None, count: int) -> dict[str, float]:
    originals = texts(count, 1)
    signatures = [dedup.signature(t) for t in originals]
    entries = [(f"p{i}", dedup.to_bytes(s), dedup.band_keys(s)) for i, s in enumerate(signatures)]
    queries = [dedup.signature(near_copy(t)) for t in originals[: count // 2]] + [
        dedup.signature(t) for t in texts(count - count // 2, 2)]
    query_keys = [dedup.band_keys(s) for s in queries]
    state = open_state_database(url, schema=schema)
    try:
        started = time.perf_counter()
        for start in range(0, count, BATCH):
            with state.crawl_state.exclusive():
                state.crawl_state.index(entries[start:start + BATCH])
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        hits = sum(1 for keys in query_keys if state.crawl_state.candidates(keys))
        looked_up = time.perf_counter() - started
        started = time.perf_counter()
        found = sum(1 for sig, keys in zip(queries, query_keys)
                    if dedup.most_similar(sig, state.crawl_state.candidates(keys), exclude=""))
        matched = time.perf_counter() - started
        started = time.perf_counter()
        batched = 0
        for start in range(0, count, BATCH):
            hits_of_batch = state.crawl_state.candidates_many(query_keys[start:start + BATCH])
            batched += sum(1 for sig, candidates in zip(queries[start:start + BATCH], hits_of_batch)
                           if dedup.most_similar(sig, candidates, exclude=""))
        matched_in_batches = time.perf_counter() - started
    finally:
        state.drop()
    return {"index_s": indexed, "candidates_s": looked_up, "candidates_hits": hits, "find_original_s": matched,
            "originals_found": found, "batched_find_original_s": matched_in_batches, "batched_found": batched}


def measure_old(folder: Path, count: int) -> dict[str, float] | None:
    """The same with the crawl state before the state database (crawlers/state.py at 325e6e2), when a copy of
    it is importable as ``old_crawl_state`` (``git show 325e6e2:crawlers/state.py``)."""
    try:
        from old_crawl_state import CrawlState  # noqa: PLC0415 - optional, outside the package
    except ImportError:
        return None
    originals = texts(count, 1)
    signatures = [dedup.signature(t) for t in originals]
    queries = [dedup.signature(near_copy(t)) for t in originals[: count // 2]] + [
        dedup.signature(t) for t in texts(count - count // 2, 2)]
    state = CrawlState(folder / "old.db")
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        with state.exclusive():
            state.index([(f"p{i}", signatures[i]) for i in range(start, min(count, start + BATCH))])
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    found = sum(1 for sig in queries if state.find_original(sig, ""))
    matched = time.perf_counter() - started
    state.close()
    return {"index_s": indexed, "find_original_s": matched, "originals_found": found}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        runs = {"sqlite": measure(f"sqlite:///{folder}/state.db", None, count)}
        if os.environ.get("YUQING_TEST_PG_URL"):
            runs["postgresql"] = measure(os.environ["YUQING_TEST_PG_URL"], f"bench_{uuid.uuid4().hex[:8]}", count)
        old = measure_old(Path(folder), count)
        if old:
            runs["old crawl_state.db"] = old
    for name, figures in runs.items():
        print(f"{name:20s} " + "  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in figures.items()))


if __name__ == "__main__":
    main()
