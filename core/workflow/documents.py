"""Markdown (as the press templates write it) to DOCX, with PNG charts embedded where the text names
them (``![name](name)``). Handles what the templates use: headings, paragraphs, numbered and bulleted
lists, pipe tables and bold question lines."""

from __future__ import annotations

import io
import re
from typing import Mapping

from core.markdown import unescape_markdown
from core.text import xml_safe
from core.workflow.official_docx import OfficialLayout, apply_official_layout

_IMAGE = re.compile(r"^!\[[^\]]*\]\(([^)]+)\)$")
_NUMBERED = re.compile(r"^\d+\.\s+")
_CELL_BORDER = re.compile(r"(?<!\\)\|")           # an escaped pipe (\|) is text inside a cell


def markdown_to_docx(markdown: str, images: Mapping[str, bytes] | None = None,
                     layout: OfficialLayout | None = None) -> bytes:
    """A DOCX document of the Markdown text; images named in it are taken from ``images``; with ``layout``,
    in the official-document layout (core/workflow/official_docx.py)."""
    from docx import Document
    from docx.shared import Cm

    images = images or {}
    markdown = xml_safe(markdown)            # report text quotes crawled titles: one control character breaks DOCX
    doc = Document()
    table_rows: list[list[str]] = []
    for line in markdown.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in _CELL_BORDER.split(stripped.strip("|"))]
            if not all(set(c) <= set("-: ") for c in cells):
                table_rows.append(cells)
            continue
        if table_rows:
            _table(doc, table_rows)
            table_rows = []
        if not stripped:
            continue
        image = _IMAGE.match(stripped)
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            doc.add_heading(_plain(stripped[level:].strip()), level=min(level, 4))
        elif image and image.group(1) in images:
            doc.add_picture(io.BytesIO(images[image.group(1)]), width=Cm(15))
        elif stripped.startswith("- "):
            doc.add_paragraph(_plain(stripped[2:]), style="List Bullet")
        elif _NUMBERED.match(stripped):
            doc.add_paragraph(_plain(stripped), style="Normal")
        elif stripped.startswith("**") and stripped.endswith("**"):
            doc.add_paragraph().add_run(_plain(stripped)).bold = True
        else:
            doc.add_paragraph(_plain(stripped))
    if layout is not None:
        apply_official_layout(doc, layout)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _plain(text: str) -> str:
    # Bold markers go; what the report escaped (core.markdown) comes back as the text it was.
    return unescape_markdown(text.replace("**", "").replace("`", ""))


def _table(doc, rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = _plain(text)
