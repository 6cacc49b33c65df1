"""Fixtures for the NLP tests: the shipped profile, the shipped default models and posts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.post import Post
from core.profile import load_profile
from nlp.pipeline import load_pipeline

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "infra" / "scenarios").glob("*.toml"))
T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def profile():
    return load_profile()


@pytest.fixture(scope="session")
def pipeline(profile):
    return load_pipeline(profile)


def make_post(key: str, text: str, minutes: float = 0, *, platform: str = "weibo", title: str = "",
              reposts: int = 0, source: str | None = None) -> Post:
    at = T0 + timedelta(minutes=minutes)
    return Post(id=f"{platform}:{key}", source=source or platform, platform=platform,
                url=f"http://example.invalid/{key}", published_at=at, fetched_at=at, text=text, title=title,
                reposts=reposts)
