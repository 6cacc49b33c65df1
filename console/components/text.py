"""Text from the web shown as text. Streamlit renders ``st.markdown`` as Markdown (with its own
directives such as ``:red[...]`` and ``$...$``); ``plain`` escapes every character that Markdown,
those directives or HTML could act on, so a post holding ``<script>`` or ``[link](...)`` shows exactly
what it holds and nothing runs or links."""

from __future__ import annotations

from datetime import datetime

from core.clock import CHINA_TZ

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all leaves no
# Markdown, HTML, LaTeX or Streamlit directive syntax standing.
_PUNCTUATION = set("\\`*_{}[]()#+-.!|<>~$:=\"'&;/@%^?,")


def plain(text: str | None) -> str:
    """Markdown that renders as exactly ``text`` (line breaks kept)."""
    if not text:
        return ""
    escaped = "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in str(text))
    # A single newline is a space in Markdown; two trailing spaces keep the author's line breaks.
    return "  \n".join(line.strip("\r") for line in escaped.split("\n"))


def short_time(moment: datetime | None) -> str:
    """``11-29 08:30`` in China time, or ``—``."""
    return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M") if moment else "—"


def full_time(moment: datetime | None) -> str:
    """``2026-11-29 08:30`` in China time, or ``—``."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def duration(seconds: float) -> str:
    """``3小时12分`` / ``超时 1小时5分`` style Chinese durations."""
    late = seconds < 0
    seconds = abs(int(seconds))
    hours, minutes = divmod(seconds // 60, 60)
    text = f"{hours}小时{minutes}分" if hours else f"{minutes}分"
    return f"超时 {text}" if late else text
