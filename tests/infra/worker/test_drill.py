"""`yuqing drill` end to end (without the browser console): the simulated web, a real worker subprocess and
the drill clock; notifications reach a real SMTP server and a robot webhook once; the after-action report
gives the first post, detection, alert and the clocks. The tests wait for what happens (a mail, a stored post),
never for a fixed stretch of time, so a busy machine makes them slower, not red."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import elasticsearch
import pytest
import sqlalchemy

from core.settings import load_settings
from infra.drill import Drill

ROOT = Path(__file__).resolve().parents[3]
WAIT_S = 600          # the most a drill may take to get where a test waits for it, on a very busy machine


def _run_in_background(drill: Drill) -> threading.Thread:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", drill.run()), daemon=True)
    thread.result = result
    thread.start()
    return thread


def _wait_for(condition, what: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert thread.is_alive(), f"the drill ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(0.5)


@pytest.mark.slow
def test_a_drill_runs_the_incident_notifies_once_and_writes_the_after_action_report(tmp_path, channels):
    smtp_port, mailbox, robot_url = channels.smtp_port, channels.mailbox, channels.robot_url
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_tls": "none",
        "notify_emails": "leader=zhiban@qx.example,reviewer=shenhe@qx.example",
        "notify_webhooks": f"wecom={robot_url}", "crawl_polite": "false"})
    out = io.StringIO()

    def subjects(address):
        return [subject for rcpts, subject in mailbox.received if address in rcpts]

    # 600x: the 5 h release clock runs out unanswered within about 30 s of the alert; the drill is ended as
    # soon as the leader on duty has been told so.
    drill = Drill(settings, "food-safety-rumour", speed=600, console=False, out=out, warmup_s=8)
    thread = _run_in_background(drill)
    _wait_for(lambda: any("已超时" in s and "5小时" in s for s in subjects("zhiban@qx.example")),
              "overdue notice to the leader on duty", thread)
    drill.stop.set()
    thread.join(timeout=180)
    assert thread.result.get("code") == 0

    printed = out.getvalue()
    assert "reviewer" in printed and "演练开始" in printed and "演练结束" in printed
    report = (drill.folder / "after-action-report.md").read_text(encoding="utf-8")
    for line in ("首条相关信息发布", "系统发现并聚合为事件", "系统发出预警", "5小时信息发布", "预警在演练结束时仍未审核"):
        assert line in report, line
    assert "| 5小时信息发布" in report and "| 未完成 | 否 |" in report
    assert any("重大" in s for s in subjects("shenhe@qx.example"))          # the alert reached the reviewer
    for address in ("shenhe@qx.example", "zhiban@qx.example"):
        assert len(subjects(address)) == len(set(subjects(address)))        # each trigger once
    contents = [body["text"]["content"] for body in channels.robot_bodies]
    assert contents and len(contents) == len(set(contents))
    # The drill's posts and state are removed afterwards; its report and logs stay.
    assert not (drill.folder / "posts.db").exists() and not (drill.folder / "state.db").exists()
    assert (drill.folder / "worker.log").exists()


@pytest.mark.slow
@pytest.mark.elasticsearch
@pytest.mark.postgres
def test_a_drill_on_elasticsearch_and_postgresql_keeps_to_its_own_index_and_schema(tmp_path, es_url, pg_url):
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "store": "elasticsearch", "es_url": es_url, "es_index_prefix": "prodtest",
        "state_db_url": pg_url, "crawl_polite": "false"})
    drill = Drill(settings, "food-safety-rumour", speed=300, console=False, out=io.StringIO(), warmup_s=8)
    thread = _run_in_background(drill)
    client = elasticsearch.Elasticsearch(es_url)
    engine = sqlalchemy.create_engine(pg_url)
    _wait_for(lambda: getattr(drill, "runtime", None) is not None, "the drill's runtime", thread)
    prefix, schema = drill.settings.es_index_prefix, drill.settings.state_db_schema
    assert prefix.startswith("prodtest-drill-") and schema.startswith("drill_")

    def drill_indices():
        return list(client.indices.get(index=f"{prefix}-*", allow_no_indices=True))

    def schema_exists() -> bool:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text("SELECT count(*) FROM information_schema.schemata "
                                                "WHERE schema_name = :name"), {"name": schema}).scalar() == 1

    def posts_stored() -> int:
        names = drill_indices()
        if not names:
            return 0
        try:
            return client.count(index=",".join(names))["count"]
        except elasticsearch.ApiError as error:
            # An index listed a moment after its creation may not have its primary shard yet (503): not yet.
            if error.meta.status == 503:
                return 0
            raise

    try:
        _wait_for(lambda: posts_stored() > 0, "post crawled into the drill's own index", thread)
        assert schema_exists()
        _wait_for(lambda: _heartbeats(engine, schema) == 1, "the worker's heartbeat in the drill's schema", thread)
        assert not client.indices.exists_alias(name="prodtest-posts")       # production untouched
    finally:
        drill.stop.set()
        thread.join(timeout=180)
    assert thread.result.get("code") == 0
    assert drill_indices() == [] and not schema_exists()                     # removed afterwards
    engine.dispose()


def _heartbeats(engine, schema: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".worker_heartbeat').scalar()


def _yuqing(data_dir, *args) -> subprocess.CompletedProcess:
    """`yuqing ARGS` in a second terminal: only the data folder is set, as a newcomer would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(YUQING_DATA_DIR=str(data_dir), YUQING_CONFIG=str(data_dir / "-.toml"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=data_dir)


@pytest.mark.slow
def test_status_and_crawl_health_in_a_second_terminal_read_the_running_drill(tmp_path):
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path), "crawl_polite": "false"})
    drill = Drill(settings, "food-safety-rumour", speed=300, console=False, out=io.StringIO(), warmup_s=8)
    thread = _run_in_background(drill)
    try:
        _wait_for(lambda: getattr(drill, "runtime", None) is not None and drill.runtime.posts.count() > 0,
                  "a post crawled by the drill", thread)
        status = _yuqing(tmp_path, "status")
        assert status.returncode == 0, status.stderr
        assert "正在读取运行中的演练" in status.stderr and str(drill.folder) in status.stderr
        posts = int(re.search(r"帖文 posts: (\d+) 条", status.stdout).group(1))
        assert posts > 0, status.stdout
        assert "quxian" not in status.stdout                         # schools by name, never by id
        health = _yuqing(tmp_path, "crawl-health")
        assert "正常" in health.stdout, health.stdout + health.stderr  # a source the drill has crawled
    finally:
        drill.stop.set()
        thread.join(timeout=180)
    assert not (tmp_path / "running-drill.json").exists()
    after = _yuqing(tmp_path, "status")                               # the drill is over: nothing to read
    assert after.returncode == 1 and "尚无数据" in after.stderr
    assert not (tmp_path / "posts.db").exists() and not (tmp_path / "state.db").exists()
