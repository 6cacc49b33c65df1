"""The ingest spool: a real Elasticsearch outage (a TCP proxy in front of the real node is cut and restored),
a full disk (/dev/full), an unwritable folder, torn lines after a crash."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.errors import StorageUnavailable
from core.post import Post
from core.settings import load_settings
from infra.runtime import open_runtime
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.spool import SpooledReport, SpoolingPostStore, SpoolUnavailable, check_spool_ready
from infra.storage.sqlite import SqlitePostStore

ES_URL = os.environ.get("YUQING_TEST_ES_URL")
T0 = datetime(2026, 11, 29, 0, 0, tzinfo=timezone.utc)


def make_posts(start: int, count: int, edition: str = "") -> list[Post]:
    return [Post(id=f"weibo:{n}", source="weibo-search", platform="weibo", url=f"https://m.weibo.cn/detail/{n}",
                 published_at=T0 + timedelta(minutes=n), fetched_at=T0 + timedelta(minutes=n, seconds=30),
                 text=f"渠县实验小学门口早上接送孩子的车太多了，第{n}条{edition}") for n in range(start, start + count)]


class Proxy:
    """A TCP proxy in front of a real server that can be cut (listener closed, live connections reset,
    new ones refused) and restored on the same port: the client sees a real outage."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        # shutdown wakes the thread blocked in accept(); close alone would leave the port listening.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.close()
                except OSError:
                    pass


@pytest.fixture
def es_through_proxy():
    if not ES_URL:
        pytest.skip("YUQING_TEST_ES_URL is not set: `make test` starts Elasticsearch and sets it")
    from elasticsearch import Elasticsearch

    host, port = ES_URL.split("//")[1].rstrip("/").split(":")
    proxy = Proxy((host, int(port)))
    prefix = f"spooltest{uuid.uuid4().hex[:8]}"
    store = ElasticsearchPostStore(proxy.url, index_prefix=prefix, timeout=3)
    direct = ElasticsearchPostStore(ES_URL, index_prefix=prefix, timeout=3)
    yield proxy, store, direct
    proxy.cut()
    store.close()
    direct.close()
    client = Elasticsearch(ES_URL)
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-posts")
    client.close()


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_an_elasticsearch_outage_during_ingest_loses_nothing_and_stores_nothing_twice(es_through_proxy, tmp_path):
    proxy, store, direct = es_through_proxy
    spooled = SpoolingPostStore(store, tmp_path / "spool")
    fed: set[str] = set()
    outage = (4, 24)                                  # seconds after the start: a 20 s outage
    started = time.monotonic()
    for batch in range(30):
        elapsed = time.monotonic() - started
        if outage[0] <= elapsed and proxy._listener.fileno() != -1 and elapsed < outage[1]:
            proxy.cut()
        if elapsed >= outage[1] and proxy._listener.fileno() == -1:
            proxy.restore()
        posts = make_posts(batch * 10, 20)           # overlapping batches: half of each is a re-crawl
        report = spooled.upsert_many(posts)
        assert not report.rejected
        fed.update(p.id for p in posts)
        if outage[0] + 1 < elapsed < outage[1]:
            assert isinstance(report, SpooledReport) and report.spooled
        time.sleep(max(0.0, started + (batch + 1) - time.monotonic()))
    assert spooled.pending() == 0                     # the first batches after the outage replayed the spool

    assert direct.count() == len(fed) == 310
    assert {p.id for p in direct.get_many(sorted(fed))} == fed


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_a_post_edited_during_an_outage_ends_with_its_latest_text(es_through_proxy, tmp_path):
    proxy, store, direct = es_through_proxy
    spooled = SpoolingPostStore(store, tmp_path / "spool")
    spooled.upsert_many(make_posts(0, 5))
    proxy.cut()
    spooled.upsert_many(make_posts(0, 5, edition="（第一次修改）"))
    spooled.upsert_many(make_posts(3, 5, edition="（第二次修改）"))
    assert spooled.pending() == 2
    with pytest.raises(StorageUnavailable):
        store.count()                                  # the outage is real for the client
    proxy.restore()

    deadline = time.monotonic() + 30
    while spooled.replay() == 0 and spooled.pending() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert spooled.pending() == 0
    texts = {p.id: p.text for p in direct.get_many([f"weibo:{n}" for n in range(8)])}
    assert texts["weibo:1"].endswith("（第一次修改）") and texts["weibo:4"].endswith("（第二次修改）")
    assert direct.count() == 8


def test_posts_that_fail_validation_are_rejected_not_spooled(tmp_path):
    spooled = SpoolingPostStore(SqlitePostStore(tmp_path / "posts.db"), tmp_path / "spool")
    good = make_posts(0, 1)[0].to_dict()
    bad = dict(good, id="weibo:bad", published_at="昨天")
    report = spooled.upsert_many([bad, good])
    assert report.new == ["weibo:0"]
    assert [(r.index, r.field) for r in report.rejected] == [(0, "published_at")]
    assert spooled.pending() == 0


def test_a_full_spool_disk_is_a_clear_error_and_the_caller_knows_the_batch_was_not_stored(tmp_path):
    folder = tmp_path / "spool"
    folder.mkdir()
    (folder / "segment-000000000001.jsonl").symlink_to("/dev/full")   # writes fail with ENOSPC
    spooled = SpoolingPostStore(SqlitePostStore(tmp_path / "posts.db"), folder)
    with pytest.raises(SpoolUnavailable, match="disk is full.*spool_dir.*not stored"):
        spooled.upsert_many(make_posts(0, 3))


def test_an_unwritable_or_nearly_full_spool_folder_is_refused_before_anything_starts(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SpoolUnavailable, match="not writable.*spool_dir"):
        check_spool_ready(blocker / "spool", min_free_mb=1)
    with pytest.raises(SpoolUnavailable, match="MB free.*spool_min_free_mb"):
        check_spool_ready(tmp_path / "spool", min_free_mb=10 ** 9)
    check_spool_ready(tmp_path / "spool", min_free_mb=1)


def test_a_torn_last_line_from_a_crash_is_skipped_and_earlier_batches_replay(tmp_path):
    folder = tmp_path / "spool"
    folder.mkdir()
    line = json.dumps({"posts": [p.to_dict() for p in make_posts(0, 4)]}, ensure_ascii=False)
    Path(folder / "segment-000000000001.jsonl").write_text(line + "\n" + line[: len(line) // 2])
    inner = SqlitePostStore(tmp_path / "posts.db")
    spooled = SpoolingPostStore(inner, folder)
    assert spooled.replay() == 1
    assert inner.count() == 4 and spooled.pending() == 0


@pytest.mark.elasticsearch
def test_a_crawl_that_starts_while_elasticsearch_is_down_spools_and_replays_later(es_through_proxy, tmp_path):
    proxy, store, direct = es_through_proxy
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "store": "elasticsearch", "es_url": proxy.url, "es_timeout": 2,
        "es_index_prefix": store.prefix})
    proxy.cut()
    with open_runtime(settings) as crawl:                   # what a crawl process writes through
        report = crawl.spooled_posts.upsert_many(make_posts(0, 6))
    assert isinstance(report, SpooledReport) and len(report.spooled) == 6

    proxy.restore()
    with open_runtime(settings) as later:                   # the next crawl, once the store is back
        later.spooled_posts.upsert_many(make_posts(6, 2))
        assert later.spooled_posts.pending() == 0 and direct.count() == 8
