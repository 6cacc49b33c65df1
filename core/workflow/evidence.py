"""Evidence packs (法发〔2016〕22号; 公安部《电子数据取证规则》): a zip holding, for each post, its raw payload
(``posts/<n>-<id>/raw.json``), captured page (``page.html``) and capture record (``post.json``), plus
attachments, a DOCX summary, and a ``manifest.json`` naming every file with its SHA-256, size, capture
time, method and operator. The manifest's own SHA-256 is written to ``manifest.sha256`` and recorded in
the workflow database. ``verify_pack`` (``core.workflow.pack_check``, re-exported here) re-checks a pack as a
stream with size caps and names every file that changed, went missing or was added. Attachments go in only if
their bytes still have the SHA-256 recorded at upload."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.clock import CHINA_TZ
from core.errors import Conflict, StorageUnavailable
from core.files import open_private, private_dir
from core.text import xml_safe
from core.vocabulary import ESCALATION_NAMES, platform_name
from core.workflow.model import Attachment, Escalation
from core.workflow.pack_check import MANIFEST, MANIFEST_HASH, PackLimits, read_manifest, verify_pack

__all__ = ["MANIFEST", "MANIFEST_HASH", "PackInfo", "PackLimits", "attachment_bytes", "build_pack", "is_current",
           "verify_pack"]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PackInfo:
    path: Path
    manifest_sha256: str
    files: int


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _local(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def build_pack(path: Path, escalation: Escalation, posts: Sequence, operator: str, built_at: datetime,
               attachments: Sequence[Attachment] = (), county: str = "",
               coordination: Mapping[str, Any] | None = None) -> PackInfo:
    """Write the pack to ``path`` (atomically: a temporary file renamed into place). ``posts`` are
    ``core.post.Post`` objects; ids of the case that are no longer stored are listed as missing. ``county``
    heads the summary document (left out when empty). ``coordination`` (a ``SpreadAnalyst`` evidence document)
    goes in as ``analysis/coordination.json`` under the same manifest, and into the summary."""
    files: list[tuple[str, bytes, dict]] = []
    for number, post in enumerate(posts, start=1):
        folder = f"posts/{number:03d}-{_SAFE.sub('_', post.id)[:80]}"
        capture = {"post_id": post.id, "url": post.url, "captured_at": post.fetched_at.isoformat(),
                   "capture_method": post.capture_method or "未记录", "operator": operator}
        record = {**capture, "platform": post.platform, "source": post.source, "author": post.author,
                  "published_at": post.published_at.isoformat(), "title": post.title, "text": post.text,
                  "reposts": post.reposts, "comments": post.comments, "likes": post.likes,
                  "copies": [c.url for c in post.copies]}
        files.append((f"{folder}/post.json", _json(record), capture))
        files.append((f"{folder}/raw.json", _json(dict(post.raw)), capture))
        if post.page:
            files.append((f"{folder}/page.html", post.page.encode("utf-8"), capture))
    for attachment in attachments:
        data = attachment_bytes(attachment)
        files.append((f"attachments/{attachment.name}", data,
                      {"uploaded_by": attachment.uploaded_by, "uploaded_at": attachment.uploaded_at.isoformat(),
                       "operator": operator}))
    if coordination is not None:
        files.append(("analysis/coordination.json", _json(dict(coordination)),
                      {"method": str(coordination.get("method", "")),
                       "method_version": str(coordination.get("method_version", "")), "operator": operator}))
    found = {p.id for p in posts}
    missing_posts = [pid for pid in escalation.post_ids if pid not in found]
    summary = _summary_docx(escalation, posts, files, operator, built_at, county, missing_posts, coordination)
    files.append(("summary.docx", summary, {"operator": operator}))
    manifest = {
        "case": {"id": escalation.id, "alert_id": escalation.alert_id, "kind": escalation.kind.value,
                 "target": escalation.target.value, "summary": escalation.summary},
        "built_at": built_at.isoformat(), "operator": operator, "tool": "yuqing evidence pack v1",
        "missing_posts": missing_posts,
        "files": [{"path": name, "sha256": sha256(data), "size": len(data), **meta} for name, data, meta in files],
    }
    manifest_bytes = _json(manifest)
    digest = sha256(manifest_bytes)
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.tmp")
    with open_private(temporary) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, _ in files:
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(MANIFEST_HASH, f"{digest}  {MANIFEST}\n")
    os.replace(temporary, path)
    return PackInfo(path=path, manifest_sha256=digest, files=len(files))


def attachment_bytes(attachment: Attachment) -> bytes:
    """The attachment's stored bytes, checked against the SHA-256 recorded when it was uploaded: a file changed
    on disk since (by hand, by a disk fault) must not go into a pack as if it were the evidence."""
    try:
        data = Path(attachment.path).read_bytes()
    except OSError as error:
        raise StorageUnavailable(f"附件 {attachment.name} 的文件 {attachment.path} 无法读取（{error.strerror}），"
                                 "证据包未制作。请恢复该文件或重新上传附件。") from error
    actual = sha256(data)
    if actual != attachment.sha256:
        raise Conflict(f"附件 {attachment.name} 上传后在磁盘上被改动（登记 SHA-256 {attachment.sha256}，现为 {actual}），"
                       "证据包未制作。请核查该文件，从原件重新上传后再制作。")
    return data


def is_current(pack_path: str, attachments: Sequence[Attachment]) -> bool:
    """Whether the pack at ``pack_path`` holds exactly these attachments (by name and SHA-256); False for a
    pack that is missing or unreadable, so that it is rebuilt rather than served."""
    try:
        manifest = read_manifest(pack_path)
    except (OSError, ValueError, zipfile.BadZipFile, KeyError):
        return False
    packed = {f.get("path"): f.get("sha256") for f in manifest.get("files", ()) if isinstance(f, dict)
              and str(f.get("path", "")).startswith("attachments/")}
    return packed == {f"attachments/{a.name}": a.sha256 for a in attachments}


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def _summary_docx(escalation: Escalation, posts: Sequence, files, operator: str, built_at: datetime,
                  county: str, missing_posts: list[str], coordination: Mapping[str, Any] | None = None) -> bytes:
    """A human-readable summary of the case and of every item, with its integrity value."""
    from docx import Document

    doc = Document()
    doc.add_heading(xml_safe(f"{county}涉校网络{ESCALATION_NAMES[escalation.kind.value]}证据材料说明"), level=1)
    for label, value in (("案件编号", escalation.id), ("关联预警", escalation.alert_id),
                         ("移交对象", ESCALATION_NAMES[escalation.target.value]), ("制作人", operator),
                         ("制作时间", _local(built_at)), ("信息条数", str(len(posts)))):
        doc.add_paragraph(xml_safe(f"{label}：{value}"))
    doc.add_heading("案情摘要", level=2)
    doc.add_paragraph(xml_safe(escalation.summary))
    doc.add_heading("证据清单", level=2)
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "平台/作者", "发布时间", "采集时间与方式", "网址", "原始数据 SHA-256")):
        cell.text = text
    raw_hashes = {meta.get("post_id"): sha256(data) for name, data, meta in files if name.endswith("/raw.json")}
    for number, post in enumerate(posts, start=1):
        cells = table.add_row().cells
        values = (str(number), f"{platform_name(post.platform)} / {post.author or '未知'}", _local(post.published_at),
                  f"{_local(post.fetched_at)}；{post.capture_method or '未记录'}", post.url, raw_hashes.get(post.id, ""))
        for cell, text in zip(cells, values):
            cell.text = xml_safe(text)
    if missing_posts:
        doc.add_paragraph(xml_safe("以下信息已不在库中，未能收入：" + "、".join(missing_posts)))
    if coordination is not None:
        _coordination_section(doc, coordination)
    doc.add_heading("完整性校验", level=2)
    doc.add_paragraph("证据包内每个文件的 SHA-256 校验值列于 manifest.json，清单本身的校验值写于 manifest.sha256 "
                      "并记录于系统数据库。可使用命令 `yuqing verify-pack 证据包.zip` 复核。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _coordination_section(doc, coordination: Mapping[str, Any]) -> None:
    """The coordinated-amplification analysis, worded for the police liaison (the JSON holds every figure)."""
    doc.add_heading("协同传播（恶意炒作）分析", level=2)
    doc.add_paragraph(xml_safe(f"结论：{coordination.get('verdict', '')}（协同度 {coordination.get('score', '')} 分，"
                               f"方法版本 {coordination.get('method_version', '')}）"))
    for paragraph in coordination.get("explanation", ()):
        doc.add_paragraph(xml_safe(str(paragraph)))
    for reason in coordination.get("reasons", ()):
        doc.add_paragraph(xml_safe(str(reason)), style="List Bullet")
    accounts = list(coordination.get("accounts", ()))[:30]
    if accounts:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("账号", "信息条数", "首次发布时间", "命中检测项")):
            cell.text = text
        for account in accounts:
            values = (f"{account.get('name') or ''} {account.get('account', '')}".strip(), str(account.get("posts", "")),
                      str(account.get("first_post_at", "")), "、".join(account.get("signals", ())))
            for cell, text in zip(table.add_row().cells, values):
                cell.text = xml_safe(text)             # account names are crawled text
    doc.add_paragraph("全部账号、信息编号、时间与测量值见证据包内 analysis/coordination.json。")
