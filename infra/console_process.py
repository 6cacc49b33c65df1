"""The command line that serves the Streamlit console, shared by `yuqing console` and the drill, so the
console always starts with the same flags: headless, no usage statistics, no developer mode, and the
viewer toolbar (no Deploy button, no developer menu; see console/components/chrome.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# The ASGI wrapper around console/app.py that adds the login-cookie routes (console/cookie.py).
APP = Path(__file__).resolve().parents[1] / "console" / "server.py"


def console_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line for the console."""
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--global.developmentMode", "false", "--client.toolbarMode", "viewer",
            "--server.fileWatcherType", "none"]
