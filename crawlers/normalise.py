"""Normalising what the sites print: HTML to text, full-width to half-width, Chinese times to real times.

Every function here is pure (times are parsed against a ``now`` the caller passes: the crawl clock), so the
same page always normalises the same way and a drill's scaled clock works like real time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from core.clock import CHINA_TZ, ensure_aware
from core.errors import InvalidInput
from core.post import canonical_url
from core.text import strip_html

__all__ = ["canonical_url", "cap_text", "half_width", "parse_cn_time", "clean_text"]

# Full-width ASCII letters, digits and a few symbols, and the ideographic space. Chinese punctuation
# (，。！？：；（）“”) is left alone: it is the normal form of Chinese text, not a width variant.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)
         if chr(code - 0xFEE0).isalnum() or chr(code - 0xFEE0) in "@#%&+-=/*._~$"}
_WIDE[0x3000] = 0x20


def half_width(text: str) -> str:
    """Full-width letters, digits and ASCII symbols become half-width; the ideographic space a space."""
    return text.translate(_WIDE)


def clean_text(text: str) -> str:
    """The text a post is stored with: HTML stripped (``core.text.strip_html``) and widths unified."""
    return half_width(strip_html(text or ""))


def cap_text(text: str, limit: int) -> tuple[str, int]:
    """The clean text of at most ``limit`` characters, and the clean length it had when it was longer (0 when
    it was not cut). The markup is cut first (at 4x the limit), so a huge page is never cleaned whole."""
    raw = text if len(text) <= 4 * limit else text[:4 * limit]
    clean = clean_text(raw)
    if len(clean) <= limit and raw is text:
        return clean, 0
    original = len(clean) if raw is text else max(len(clean), len(text))
    return (clean[:limit] if len(clean) > limit else clean), original


_RELATIVE = [
    (re.compile(r"^(\d+)\s*秒前$"), "seconds"),
    (re.compile(r"^(\d+)\s*分钟前$"), "minutes"),
    (re.compile(r"^(\d+)\s*小时前$"), "hours"),
    (re.compile(r"^(\d+)\s*天前$"), "days"),
]
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]*" + _CLOCK + r")?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/月](\d{1,2})日?(?:\s*" + _CLOCK + r")?$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TIME_ONLY = re.compile(r"^" + _CLOCK + r"$")
_WEIBO_LONG = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CHINA_TZ).astimezone(timezone.utc)


def parse_cn_time(value: object, now: datetime) -> datetime:
    """A time as Chinese sites print it, made absolute against ``now`` (the crawl clock), in UTC.

    Understands 刚刚, N秒/分钟/小时/天前, 今天/昨天/前天 HH:MM, HH:MM (today), MM-DD [HH:MM] (this year, or last
    year when that would be in the future), YYYY-MM-DD [HH:MM[:SS]], YYYY年M月D日, YYYY-MM, ISO 8601, RFC 822
    (feeds), Weibo's ``Thu Nov 26 09:05:00 +0800 2026`` and Unix timestamps. Raises InvalidInput otherwise.
    """
    if isinstance(value, datetime):
        return ensure_aware(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), timezone.utc)
    text = half_width(str(value or "")).strip()
    if not text:
        raise InvalidInput("the time is empty", field="published_at")
    local_now = now.astimezone(CHINA_TZ)
    if text == "刚刚":
        return now
    for pattern, unit in _RELATIVE:
        match = pattern.match(text)
        if match:
            return now - timedelta(**{unit: int(match.group(1))})
    for word, days_back in _DAY_WORDS.items():
        if text.startswith(word):
            clock = _TIME_ONLY.match(text[len(word):].strip())
            if clock:
                day = local_now - timedelta(days=days_back)
                return _local(day.year, day.month, day.day, *_clock_parts(clock))
    parsed = _absolute(text, local_now)
    if parsed is None:
        raise InvalidInput(f"cannot read the time {text!r}", field="published_at")
    return parsed


def _clock_parts(match: re.Match, first: int = 1) -> tuple[int, int, int]:
    hour, minute, second = match.group(first), match.group(first + 1), match.group(first + 2)
    return int(hour), int(minute), int(second or 0)


def _absolute(text: str, local_now: datetime) -> datetime | None:
    try:
        if (match := _FULL.match(text)):
            year, month, day = (int(g) for g in match.groups()[:3])
            clock = _clock_parts(match, 4) if match.group(4) else (0, 0, 0)
            return _local(year, month, day, *clock)
        if (match := _MONTH_DAY.match(text)):
            month, day = int(match.group(1)), int(match.group(2))
            clock = _clock_parts(match, 3) if match.group(3) else (0, 0, 0)
            moment = _local(local_now.year, month, day, *clock)
            # A year-less date in the future is last year's (a 12-30 post read on 01-02).
            return _local(local_now.year - 1, month, day, *clock) if moment > local_now + timedelta(days=1) else moment
        if (match := _YEAR_MONTH.match(text)):
            return _local(int(match.group(1)), int(match.group(2)), 1)
        if (match := _TIME_ONLY.match(text)):
            return _local(local_now.year, local_now.month, local_now.day, *_clock_parts(match))
        if _WEIBO_LONG.match(text):
            return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").astimezone(timezone.utc)
        if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
            return ensure_aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
        if re.match(r"^[A-Z][a-z]{2}, ", text):
            return ensure_aware(parsedate_to_datetime(text))
        if re.fullmatch(r"\d{10}(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), timezone.utc)
    except (ValueError, OverflowError, TypeError):
        return None
    return None

