"""Checking an evidence pack that came from anywhere (a referral's copy, an upload in the console): the zip
is hostile until proved otherwise.

``verify_pack`` promises:
- It reads the central directory first and refuses, before inflating a byte, a pack with more than
  ``PackLimits.max_members`` entries, a declared uncompressed total above ``max_total_bytes``, an entry whose
  compression ratio is above ``max_ratio`` (a zip bomb), or two entries with one name (the second copy of a
  file is what an unzip tool shows, so a tampered copy hidden behind the original must not pass).
- Every file is hashed as a stream in ``CHUNK`` pieces: memory stays flat whatever the pack's size, and
  inflating stops at the size the directory declared.
- Without the expected manifest hash (recorded in the database when the pack was built, printed on the
  referral letter) only internal consistency can be checked: whoever edits a file can re-hash the manifest
  too. The report then says so (``authenticated`` False); ``ok`` alone never means "authentic".
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from core.workflow.model import PackReport

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
CHUNK = 1024 * 1024
_MANIFEST_MAX_BYTES = 32 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PackLimits:
    """What a pack may hold before it is refused unread (generous for real cases: thousands of posts with
    their pages and some screenshots)."""

    max_members: int = 20_000
    max_total_bytes: int = 2 * 1024 ** 3
    max_ratio: float = 200.0             # deflate reaches ~1000:1 on zeros; pages and JSON stay far below 200
    ratio_floor_bytes: int = 1024 * 1024  # small files may compress well without being a bomb


class PackRefused(ValueError):
    """A pack that cannot be checked safely; the message says why, in Chinese, for the person holding it."""


def normalise_expected(expected: str | None) -> str | None:
    """The expected manifest hash as 64 lower-case hex digits (spaces and case forgiven), None when empty;
    ValueError naming the problem otherwise."""
    if expected is None or not expected.strip():
        return None
    value = expected.strip().lower()
    if not _SHA256.match(value):
        raise ValueError(f"登记的清单哈希应为 64 位十六进制数字（SHA-256），收到 {len(value)} 个字符：{value[:80]}")
    return value


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file on disk, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_pack(path: Path | str, expected_manifest_sha256: str | None = None,
                limits: PackLimits = PackLimits()) -> PackReport:
    """Re-check every file against the manifest and the manifest against its hash and, when given, against the
    hash recorded in the database or printed on the referral letter (see the module's promises)."""
    try:
        expected = normalise_expected(expected_manifest_sha256)
    except ValueError as error:
        return PackReport(ok=False, files=0, manifest_ok=False, message=f"{error}。")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _admit(archive, limits)
            return _check(archive, members, expected)
    except PackRefused as refusal:
        return PackReport(ok=False, files=0, manifest_ok=False, message=f"{path} 被拒绝校验：{refusal}")
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, RuntimeError,
            NotImplementedError) as error:
        return PackReport(ok=False, files=0, manifest_ok=False, message=f"{path} 不是可读取的证据包：{error}")


def _admit(archive: zipfile.ZipFile, limits: PackLimits) -> dict[str, zipfile.ZipInfo]:
    """The pack's files by name, after the directory-only checks of the module's promises."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > limits.max_members:
        raise PackRefused(f"包含 {len(infos)} 个文件，超过上限 {limits.max_members}。")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise PackRefused(f"解压后共 {total} 字节，超过上限 {limits.max_total_bytes} 字节。")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in members:
            raise PackRefused(f"包内有两个同名文件 {info.filename}（证据包被篡改：解压时后者会覆盖前者）。")
        if info.file_size > limits.ratio_floor_bytes and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise PackRefused(f"文件 {info.filename} 的压缩比超过 {limits.max_ratio:g}:1（疑似压缩炸弹）。")
        members[info.filename] = info
    return members


def _check(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], expected: str | None) -> PackReport:
    if MANIFEST not in members:
        return PackReport(ok=False, files=0, manifest_ok=False, message=f"缺少 {MANIFEST}，无法校验。")
    manifest_bytes = _read_small(archive, members[MANIFEST])
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    recorded = _read_small(archive, members[MANIFEST_HASH]).decode("utf-8", "replace").split() \
        if MANIFEST_HASH in members else []
    consistent = bool(recorded) and recorded[0].lower() == digest
    authenticated = expected is not None and expected == digest
    manifest_ok = consistent and (expected is None or authenticated)
    try:
        listed = {f["path"]: f for f in json.loads(manifest_bytes)["files"]}
    except (ValueError, KeyError, TypeError):
        return PackReport(ok=False, files=0, manifest_ok=False, message=f"{MANIFEST} 已损坏，无法解析。")
    changed = tuple(sorted(name for name, entry in listed.items()
                           if name in members and _member_sha256(archive, members[name]) != entry.get("sha256")))
    missing = tuple(sorted(name for name in listed if name not in members))
    unexpected = tuple(sorted(set(members) - set(listed) - {MANIFEST, MANIFEST_HASH}))
    ok = manifest_ok and not (changed or missing or unexpected)
    problems = [f"文件被改动：{name}" for name in changed] + [f"文件缺失：{name}" for name in missing] + \
        [f"多出文件：{name}" for name in unexpected]
    if expected is not None and not authenticated:
        problems.insert(0, f"清单哈希 {digest} 与登记的 {expected} 不符（证据包被整体替换或改动）")
    if not consistent:
        problems.insert(0, "清单 manifest.json 与其校验值不符（清单被改动）")
    return PackReport(ok=ok, files=len(listed), changed=changed, missing=missing, unexpected=unexpected,
                      manifest_ok=manifest_ok, authenticated=ok and authenticated,
                      message=_message(ok, authenticated, problems))


def _message(ok: bool, authenticated: bool, problems: list[str]) -> str:
    if not ok:
        return "；".join(problems) + "。"
    if authenticated:
        return "证据包完整，所有文件校验一致，清单哈希与登记值相符。"
    return ("证据包内部一致，但未提供登记的清单哈希：只核对了包内文件与清单是否一致，不能证明证据包未被整体替换"
            "（改动者可以同时重算清单）。请与数据库记录或移交函上登记的清单哈希比对（--expect）。")


def read_manifest(path: Path | str) -> dict:
    """The parsed manifest of a pack this system built (for the staleness check); OSError, BadZipFile,
    KeyError or ValueError when it cannot be read."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(_read_small(archive, archive.getinfo(MANIFEST)))
    if not isinstance(manifest, dict):
        raise ValueError("manifest is not an object")
    return manifest


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _MANIFEST_MAX_BYTES:
        raise PackRefused(f"{info.filename} 有 {info.file_size} 字节，超过上限 {_MANIFEST_MAX_BYTES} 字节。")
    with archive.open(info) as handle:
        return handle.read(_MANIFEST_MAX_BYTES + 1)[:_MANIFEST_MAX_BYTES]


def _member_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as handle:           # inflates at most the declared size, checks the CRC at the end
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
