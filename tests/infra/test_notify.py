"""Notifications against a real local SMTP server (aiosmtpd) and a real local HTTP receiver, planned in the
state database's sent-ledger."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timezone
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from core.clock import ManualClock
from core.errors import ConfigurationError
from core.notifications import Contact, Trigger
from core.settings import load_settings
from infra.notify import build_notifier
from infra.runtime import open_runtime
from infra.state import open_state_database

START = datetime(2026, 11, 29, 1, 0, tzinfo=timezone.utc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 OK"

    def subjects_for(self, address: str) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


class Receiver(ThreadingHTTPServer):
    """A local webhook receiver: records JSON bodies per path; answers from a per-path script of replies."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.bodies: dict[str, list[dict]] = {}
        self.replies: dict[str, list[tuple[int, dict]]] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = self.path.split("?")[0]
        self.server.bodies.setdefault(path, []).append(body)
        script = self.server.replies.get(path) or []
        status, answer = script.pop(0) if script else (200, {"errcode": 0, "errmsg": "ok"})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def settings_for(tmp_path, **values):
    # The test mail server is a relay on this host, the one place plain SMTP is allowed (smtp_tls = none).
    return load_settings(environ={}, overrides={"data_dir": str(tmp_path), "smtp_tls": "none", **values})


_opened = []


@pytest.fixture(autouse=True)
def _close_what_was_opened():
    yield
    while _opened:
        _opened.pop().close()


def open_notifier(settings, directory=lambda: (), clock=None):
    """A notifier as a process builds it from these settings (a new process each call: its own connection to
    the state database), with the people to reach given by ``directory``."""
    runtime = open_runtime(settings)
    _opened.append(runtime)
    return build_notifier(runtime.notify_config(), runtime.state.notifications, directory=directory, clock=clock)


def read_deliveries(settings, statuses=()):
    """What the console reads: the ledger's deliveries, newest first."""
    with open_runtime(settings) as runtime:
        return runtime.state.notifications.deliveries(statuses=statuses)


ALERT = Trigger(id="alert:a-1:major", kind="alert_major", title="【舆情预警】渠县中学食堂事件（II级 重大）",
                body="事件：网传渠县中学食堂饭菜变质。\n等级：II级（重大）\n请登录舆情回应台审核。")
DIRECTORY = [Contact("reviewer", "shenhe@qx.example"), Contact("leader", "zhiban@qx.example"),
             Contact("police_liaison", "gongan@qx.example")]


def test_a_major_alert_reaches_each_role_by_mail_and_each_robot_in_its_own_shape(tmp_path, smtp_server, receiver):
    port, mailbox = smtp_server
    settings = settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=port,
                            notify_emails="monitor=jiance@qx.example",
                            notify_webhooks=f"wecom={receiver.url('/wecom?key=SECRET')},"
                                            f"dingtalk={receiver.url('/ding')},feishu={receiver.url('/feishu')}")
    notifier = open_notifier(settings, directory=lambda: DIRECTORY, clock=ManualClock(START))

    report = notifier.notify([ALERT])

    assert report.sent == 6 and report.failed == 0
    for address in ("jiance@qx.example", "shenhe@qx.example", "zhiban@qx.example"):
        assert mailbox.subjects_for(address) == [ALERT.title]
    assert mailbox.subjects_for("gongan@qx.example") == []     # the police are not routed major alerts
    assert receiver.bodies["/wecom"] == [{"msgtype": "text", "text": {"content": f"{ALERT.title}\n{ALERT.body}"}}]
    assert receiver.bodies["/ding"][0]["msgtype"] == "markdown"
    assert ALERT.title in receiver.bodies["/ding"][0]["markdown"]["text"]
    assert receiver.bodies["/feishu"] == [{"msg_type": "text", "content": {"text": f"{ALERT.title}\n{ALERT.body}"}}]
    # The ledger the console reads never holds the robot's secret key.
    assert all("SECRET" not in d.address for d in read_deliveries(settings))


def test_the_same_trigger_is_never_sent_twice_even_from_a_second_notifier(tmp_path, smtp_server, receiver):
    port, mailbox = smtp_server
    settings = settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=port,
                            notify_webhooks=f"json={receiver.url('/hook')}")
    first = open_notifier(settings, directory=lambda: DIRECTORY)
    first.notify([ALERT])
    first.notify([ALERT])
    open_notifier(settings, directory=lambda: DIRECTORY).notify([ALERT])   # e.g. the worker restarted

    assert mailbox.subjects_for("zhiban@qx.example") == [ALERT.title]
    assert len(receiver.bodies["/hook"]) == 1
    assert receiver.bodies["/hook"][0]["trigger_id"] == ALERT.id


