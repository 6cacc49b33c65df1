"""The workflow repository in the state database: a stale update from another connection is a conflict,
units of work commit together or not at all, and concurrent writers keep one unbroken audit chain (moved
here from tests/infra/test_workflow_db.py)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.clock import ManualClock
from core.errors import Conflict, NotFound
from core.workflow import WorkflowConfig, build_workflow
from core.workflow.model import Role, Session, User

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)
TEMPLATES = Path(__file__).resolve().parents[2] / "press_templates"


def _user(user_id: str = "u1", username: str = "a") -> User:
    return User(id=user_id, username=username, display_name="A", role=Role.MONITOR, created_at=NOW)


def test_a_stale_update_from_another_connection_is_a_conflict(target):
    one, two = target.open(), target.open()
    try:
        repo_one, repo_two = one.workflow_repository(), two.workflow_repository()
        repo_one.add(_user())
        seen_by_two = repo_two.get(User, "u1")
        assert repo_one.update(replace(seen_by_two, display_name="甲"), 1).version == 2
        with pytest.raises(Conflict):
            repo_two.update(replace(seen_by_two, display_name="乙"), 1)
        assert repo_one.get(User, "u1").display_name == "甲"
        with pytest.raises(Conflict):
            repo_two.add(_user())                                         # the id is taken
        with pytest.raises(NotFound):
            repo_two.update(_user("nobody"), 1)
    finally:
        one.close()
        two.close()


def test_a_unit_of_work_commits_together_or_not_at_all(state):
    repo = state.workflow_repository()
    with pytest.raises(RuntimeError):
        with repo.transaction():
            repo.add(_user("u1", "a"))
            repo.add(Session(id="s1", user_id="u1", created_at=NOW, expires_at=NOW))
            raise RuntimeError("the service failed half-way")
    assert repo.get(User, "u1") is None and repo.count(Session) == 0
    with repo.transaction():
        repo.add(_user("u1", "a"))
        repo.add(_user("u2", "b"))
    assert [u.id for u in repo.find(User, order_by="-username")] == ["u2", "u1"]
    assert [u.id for u in repo.find(User, username=("a", "c"))] == ["u1"]
    repo.delete(User, "u2")
    repo.delete(User, "unknown")
    assert repo.count(User) == 1


def test_concurrent_writers_keep_one_unbroken_audit_chain(target, tmp_path):
    databases = [target.open() for _ in range(2)]
    config = WorkflowConfig(templates_dir=TEMPLATES, evidence_dir=tmp_path / "evidence", county="渠县")
    workflows = [build_workflow(db.workflow_repository(), ManualClock(NOW), config, bcrypt_rounds=4)
                 for db in databases]
    try:
        def write(wf, n):
            for i in range(15):
                wf.audit.record(f"writer{n}", "test.write", f"t:{i}")
        threads = [threading.Thread(target=write, args=(wf, n)) for n, wf in enumerate(workflows)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report = workflows[0].audit.verify()
        assert report.ok and report.entries == 30
        assert databases[1].workflow_repository().audit_head()[0] == 30
    finally:
        for wf in workflows:
            wf.close()
        for db in databases:
            db.close()


def test_one_of_many_racing_claimants_gets_a_claim_and_a_stale_claim_can_be_taken_over(target):
    """Publishing's guard (issue 12, item 5): a claim commits before the action, so of several connections racing
    for one key exactly one wins; a released claim is free again; a claim older than its lease is taken over."""
    from datetime import timedelta

    databases = [target.open() for _ in range(4)]
    try:
        repos = [db.workflow_repository() for db in databases]
        start, won = threading.Barrier(len(repos)), []

        def claim(number, repo):
            start.wait()
            if repo.claim("publish:R-1:webhook", f"user{number}", NOW, timedelta(minutes=10)):
                won.append(number)

        threads = [threading.Thread(target=claim, args=pair) for pair in enumerate(repos)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(won) == 1
        lease = timedelta(minutes=10)
        assert not repos[0].claim("publish:R-1:webhook", "late", NOW + timedelta(minutes=9), lease)
        assert repos[1].claim("publish:R-1:webhook", "after-a-crash", NOW + timedelta(minutes=11), lease)
        repos[2].release_claim("publish:R-1:webhook")
        assert repos[3].claim("publish:R-1:webhook", "retry", NOW + timedelta(minutes=12), lease)
        repos[3].release_claim("never-claimed")                       # ignored
    finally:
        for db in databases:
            db.close()
