"""Storage benchmark: ingest throughput of both post stores against the bare floor, and search latency.

The floor is the work no store can avoid, measured in the same run on the same posts: jieba segmentation
of the texts plus the raw client write of pre-built rows/documents (SQLite ``executemany`` into the same
schema, Elasticsearch bulk into an index made from the same template). A store ingests through its real
``upsert_many`` in crawler-sized batches, refreshing after each as the contract demands.
Target: each store >= 70% of its floor's posts/s; search p95 < 100 ms.
Elasticsearch is measured when ``YUQING_TEST_ES_URL`` (or ``--es-url``) names a node (``make bench`` starts one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from elasticsearch import helpers

from bench.synthetic import PostFactory
from core.storage import PostQuery
from infra.storage import common
from infra.storage import elasticsearch_docs as docs
from infra.storage import sqlite as backend
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.sqlite_sql import SCHEMA

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
        ("text 家长 + weibo + 30 days, page 3", PostQuery(text="家长", platforms=("weibo",),
                                                          since=end - timedelta(days=30)), "time", 40),
    ]


def run(args: argparse.Namespace) -> None:
    options = _options(args)
    factory = PostFactory()
    started = time.perf_counter()
    posts = factory.batch(0, options.posts)
    print(f"{len(posts):,} synthetic posts, mean {statistics.mean(len(p.text) for p in posts):.0f} characters "
          f"(generated in {time.perf_counter() - started:.1f} s)", flush=True)
    segment = common.default_segmenter()
    seg_s, terms = _time_segmentation(posts, segment)
    rows = {}
    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-"))
    try:
        rows["sqlite"] = _sqlite_figures(posts, terms, seg_s, folder, segment, factory)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if options.es_url:
        rows["elasticsearch"] = _es_figures(posts, terms, seg_s, options.es_url, segment, factory)
    else:
        print("Elasticsearch skipped: set YUQING_TEST_ES_URL or pass --es-url (make bench does)")
    _print_tables(len(posts), seg_s, rows)
    # Other work on the machine slows every figure alike; the load says how much to trust absolute times.
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


def _options(args: argparse.Namespace) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench --only storage")
    parser.add_argument("--es-url", default=os.environ.get("YUQING_TEST_ES_URL", ""))
    extra = parser.parse_args(getattr(args, "rest", []))
    extra.posts = getattr(args, "posts", 100_000)
    return extra


def _time_segmentation(posts, segment) -> tuple[float, list[str]]:
    """Bare jieba over every title and text (the floor's share), and the terms the raw writes use."""
    started = time.perf_counter()
    words = [(segment(p.title) if p.title else []) + segment(p.text) for p in posts]
    seg_s = time.perf_counter() - started
    print(f"floor: jieba segmentation {seg_s:.1f} s ({len(posts) / seg_s:,.0f} posts/s)", flush=True)
    terms = [" ".join(common.clean_words(w)) for w in words]
    return seg_s, terms


def _sqlite_figures(posts, terms, seg_s, folder, segment, factory) -> dict:
    con = sqlite3.connect(folder / "raw.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SCHEMA)
    built = [(backend._row(i + 1, p), (i + 1, t), [(i + 1, s) for s in p.enrichment.schools],
              [(i + 1, k) for k in p.enrichment.incident_types]) for i, (p, t) in enumerate(zip(posts, terms))]
    started = time.perf_counter()
    for start in range(0, len(built), BATCH):
        part = built[start:start + BATCH]
        con.execute("BEGIN IMMEDIATE")
        con.executemany(backend._INSERT, [b[0] for b in part])
        con.executemany("INSERT INTO posts_fts (rowid, terms) VALUES (?, ?)", [b[1] for b in part])
        con.executemany("INSERT INTO post_schools VALUES (?, ?)", [r for b in part for r in b[2]])
        con.executemany("INSERT INTO post_incidents VALUES (?, ?)", [r for b in part for r in b[3]])
        con.execute("COMMIT")
    raw_s = time.perf_counter() - started
    con.close()
    print(f"floor: raw SQLite executemany {raw_s:.1f} s", flush=True)
    store = backend.SqlitePostStore(folder / "store.db", segment=segment)
    store_s = _ingest(store, posts, "SQLite store")
    figures = {"raw_s": raw_s, "store_s": store_s, "searches": _searches(store, factory)}
    _check_recrawl(store, posts[:BATCH], figures)
    store.close()
    return figures


def _es_figures(posts, terms, seg_s, url, segment, factory) -> dict:
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    store = ElasticsearchPostStore(url, index_prefix=prefix, segment=segment)
    client = store.client
    raw_index = f"{prefix}-raw-posts-000001"
    client.indices.put_index_template(name=f"{prefix}-raw", **docs.load_template(f"{prefix}-raw"))
    client.indices.create(index=raw_index)
    actions = [{"_index": raw_index, "_id": p.id, "_source": docs.document(p, t)} for p, t in zip(posts, terms)]
    try:
        started = time.perf_counter()
        for start in range(0, len(actions), BATCH):
            helpers.bulk(client, actions[start:start + BATCH], chunk_size=1_000, refresh=False)
            client.indices.refresh(index=raw_index)
        raw_s = time.perf_counter() - started
        print(f"floor: raw Elasticsearch bulk {raw_s:.1f} s", flush=True)
        client.indices.delete(index=raw_index)
        del actions
        store_s = _ingest(store, posts, "Elasticsearch store")
        figures = {"raw_s": raw_s, "store_s": store_s, "searches": _searches(store, factory)}
        _check_recrawl(store, posts[:BATCH], figures)
        return figures
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.indices.delete_index_template(name=f"{prefix}-raw")
        client.indices.delete_index_template(name=store.alias)
        store.close()


def _ingest(store, posts, name: str) -> float:
    started = time.perf_counter()
    for start in range(0, len(posts), BATCH):
        report = store.upsert_many(posts[start:start + BATCH])
        if report.rejected:
            raise RuntimeError(f"{name} rejected {len(report.rejected)} bench posts: {report.rejected[0]}")
    seconds = time.perf_counter() - started
    if store.count() != len(posts):
        raise RuntimeError(f"{name} holds {store.count()} posts after ingesting {len(posts)}")
    print(f"{name}: upsert_many {seconds:.1f} s", flush=True)
    return seconds


def _check_recrawl(store, posts, figures: dict) -> None:
    """A re-crawl of unchanged posts: reported as updates, no segmentation needed."""
    started = time.perf_counter()
    report = store.upsert_many(posts)
    figures["recrawl_per_s"] = len(posts) / (time.perf_counter() - started)
    assert len(report.updated) == len(posts)


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


def _print_tables(n: int, seg_s: float, rows: dict) -> None:
    print(f"\nIngest of {n:,} posts (batches of {BATCH:,}); floor = jieba {seg_s:.1f} s + raw client write")
    print(f"{'backend':<14}{'floor s':>9}{'floor posts/s':>15}{'store s':>9}{'store posts/s':>15}"
          f"{'share':>8}{'re-crawl/s':>12}  target >= {TARGET_SHARE:.0%}")
    for backend, f in rows.items():
        floor_s = seg_s + f["raw_s"]
        share = floor_s / f["store_s"]
        verdict = "ok" if share >= TARGET_SHARE else "BELOW TARGET"
        print(f"{backend:<14}{floor_s:>9.1f}{n / floor_s:>15,.0f}{f['store_s']:>9.1f}{n / f['store_s']:>15,.0f}"
              f"{share:>8.0%}{f['recrawl_per_s']:>12,.0f}  {verdict}")
    print(f"\nSearch latency at {n:,} posts, {RUNS} runs each (ms); target p95 < {TARGET_P95_MS:.0f} ms")
    print(f"{'backend':<14}{'query':<38}{'p50':>8}{'p95':>8}{'matches':>9}")
    for backend, f in rows.items():
        for name, p50, p95, total in f["searches"]:
            flag = "" if p95 < TARGET_P95_MS else "  SLOW"
            print(f"{backend:<14}{name:<38}{p50:>8.1f}{p95:>8.1f}{total:>9,}{flag}")
