"""Fixtures for the NLP tests: the shipped profile, the shipped default models and posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.profile import load_profile
from nlp.pipeline import load_pipeline

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "infra" / "scenarios").glob("*.toml"))


@pytest.fixture(scope="session")
def profile():
    return load_profile()


@pytest.fixture(scope="session")
def pipeline(profile):
    return load_pipeline(profile)
