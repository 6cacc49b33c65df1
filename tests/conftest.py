"""Fixtures every test folder may use. Each folder keeps its own conftest.py for the rest."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def es_url() -> str:
    """The real Elasticsearch node that `make test` starts (infra/elasticsearch.sh); tests that need it
    skip, saying why, when the variable is unset (a plain `pytest` run outside make)."""
    url = os.environ.get("YUQING_TEST_ES_URL", "").strip()
    if not url:
        pytest.skip("YUQING_TEST_ES_URL is unset: run `make test`, which starts Elasticsearch and sets it")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The real PostgreSQL server that `make test` starts (infra/postgres.sh); tests that need it skip,
    saying why, when the variable is unset (a plain `pytest` run outside make)."""
    url = os.environ.get("YUQING_TEST_PG_URL", "").strip()
    if not url:
        pytest.skip("YUQING_TEST_PG_URL is unset: run `make test`, which starts PostgreSQL and sets it")
    return url
