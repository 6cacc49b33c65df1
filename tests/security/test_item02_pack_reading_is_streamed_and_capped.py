"""Item 2: checking a pack reads it as a stream with caps. A small zip that inflates to hundreds of MB is refused
unread, a large honest pack is hashed in flat memory, and the console's 证据包校验 form has an upload limit of
its own (not Streamlit's 200 MB default)."""

from __future__ import annotations

import hashlib
import json
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

from console import data
from core.settings import load_settings
from core.workflow.evidence import PackLimits, verify_pack
from tests.console.conftest import login, open_page
from tests.security.desk import PASSWORD, open_desk

MB = 1024 * 1024


def write_pack(path: Path, name: str, writer, size: int, compression=zipfile.ZIP_DEFLATED) -> None:
    """A pack of one file of ``size`` bytes produced by ``writer(handle)`` in 1 MB pieces, with a manifest
    that lists its true hash (the bomb is 'honest' about its content: only its size gives it away)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = compression
        with archive.open(info, "w", force_zip64=True) as handle:
            for _ in range(size // MB):
                block = writer()
                digest.update(block)
                handle.write(block)
        manifest = json.dumps({"files": [{"path": name, "sha256": digest.hexdigest(), "size": size}]}).encode()
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sha256", hashlib.sha256(manifest).hexdigest() + "  manifest.json\n")


def measured(function):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1], time.perf_counter() - started
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = tmp_path / "bomb.zip"
    info_name = "posts/001-weibo_1/raw.json"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(info_name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as handle:
            for _ in range(300):
                handle.write(bytes(MB))
        archive.writestr("manifest.json", json.dumps({"files": [{"path": info_name, "sha256": "0" * 64}]}))
    assert bomb.stat().st_size < 2 * MB
    report, peak, seconds = measured(lambda: verify_pack(bomb))
    assert not report.ok and "压缩" in report.message
    assert peak < 16 * MB and seconds < 5, (peak, seconds)


def test_a_pack_over_the_configured_total_is_refused_by_the_cli(tmp_path, capsys):
    from infra.cli import main as cli

    pack = tmp_path / "big.zip"
    write_pack(pack, "attachments/video.txt", lambda: os.urandom(MB), 3 * MB, zipfile.ZIP_STORED)
    code = cli(["--set", f"data_dir={tmp_path / 'data'}", "--set", "pack_unpacked_max_mb=2", "verify-pack", str(pack)])
    assert code == 1 and "超过上限" in capsys.readouterr().out


def test_a_large_honest_pack_is_hashed_in_flat_memory(tmp_path):
    pack = tmp_path / "large.zip"
    write_pack(pack, "attachments/recording.txt", lambda: os.urandom(MB), 40 * MB, zipfile.ZIP_STORED)
    report, peak, _ = measured(lambda: verify_pack(pack, limits=PackLimits(max_total_bytes=64 * MB)))
    assert report.ok and report.files == 1
    assert peak < 8 * MB, peak


def test_the_console_form_declares_an_upload_limit_from_the_settings(tmp_path, monkeypatch):
    desk = open_desk(tmp_path)
    desk.close()
    for name in ("YUQING_CONFIG", "YUQING_STORE", "YUQING_STATE_DB_URL", "YUQING_PROFILE", "YUQING_EVIDENCE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YUQING_PACK_UPLOAD_MAX_MB", "7")
    data.bind(load_settings())
    page = open_page(login("police-liaison", PASSWORD), "escalations")
    assert not page.exception, page.exception
    uploaders = [e for e in page.get("file_uploader") if "证据包" in e.proto.label]
    assert uploaders, "the 证据包校验 form shows no upload field"
    assert uploaders[0].proto.max_upload_size_mb == 7 and "不超过 7 MB" in uploaders[0].proto.label
