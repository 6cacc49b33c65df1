"""Badges as Streamlit Markdown (``:color-badge[...]``) for grades, states and response clocks. The
labels are our own words, never web text."""

from __future__ import annotations

from core.event import GRADE_NAMES
from core.workflow import ClockView
from core.workflow.model import (ALERT_STATE_NAMES, CLOCK_NAMES, CLOCK_STAGE_NAMES, ESCALATION_NAMES,
                                 RELEASE_STATUS_NAMES)

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
    return f":{colour}-badge[{grade_code}级 {GRADE_NAMES.get(grade_code, '')}]"


def alert_state(state: str) -> str:
    return f":{_ALERT_COLOURS.get(str(state), 'gray')}-badge[{ALERT_STATE_NAMES.get(str(state), state)}]"


def release_status(status: str) -> str:
    return f":{_RELEASE_COLOURS.get(str(status), 'gray')}-badge[{RELEASE_STATUS_NAMES.get(str(status), status)}]"


def escalation_status(status: str) -> str:
    return f":blue-badge[{ESCALATION_NAMES.get(str(status), status)}]"


def clock(view: ClockView) -> str:
    """``:orange-badge[5小时信息发布 · 即将到期 · 剩余 0小时50分]``."""
    from console.components.text import duration

    stage = str(view.stage)
    name = CLOCK_NAMES.get(str(view.clock.kind), str(view.clock.kind))
    label = f"{name} · {CLOCK_STAGE_NAMES.get(stage, stage)}"
    if stage not in ("met", "cancelled"):
        seconds = view.remaining.total_seconds()
        label += f" · {duration(seconds)}" if seconds < 0 else f" · 剩余 {duration(seconds)}"
    return f":{_STAGE_COLOURS.get(stage, 'gray')}-badge[{label}]"


def clocks(views: list[ClockView]) -> str:
    return " ".join(clock(v) for v in views) if views else ":gray-badge[未计时]"
