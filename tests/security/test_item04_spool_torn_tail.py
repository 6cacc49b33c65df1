"""Item 4: a batch acknowledged as spooled is never lost. After a torn append (a crash or a full disk
mid-write) the next batch gets a line of its own, and a damaged line is set aside while replay goes on."""

from __future__ import annotations

import json
from pathlib import Path

from infra.storage.spool import SpooledReport, SpoolingPostStore
from infra.storage.sqlite import SqlitePostStore
from tests.security.desk import crawled


class Outage:
    """The real SQLite post store behind a folder that is a plain file while 'down' (opening it fails with
    StorageUnavailable, as on a lost mount) and a folder again once 'up'."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.write_text("the disk is not mounted")
        self.opened: SqlitePostStore | None = None

    def open(self) -> SqlitePostStore:
        self.opened = SqlitePostStore(self.folder / "posts.db")
        return self.opened

    def restore(self) -> None:
        self.folder.unlink()
        self.folder.mkdir()


def segment_of(spool: Path) -> Path:
    return sorted(spool.glob("segment-*.jsonl"))[-1]


def test_a_batch_spooled_after_a_torn_append_is_replayed(tmp_path):
    outage = Outage(tmp_path / "store")
    spool = SpoolingPostStore(None, tmp_path / "spool", opener=outage.open)
    first = spool.upsert_many([crawled(1), crawled(2)])
    assert isinstance(first, SpooledReport) and first.spooled == ["weibo:1", "weibo:2"]
    torn = json.dumps({"posts": [crawled(3)]}, ensure_ascii=False).encode()
    with segment_of(tmp_path / "spool").open("ab") as handle:     # the process died half-way through a write
        handle.write(torn[: len(torn) // 2])
    second = spool.upsert_many([crawled(4), crawled(5)])
    assert isinstance(second, SpooledReport) and second.spooled == ["weibo:4", "weibo:5"]

    outage.restore()
    spool.replay()
    stored = outage.opened.get_many(["weibo:1", "weibo:2", "weibo:4", "weibo:5"])
    assert sorted(p.id for p in stored) == ["weibo:1", "weibo:2", "weibo:4", "weibo:5"]
    assert spool.pending() == 0
    kept = list((tmp_path / "spool" / "quarantine").iterdir())
    assert [p.read_bytes() for p in kept] == [torn[: len(torn) // 2]]          # the torn bytes are kept, not stored


def test_a_damaged_line_is_set_aside_and_the_batches_after_it_replay(tmp_path):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    lines = [json.dumps({"posts": [crawled(n)]}, ensure_ascii=False) for n in (1, 2)]
    (spool_dir / "segment-000000000001.jsonl").write_text(lines[0] + "\n{\"posts\": [\x00garbage\n" + lines[1] + "\n")
    store = SqlitePostStore(tmp_path / "posts.db")
    spool = SpoolingPostStore(store, spool_dir)
    assert spool.replay() == 2
    assert sorted(p.id for p in store.get_many(["weibo:1", "weibo:2"])) == ["weibo:1", "weibo:2"]
    assert spool.pending() == 0
    assert [p.read_bytes() for p in (spool_dir / "quarantine").iterdir()] == [b"{\"posts\": [\x00garbage"]
    store.close()
