"""The injectable clock: tests pin time, drills run faster than life, naive times are China time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from core.clock import CHINA_TZ, ManualClock, ScaledClock, SystemClock, ensure_aware

START = datetime(2026, 5, 10, 0, 0, tzinfo=timezone.utc)


def test_a_manual_clock_moves_only_when_told():
    clock = ManualClock(START)
    assert clock.now() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.advance(timedelta(hours=5)) == START + timedelta(hours=5, seconds=90)
    clock.set(START)
    assert clock.now() == START


@pytest.mark.parametrize("make", [lambda: ManualClock(datetime(2026, 5, 10)),
                                  lambda: ScaledClock(datetime(2026, 5, 10)),
                                  lambda: ScaledClock(START, speed=0)])
def test_clocks_refuse_naive_times_and_a_standing_speed(make):
    with pytest.raises(ValueError):
        make()


def test_a_scaled_clock_runs_faster_and_two_built_alike_agree():
    wall = time.time() - 10                    # started ten wall seconds ago
    first = ScaledClock(START, speed=60, wall_origin=wall)
    second = ScaledClock(START, speed=60, wall_origin=wall)
    elapsed = first.now() - START
    assert timedelta(minutes=9, seconds=50) < elapsed < timedelta(minutes=11)
    assert abs(second.now() - first.now()) < timedelta(seconds=5)


def test_the_system_clock_is_aware_and_current():
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert abs(now - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_naive_times_are_read_as_china_time_and_returned_in_utc():
    assert ensure_aware(datetime(2026, 5, 10, 8, 0)) == START
    assert ensure_aware(datetime(2026, 5, 10, 8, 0, tzinfo=CHINA_TZ)).tzinfo == timezone.utc
