"""A deployment in a temporary folder, and a real `yuqing worker` process running on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from core.profile import DEFAULT_PROFILE
from core.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]


def profile_with_sources(sources_toml: str) -> str:
    """The shipped Qu County profile with its [[sources]] replaced by ``sources_toml``."""
    kept, skipping = [], False
    for line in DEFAULT_PROFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped == "[[sources]]" or stripped.startswith("[sources.")
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n\n" + sources_toml


@dataclass
class Deployment:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def settings(self):
        return load_settings(environ=self.env)

    def set(self, **values) -> None:
        for name, value in values.items():
            self.env["YUQING_" + name.upper()] = str(value)

    def write_profile(self, sources_toml: str = "") -> Path:
        path = self.root / "profile.toml"
        path.write_text(profile_with_sources(sources_toml), encoding="utf-8")
        self.set(profile=path)
        return path

    def start_worker(self) -> subprocess.Popen:
        log = (self.root / f"worker-{len(self.workers)}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "infra.cli", "worker"], cwd=self.root, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def log_of(self, process: subprocess.Popen) -> str:
        return (self.root / f"worker-{self.workers.index(process)}.log").read_text(errors="replace")

    def status(self):
        from infra.worker.status import read_worker_status

        return read_worker_status(self.settings())

    def wait_until(self, condition: Callable[[], object], timeout: float, what: str,
                   process: subprocess.Popen | None = None) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if process is not None and process.poll() is not None:
                raise AssertionError(f"worker exited ({process.returncode}) before {what}:\n{self.log_of(process)[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")

    def wait_running(self, process: subprocess.Popen, timeout: float = 90) -> None:
        self.wait_until(lambda: self.status().state == "running" and self.status().pid == process.pid, timeout,
                        "the worker's heartbeat", process)

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def deployment(tmp_path):
    deployment = Deployment(tmp_path)
    deployment.env = {key: value for key, value in os.environ.items() if not key.startswith("YUQING_")}
    deployment.env["PYTHONPATH"] = str(REPO_ROOT)
    deployment.env["PYTHONUNBUFFERED"] = "1"
    deployment.set(data_dir=deployment.data_dir, worker_heartbeat_s=1, worker_enrich_interval_s=2,
                   worker_clock_interval_s=2, worker_shutdown_grace_s=5, worker_report_hour=-1)
    deployment.write_profile()
    yield deployment
    deployment.stop_all()
