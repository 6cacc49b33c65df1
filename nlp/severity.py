"""How grave an incident is, from what posts say happened: deaths, injuries and their counts, minors, sexual
offences, crowds and officials involved, each with the phrase it was read from (a reviewer checks the words,
not a score). The event grade takes the graver of heat and severity (``floor_grade``): an alleged death is at
least grade II until it is verified otherwise, however little the posts have spread yet.

Rules, not a model: the words of harm in Chinese news and posts are few and explicit, and a reviewer must be
able to see why a grade was raised. A negation right before the words (无人员伤亡, 没有学生受伤, 未造成死亡)
cancels them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

_NUMERAL = "零〇一二两三四五六七八九十百千"
_COUNT = rf"(\d{{1,5}}|[{_NUMERAL}]{{1,5}}|多|数|几|十几|几十|数十|上百|数百)"
_UNIT = "(?:名|个|位|人|户|具|口)?"
_PERSON = "(?:学生|师生|小学生|中学生|孩子|儿童|幼儿|女生|男生|学童|同学|老师|教师|人|名)?"

_DEATH_WORDS = "打死|捅死|砍死|杀死|杀害|害死|毒死|烧死|淹死|撞死|压死|摔死|致死|身亡|死亡|遇难|溺亡|溺水身亡|丧生|罹难|殒命|遇害|坠亡|坠楼身亡|不治|去世|丧命|死了"
_INJURY_WORDS = "受伤|伤者|重伤|轻伤|砍伤|捅伤|刺伤|烧伤|烫伤|打伤|撞伤|骨折|送医|住院|抢救|昏迷|中毒|呕吐|腹泻|伤残|脑震荡|流血"
_SEXUAL_WORDS = "性侵|猥亵|强奸|性骚扰|奸污|强暴|摸胸|裸照"
_CROWD_WORDS = "聚集|围堵|堵门|堵校门|拉横幅|群体性|聚众|冲击|静坐|上访|讨说法|讨个说法"
_MINOR_WORDS = r"(?<!\d)(?:[1-9]|1[0-7])岁|幼女|女孩|男孩|未成年|小学生|中学生|初中生|高中生|幼儿|儿童|女童|男童|孩子|学生|初一|初二|初三|高一|高二|高三|少年"
_OFFICIAL_WORDS = "教育局长|教育局|局长|副局长|校长|副校长|书记|县长|副县长|镇长|乡长|干部|官员|公职人员|政府|人大代表|派出所|公安局"

_NEGATION = re.compile(r"(无(?!效)|没有|未|不|并未|并无|未曾|否认|辟谣|谣言|不实|假的|险些|差点|差一点|几乎|险)[^，。！？；]{0,4}$")
# A count right before the harm (三名学生死亡, 5人受伤) or right after the verb (捅死三个学生).
_BEFORE = re.compile(rf"{_COUNT}{_UNIT}{_PERSON}[^，。！？；]{{0,4}}?({_DEATH_WORDS}|{_INJURY_WORDS})")
_AFTER = re.compile(rf"({_DEATH_WORDS}|{_INJURY_WORDS}){_COUNT}{_UNIT}")
_CROWD_COUNT = re.compile(rf"{_COUNT}(?:名|个|位)?(?:家长|村民|群众|人|学生)[^，。！？；]{{0,6}}?({_CROWD_WORDS}|围观|赶到|来到)")
_WORDS = {kind: re.compile(words) for kind, words in (
    ("death", _DEATH_WORDS), ("injury", _INJURY_WORDS), ("sexual", _SEXUAL_WORDS), ("crowd", _CROWD_WORDS),
    ("minor", _MINOR_WORDS), ("official", _OFFICIAL_WORDS))}
_CLAUSE = re.compile(r"[^，。！？；,.!?;\n]+")

KIND_NAMES = {"death": "死亡", "injury": "受伤", "sexual": "性侵害", "crowd": "人员聚集", "minor": "未成年人",
              "official": "公职人员"}
_VAGUE = {"多": 3, "数": 3, "几": 3, "十几": 12, "几十": 20, "数十": 20, "上百": 100, "数百": 200}
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@dataclass(frozen=True)
class Finding:
    kind: str             # death, injury, sexual, crowd, minor, official (KIND_NAMES)
    phrase: str           # the clause it was read from, as the reviewer sees it
    count: int | None = None


@dataclass(frozen=True)
class Severity:
    findings: tuple[Finding, ...] = ()

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def has(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.findings)

    def count(self, kind: str) -> int:
        """The largest count said of this kind of harm (1 when it is named without a number, 0 when not)."""
        found = self.of(kind)
        return max((f.count or 1 for f in found), default=0)

    @property
    def casualties(self) -> bool:
        return self.has("death") or self.has("injury")


def chinese_number(text: str) -> int | None:
    """An Arabic or Chinese numeral (三, 十二, 二十五, 一百零三, 两) or a vague amount (多, 数十) as a number."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text in _VAGUE:
        return _VAGUE[text]
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[char]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


