"""A deployment in a temporary folder, a real `yuqing worker` process running on it, and the channels it
notifies through: a real local SMTP server (aiosmtpd) and a group robot's webhook (a local HTTP receiver)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest
from aiosmtpd.controller import Controller

from core.profile import DEFAULT_PROFILE
from core.settings import load_settings
from core.storage import PostStore
from core.worker_status import WorkerStatus
from infra.runtime import Runtime, open_runtime

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

    def runtime(self) -> Runtime:
        """The deployment composed as its processes compose it (close it after use, or use ``with``)."""
        return open_runtime(self.settings(), bcrypt_rounds=4)

    def open_posts(self) -> PostStore:
        """A connection of the test's own to the deployment's post store."""
        with self.runtime() as runtime:
            return runtime.open_posts()

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

    def status(self) -> WorkerStatus:
        """The worker's status as `yuqing worker-status` reads it (from the state database)."""
        with self.runtime() as runtime:
            return runtime.state.worker_status.read()

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


class Mailbox:
    def __init__(self):
        self.received: list[tuple[tuple[str, ...], str]] = []

    async def handle_DATA(self, server, session, envelope):
        subject = str(make_header(decode_header(message_from_bytes(envelope.content)["Subject"])))
        self.received.append((tuple(envelope.rcpt_tos), subject))
        return "250 OK"


class Robot(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self):
        Robot.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        data = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@dataclass
class Channels:
    smtp_port: int
    mailbox: Mailbox
    robot_url: str
    robot_bodies: list[dict]


@pytest.fixture
def channels():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    Robot.bodies = []
    robot = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=robot.serve_forever, daemon=True).start()
    yield Channels(port, mailbox, f"http://127.0.0.1:{robot.server_address[1]}/cgi-bin/webhook/send?key=K",
                   Robot.bodies)
    smtp.stop()
    robot.shutdown()
    robot.server_close()
