"""The worker schedules the reaction round like a source's crawl, every ``reaction_interval_s``."""

from __future__ import annotations

from core.profile import load_profile
from core.settings import load_settings
from infra.worker import jobs
from infra.worker.service import job_specs


def test_the_reaction_round_is_a_crawl_job_at_its_interval():
    settings = load_settings(environ={}, overrides={"reaction_interval_s": "900", "worker_interval_scale": "3"})
    specs = {spec.id: spec for spec in job_specs(settings, load_profile())}
    reactions = specs["crawl:reactions"]
    assert reactions.func is jobs.crawl_source and reactions.args == ("reactions",)
    assert reactions.executor == "crawl" and reactions.trigger.interval.total_seconds() == 300


def test_no_reaction_round_when_its_interval_is_zero():
    settings = load_settings(environ={}, overrides={"reaction_interval_s": "0"})
    assert "crawl:reactions" not in {spec.id for spec in job_specs(settings, load_profile())}
