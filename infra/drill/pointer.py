"""Where a running drill keeps its data, for commands run in another terminal.

A drill puts its posts, state and files in a folder (or index prefix / schema) of its own, so `yuqing status`,
`yuqing crawl-health` and `yuqing worker-status` started beside it would read the deployment's data instead.
While it runs, the drill writes ``<data_dir>/running-drill.json`` (its process id, folder, speed and the
settings that point at its stores and clock); those commands read it and follow the drill. A pointer whose
process has ended is ignored (and removed when the drill ends normally)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings

POINTER_NAME = "running-drill.json"


@dataclass(frozen=True)
class RunningDrill:
    pid: int
    folder: str
    scenario: str
    speed: float
    overrides: dict[str, Any]           # settings that point at the drill's stores and clock


def pointer_path(data_dir: Path) -> Path:
    return Path(data_dir) / POINTER_NAME


def write_pointer(data_dir: Path, drill: RunningDrill) -> Path:
    path = pointer_path(data_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(drill.__dict__, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)                 # a reader never sees half a file
    return path


def remove_pointer(data_dir: Path, pid: int) -> None:
    """Remove the pointer if it is this drill's (another drill may have started since)."""
    found = read_pointer(data_dir, check_alive=False)
    if found is not None and found.pid == pid:
        pointer_path(data_dir).unlink(missing_ok=True)


def read_pointer(data_dir: Path, check_alive: bool = True) -> RunningDrill | None:
    """The drill running on this data folder, or None (no pointer, an unreadable one, or its process gone)."""
    try:
        raw = json.loads(pointer_path(data_dir).read_text(encoding="utf-8"))
        found = RunningDrill(pid=int(raw["pid"]), folder=str(raw["folder"]), scenario=str(raw["scenario"]),
                             speed=float(raw["speed"]), overrides=dict(raw["overrides"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if check_alive and not _alive(found.pid):
        return None
    return found


def follow_running_drill(settings: Settings) -> tuple[Settings, RunningDrill | None]:
    """``settings`` pointed at the drill running on their data folder, if one is."""
    found = read_pointer(settings.data_path)
    if found is None:
        return settings, None
    return settings.replace(**found.overrides), found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                             # alive, owned by another user
    return True
