"""A real workflow over a real state database (SQLite) in a temporary folder, a manual clock, one user per role."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.settings import BUNDLED_TEMPLATES
from core.workflow import SYSTEM, WorkflowConfig, build_workflow
from infra.state import open_state_database
from workflow_factories import FACTS, PASSWORD, ROLES, T0, make_event


@pytest.fixture
def clock():
    return ManualClock(T0)


class Channel:
    """A channel that records what it published (a real channel for services tests: nothing is faked
    about the release service; the website and webhook channels have their own tests)."""

    name = "memory"

    def __init__(self):
        self.published = []

    def publish(self, release):
        self.published.append(release)
        return f"memory://{release.release_id}"


@pytest.fixture
def channel():
    return Channel()


@pytest.fixture
def make_workflow(tmp_path, clock, channel):
    opened = []

    def make(post_store=None, event_store=None, channels=None, spread_analyst=None, **config):
        state = open_state_database(f"sqlite:///{tmp_path / 'state.db'}")
        config.setdefault("county", "渠县")
        cfg = WorkflowConfig(templates_dir=BUNDLED_TEMPLATES, evidence_dir=tmp_path / "evidence",
                             school_names={"qx-no2": "渠县第二中学"}, **config)
        wf = build_workflow(state.workflow_repository(), clock, cfg,
                            channels=[channel] if channels is None else channels, post_store=post_store,
                            event_store=event_store, spread_analyst=spread_analyst, bcrypt_rounds=4)
        wf.on_close.append(state.close)
        opened.append(wf)
        return wf

    yield make
    for wf in opened:
        wf.close()


@pytest.fixture
def wf(make_workflow):
    return make_workflow()


@pytest.fixture
def users(wf):
    """One user per role, keyed by role name; the leader is on duty."""
    return {role: wf.users.create(SYSTEM, role.replace("_", "-"), PASSWORD, role, display_name=f"{role} 用户",
                                  on_duty=role == "leader", email=f"{role}@example.gov.cn")
            for role in ROLES}


@pytest.fixture
def confirmed_alert(wf, users):
    """A grade II alert, reviewed and confirmed, with verified facts."""
    alert = wf.alerts.raise_from_events([make_event(grade="II")])[0]
    wf.alerts.start_review(users["reviewer"], alert.id)
    wf.alerts.confirm(users["reviewer"], alert.id)
    return wf.alerts.set_facts(users["reviewer"], alert.id, FACTS)


@pytest.fixture
def event_factory():
    return make_event
