"""The worker's heartbeat, job runs and source health in the state database, and the one-worker lock: refused
across processes naming the holder, free again when the holder is killed."""

from __future__ import annotations

import os
import signal
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest

from infra.state import WorkerAlreadyRunning, open_state_database

from .conftest import drop_schema

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


def test_the_heartbeat_and_a_lost_worker(state):
    book = state.worker_status
    assert book.read().state == "never" and book.read().jobs == [] and book.read().sources == []
    book.beat("running", 10, drill_time=T0, started_at=T0)
    book.beat("running", 10, drill_time=T0)                               # a later beat keeps started_at
    status = book.read()
    assert (status.state, status.pid, status.host, status.started_at, status.drill_time) == (
        "running", os.getpid(), socket.gethostname(), T0, T0)
    assert status.alive and abs((datetime.now(timezone.utc) - status.beat_at).total_seconds()) < 60
    assert book.read(now=status.beat_at + timedelta(seconds=29)).state == "running"
    assert book.read(now=status.beat_at + timedelta(seconds=31)).state == "lost"
    book.beat("stopped", 10)
    assert book.read(now=status.beat_at + timedelta(days=1)).state == "stopped"


def test_job_runs_and_source_health(state):
    book = state.worker_status
    book.set_next_runs({"crawl:news": T0, "enrich": None})
    started = book.job_started("crawl:news")
    assert book.read().jobs[0].outcome == "running"
    book.job_finished("crawl:news", started, "error", "x" * 1500)
    book.job_finished("crawl:news", book.job_started("crawl:news"), "ok", next_run=T0 + timedelta(hours=1))
    book.job_started("enrich")
    jobs = {job.job_id: job for job in book.read().jobs}
    news = jobs["crawl:news"]
    assert (news.runs, news.failures, news.outcome, news.message, news.next_run) == (2, 1, "ok", "", T0 + timedelta(hours=1))
    assert news.duration_s is not None and news.duration_s >= 0 and news.last_end >= news.last_start
    assert book.recover_stale() == 1 and jobs["enrich"].outcome == "running"
    enrich = {job.job_id: job for job in book.read().jobs}["enrich"]
    assert enrich.outcome == "interrupted" and "stopped during this run" in enrich.message
    book.forget_jobs({"enrich"})
    assert [job.job_id for job in book.read().jobs] == ["enrich"]
    book.set_source_health("weibo", False, "采集超时")
    book.set_source_health("news", True, "")
    book.set_source_health("weibo", True, "恢复")
    assert [(s.source, s.healthy, s.reason) for s in book.read().sources] == [("news", True, ""), ("weibo", True, "恢复")]


def test_a_second_worker_in_the_same_process_is_refused_until_the_first_stops(state):
    first, second = state.worker_lock(), state.worker_lock()
    first.acquire()
    try:
        with pytest.raises(WorkerAlreadyRunning) as refused:
            second.acquire()
        assert f"pid {os.getpid()} on host {socket.gethostname()}, since 20" in str(refused.value)
    finally:
        first.release()
    with second:
        pass


def test_a_worker_in_another_process_is_refused_and_a_killed_one_frees_the_lock(target):
    target.open().close()
    holder = target.spawn("""
        lock = state.worker_lock()
        lock.acquire()
        print("locked", flush=True)
        time.sleep(120)
    """)
    try:
        assert holder.stdout.readline().strip() == "locked"
        state = target.open()
        lock = state.worker_lock()
        with pytest.raises(WorkerAlreadyRunning) as refused:
            lock.acquire()
        assert f"pid {holder.pid} on host {socket.gethostname()}" in str(refused.value)
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
        deadline = time.monotonic() + 20
        while True:                              # the server notices the closed session within moments
            try:
                lock.acquire()
                break
            except WorkerAlreadyRunning:
                assert time.monotonic() < deadline, "the killed worker's lock was never released"
                time.sleep(0.2)
        lock.release()
        state.close()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()


@pytest.mark.postgres
def test_a_drill_schema_has_a_worker_lock_of_its_own(pg_url):
    production = open_state_database(pg_url, schema="lock_production")
    drill = open_state_database(pg_url, schema="lock_drill")
    try:
        with production.worker_lock(), drill.worker_lock():
            with pytest.raises(WorkerAlreadyRunning):
                open_state_database(pg_url, schema="lock_production").worker_lock().acquire()
    finally:
        production.close()
        drill.close()
        drop_schema(pg_url, "lock_production")
        drop_schema(pg_url, "lock_drill")


def test_closing_the_database_releases_a_worker_lock_still_held(target):
    state = target.open()
    state.worker_lock().acquire()
    state.close()
    again = target.open()
    try:
        with again.worker_lock():
            pass
    finally:
        again.close()
