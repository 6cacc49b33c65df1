"""Text from the web shown as text. Streamlit renders ``st.markdown`` as Markdown (with its own
directives such as ``:red[...]`` and ``$...$``); ``plain`` escapes every character that Markdown,
those directives or HTML could act on, so a post holding ``<script>`` or ``[link](...)`` shows exactly
what it holds and nothing runs or links."""

from __future__ import annotations

from datetime import datetime

from core.clock import CHINA_TZ
from core.markdown import escape_markdown

def plain(text: str | None) -> str:
    """Markdown that renders as exactly ``text`` (line breaks kept), with no link, image or markup
    (``core.markdown.escape_markdown``, the one escaping rule for crawled text in Markdown)."""
    return escape_markdown(text)


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


# Option labels of pickers must not change while a person works: Streamlit resets a picker whose option
# labels change, so they name the thing by what stays fixed (title and time), never by state or grade.

def alert_label(alert) -> str:
    return f"{alert.title}（{short_time(alert.raised_at)} 预警）"


def event_label(event) -> str:
    return f"{event.title}（{short_time(event.first_seen)} 首发）"
