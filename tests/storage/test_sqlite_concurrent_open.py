"""Several processes opening one new SQLite store at once (crawls started together on a fresh machine)
all get a working store: the losers of the race to write the schema use the winner's."""

from __future__ import annotations

import multiprocessing

from core.storage import PostQuery
from infra.storage.sqlite import SqlitePostStore


def _open_and_count(path: str, start, results) -> None:
    start.wait(timeout=120)  # every process is ready before any opens the file
    try:
        store = SqlitePostStore(path)
        results.put(store.count(PostQuery()))
        store.close()
    except Exception as error:  # reported to the parent, which fails the test with it
        results.put(repr(error))


def test_processes_opening_a_new_store_together_all_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(7), context.Queue()
    path = str(tmp_path / "posts.db")
    workers = [context.Process(target=_open_and_count, args=(path, start, results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    start.wait(timeout=120)
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes == [0] * 6
