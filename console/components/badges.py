"""Badges as Streamlit Markdown (``:color-badge[...]``) for grades, states and response clocks. The
labels are the vocabulary's words, never web text and never a code."""

from __future__ import annotations

from core.vocabulary import GRADE_NAMES, name_of, unknown
from core.workflow import ClockView

from console.components.text import duration

_GRADE_COLOURS = {"I": "red", "II": "orange", "III": "blue", "IV": "gray"}
_STAGE_COLOURS = {"running": "green", "warning_50": "blue", "warning_80": "orange", "overdue": "red",
                  "met": "gray", "cancelled": "gray"}
_ALERT_COLOURS = {"new": "red", "under_review": "orange", "confirmed": "blue", "dismissed": "gray",
                  "closed": "green"}
_RELEASE_COLOURS = {"draft": "gray", "checked": "blue", "signed": "orange", "approved": "violet",
                    "published": "green"}


def grade(grade_code: str) -> str:
    """``:red-badge[I级 特别重大]`` for grade I, and so on."""
    colour = _GRADE_COLOURS.get(grade_code, "gray")
    if grade_code not in GRADE_NAMES:
        return f":gray-badge[{unknown(grade_code)}]"
    return f":{colour}-badge[{grade_code}级 {GRADE_NAMES[grade_code]}]"


def alert_state(state: str) -> str:
    return f":{_ALERT_COLOURS.get(str(state), 'gray')}-badge[{name_of('alert_state', state)}]"


def release_status(status: str) -> str:
    return f":{_RELEASE_COLOURS.get(str(status), 'gray')}-badge[{name_of('release_status', status)}]"


def escalation_status(status: str) -> str:
    return f":blue-badge[{name_of('escalation_status', status)}]"


def clock(view: ClockView) -> str:
    """``:orange-badge[5小时信息发布 · 即将到期 · 剩余 0小时50分]``."""
    stage = str(view.stage)
    label = f"{name_of('clock_kind', view.clock.kind)} · {view.stage_name}"
    seconds = view.remaining.total_seconds()
    if stage not in ("met", "cancelled"):
        label += f" · {duration(seconds)}" if seconds < 0 else f" · 剩余 {duration(seconds)}"
    elif stage == "met" and view.late:
        return f":red-badge[{label} · {duration(seconds)}]"       # 超时完成 · 超时 8小时0分
    return f":{_STAGE_COLOURS.get(stage, 'gray')}-badge[{label}]"


def clocks(views: list[ClockView]) -> str:
    return " ".join(clock(v) for v in views) if views else ":gray-badge[未计时]"
