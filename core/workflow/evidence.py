"""Evidence packs (法发〔2016〕22号; 公安部《电子数据取证规则》): a zip holding, for each post, its raw payload
(``posts/<n>-<id>/raw.json``) and captured page (``page.html``), plus attachments, a DOCX summary, and a
``manifest.json`` naming every file with its SHA-256, size, capture time, method and operator. The
manifest's own SHA-256 is written to ``manifest.sha256`` and recorded in the workflow database.
``verify_pack`` re-checks a pack and names every file that changed, went missing or was added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from core.post import Post
from core.workflow.model import Attachment, Escalation, PackReport


@dataclass(frozen=True)
class PackInfo:
    path: Path
    manifest_sha256: str
    files: int


def build_pack(path: Path, escalation: Escalation, posts: Sequence[Post], operator: str, built_at: datetime,
               attachments: Sequence[Attachment] = (), county: str = "渠县") -> PackInfo:
    """Write the pack to ``path`` (atomically: a temporary file renamed into place)."""
    raise NotImplementedError


def verify_pack(path: Path | str, expected_manifest_sha256: str | None = None) -> PackReport:
    """Re-check every file against the manifest and the manifest against its hash (and, when given, the
    hash recorded in the database)."""
    raise NotImplementedError
