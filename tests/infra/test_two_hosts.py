"""The worker and the console on two hosts: separate processes with separate data folders that share only
Elasticsearch (posts) and PostgreSQL (everything else). The worker crawls a simulated incident, enriches it
and raises an alert; a reviewer in a real browser on the console's host sees the worker running and the
alert, and confirms it; a third host reads the confirmation back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.clock import ScaledClock
from core.settings import load_settings
from infra.cli.console import console_command
from infra.runtime import open_runtime
from infra.simweb.scenario import load_scenario
from infra.simweb.server import SimWeb
from tests.console.test_browser import (BROWSER_ARGS, Person, _chromium, _failure_shots, _free_port,
                                        wait_for_console)

pytestmark = [pytest.mark.slow, pytest.mark.elasticsearch, pytest.mark.postgres, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
SPEED = 600
WAIT_S = 600                 # the most the worker may take to raise the alert, on a very busy machine


class Host:
    """One machine of the deployment: its own data folder and its own environment, the shared stores."""

    def __init__(self, root: Path, name: str, shared: dict[str, object], **own: object):
        self.data_dir = root / name
        self.data_dir.mkdir(parents=True)
        self.values = {**shared, "data_dir": str(self.data_dir), **own}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
        self.env.update({f"YUQING_{k.upper()}": str(v) for k, v in self.values.items()})
        self.env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", YUQING_CONFIG=str(self.data_dir / "-.toml"))
        self.processes: list[subprocess.Popen] = []

    def settings(self):
        return load_settings(environ=self.env)

    def start(self, command: list[str], log: str) -> subprocess.Popen:
        output = (self.data_dir.parent / f"{self.data_dir.name}-{log}.log").open("wb")
        process = subprocess.Popen(command, cwd=self.data_dir, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def run(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=self.data_dir, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()

    def files(self) -> set[str]:
        return {path.name for path in self.data_dir.rglob("*") if path.is_file()}


def _wait_for(condition, what: str, processes: list[subprocess.Popen]) -> object:
    deadline = time.monotonic() + WAIT_S
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, f"a process exited ({process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {WAIT_S} s"
        time.sleep(1)


def test_worker_and_console_on_two_hosts_share_only_elasticsearch_and_postgresql(tmp_path, es_url, pg_url):
    scenario = load_scenario("food-safety-rumour")
    web = SimWeb(scenario, speed=SPEED).start()
    web.clock = ScaledClock(scenario.start, SPEED, time.time() + 10)
    tag = uuid.uuid4().hex[:8]
    shared = {"store": "elasticsearch", "es_url": es_url, "es_index_prefix": f"twohosts{tag}",
              "state_db_url": pg_url, "state_db_schema": f"twohosts_{tag}", **web.clock_settings()}
    worker_host = Host(tmp_path, "worker-host", shared, crawl_base_url=web.url, crawl_polite="false",
                       worker_interval_scale=SPEED, worker_enrich_interval_s=3, worker_clock_interval_s=3,
                       worker_heartbeat_s=2, worker_report_hour=-1)
    console_host = Host(tmp_path, "console-host", shared)
    third_host = Host(tmp_path, "third-host", shared)
    try:
        worker_host.run("seed-demo-users")
        worker = worker_host.start([sys.executable, "-m", "infra.cli", "worker"], "worker")
        with open_runtime(third_host.settings()) as runtime:
            alerts = runtime.workflow.alerts
            [alert] = _wait_for(lambda: alerts.all_alerts(), "alert raised by the worker", [worker])
        status = third_host.run("status")
        assert "运行中" in status and "帖文 posts: 0 条" not in status

        port = _free_port()
        console = console_host.start(console_command(port), "console")
        url = f"http://127.0.0.1:{port}"
        wait_for_console(url, console, tmp_path / "console-host-console.log")
        _review_in_a_browser(url, tmp_path, alert.title)

        with open_runtime(third_host.settings()) as runtime:
            confirmed = runtime.workflow.alerts.all_alerts()[0]
            assert str(confirmed.state) == "confirmed" and confirmed.id == alert.id
        # Each host kept only its own files: no post store and no state database on any of them.
        for host in (worker_host, console_host, third_host):
            assert not {"posts.db", "state.db", "workflow.db", "events.db"} & host.files(), host.files()
        assert (worker_host.data_dir / "logs").is_dir()                     # the crawls ran on the worker's host
        assert not (console_host.data_dir / "logs").exists()
    finally:
        worker_host.stop()
        console_host.stop()
        web.stop()
        with open_runtime(third_host.settings()) as runtime:
            runtime.posts.drop()
            runtime.state.drop()


def _review_in_a_browser(url: str, tmp_path: Path, title: str) -> None:
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=BROWSER_ARGS)
        try:
            reviewer = Person(browser, url, shots, "reviewer")
            reviewer.page.goto(url)
            reviewer.page.get_by_label("用户名").fill("reviewer")
            reviewer.page.get_by_label("密码").fill("reviewer-demo-1")
            reviewer.page.get_by_role("button", name="登录").click()
            reviewer.page.get_by_role("heading", name="总览").first.wait_for()
            reviewer.settle()
            reviewer.see("运行中")                        # the worker's heartbeat, from the other host
            reviewer.go("预警审核")
            reviewer.choose("预警", title)
            reviewer.click("确认预警")
            reviewer.see("预警已确认")
        except Exception:
            _failure_shots(browser, shots)
            raise
        finally:
            browser.close()
