"""Text bound for a spreadsheet cell. Crawled titles and summaries reach the ledger's Excel export; a
cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is taken for a
formula by Excel and LibreOffice, which can fetch URLs or run commands when the file is opened. Every
spreadsheet writer passes each text cell through ``safe_cell``."""

from __future__ import annotations

from typing import Any

from core.text import xml_safe

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell may safely hold it: text that a spreadsheet would read as a formula gets a
    leading apostrophe (shown as text, never evaluated); characters XML cannot hold are dropped.
    Numbers, dates and None pass unchanged."""
    if not isinstance(value, str):
        return value
    text = xml_safe(value)                   # the writers' rule: openpyxl refuses what XML 1.0 cannot hold
    return "'" + text if text.startswith(FORMULA_STARTS) else text
