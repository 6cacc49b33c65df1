"""The injectable clock. Everything that asks "what time is it" takes a Clock, so tests can pin time
and drills can run faster than life. All times are timezone-aware (UTC inside, shown in Asia/Shanghai)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from core.errors import ConfigurationError

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that moves only when told to; for tests."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by a timedelta or a number of seconds and return the new time."""
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class ScaledClock:
    """Drill time: starts at ``origin`` and runs ``speed`` times faster than the wall clock.

    Two processes built with the same origin, speed and ``wall_origin`` (a Unix time) agree on the time,
    which is how the simulated web, the worker and the console share one drill clock.
    """

    def __init__(self, origin: datetime, speed: float = 1.0, wall_origin: float | None = None):
        if origin.tzinfo is None:
            raise ValueError("ScaledClock needs a timezone-aware origin")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.origin = origin
        self.speed = speed
        self.wall_origin = time.time() if wall_origin is None else wall_origin

    def now(self) -> datetime:
        return self.origin + timedelta(seconds=(time.time() - self.wall_origin) * self.speed)


def ensure_aware(moment: datetime) -> datetime:
    """Treat a naive time as China time (what Chinese sites print) and return it in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(timezone.utc)


def clock_from_settings(settings) -> Clock:
    """The clock every process of a deployment shares: wall-clock time, or a drill's ScaledClock when the
    setting ``clock_origin`` is set (with ``clock_speed`` and ``clock_wall_origin``), so that the simulated
    web, the worker and the console of one drill agree on the time."""
    origin_text = str(settings.clock_origin or "").strip()
    if not origin_text:
        return SystemClock()
    try:
        origin = ensure_aware(datetime.fromisoformat(origin_text.replace("Z", "+00:00")))
    except ValueError:
        raise ConfigurationError(f"setting 'clock_origin' is {origin_text!r}; expected an ISO 8601 time "
                                 "such as 2026-11-29T08:00:00+08:00") from None
    return ScaledClock(origin, settings.clock_speed or 1.0, settings.clock_wall_origin or None)
