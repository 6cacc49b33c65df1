"""`yuqing drill SCENARIO`: a rehearsal (演练) on the deployment's own stack, kept apart from its real data.

A drill runs on the backends the settings configure, so an office on Elasticsearch + PostgreSQL rehearses on
what it runs: its posts go to their own index prefix (``<es_index_prefix>-drill-<time>``) or their own SQLite
file, its state to its own PostgreSQL schema (``drill_<time>``) or its own SQLite file, and its local files
(spool, logs, evidence, reports) to ``<data_dir>/drill-<time>/``. At the end the drill's posts and state are
removed unless ``keep`` is asked for; the after-action report stays in the drill folder.

The drill serves the scenario on the simulated web (in this process), seeds the demo users, starts the worker
and the console as subprocesses, all on one drill clock (a ScaledClock shared through the `clock_origin`,
`clock_speed` and `clock_wall_origin` settings), prints the console's address and the demo logins, shows the
drill's progress, and at the end (Ctrl-C, SIGTERM, ``stop``, or ``duration_h``) stops everything and writes the
after-action report (演练复盘报告).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from core.clock import CHINA_TZ, ScaledClock
from core.errors import ConfigurationError
from core.settings import Settings
from core.workflow import SYSTEM
from infra.console_process import console_command
from infra.drill.pointer import RunningDrill, remove_pointer, write_pointer
from infra.drill.review import milestones, review_context
from infra.runtime import Runtime, open_runtime
from infra.simweb.scenario import load_scenario
from infra.simweb.server import SimWeb

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRESS_EVERY_S = 10.0
WARMUP_S = 30.0
# The default drill speed: slow enough for a newcomer to meet the 5-hour clock by hand. In the shipped
# scenarios the first post (T0) comes about 5 drill minutes in and the grade II alert 40-60 drill minutes
# later; confirming it, recording the facts, drafting, signing, approving and publishing takes a person
# new to the console 15-20 real minutes. At speed 10 the 5-hour clock lasts 30 real minutes (the alert
# comes 4-6 minutes in, leaving about 25), and the 50 % and 80 % warnings come 15 and 24 minutes after T0, while a
# scenario's two hours still pass in 12 minutes. At speed 60 the clock lasted 5 real minutes: it expired
# before the alert could be confirmed.
DEMO_SPEED = 10.0
DRILL_BROWSER = Path("/usr/bin/chromium")        # infra/browser.sh installs it
# One demo user per role (README「Workflow 工作流」): for demos and drills only.
DEMO_LOGINS = (("monitor", "monitor", "monitor-demo-1", "宣传部舆情监测员（演示）", "县委宣传部", False),
               ("reviewer", "reviewer", "reviewer-demo-1", "教育局预警审核（演示）", "县教育局", False),
               ("spokesperson", "spokesperson", "spokes-demo-1", "新闻发言人（演示）", "县教育局", False),
               ("leader", "leader", "leader-demo-1", "值班领导（演示）", "县委宣传部", True),
               ("police", "police_liaison", "police-demo-1", "公安联络员（演示）", "县公安局", False),
               ("admin", "admin", "admin-demo-1", "系统管理员（演示）", "县委宣传部", False))


def drill_overrides(settings: Settings, folder: Path, stamp: str) -> dict[str, object]:
    """The settings that put a drill beside the deployment's data on the same backends: its own post index
    prefix or SQLite file, its own state schema or SQLite file, its own local folders."""
    values: dict[str, object] = {"data_dir": str(folder), "spool_dir": "", "evidence_dir": "", "publish_dir": "",
                                 "sqlite_path": ""}
    if settings.store == "elasticsearch":
        values["es_index_prefix"] = f"{settings.es_index_prefix}-drill-{stamp}".lower()
    if settings.state_url.startswith("postgresql"):
        values["state_db_schema"] = f"drill_{stamp}".replace("-", "_")
    else:
        values["state_db_url"] = ""                  # <drill folder>/state.db
    return values


class Drill:
    def __init__(self, settings: Settings, scenario: str, *, speed: float = DEMO_SPEED, port: int = 8501,
                 duration_h: float | None = None, console: bool = True, out: TextIO = sys.stdout,
                 warmup_s: float = WARMUP_S, keep: bool = False):
        if speed <= 0:
            raise ConfigurationError(f"--speed {speed:g}: the drill speed must be positive")
        self.base_settings, self.scenario_name = settings, scenario
        self.speed, self.port, self.duration_h, self.with_console, self.out = speed, port, duration_h, console, out
        self.warmup_s, self.keep = warmup_s, keep
        self.stop = threading.Event()
        self.processes: dict[str, subprocess.Popen] = {}
        self.runtime: Runtime | None = None

    def run(self) -> int:
        scenario = load_scenario(self.scenario_name)
        stamp = datetime.now(CHINA_TZ).strftime("%Y%m%d-%H%M%S")
        self.folder = (self.base_settings.data_path / f"drill-{stamp}").resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        web = SimWeb(scenario, speed=self.speed).start()
        # Drill time reaches the scenario's start only once the worker is up, so the first post is not
        # published while the worker is still loading its models.
        self.clock = web.clock = ScaledClock(scenario.start, self.speed, time.time() + self.warmup_s)
        overrides = {**drill_overrides(self.base_settings, self.folder, stamp), **web.clock_settings(),
                     "crawl_base_url": web.url, "worker_interval_scale": self.speed, "worker_enrich_interval_s": 3,
                     "worker_clock_interval_s": 3, "worker_heartbeat_s": 2, "worker_report_hour": -1,
                     # escalations capture the simulated posts' pages when Debian's Chromium is installed
                     "capture_browser": self.base_settings.capture_browser or (
                         str(DRILL_BROWSER) if DRILL_BROWSER.is_file() else "")}
        self.settings = self.base_settings.replace(**overrides)
        self.runtime = open_runtime(self.settings, clock=self.clock)
        # `yuqing status` / `crawl-health` / `worker-status` in another terminal follow this drill's data.
        write_pointer(self.base_settings.data_path, RunningDrill(
            pid=os.getpid(), folder=str(self.folder), scenario=scenario.id, speed=self.speed, overrides=overrides))
        # Ctrl-C and SIGTERM end the drill; a drill run from another thread (a test) is ended through ``stop``.
        in_main = threading.current_thread() is threading.main_thread()
        previous = {sig: signal.signal(sig, lambda *_: self.stop.set())
                    for sig in ((signal.SIGTERM, signal.SIGINT) if in_main else ())}
        try:
            logins = self._seed_users()
            self._start("worker", [sys.executable, "-m", "infra.cli", "worker"])
            if self.with_console:
                self._start("console", console_command(self.port, "localhost"))
            self._wait_for_worker()
            self._banner(scenario, web, logins)
            self._follow(scenario)
        finally:
            remove_pointer(self.base_settings.data_path, os.getpid())
            self._stop_all()
            web.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        try:
            report = self.write_review(scenario)
        finally:
            self._clean_up()
        self.out.write(f"\n演练结束。复盘报告 / after-action report: {report}\n\n{report.read_text(encoding='utf-8')}\n")
        return 0

    def _seed_users(self) -> str:
        users, lines = self.runtime.workflow.users, []
        for username, role, password, name, unit, on_duty in DEMO_LOGINS:
            if users.by_username(username) is None:
                users.create(SYSTEM, username, password, role, display_name=name, unit=unit, on_duty=on_duty)
            lines.append(f"{username:<13} {password}")
        return "\n".join(lines)

    def _start(self, name: str, command: list[str]) -> None:
        env = {**os.environ, **self.settings.environment(), "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        log_file = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file,
                                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _wait_for_worker(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not self.stop.is_set():
            if self.runtime.state.worker_status.read().state == "running":
                return
            if self.processes["worker"].poll() is not None:
                raise ConfigurationError(f"the drill's worker did not start; see {self.folder}/worker.log")
            time.sleep(0.5)

    def _banner(self, scenario, web, logins: str) -> None:
        where = self.settings
        lines = [
            "", f"演练开始 / drill started: {scenario.title}（{scenario.id}）",
            f"  控制台 console:      http://localhost:{self.port}" if self.with_console else "  (no console)",
            f"  模拟网络 simulated web: {web.url}",
            f"  演练时钟 drill clock: {scenario.start.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 起，{self.speed:g} 倍速"
            f"（{max(0.0, self.clock.wall_origin - time.time()):.0f} 秒后开始 / starts in a moment）",
            f"  数据目录 data folder: {self.folder}",
            f"  帖文存储 posts: {where.store}"
            + (f"（索引前缀 {where.es_index_prefix}）" if where.store == "elasticsearch" else ""),
            f"  状态库 state: {self.runtime.state.describe()}"
            + (f"（模式 {where.state_db_schema}）" if where.state_db_schema else ""),
            "  演练结束后删除演练数据（--keep 保留）/ drill data is removed afterwards unless --keep" if not self.keep
            else "  演练数据将保留 / drill data is kept (--keep)",
            "  演示账号 demo logins (README「Workflow 工作流」):", *("    " + line for line in logins.splitlines()),
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
            line = progress_line(self.runtime)
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
        ended = self.clock.now()
        workflow = self.runtime.workflow
        items = milestones(workflow, self.runtime.events, ended, self.runtime.posts)
        context = review_context(f"{scenario.title}（{scenario.id}）演练", scenario.summary or scenario.title,
                                 scenario.start, ended, items)
        path = self.folder / "after-action-report.md"
        path.write_text(workflow.templates.render("drill_review", context), encoding="utf-8")
        return path

    def _clean_up(self) -> None:
        """Remove the drill's posts and state (unless kept), then release the runtime."""
        runtime = self.runtime
        try:
            if not self.keep:
                runtime.posts.drop()
                runtime.state.drop()
                self.out.write("演练数据已删除 / the drill's posts and state were removed\n")
        finally:
            runtime.close()


def progress_line(runtime: Runtime) -> str:
    """Posts, events, alerts and releases so far, in one line."""
    counts = runtime.workflow.counts()
    return (f"帖文 {runtime.posts.count()} 条 · 事件 {len(runtime.events.list_events(limit=1000))} 个 · "
            f"预警 {counts.alerts} 条（待审核 {counts.awaiting_review}）· 已发布回应 {counts.releases_published} 篇")
