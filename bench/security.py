"""Security figures (issue 12, items 2 and 6): what checking a hostile or a large evidence pack costs in time and
peak memory, and what anchoring the audit head outside the database adds to each audit entry."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import tracemalloc
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from core.clock import ManualClock
from core.settings import load_settings
from core.workflow.evidence import PackLimits, verify_pack
from infra.runtime import open_runtime

MB = 1024 * 1024
START = datetime(2026, 11, 29, tzinfo=timezone.utc)


def _pack(path: Path, size_mb: int, block, compression: int) -> None:
    digest = hashlib.sha256()
    name = "attachments/big.txt"
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = compression
        with archive.open(info, "w", force_zip64=True) as handle:
            for _ in range(size_mb):
                data = block()
                digest.update(data)
                handle.write(data)
        manifest = json.dumps({"files": [{"path": name, "sha256": digest.hexdigest()}]}).encode()
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sha256", hashlib.sha256(manifest).hexdigest() + "  manifest.json\n")


def _measure(label: str, path: Path, limits: PackLimits) -> None:
    tracemalloc.start()
    began = time.perf_counter()
    report = verify_pack(path, limits=limits)
    spent = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    outcome = "intact" if report.ok else "refused"
    print(f"security  {label:<44} zip {path.stat().st_size / MB:7.1f} MB  {spent:6.2f} s  "
          f"peak {peak / MB:6.1f} MB  {outcome}")


def _audit_appends(folder: Path, anchored: bool, count: int = 300) -> float:
    overrides = {"data_dir": str(folder / ("anchored" if anchored else "plain"))}
    if anchored:
        overrides["audit_hmac_key"] = "bench-key"
    runtime = open_runtime(load_settings(environ={"YUQING_CONFIG": str(folder / "-.toml")}, overrides=overrides),
                           clock=ManualClock(START), bcrypt_rounds=4)
    audit = runtime.workflow.audit
    if not anchored:
        audit.anchor = None
    began = time.perf_counter()
    for number in range(count):
        audit.record("bench", "bench.action", f"bench:{number}")
    spent = time.perf_counter() - began
    runtime.close()
    return spent / count


def run(args) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        bomb = root / "bomb.zip"
        _pack(bomb, 1024, lambda: bytes(MB), zipfile.ZIP_DEFLATED)
        _measure("zip bomb (1 GB of zeros), default limits", bomb, PackLimits())
        large = root / "large.zip"
        _pack(large, 200, lambda: os.urandom(MB), zipfile.ZIP_STORED)
        _measure("honest pack, one 200 MB file", large, PackLimits())
        plain, anchored = _audit_appends(root, False), _audit_appends(root, True)
        print(f"security  audit entry without anchor {plain * 1000:7.2f} ms   with signed anchor (fsync) "
              f"{anchored * 1000:7.2f} ms")
