"""Crawl health and crawl state in the state database: replacing runs by id, newest first; watermarks that
never move back; seen ids, aliases and the near-duplicate index; the deployment-wide ingest lock across
processes, which commits a block's writes together and keeps SQLite's write lock free meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from core.crawl_health import CrawlRun, judge_all

from .conftest import finish

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


def _run(run_id: str, source: str, hours: float, **changes) -> CrawlRun:
    values = dict(run_id=run_id, source=source, spider="news", started_at=T0 + timedelta(hours=hours),
                  finished_at=T0 + timedelta(hours=hours, minutes=3), finish_reason="finished", pages=4,
                  items_parsed=20, items_new=3, error_samples=("timeout: 1", "HTTP 500"), blocked_reasons=(),
                  newest_published_at=T0)
    values.update(changes)
    return CrawlRun(**values)


def test_crawl_runs_are_replaced_by_id_and_listed_newest_first(state):
    health = state.crawl_health
    health.record(_run("r1", "news", 1))
    health.record(_run("r2", "tieba", 2, blocked=True, blocked_reasons=("HTTP 403",), finished_at=None))
    health.record(_run("r3", "news", 3, truncated=True, truncated_reason="页数上限"))
    health.record(_run("r1", "news", 1, items_new=9))                       # the same run, finished later
    assert [r.run_id for r in health.runs()] == ["r3", "r2", "r1"]
    assert [r.run_id for r in health.runs("news", limit=1)] == ["r3"]
    assert health.get("r1") == _run("r1", "news", 1, items_new=9)
    assert health.get("r2").blocked_reasons == ("HTTP 403",) and health.get("r2").finished_at is None
    assert health.get("missing") is None
    assert health.sources() == ["news", "tieba"]
    verdicts = {h.source: h.verdict for h in judge_all(health, ["weibo"], T0 + timedelta(hours=4), 86400)}
    assert verdicts == {"news": "ok", "tieba": "blocked", "weibo": "unknown"}


def test_a_watermark_moves_forward_only_after_complete_runs(state):
    crawl = state.crawl_state
    assert crawl.watermark("news") == (None, False)
    crawl.finish_run("news", T0, True, T0)
    assert crawl.watermark("news") == (T0, True)
    crawl.finish_run("news", T0 - timedelta(hours=1), True, T0)           # an older complete run: never back
    assert crawl.watermark("news") == (T0, True)
    crawl.finish_run("news", T0 + timedelta(hours=5), False, T0)          # blocked or truncated: kept, incomplete
    assert crawl.watermark("news") == (T0, False)
    crawl.finish_run("news", datetime(2026, 11, 26, 10, 0), True, T0)     # naive: China time (02:00 UTC)
    assert crawl.watermark("news") == (T0 + timedelta(hours=2), True)
    assert crawl.watermark("tieba") == (None, False)


def test_seen_ids_and_aliases(state):
    crawl = state.crawl_state
    crawl.mark_seen(["weibo:1", "weibo:2"])
    crawl.mark_seen(["weibo:2", "weibo:3"])                               # idempotent
    many = [f"news:{i}" for i in range(1200)]
    crawl.mark_seen(many[::2])
    assert crawl.seen(["weibo:1", "weibo:3", "weibo:9"]) == {"weibo:1", "weibo:3"}
    assert crawl.seen(many) == set(many[::2])                             # more ids than one IN list holds
    assert crawl.seen([]) == set()
    crawl.set_aliases({"weibo:9": "weibo:1", "weibo:8": "weibo:1"})
    crawl.set_aliases({"weibo:9": "weibo:2"})                             # a later alias replaces
    assert (crawl.alias_of("weibo:9"), crawl.alias_of("weibo:8"), crawl.alias_of("weibo:1")) == (
        "weibo:2", "weibo:1", None)


def test_candidates_share_a_band_key_in_the_same_band(state):
    crawl = state.crawl_state
    crawl.index([("a", b"sig-a", [10, 11, 12]), ("b", b"sig-b", [20, 11, 22]), ("c", b"sig-c", [12, 30, 31])])
    crawl.index([("a", b"other", [40, 41, 42])])                          # indexed before: the first one stays
    assert crawl.candidates([10, 99, 99]) == {"a": b"sig-a"}
    assert crawl.candidates([99, 11, 99]) == {"a": b"sig-a", "b": b"sig-b"}
    assert crawl.candidates([99, 12, 99]) == {}                           # 12 is only a's band 2 and c's band 0
    assert crawl.candidates([40, 41, 42]) == {}
    assert crawl.candidates([2 ** 63 - 1, 0, 1]) == {}
    crawl.index([("d", b"sig-d", [2 ** 63 - 1, 0, 1])])                   # keys are 63-bit
    assert crawl.candidates([2 ** 63 - 1, 5, 5]) == {"d": b"sig-d"}


def test_candidates_of_a_whole_batch_come_in_one_call_and_in_order(state):
    crawl = state.crawl_state
    crawl.index([(f"p{i}", f"sig-{i}".encode(), [i * 100 + band for band in range(16)]) for i in range(200)])
    queries = [[i * 100 + band if band == i % 16 else -1 for band in range(16)] for i in range(200)]
    queries.append([-7] * 16)                                           # shares nothing
    with crawl.exclusive():                                              # 3,200 keys: more than one query
        crawl.index([("new", b"sig-new", [-1] * 16)])
        found = crawl.candidates_many(queries)
    assert found[:3] == [{"p0": b"sig-0", "new": b"sig-new"}, {"p1": b"sig-1", "new": b"sig-new"},
                         {"p2": b"sig-2", "new": b"sig-new"}]
    assert all(found[i].keys() == {f"p{i}", "new"} for i in range(200)) and found[200] == {}
    assert crawl.candidates_many([]) == [] and crawl.candidates_many([[]]) == [{}]


def test_an_exclusive_block_commits_its_writes_together_and_reads_them_meanwhile(target):
    state, other = target.open(), target.open()
    try:
        crawl = state.crawl_state
        with crawl.exclusive() as locked:
            locked.mark_seen(["p1"])
            locked.index([("p1", b"sig", [1, 2])])
            locked.set_aliases({"c1": "p1"})
            locked.finish_run("news", T0, True, T0)
            with crawl.exclusive():                                        # nested: joins the block
                assert crawl.seen(["p1"]) == {"p1"} and crawl.alias_of("c1") == "p1"
                assert crawl.candidates([1, 0]) == {"p1": b"sig"} and crawl.watermark("news") == (T0, True)
            assert other.crawl_state.seen(["p1"]) == set() and other.crawl_state.watermark("news") == (None, False)
        assert other.crawl_state.seen(["p1"]) == {"p1"} and other.crawl_state.candidates([1, 9]) == {"p1": b"sig"}
        with pytest.raises(RuntimeError):
            with crawl.exclusive():
                crawl.mark_seen(["p2"])
                crawl.set_aliases({"c2": "p1"})
                raise RuntimeError("the post store failed")
        assert other.crawl_state.seen(["p2"]) == set() and other.crawl_state.alias_of("c2") is None
    finally:
        state.close()
        other.close()


def test_an_open_block_leaves_the_database_writable_for_others(target):
    state, other = target.open(), target.open()
    inside, leave = threading.Event(), threading.Event()

    def ingest():
        with state.crawl_state.exclusive():
            state.crawl_state.mark_seen(["p1"])
            inside.set()
            leave.wait(30)

    thread = threading.Thread(target=ingest)
    thread.start()
    try:
        assert inside.wait(30)
        started = time.monotonic()
        other.worker_status.beat("running", 10)                            # the worker's heartbeat, meanwhile
        other.crawl_state.mark_seen(["p9"])
        assert time.monotonic() - started < 5
    finally:
        leave.set()
        thread.join()
        state.close()
        other.close()


def test_two_processes_take_turns_in_exclusive_blocks(target):
    target.open().close()                         # migrated before the race starts
    body = """
        crawl = state.crawl_state
        for _ in range(25):
            with crawl.exclusive():
                value = int(crawl.alias_of("counter") or 0)
                time.sleep(0.002)                 # widen the window a lost update would need
                crawl.set_aliases({"counter": str(value + 1)})
        print(json.dumps("done"))
    """
    processes = [target.spawn(body) for _ in range(2)]
    assert [finish(p) for p in processes] == [["done"], ["done"]]
    state = target.open()
    try:
        assert state.crawl_state.alias_of("counter") == "50"
    finally:
        state.close()
