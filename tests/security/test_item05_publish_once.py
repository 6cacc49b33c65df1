"""Item 5: two spokespersons publishing one release at the same moment (two console processes over one state
database) send it once: one webhook POST to a real HTTP receiver, one publication record per channel, and the
second person is told it is already being published."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import Conflict
from core.workflow import SYSTEM
from core.workflow.model import Publication
from tests.security.desk import PASSWORD, open_case, open_desk


class Receiver(BaseHTTPRequestHandler):
    """A slow relay (half a second per POST), so that both publishers are in flight together."""

    posts: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.posts.append(body)
        time.sleep(0.5)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def approved_release(desk):
    open_case(desk)
    alert = desk.wf.alerts.for_event("ev-1")
    reviewer, spokesperson = desk.users["reviewer"], desk.users["spokesperson"]
    desk.wf.alerts.start_review(reviewer, alert.id)
    desk.wf.alerts.confirm(reviewer, alert.id)
    desk.wf.alerts.set_facts(reviewer, alert.id, {"occurred_at": "11月28日", "incident_summary": "网传不实。",
                                                  "measures": ["已核查"]})
    release = desk.wf.releases.draft(spokesperson, alert.id, "first_response")
    desk.wf.releases.check_minors(spokesperson, release.id)
    desk.wf.releases.sign(spokesperson, release.id)
    return desk.wf.releases.approve(desk.users["leader"], release.id)


def test_two_spokespersons_publishing_at_once_send_the_release_once(tmp_path, receiver):
    first = open_desk(tmp_path, webhook_url=receiver)
    release = approved_release(first)
    first.wf.users.create(SYSTEM, "spokes-2", PASSWORD, "spokesperson", display_name="第二发言人")
    second = open_desk(tmp_path, with_users=False, webhook_url=receiver)       # another process, same database
    people = [(first, first.users["spokesperson"]), (second, second.wf.users.by_username("spokes-2"))]
    start, outcomes = threading.Barrier(2), []

    def publish(desk, user):
        start.wait()
        try:
            outcomes.append(desk.wf.releases.publish(user, release.id))
        except Conflict as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=publish, args=pair) for pair in people]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(Receiver.posts) == 1
        records = first.runtime.state.workflow_repository().find(Publication, release_id=release.id)
        assert sorted(r.channel for r in records if r.ok) == ["webhook", "website"]
        refused = [o for o in outcomes if isinstance(o, Conflict)]
        assert len(refused) == 1 and "已发布" in str(refused[0])
    finally:
        second.close()
        first.close()


def test_a_publisher_who_read_the_release_just_before_another_finished_is_told_it_is_published(tmp_path, receiver):
    # The interleaving the concurrent test above can hit on a busy machine: the second publisher read the release
    # while it was still approved, and its publication records after the first publisher committed.
    desk = open_desk(tmp_path, webhook_url=receiver)
    try:
        release = approved_release(desk)
        releases = desk.wf.releases
        releases.publish(desk.users["spokesperson"], release.id)
        read_before = releases._load
        releases._load = lambda release_id: release              # the approved release, as read before
        try:
            with pytest.raises(Conflict, match="已发布"):
                releases.publish(desk.users["spokesperson"], release.id)
        finally:
            releases._load = read_before
        assert len(Receiver.posts) == 1
    finally:
        desk.close()


def test_a_publisher_who_finds_one_channel_taken_sends_on_none_and_is_told_it_is_being_published(tmp_path, receiver):
    # The interleaving the concurrent test above hit on a busy machine: each publisher claimed one of the two
    # channels, both sent on theirs and both were told they had published. Now the claims are all or none.
    desk = open_desk(tmp_path, webhook_url=receiver)
    try:
        release = approved_release(desk)
        releases = desk.wf.releases
        other = "spokes-2"
        assert releases.repo.claim(f"publish:{release.id}:website", other, releases.clock.now(), timedelta(minutes=10))
        with pytest.raises(Conflict, match="正在由他人发布"):
            releases.publish(desk.users["spokesperson"], release.id)
        assert Receiver.posts == []                                              # the webhook was not sent
        releases.repo.release_claim(f"publish:{release.id}:website")            # the other publisher gave up
        records = releases.publish(desk.users["spokesperson"], release.id)
        assert sorted(r.channel for r in records if r.ok) == ["webhook", "website"] and len(Receiver.posts) == 1
    finally:
        desk.close()


def test_a_failed_channel_can_be_published_again(tmp_path):
    desk = open_desk(tmp_path, webhook_url="http://127.0.0.1:9/unreachable", webhook_timeout=1.0)
    try:
        release = approved_release(desk)
        records = desk.wf.releases.publish(desk.users["spokesperson"], release.id)
        assert {r.channel: r.ok for r in records} == {"website": True, "webhook": False}
        again = desk.wf.releases.publish(desk.users["spokesperson"], release.id, ["webhook"])
        assert [(r.channel, r.ok) for r in again] == [("webhook", False)]          # tried again, not refused
        with pytest.raises(Conflict):
            desk.wf.releases.publish(desk.users["spokesperson"], release.id, ["website"])
    finally:
        desk.close()
