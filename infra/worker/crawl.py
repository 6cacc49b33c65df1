"""One crawl of one source as a subprocess (`yuqing crawl SOURCE`, which runs the crawl process), under a time
limit. Twisted's reactor cannot restart inside the worker, and a subprocess that hangs or crashes takes
nothing else down with it: its process group is ended and the outcome says why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from core.settings import Settings

KILL_WAIT_S = 5.0
# `yuqing crawl`'s exit status when it ended its crawl at the time limit (1: any other failure).
EXIT_TIMED_OUT = 3


@dataclass(frozen=True)
class CrawlOutcome:
    outcome: str          # ok / error / timeout / interrupted
    returncode: int | None
    duration_s: float
    message: str          # a sentence, with the tail of the crawl's output when it failed
    log_path: Path


# The crawl command ends its own spider at the limit (and records the run as failing); the worker's own
# kill comes this much later, for a crawl command that hangs itself.
BACKSTOP_S = 30.0


def crawl_command(source: str, limit_s: float) -> list[str]:
    return [sys.executable, "-m", "infra.cli", "crawl", source, "--time-limit", f"{limit_s:g}"]


def child_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: ours, plus every setting, so the child resolves exactly the
    settings this worker runs with (whatever file or flag they came from). Whether
    a crawl writes through the ingest spool is the crawl process's business (setting `spool`)."""
    env = dict(os.environ)
    env.update(settings.environment())
    env.update(extra or {})
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_crawl(source: str, settings: Settings, *, limit_s: float, stop: threading.Event, grace_s: float,
              log_dir: Path) -> CrawlOutcome:
    """Run one crawl; end it (SIGTERM, then SIGKILL) at ``limit_s`` or when ``stop`` is set."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"crawl-{source}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(crawl_command(source, limit_s), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=child_env(settings), start_new_session=True)
        outcome = _watch(process, started + limit_s + BACKSTOP_S, stop, grace_s)
    duration = time.monotonic() - started
    code = process.returncode
    if outcome == "timeout":
        message = f"采集 {source} 超过时限 {limit_s:g} 秒，已被终止"
    elif outcome == "interrupted":
        message = f"后台任务停止，采集 {source} 已移交下次运行（运行了 {duration:.1f} 秒）"
    elif code == EXIT_TIMED_OUT:
        # `yuqing crawl` ends its own spider at the limit and says so by its exit status.
        outcome, message = "timeout", f"采集 {source} 超过时限 {limit_s:g} 秒，已被终止：{_tail(log_path, 1)}"
    elif code != 0:
        outcome, message = "error", f"采集 {source} 失败（退出码 {code}）：{_tail(log_path, 3)}"
    else:
        message = f"采集 {source} 完成，用时 {duration:.1f} 秒"
    return CrawlOutcome(outcome, code, duration, message, log_path)


def _watch(process: subprocess.Popen, deadline: float, stop: threading.Event, grace_s: float) -> str:
    while True:
        try:
            process.wait(timeout=0.25)
            return "ok"
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            _end(process, KILL_WAIT_S)
            return "timeout"
        if stop.is_set():
            # Scrapy closes its spider on SIGTERM: items in flight reach the store, then it exits.
            _end(process, grace_s)
            return "interrupted"


def _end(process: subprocess.Popen, wait_s: float) -> None:
    for sig, wait in ((signal.SIGTERM, wait_s), (signal.SIGKILL, KILL_WAIT_S)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The group may still hold a grandchild (the crawl process under the CLI) when the leader exited first.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(path: Path, lines: int = 6) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no output)"
    return " | ".join(text[-lines:]) or "(no output)"
