"""The domain's vocabulary: every code the system stores or passes around, with the Chinese name a person
reads. The console, the reports and the command line take names from here; nothing else keeps a copy.

This module imports nothing of ours, so every layer may read it.

Lookups never show a raw code: ``name_of(kind, code)`` answers the Chinese name of a known code, passes a
value that already is one of the kind's Chinese names through unchanged, shows an empty value (None or "")
as "—", and answers ``未知（code）`` for any other value, so an unexpected code is visible as such instead
of passing for a word.
"""

from __future__ import annotations

from typing import Mapping

# --- grades, by analogy with the emergency levels; I is the gravest

GRADES = ("IV", "III", "II", "I")
GRADE_NAMES = {"IV": "一般", "III": "较大", "II": "重大", "I": "特别重大"}
MAJOR_GRADES = ("II", "I")          # the grades that start the 5 h and 24 h clocks and tell people at once


def grade_rank(grade: str) -> int:
    """0 for IV (general) up to 3 for I (extremely major); ValueError for anything else."""
    return GRADES.index(grade)


def grade_label(grade: str | None) -> str:
    """``II级（重大）``; "—" when empty, ``未知（X）`` for a value that is no grade."""
    if not grade:
        return EMPTY
    if grade not in GRADE_NAMES:
        return unknown(grade)
    return f"{grade}级（{GRADE_NAMES[grade]}）"


# --- incident types (nlp's lexicon classifies posts into them)

INCIDENT_TYPES = ("bullying", "violence", "food_safety", "traffic", "drowning", "fire", "sexual_misconduct",
                  "self_harm", "disease", "teacher_misconduct", "fees_corruption", "school_disruption", "exams",
                  "other")
INCIDENT_NAMES = {
    "bullying": "校园欺凌", "violence": "暴力冲突", "food_safety": "食品安全", "traffic": "交通安全",
    "drowning": "溺水", "fire": "火灾", "sexual_misconduct": "性侵害", "self_harm": "自伤自杀",
    "disease": "疾病疫情", "teacher_misconduct": "师德失范", "fees_corruption": "收费与腐败",
    "school_disruption": "校闹", "exams": "考试招生", "other": "其他事件",
}

EMPTY = "—"


def unknown(code: object) -> str:
    """The label of a value the vocabulary does not know: ``未知（code）``."""
    return f"未知（{code}）"
