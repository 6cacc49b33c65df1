"""The audit log's anchor outside the database: an append-only file of signed heads (last seq and hash).

The chain inside the database shows an edited or removed entry, but whoever can write the database can also cut
its tail, drop entries and re-compute every hash after them, or empty both tables; all of that is again a
consistent chain. The anchor file is what such a person cannot rewrite (another volume or host, an append-only
file attribute, another owner: see SECURITY.md): every committed head is appended to it, signed with
HMAC-SHA256 under a key from the settings (``audit_hmac_key``, never stored in the database), and
``AuditLog.verify`` compares the chain with the newest anchor. A stolen database file then carries nothing that
lets its holder forge an anchor.

Promises:
- ``append`` adds one JSON line (seq, hash, time, reason, mac) with ``O_APPEND`` and fsyncs it; it never
  rewrites or truncates the file. Lines are a few hundred bytes, so appends of several processes do not
  interleave.
- ``latest`` returns the anchor with the highest seq among the readable lines of the file's last
  ``TAIL_BYTES`` (several processes append, not always in seq order), with one sentence per line whose
  signature does not verify under the configured key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

TAIL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    mac: str                             # hex HMAC-SHA256, "" when no key was configured
    reason: str = ""


@dataclass(frozen=True)
class AnchorReading:
    latest: Anchor | None
    problems: tuple[str, ...] = ()


class AuditAnchor:
    """Signed audit heads appended to ``path`` (see the module's promises); ``key`` empty means unsigned."""

    def __init__(self, path: Path | str, key: str = ""):
        self.path = Path(path)
        self._key = key.encode("utf-8")
        self._last: tuple[int, str] | None = None

    @property
    def keyed(self) -> bool:
        return bool(self._key)

    def sign(self, seq: int, head_hash: str) -> str:
        """The head's signature (hex), '' without a key."""
        if not self._key:
            return ""
        return hmac.new(self._key, f"yuqing-audit-head:{seq}:{head_hash}".encode("utf-8"), hashlib.sha256).hexdigest()

    def append(self, seq: int, head_hash: str, at: datetime, reason: str = "") -> Anchor:
        """Append the signed head (skipped when this object anchored the same head last, unless ``reason``
        asks for a line of its own, e.g. a daily report); OSError when the file cannot be written."""
        anchor = Anchor(seq=seq, hash=head_hash, at=at.isoformat(), mac=self.sign(seq, head_hash), reason=reason)
        if self._last == (seq, head_hash) and not reason:
            return anchor
        line = json.dumps({"seq": seq, "hash": head_hash, "at": anchor.at, "reason": reason, "mac": anchor.mac},
                          ensure_ascii=False, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self._last = (seq, head_hash)
        return anchor

    def latest(self) -> AnchorReading:
        """The newest anchor and the problems found reading the file's tail (None: no anchor yet)."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                start = max(0, size - TAIL_BYTES)
                handle.seek(start)
                tail = handle.read()
        except FileNotFoundError:
            return AnchorReading(None)
        except OSError as error:
            return AnchorReading(None, (f"审计锚点文件 {self.path} 无法读取（{error.strerror}）。",))
        lines = tail.split(b"\n")
        if start:
            lines = lines[1:]                        # the first line of a tail may be cut
        best: Anchor | None = None
        problems: list[str] = []
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            anchor = self._parse(raw)
            if anchor is None:
                problems.append(f"审计锚点文件 {self.path} 末段第 {number} 行无法解析（锚点文件被改写）。")
            elif self._key and not hmac.compare_digest(anchor.mac, self.sign(anchor.seq, anchor.hash)):
                problems.append(f"审计锚点文件 {self.path} 末段第 {number} 行（第 {anchor.seq} 条）签名无效"
                                "（锚点被伪造，或审计密钥已更换）。")
            elif best is None or anchor.seq > best.seq:
                best = anchor
        return AnchorReading(best, tuple(problems))

    @staticmethod
    def _parse(raw: bytes) -> Anchor | None:
        try:
            data = json.loads(raw)
            return Anchor(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]), mac=str(data["mac"]),
                          reason=str(data.get("reason", "")))
        except (ValueError, KeyError, TypeError):
            return None
