"""Storage benchmark: ingest throughput of both post stores against the bare floor, search latency, and the
bytes each post takes on disk.

The floor is the work no store can avoid, measured in the same run on the same posts: jieba segmentation
(with the county profile's user dictionary, the segmenter production gives the stores) of the texts plus
the raw client write of pre-built rows/documents (SQLite ``executemany`` into the same
schema, Elasticsearch bulk into an index made from the same template). A store ingests through its real
``upsert_many`` in crawler-sized batches, refreshing after each as the contract demands.
Posts are generated batch by batch (``bench.synthetic``; the same posts in every pass, generation not timed),
so a million posts never sit in memory at once.
Target: each store >= 70% of its floor's posts/s; search p95 < 100 ms.
Elasticsearch is measured when ``YUQING_TEST_ES_URL`` (or ``--es-url``) names a node (``make bench`` starts one);
its indices get a fresh prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from elasticsearch import helpers

from bench.synthetic import COMMON_WORD, PostFactory
from core.profile import load_profile
from core.storage import PostQuery
from infra.storage import common
from infra.storage import elasticsearch_docs as docs
from infra.storage import sqlite as backend
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.sqlite_sql import SCHEMA
from nlp.segment import make_segmenter

BATCH = 5_000            # posts per upsert_many call, like a crawler flushing its spool
TARGET_SHARE = 0.70
TARGET_P95_MS = 100.0
RUNS = 30


def queries(factory: PostFactory) -> list[tuple[str, PostQuery, str, int]]:
    """Five typical console searches: (name, query, sort, offset)."""
    end = factory.end
    school = factory.schools[0][0]
    return [
        ("feed: newest 20", PostQuery(), "time", 0),
        ("text 食堂 中毒, by time", PostQuery(text="食堂中毒"), "time", 0),
        ("text 渠县中学 打架, by relevance", PostQuery(text="渠县中学 打架"), "relevance", 0),
        ("school + 7 days + negative", PostQuery(schools=(school,), since=end - timedelta(days=7),
                                                 sentiment_below=0.4), "time", 0),
        (f"text {COMMON_WORD} + weibo + 30 days, page 3", PostQuery(text=COMMON_WORD, platforms=("weibo",),
                                                                   since=end - timedelta(days=30)), "time", 40),
    ]


@dataclass
class Figures:
    """What one backend measured."""

    raw_s: float = 0.0
    store_s: float = 0.0
    recrawl_per_s: float = 0.0
    searches: list[tuple[str, float, float, int]] = field(default_factory=list)
    disk: list[tuple[str, int]] = field(default_factory=list)     # (what, bytes) at the end of the ingest


def run(args: argparse.Namespace) -> None:
    # A run ended with `kill` still removes its indices and files (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("storage benchmark stopped"))
    options = _options(args)
    factory = PostFactory(total=options.posts)
    print(f"{options.posts:,} synthetic posts in batches of {BATCH:,}; words: {factory.vocabulary.origin}",
          flush=True)
    _describe(factory)
    _load("start")
    # What production gives the stores: jieba with the county profile's words, so 渠县中学 is one term.
    segment = make_segmenter(load_profile())
    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-"))
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    rows: dict[str, Figures] = {"sqlite": Figures()}
    if options.es_url:
        rows["elasticsearch"] = Figures()
    else:
        print("Elasticsearch skipped: set YUQING_TEST_ES_URL or pass --es-url (make bench does)")
    try:
        seg_s = _floor(factory, options, segment, folder, prefix, rows)
        rows["sqlite"] = _sqlite_store(factory, options, segment, folder, rows["sqlite"])
        shutil.rmtree(folder, ignore_errors=True)
        if options.es_url:
            rows["elasticsearch"] = _es_store(factory, options, segment, prefix, rows["elasticsearch"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _print_tables(options.posts, seg_s, rows)
    # Other work on the machine slows every figure alike; the load says how much to trust absolute times.
    _load("end")


def _options(args: argparse.Namespace) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench --only storage")
    parser.add_argument("--es-url", default=os.environ.get("YUQING_TEST_ES_URL", ""))
    extra, _ = parser.parse_known_args(getattr(args, "rest", []) or [])
    extra.posts = int(getattr(args, "posts", 1_000_000))
    if extra.posts < BATCH:
        raise SystemExit(f"--posts must be at least {BATCH:,} (one batch)")
    return extra


def _load(moment: str) -> None:
    print(f"load average at the {moment}: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs", flush=True)


def _describe(factory: PostFactory) -> None:
    """Lengths and payload sizes of the first 5,000 posts, per platform: what the figures were measured on."""
    sample = factory.batch(0, 5_000)
    lengths = [len(p.text) for p in sample]
    payload = [len((p.page or "").encode()) + len(common.dumps(p.raw).encode()) for p in sample]
    share = sum(COMMON_WORD in p.text for p in sample) / len(sample)
    print(f"text: mean {statistics.mean(lengths):.0f} characters, median {statistics.median(lengths):.0f}; "
          f"payload + page: mean {statistics.mean(payload):,.0f} bytes; {COMMON_WORD} in {share:.0%} of posts; "
          f"published over {factory.days} days", flush=True)


def _batches(factory: PostFactory, total: int):
    for start in range(0, total, BATCH):
        yield factory.batch(start, min(total, start + BATCH))


# --- the floor: segmentation and the raw SQLite write in one pass, then the raw Elasticsearch write of the
# same terms (read back from the raw file), so that no part is timed while Elasticsearch merges in the background

def _floor(factory, options, segment, folder: Path, prefix: str, rows: dict[str, Figures]) -> float:
    con = sqlite3.connect(folder / "raw.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SCHEMA)
    seg_s = 0.0
    terms_of = common.Terms(segment).of
    try:
        for posts in _batches(factory, options.posts):
            started = time.perf_counter()
            terms = [terms_of(p.title, p.text) for p in posts]
            seg_s += time.perf_counter() - started
            rows["sqlite"].raw_s += _raw_sqlite(con, posts, terms)
        print(f"floor: jieba {seg_s:.1f} s ({options.posts / seg_s:,.0f} posts/s); raw SQLite "
              f"{rows['sqlite'].raw_s:.1f} s", flush=True)
        if options.es_url:
            rows["elasticsearch"].raw_s = _raw_elasticsearch(factory, options, con, prefix)
    finally:
        con.close()
    return seg_s


def _raw_elasticsearch(factory, options, con: sqlite3.Connection, prefix: str) -> float:
    es = _RawElasticsearch(options.es_url, prefix)
    seconds = 0.0
    try:
        for posts in _batches(factory, options.posts):
            stored = dict(con.execute("SELECT p.id, f.terms FROM posts p JOIN posts_fts f ON f.rowid = p.rid "
                                      f"WHERE p.id IN ({','.join('?' * len(posts))})", [p.id for p in posts]))
            seconds += es.write(posts, [stored[p.id] for p in posts])
    finally:
        es.close()
    print(f"floor: raw Elasticsearch bulk {seconds:.1f} s", flush=True)
    return seconds


def _raw_sqlite(con: sqlite3.Connection, posts, terms) -> float:
    """The rows the store writes for new posts, built first (keys, facets: not timed), then written bare."""
    rows = backend.new_post_rows(con, posts, terms)
    started = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    backend.insert_new_rows(con, *rows)
    con.execute("COMMIT")
    return time.perf_counter() - started


class _RawElasticsearch:
    """A bare index from the same template, written by plain bulk requests of pre-built documents."""

    def __init__(self, url: str, prefix: str):
        self.store = ElasticsearchPostStore(url, index_prefix=f"{prefix}-raw")
        self.client = self.store.client
        self.index = f"{prefix}-raw-posts-000001"

    def write(self, posts, terms) -> float:
        actions = [{"_index": self.index, "_id": p.id, "_source": docs.document(p, t)} for p, t in zip(posts, terms)]
        started = time.perf_counter()
        helpers.bulk(self.client, actions, chunk_size=1_000, refresh=False)
        self.client.indices.refresh(index=self.index)
        return time.perf_counter() - started

    def close(self) -> None:
        self.store.drop()
        self.store.close()


# --- the stores

def _sqlite_store(factory, options, segment, folder: Path, figures: Figures) -> Figures:
    store = backend.SqlitePostStore(folder / "store.db", segment=segment)
    try:
        figures.store_s = _ingest(store, factory, options.posts, "SQLite store")
        figures.searches = _searches(store, factory)
        figures.recrawl_per_s = _recrawl(store, factory)
    finally:
        store.close()
    path = folder / "store.db"
    figures.disk = [("file", path.stat().st_size)] + _sqlite_tables(path)
    return figures


def _sqlite_tables(path: Path) -> list[tuple[str, int]]:
    """Bytes per table and index (SQLite's dbstat), the full-text index's shadow tables summed."""
    con = sqlite3.connect(path)
    try:
        sizes = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    finally:
        con.close()
    grouped: dict[str, int] = {}
    for name, size in sizes:
        key = "posts_fts (full-text index)" if name.startswith("posts_fts") else name
        grouped[key] = grouped.get(key, 0) + size
    return sorted(grouped.items(), key=lambda item: -item[1])


def _es_store(factory, options, segment, prefix: str, figures: Figures) -> Figures:
    store = ElasticsearchPostStore(options.es_url, index_prefix=prefix, segment=segment)
    try:
        figures.store_s = _ingest(store, factory, options.posts, "Elasticsearch store")
        figures.searches = _searches(store, factory)
        figures.recrawl_per_s = _recrawl(store, factory)
        figures.disk = _es_disk(store)
    finally:
        store.drop()
        store.close()
    return figures


def _es_disk(store: ElasticsearchPostStore) -> list[tuple[str, int]]:
    """The index's size as ``_cat/indices`` reports it (after a flush), and per field from ``_disk_usage``."""
    client = store.client
    client.indices.flush(index=store.alias)
    cat = client.cat.indices(index=f"{store.alias}-*", bytes="b", format="json")
    disk = [("pri.store.size", sum(int(row["pri.store.size"]) for row in cat)),
            ("store.size", sum(int(row["store.size"]) for row in cat))]
    started = time.perf_counter()
    usage = client.indices.disk_usage(index=f"{store.alias}-*", run_expensive_tasks=True)
    per_field: dict[str, int] = {}
    for index, report in usage.body.items():
        if index.startswith("_"):
            continue
        for name, sizes in report.get("fields", {}).items():
            per_field[name] = per_field.get(name, 0) + int(sizes.get("total_in_bytes", 0))
    print(f"Elasticsearch _disk_usage took {time.perf_counter() - started:.0f} s", flush=True)
    top = sorted(per_field.items(), key=lambda item: -item[1])[:8]
    return disk + [(f"field {name}", size) for name, size in top]


def _ingest(store, factory, total: int, name: str) -> float:
    seconds = 0.0
    for posts in _batches(factory, total):
        started = time.perf_counter()
        report = store.upsert_many(posts)
        seconds += time.perf_counter() - started
        if report.rejected:
            raise RuntimeError(f"{name} rejected {len(report.rejected)} bench posts: {report.rejected[0]}")
    if store.count() != total:
        raise RuntimeError(f"{name} holds {store.count()} posts after ingesting {total}")
    print(f"{name}: upsert_many {seconds:.1f} s", flush=True)
    return seconds


def _recrawl(store, factory) -> float:
    """A re-crawl of unchanged posts: reported as updates, no segmentation needed."""
    posts = factory.batch(0, BATCH)
    started = time.perf_counter()
    report = store.upsert_many(posts)
    per_s = len(posts) / (time.perf_counter() - started)
    assert len(report.updated) == len(posts)
    return per_s


def _searches(store, factory) -> list[tuple[str, float, float, int]]:
    results = []
    for name, query, sort, offset in queries(factory):
        for _ in range(3):
            page = store.search(query, sort=sort, offset=offset, limit=20)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            page = store.search(query, sort=sort, offset=offset, limit=20)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results.append((name, statistics.median(times), times[int(0.95 * (len(times) - 1))], page.total))
    return results


def _print_tables(n: int, seg_s: float, rows: dict[str, Figures]) -> None:
    print(f"\nIngest of {n:,} posts (batches of {BATCH:,}); floor = jieba {seg_s:.1f} s + raw client write")
    print(f"{'backend':<14}{'floor s':>9}{'floor posts/s':>15}{'store s':>9}{'store posts/s':>15}"
          f"{'share':>8}{'re-crawl/s':>12}  target >= {TARGET_SHARE:.0%}")
    for name, f in rows.items():
        floor_s = seg_s + f.raw_s
        share = floor_s / f.store_s
        verdict = "ok" if share >= TARGET_SHARE else "BELOW TARGET"
        print(f"{name:<14}{floor_s:>9.1f}{n / floor_s:>15,.0f}{f.store_s:>9.1f}{n / f.store_s:>15,.0f}"
              f"{share:>8.0%}{f.recrawl_per_s:>12,.0f}  {verdict}")
    print(f"\nSearch latency at {n:,} posts, {RUNS} runs each (ms); target p95 < {TARGET_P95_MS:.0f} ms")
    print(f"{'backend':<14}{'query':<38}{'p50':>8}{'p95':>8}{'matches':>11}")
    for name, f in rows.items():
        for query, p50, p95, total in f.searches:
            flag = "" if p95 < TARGET_P95_MS else "  SLOW"
            print(f"{name:<14}{query:<38}{p50:>8.1f}{p95:>8.1f}{total:>11,}{flag}")
    print(f"\nOn disk after ingesting {n:,} posts (bytes, bytes per post)")
    for name, f in rows.items():
        for what, size in f.disk:
            print(f"{name:<14}{what:<38}{size:>15,}{size / n:>10,.0f}")