# An event is summarised again whenever a post joins it, reading every member's text: without the cache a big
# event's texts were read once per new member (48,000 readings for 10,000 posts in the enrichment benchmark).
# Severity is immutable, so a text's findings are kept; the cache is bounded.
@lru_cache(maxsize=65_536)
def extract(text: str) -> Severity:
    """Every finding of harm, minors, crowds and officials in a text; negated mentions are left out."""
    findings: list[Finding] = []
    for clause in _CLAUSE.finditer(text or ""):
        findings.extend(_clause_findings(clause.group().strip()))
    return Severity(tuple(dict.fromkeys(findings)))


def _clause_findings(clause: str) -> list[Finding]:
    found: list[Finding] = []
    counted: set[str] = set()
    for pattern, count_group, word_group in ((_BEFORE, 1, 2), (_AFTER, 2, 1)):
        for hit in pattern.finditer(clause):
            if _negated(clause, hit.start()):
                continue
            kind = "death" if re.fullmatch(_DEATH_WORDS, hit.group(word_group)) else "injury"
            found.append(Finding(kind, clause[:40], chinese_number(hit.group(count_group))))
            counted.add(kind)
    for hit in _CROWD_COUNT.finditer(clause):
        number = chinese_number(hit.group(1))
        if number and number >= 20:
            found.append(Finding("crowd", clause[:40], number))
            counted.add("crowd")
    for kind, pattern in _WORDS.items():
        if kind in counted:
            continue
        for hit in pattern.finditer(clause):
            if not _negated(clause, hit.start()):
                found.append(Finding(kind, clause[:40]))
                break
    return found


def _negated(clause: str, start: int) -> bool:
    return bool(_NEGATION.search(clause[max(0, start - 6):start]))


def merged(severities: Iterable[Severity]) -> Severity:
    """The findings of several posts (an event's), each phrase once."""
    return Severity(tuple(dict.fromkeys(f for s in severities for f in s.findings)))


GRADE_ORDER = ("IV", "III", "II", "I")
MANY_HURT = 30            # hurt or taken ill: from this many on, an incident is 重大 (grade II)


def floor_grade(severity: Severity) -> tuple[str, list[str]]:
    """The least grade the findings call for ("IV": none) and why, in Chinese for the reviewer."""
    rules: list[tuple[str, str]] = []
    deaths = severity.count("death")
    if deaths:
        many = "I" if deaths >= 10 else "II"
        rules.append((many, f"称有人死亡（{_quote(severity, 'death')}{_count_text(severity, 'death')}），"
                            f"核实前至少定为{many}级"))
    if severity.has("sexual"):
        level = "II" if severity.has("minor") else "III"
        rules.append((level, f"涉及性侵害（{_quote(severity, 'sexual')}）" +
                      ("且涉及未成年人" if severity.has("minor") else "") + f"，至少定为{level}级"))
    injuries = severity.count("injury")
    if injuries >= MANY_HURT:
        rules.append(("II", f"称{injuries}人受伤（{_quote(severity, 'injury')}），至少定为II级"))
    elif injuries:
        rules.append(("III", f"称有人受伤（{_quote(severity, 'injury')}{_count_text(severity, 'injury')}），至少定为III级"))
    if severity.has("crowd"):
        rules.append(("III", f"出现人员聚集（{_quote(severity, 'crowd')}），至少定为III级"))
    grade = max((g for g, _ in rules), key=GRADE_ORDER.index, default="IV")
    reasons = [text for _, text in rules]
    if severity.has("official") and rules:
        reasons.append(f"涉及公职人员或主管部门（{_quote(severity, 'official')}）")
    return grade, reasons


def _quote(severity: Severity, kind: str) -> str:
    return "「" + "」「".join(f.phrase for f in severity.of(kind)[:2]) + "」"


def _count_text(severity: Severity, kind: str) -> str:
    counts = [f.count for f in severity.of(kind) if f.count]
    return f"，最多称{max(counts)}人" if counts else ""
