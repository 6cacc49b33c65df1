"""The running worker tells people: a grade II alert and an overdue clock reach a real local SMTP server and
a group robot's webhook, once each, from posts crawled off the simulated web."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


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
    yield port, mailbox, f"http://127.0.0.1:{robot.server_address[1]}/cgi-bin/webhook/send?key=K"
    smtp.stop()
    robot.shutdown()
    robot.server_close()


@pytest.mark.slow
def test_the_worker_notifies_a_major_alert_and_an_overdue_clock_once(deployment, channels):
    from infra.simweb.scenario import load_scenario
    from infra.simweb.server import SimWeb

    smtp_port, mailbox, robot_url = channels
    scenario = load_scenario("food-safety-rumour")
    web = SimWeb(scenario, at_min=420).start()                      # 7 h into the incident
    try:
        deployment.write_profile(f"""
[[sources]]
name = "weibo-search"
spider = "weibo"
interval_s = 600
keywords = ["渠县"]
""")
        # The worker's drill clock stands at the same moment, so the 5 h release clock is already overdue.
        deployment.set(crawl_base_url=web.url, crawl_polite="false", clock_origin=web.now().isoformat(),
                       clock_speed=1, smtp_host="127.0.0.1", smtp_port=smtp_port,
                       notify_emails="leader=zhiban@qx.example,reviewer=shenhe@qx.example",
                       notify_webhooks=f"wecom={robot_url}")
        worker = deployment.start_worker()

        def subjects(address):
            return [s for rcpts, s in mailbox.received if address in rcpts]

        deployment.wait_until(lambda: any("重大" in s for s in subjects("shenhe@qx.example"))
                              and any("已超时" in s for s in subjects("zhiban@qx.example")), 120,
                              "the alert and overdue mails", worker)
        time.sleep(6)                                                # a few more rounds: nothing is sent again
    finally:
        web.stop()
    leader = subjects("zhiban@qx.example")
    assert len(leader) == len(set(leader))                            # once per trigger
    contents = [b["text"]["content"] for b in Robot.bodies]
    assert any("预警" in c for c in contents) and len(contents) == len(set(contents))
    assert all(b["msgtype"] == "text" for b in Robot.bodies)