def test_a_failing_webhook_is_retried_with_back_off_and_its_failures_are_visible(tmp_path, receiver):
    receiver.replies["/wecom"] = [(500, {}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    settings = settings_for(tmp_path, notify_webhooks=f"wecom={receiver.url('/wecom')}", notify_retry_s=30)
    clock = ManualClock(START)
    notifier = open_notifier(settings, clock=clock)

    assert notifier.notify([ALERT]).retrying == 1
    [delivery] = read_deliveries(settings)
    assert delivery.status == "pending" and "HTTP 500" in delivery.last_error and delivery.attempts == 1

    clock.advance(29)                                    # back-off not over yet: nothing is sent
    assert notifier.deliver_due().sent == 0 and len(receiver.bodies["/wecom"]) == 1
    clock.advance(1)
    assert notifier.deliver_due().retrying == 1          # the robot answers 200 with an error code
    assert "93000" in read_deliveries(settings)[0].last_error
    clock.advance(59)
    assert notifier.deliver_due().sent == 0              # the second wait is twice as long
    clock.advance(1)
    assert notifier.deliver_due().sent == 1
    [delivery] = read_deliveries(settings)
    assert delivery.status == "sent" and delivery.attempts == 3 and len(receiver.bodies["/wecom"]) == 3


def test_an_unreachable_mail_server_ends_as_a_recorded_failure(tmp_path):
    settings = settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), notify_max_attempts=2,
                            notify_retry_s=1, notify_emails="leader=zhiban@qx.example")
    clock = ManualClock(START)
    notifier = open_notifier(settings, clock=clock)
    notifier.notify([ALERT])
    clock.advance(1)
    assert notifier.deliver_due().failed == 1

    [failure] = read_deliveries(settings, statuses=["failed"])
    assert failure.address == "zhiban@qx.example" and "不再重试" in failure.last_error
    assert "127.0.0.1" in failure.last_error                        # says which server refused
    clock.advance(3600)
    assert notifier.deliver_due().sent == 0                          # a failure for good stays failed


def test_a_delivery_interrupted_by_a_crash_is_not_resent(tmp_path, receiver):
    settings = settings_for(tmp_path, notify_webhooks=f"json={receiver.url('/hook')}")
    notifier = open_notifier(settings)
    notifier.plan([ALERT])
    [due] = notifier.ledger.due(notifier.clock.now())
    notifier.ledger.mark_sending(due)                                # the process dies right here

    restarted = open_state_database(settings.state_url)                # the next worker's start
    assert restarted.notifications.recover_interrupted() == 1
    restarted.close()
    assert open_notifier(settings).deliver_due().sent == 0
    assert "hook" not in {p.strip("/") for p in receiver.bodies}
    assert read_deliveries(settings)[0].status == "interrupted"


def test_a_clock_notification_also_reaches_the_people_the_workflow_names(tmp_path, smtp_server):
    port, mailbox = smtp_server
    settings = settings_for(tmp_path, smtp_host="127.0.0.1", smtp_port=port, notify_routes="clock_overdue=leader")
    overdue = Trigger(id="clock:a-1:release_5h:overdue", kind="clock_overdue", title="【已超时】5小时信息发布",
                      body="渠县中学食堂事件的5小时信息发布已超时。", emails=("xiaozhang@qx.example",))
    open_notifier(settings, directory=lambda: DIRECTORY).notify([overdue])

    assert mailbox.subjects_for("xiaozhang@qx.example") == [overdue.title]
    assert mailbox.subjects_for("zhiban@qx.example") == [overdue.title]
    assert mailbox.subjects_for("shenhe@qx.example") == []          # the route now names the leader only


@pytest.mark.parametrize("name,value,needle", [
    ("notify_webhooks", "slack=http://127.0.0.1:1/x", "unknown webhook kind 'slack'"),
    ("notify_webhooks", "wecom", "kind=http(s)://url"),
    ("notify_routes", "alert_major=mayor", "unknown role 'mayor'"),
    ("notify_routes", "alert=leader", "trigger=role+role"),
    ("notify_emails", "leader=nobody", "role=address"),
    ("smtp_tls", "tls13", "'smtp_tls'"),
])
def test_broken_notification_settings_are_named(tmp_path, name, value, needle):
    values = {name: value, "smtp_host": "127.0.0.1"} if name == "smtp_tls" else {name: value}
    with pytest.raises(ConfigurationError, match="setting '" + name) as error:
        open_notifier(settings_for(tmp_path, **values))
    assert needle in str(error.value)
