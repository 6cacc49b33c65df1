"""`yuqing drill SCENARIO`: a rehearsal (演练) on a fresh embedded store under ``<data_dir>/drill-<time>/``.

It serves the scenario on the simulated web (in this process), seeds the demo users, starts the worker and
the console as subprocesses, all on one drill clock (a ScaledClock shared through the `clock_origin`,
`clock_speed` and `clock_wall_origin` settings), prints the console's address and the demo logins, shows
the drill's progress, and at the end (Ctrl-C, SIGTERM or ``--duration``) stops everything and writes the
after-action report (演练复盘报告) into the drill folder.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from core.clock import CHINA_TZ, ScaledClock
from core.errors import ConfigurationError
from core.settings import SETTINGS
from infra.drill.review import milestones, review_context
from infra.worker.crawl import child_env

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRESS_EVERY_S = 10.0
WARMUP_S = 30.0
_KNOWN = {s.name for s in SETTINGS}


class Drill:
    def __init__(self, settings, scenario: str, *, speed: float = 60.0, port: int = 8501,
                 duration_h: float | None = None, console: bool = True, out: TextIO = sys.stdout,
                 warmup_s: float = WARMUP_S):
        if speed <= 0:
            raise ConfigurationError(f"--speed {speed:g}: the drill speed must be positive")
        self.base_settings, self.scenario_name = settings, scenario
        self.speed, self.port, self.duration_h, self.with_console, self.out = speed, port, duration_h, console, out
        self.warmup_s = warmup_s
        self.stop = threading.Event()
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self) -> int:
        from infra.simweb.scenario import load_scenario
        from infra.simweb.server import SimWeb

        scenario = load_scenario(self.scenario_name)
        stamp = datetime.now(CHINA_TZ).strftime("%Y%m%d-%H%M%S")
        self.folder = (Path(self.base_settings["data_dir"]) / f"drill-{stamp}").resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        web = SimWeb(scenario, speed=self.speed).start()
        # Drill time reaches the scenario's start only once the worker is up, so the first post is not
        # published while the worker is still loading its models.
        self.clock = web.clock = ScaledClock(scenario.start, self.speed, time.time() + self.warmup_s)
        self.settings = self.base_settings.replace(**self._overrides(web))
        previous = {sig: signal.signal(sig, lambda *_: self.stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        logging.getLogger("alembic").setLevel(logging.WARNING)
        try:
            logins = self._seed_users()
            self._start("worker", [sys.executable, "-m", "infra.cli", "worker"])
            if self.with_console:
                self._start("console", [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "console/app.py"),
                                        "--server.port", str(self.port), "--server.headless", "true",
                                        "--browser.gatherUsageStats", "false"])
            self._wait_for_worker()
            self._banner(scenario, web, logins)
            self._follow(scenario)
        finally:
            self._stop_all()
            web.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        report = self.write_review(scenario)
        self.out.write(f"\n演练结束。复盘报告 / after-action report: {report}\n\n{report.read_text(encoding='utf-8')}\n")
        return 0

    def _overrides(self, web) -> dict[str, object]:
        values = {"data_dir": str(self.folder), "store": "sqlite", "sqlite_path": "", "state_db_url": "",
                  "worker_interval_scale": self.speed, "worker_enrich_interval_s": 3, "worker_clock_interval_s": 3,
                  "worker_heartbeat_s": 2, "worker_report_hour": -1, "spool_dir": "",
                  **web.clock_settings(), "crawl_base_url": web.url}
        return {name: value for name, value in values.items() if name in _KNOWN}

    def _env(self) -> dict[str, str]:
        return child_env(self.settings, {"PYTHONPATH": str(REPO_ROOT)})

    def _seed_users(self) -> str:
        result = subprocess.run([sys.executable, "-m", "infra.cli", "seed-demo-users"], cwd=REPO_ROOT,
                                env=self._env(), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise ConfigurationError(f"seeding the demo users failed: {result.stderr.strip()[-500:]}")
        return result.stdout.strip()

    def _start(self, name: str, command: list[str]) -> None:
        log_file = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=self._env(), stdout=log_file,
                                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _wait_for_worker(self) -> None:
        from infra.worker.status import read_worker_status

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not self.stop.is_set():
            if read_worker_status(self.settings).state == "running":
                return
            if self.processes["worker"].poll() is not None:
                raise ConfigurationError(f"the drill's worker did not start; see {self.folder}/worker.log")
            time.sleep(0.5)

    def _banner(self, scenario, web, logins: str) -> None:
        lines = [
            "", f"演练开始 / drill started: {scenario.title}（{scenario.id}）",
            f"  控制台 console:      http://localhost:{self.port}" if self.with_console else "  (no console)",
            f"  模拟网络 simulated web: {web.url}",
            f"  演练时钟 drill clock: {scenario.start.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 起，{self.speed:g} 倍速"
            f"（{max(0.0, self.clock.wall_origin - time.time()):.0f} 秒后开始 / starts in a moment）",
            f"  数据目录 data folder: {self.folder}",
            "  演示账号 demo logins (README「Workflow 工作流」):", *("    " + l for l in logins.splitlines()),
            "  按 Ctrl-C 结束演练并生成复盘报告 / press Ctrl-C to end the drill and write the after-action report", ""]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def _now(self) -> datetime:
        return self.clock.now().astimezone(CHINA_TZ)

    def _follow(self, scenario) -> None:
        end = scenario.start + timedelta(hours=self.duration_h) if self.duration_h is not None else None
        last = time.monotonic()
        while not self.stop.wait(1.0):
            for name, process in self.processes.items():
                if process.poll() is not None:
                    self.out.write(f"{name} exited with status {process.returncode}; see {self.folder}/{name}.log\n")
                    return
            if end and self.clock.now() >= end:
                return
            if time.monotonic() - last >= PROGRESS_EVERY_S:
                last = time.monotonic()
                self._progress()

    def _progress(self) -> None:
        try:
            line = progress_line(self.settings, self.clock)
        except Exception as error:             # progress is a courtesy: never end a drill over it
            line = f"(progress unavailable: {error})"
        self.out.write(f"[演练时间 {self._now():%m-%d %H:%M}] {line}\n")
        self.out.flush()

    def _stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within 60 s; killing it", name)
                process.kill()
                process.wait()

    def write_review(self, scenario) -> Path:
        from infra.storage import open_event_store
        from infra.workflow_db import open_workflow

        ended = self.clock.now()
        workflow = open_workflow(self.settings, self.clock)
        try:
            with closing(open_event_store(self.settings)) as events:
                items = milestones(workflow, events, ended)
            context = review_context(f"{scenario.title}（{scenario.id}）演练", scenario.summary or scenario.title,
                                     scenario.start, ended, items)
            text = workflow.templates.render("drill_review", context)
        finally:
            workflow.close()
        path = self.folder / "after-action-report.md"
        path.write_text(text, encoding="utf-8")
        return path


def progress_line(settings, clock) -> str:
    """Posts, events, alerts and releases so far, in one line."""
    from core.workflow.model import Alert, Release
    from infra.storage import open_event_store, open_post_store
    from infra.workflow_db import open_workflow

    with closing(open_post_store(settings)) as store, closing(open_event_store(settings)) as events:
        posts = store.count()
        event_count = len(events.list_events(limit=1000))
    workflow = open_workflow(settings, clock)
    try:
        alerts = workflow.repo.find(Alert)
        waiting = sum(1 for a in alerts if str(a.state) in ("new", "under_review"))
        published = sum(1 for r in workflow.repo.find(Release) if r.published_at)
    finally:
        workflow.close()
    return f"帖文 {posts} 条 · 事件 {event_count} 个 · 预警 {len(alerts)} 条（待审核 {waiting}）· 已发布回应 {published} 篇"
