"""Fixtures for the security tests: a real workflow over a real SQLite state database, one user per role,
and small real HTTP servers (a receiver that records what reached it, a redirector, a slow drip)."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from core.clock import ManualClock
from core.settings import BUNDLED_TEMPLATES
from core.workflow import SYSTEM, WorkflowConfig, build_workflow
from infra.state import open_state_database
from tests.console.conftest import _seed_template, seeded  # noqa: F401  (the console's seeded data folder)
from tests.core.workflow.workflow_factories import FACTS, PASSWORD, ROLES, T0, make_event


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def make_workflow(tmp_path, clock):
    """Workflows over one state database file (two of them are two console processes)."""
    opened = []

    def make(channels=(), rounds: int = 4, post_store=None, **config):
        state = open_state_database(f"sqlite:///{tmp_path / 'state.db'}")
        cfg = WorkflowConfig(templates_dir=BUNDLED_TEMPLATES, evidence_dir=tmp_path / "evidence", county="渠县",
                             school_names={"qx-no2": "渠县第二中学"}, **config)
        wf = build_workflow(state.workflow_repository(), clock, cfg, channels=list(channels), bcrypt_rounds=rounds,
                            post_store=post_store)
        wf.on_close.append(state.close)
        opened.append(wf)
        return wf

    yield make
    for wf in opened:
        wf.close()


@pytest.fixture
def wf(make_workflow):
    return make_workflow()


def users_of(wf) -> dict:
    """One user per role (username: the role with '-' for '_'), keyed by role."""
    return {role: wf.users.create(SYSTEM, role.replace("_", "-"), PASSWORD, role, email=f"{role}@example.gov.cn")
            for role in ROLES}


@pytest.fixture
def users(wf):
    return users_of(wf)


class Server:
    """A real HTTP server on 127.0.0.1, port 0, answering with ``respond(handler)``; ``hits`` records
    (method, path, headers, body) of every request that reached it."""

    def __init__(self, respond):
        self.hits: list[tuple[str, str, dict, bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.hits.append((self.command, self.path, dict(self.headers), body))
                respond(self)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(status: int, body: bytes = b"{}", headers: dict | None = None):
    def respond(handler):
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return respond


def drip(handler):
    """An answer that never ends: one header byte every 0.3 s (each read is quick, the whole is endless)."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    handler.wfile.flush()
    try:
        for _ in range(200):
            handler.wfile.write(b"X")
            handler.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


@pytest.fixture
def servers():
    made = []

    def make(respond):
        server = Server(respond)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


def approved_release(wf, users, event_id="ev-1", facts=None, **event):
    """A grade II alert confirmed with facts, and its first response drafted, checked, signed and approved."""
    alert = wf.alerts.raise_from_events([make_event(event_id=event_id, grade="II", **event)])[0]
    wf.alerts.start_review(users["reviewer"], alert.id)
    wf.alerts.confirm(users["reviewer"], alert.id)
    wf.alerts.set_facts(users["reviewer"], alert.id, facts or FACTS)
    release = wf.releases.draft(users["spokesperson"], alert.id, "first_response")
    wf.releases.check_minors(users["spokesperson"], release.id)
    wf.releases.sign(users["spokesperson"], release.id)
    return wf.releases.approve(users["leader"], release.id)
