"""One worker per deployment, and a start that is all or nothing."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from core.errors import YuqingError
from infra.worker.service import Worker


@pytest.mark.slow
def test_a_second_worker_refuses_to_start_and_names_the_first(deployment):
    first = deployment.start_worker()
    deployment.wait_running(first)

    second = deployment.start_worker()
    assert second.wait(timeout=60) == 1
    message = deployment.log_of(second)
    assert "another worker is already running" in message and f"pid {first.pid}" in message
    assert first.poll() is None and deployment.status().pid == first.pid      # the first one is untouched

    first.send_signal(signal.SIGKILL)                                         # a crash frees the lock
    first.wait()
    third = deployment.start_worker()
    deployment.wait_running(third)
    third.send_signal(signal.SIGTERM)
    assert third.wait(timeout=60) == 0
    status = deployment.status()
    assert status.state == "stopped"
    assert {"enrich", "clocks", "retention"} <= {job.job_id for job in status.jobs}
    assert all(job.outcome in ("ok", "interrupted", None) for job in status.jobs), [(j.job_id, j.outcome, j.message) for j in status.jobs]

    shown = subprocess.run([sys.executable, "-m", "infra.cli", "worker-status"], env=deployment.env,
                           cwd=deployment.root, capture_output=True, text=True, timeout=60)
    assert "已停止" in shown.stdout and "研判与预警" in shown.stdout


@pytest.mark.parametrize("values,needle", [
    ({"profile": "/nonexistent/county.toml"}, "cannot read county profile /nonexistent/county.toml"),
    ({"worker_report_hour": 30}, "'worker_report_hour'"),
    ({"worker_interval_scale": 0}, "'worker_interval_scale'"),
    ({"clock_origin": "yesterday"}, "'clock_origin'"),
    ({"notify_webhooks": "slack=http://127.0.0.1:9/x"}, "'notify_webhooks'"),
    ({"smtp_host": "127.0.0.1", "smtp_tls": "tls1.3"}, "'smtp_tls'"),
    ({"spool_min_free_mb": 10 ** 9}, "spool_min_free_mb"),
    ({"spool_dir": "/proc/version/spool"}, "not writable"),
])
def test_a_broken_config_or_a_full_spool_disk_stops_the_worker_before_anything_starts(deployment, values, needle):
    sound = dict(deployment.env)
    deployment.set(**values)
    with pytest.raises(YuqingError) as error:
        with deployment.runtime() as runtime:
            Worker(runtime).run(install_signals=False)
    assert needle in str(error.value)
    # Nothing half-started: no heartbeat, no scheduled job, and the lock is free again.
    deployment.env = sound
    with deployment.runtime() as runtime:
        assert runtime.state.worker_status.read().state == "never"
        assert runtime.state.job_store().get_all_jobs() == []
        with runtime.state.worker_lock():
            pass
