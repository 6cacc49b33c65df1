"""Opening the state database: migrations from nothing and from the old workflow database, a database newer
than the code, unreachable or wrong places, processes opening a new database together, a drill's schema."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, insert, select, text

from core.errors import ConfigurationError, StorageUnavailable, VersionMismatch
from core.workflow.model import Role, User
from infra.state import migrate, open_state_database
from infra.state.engine import make_engine
from infra.state.tables import apscheduler_jobs, metadata, users

from .conftest import finish

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


def test_an_empty_database_is_migrated_to_exactly_the_declared_tables(target):
    state = target.open()
    try:
        assert migrate.current_revision(state.engine) == migrate.head_revision() == migrate.HEAD_REVISION
        with state.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        state.close()
    target.open().close()                                   # at head: opening again changes nothing


def test_a_workflow_database_at_revision_0001_keeps_its_records(target, tmp_path):
    (tmp_path / "data").mkdir()
    engine = make_engine(target.url, target.schema)
    try:
        with engine.begin() as conn:
            if target.schema:
                conn.execute(text(f'CREATE SCHEMA "{target.schema}"'))
            config = migrate.alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(insert(users).values(id="u1", username="wang", display_name="王", role="monitor",
                                              password_hash="x", email="", unit="", on_duty=False, active=True,
                                              created_at=NOW, version=1))
        assert migrate.current_revision(engine) == "0001"
    finally:
        engine.dispose()
    state = target.open()
    try:
        assert migrate.current_revision(state.engine) == migrate.HEAD_REVISION
        assert state.workflow_repository().get(User, "u1").role == Role.MONITOR
        assert state.events.list_events() == []
    finally:
        state.close()


def test_a_database_newer_than_the_code_is_refused_with_the_revision(target):
    state = target.open()
    with state.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    state.close()
    with pytest.raises(VersionMismatch, match="0099.*upgrade yuqing"):
        target.open()


def test_an_unreachable_server_is_named_without_its_password():
    with pytest.raises(StorageUnavailable) as error:
        open_state_database("postgresql+psycopg://yuqing:s3cret@127.0.0.1:1/yuqing")
    assert "127.0.0.1:1/yuqing" in str(error.value) and "s3cret" not in str(error.value)


def test_an_unusable_sqlite_location_is_reported_with_its_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnavailable, match="a-file"):
        open_state_database(f"sqlite:///{blocker / 'state.db'}")


@pytest.mark.parametrize("url,schema,needle", [
    ("sqlite:///{tmp}/state.db", "drill_1", "only possible on PostgreSQL"),
    ("sqlite://", None, "in-memory"),
    ("postgresql+psycopg://u@127.0.0.1:1/x", "Drill-1", "lower-case letters"),
])
def test_impossible_settings_are_refused_with_what_to_change(tmp_path, url, schema, needle):
    with pytest.raises(ConfigurationError, match=needle):
        open_state_database(url.format(tmp=tmp_path), schema=schema)


def test_processes_opening_a_new_database_together_all_succeed(target):
    workers = [target.spawn("print(json.dumps(state.worker_status.read().state))") for _ in range(4)]
    assert [finish(p) for p in workers] == [["never"]] * 4
    state = target.open()
    try:
        assert migrate.current_revision(state.engine) == migrate.HEAD_REVISION
    finally:
        state.close()


def test_apscheduler_keeps_its_jobs_in_our_table(target):
    state = target.open()
    scheduler = BackgroundScheduler(jobstores={"default": state.job_store()}, timezone=timezone.utc)
    scheduler.start(paused=True)
    try:
        scheduler.add_job("time:sleep", "date", run_date=datetime(2099, 1, 1, tzinfo=timezone.utc), args=[0],
                          id="report")
        with state.engine.connect() as conn:
            assert conn.execute(select(apscheduler_jobs.c.id)).scalars().all() == ["report"]
        assert [job.id for job in state.job_store().get_all_jobs()] == ["report"]
    finally:
        scheduler.shutdown(wait=False)
        state.close()


@pytest.mark.postgres
def test_a_drill_schema_holds_every_table_and_is_removed_by_drop(pg_url):
    state = open_state_database(pg_url, schema="drill_test_schema")
    try:
        state.events.list_events()
        with state.engine.connect() as conn:
            names = set(inspect(conn).get_table_names(schema="drill_test_schema"))
            assert {"events", "alembic_version", "apscheduler_jobs", "users"} <= names
            assert "events" not in inspect(conn).get_table_names(schema="public")
    finally:
        state.drop()
    probe = open_state_database(pg_url, schema="probe_schema")
    try:
        with probe.engine.connect() as conn:
            schemas = inspect(conn).get_schema_names()
        assert "drill_test_schema" not in schemas and "probe_schema" in schemas
    finally:
        probe.drop()


def test_drop_removes_the_sqlite_file_and_its_companions(tmp_path):
    state = open_state_database(f"sqlite:///{tmp_path / 'drill' / 'state.db'}")
    with state.worker_lock():
        state.events.list_events()
    state.drop()
    assert list((tmp_path / "drill").iterdir()) == []


def test_our_job_table_is_column_for_column_the_one_apscheduler_declares(state):
    theirs = state.job_store().jobs_t
    ours = apscheduler_jobs
    describe = lambda table: [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns]
    assert describe(ours) == describe(theirs) and ours.name == theirs.name
    assert {i.name for i in ours.indexes} == {i.name for i in theirs.indexes}


def test_the_fast_path_knows_the_newest_migration():
    """Opening skips Alembic when the database is at ``HEAD_REVISION``: it must be the newest migration."""
    assert migrate.HEAD_REVISION == migrate.head_revision()
