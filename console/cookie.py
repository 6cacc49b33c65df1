"""The login cookie: a login survives a reload, a new tab and a typed address for ``session_ttl_minutes``.

The cookie (``yuqing_session``) holds the session token and an HMAC-SHA256 of it under a key kept in the data
folder (``console-session.key``, created on first use, readable by its owner only); it is HttpOnly (no script
on the page can read it), SameSite=Strict and, over HTTPS, Secure. Every run reads it through
``st.context.cookies`` and the workflow checks the token as for any login (unknown, expired or revoked tokens
are refused there).

A script cannot set an HttpOnly cookie, and a Streamlit run cannot answer with headers, so the console is
served as an ASGI app (``console/server.py``) with two small routes of its own: after a login the run hands
the signed value to this process under a one-time code (valid ``HANDOFF_S`` seconds, used once), and a hidden
frame posts that code to ``/_yuqing/session``, whose answer sets the cookie. The token never appears in the
page. ``/_yuqing/logout`` clears the cookie."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

COOKIE_NAME = "yuqing_session"
KEY_FILE = "console-session.key"
SESSION_ROUTE = "/_yuqing/session"
LOGOUT_ROUTE = "/_yuqing/logout"
HANDOFF_S = 60.0
MAX_COOKIE_CHARS = 512                      # a token (43) + "." + a signature (64); anything longer is refused

_handoffs: dict[str, tuple[str, int, float]] = {}      # code -> (cookie value, max age s, offered at)
_lock = threading.Lock()


def signing_key(data_dir: Path) -> bytes:
    """The data folder's cookie key, created (owner-only) on first use."""
    path = Path(data_dir) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:                  # another process made it meanwhile
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def sign(token: str, key: bytes) -> str:
    return f"{token}.{hmac.new(key, token.encode(), hashlib.sha256).hexdigest()}"


def verified_token(value: str | None, key: bytes) -> str | None:
    """The token of a cookie value whose signature holds, else None."""
    if not value or len(value) > MAX_COOKIE_CHARS or "." not in value:
        return None
    token, _, signature = value.rpartition(".")
    expected = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
    return token if token and hmac.compare_digest(signature, expected) else None


def offer(cookie_value: str, max_age_s: int) -> str:
    """A one-time code under which ``/_yuqing/session`` will set this cookie."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, _, at) in _handoffs.items() if now - at > HANDOFF_S]:
            del _handoffs[stale]
        _handoffs[code] = (cookie_value, max_age_s, now)
    return code


def redeem(code: str) -> tuple[str, int] | None:
    """The cookie value and max age offered under ``code`` (once, within HANDOFF_S), else None."""
    with _lock:
        found = _handoffs.pop(code, None)
    if found is None or time.monotonic() - found[2] > HANDOFF_S:
        return None
    return found[0], found[1]
