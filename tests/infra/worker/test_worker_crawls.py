"""Crawls under the worker: a spider that hangs or crashes is ended by its time limit and its source marked
unhealthy while the other sources go on; SIGTERM hands the running crawl back and the worker exits cleanly.
Real `scrapy crawl` subprocesses against the simulated web and a server that accepts and never answers."""

from __future__ import annotations

import signal
import socket
import threading

import pytest


class BlackHole:
    """Accepts TCP connections and never answers: a site that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def web():
    from infra.simweb.scenario import load_scenario
    from infra.simweb.server import SimWeb

    scenario = load_scenario("food-safety-rumour")
    server = SimWeb(scenario, at_min=600).start()          # the whole scenario is visible
    hole = BlackHole()
    yield server, hole
    server.stop()
    hole.close()


@pytest.mark.slow
def test_hanging_and_crashing_spiders_are_ended_marked_unhealthy_and_the_others_go_on(deployment, web):
    server, hole = web
    deployment.write_profile(f"""
[[sources]]
name = "gov-feed"
spider = "rss"
interval_s = 10
feeds = ["{server.url}/www.quxian.gov.cn/rss/jyxw.xml"]
allow_private_addresses = true        # the test's sites listen on 127.0.0.1

[[sources]]
name = "hanging-site"
spider = "rss"
interval_s = 10
feeds = ["{hole.url}/rss/news.xml"]
allow_private_addresses = true

[[sources]]
name = "broken-spider"
spider = "no_such_spider"
interval_s = 10
""")
    deployment.set(worker_crawl_limit_s=25, crawl_polite="false", worker_shutdown_grace_s=3)
    scenario = server.scenario
    expected = {scenario.expected_post_id(p.key) for p in scenario.visible(server.now(), platform="rss")
                if p.feed.endswith("jyxw.xml") and not scenario.is_copy(p)}
    worker = deployment.start_worker()

    def jobs():
        return {job.job_id: job for job in deployment.status().jobs}

    def failures_and_successes(job_id):
        job = jobs().get(job_id)
        return (job.failures, job.runs - job.failures) if job else (0, 0)

    def each_crawled():
        return (failures_and_successes("crawl:hanging-site")[0] >= 1
                and failures_and_successes("crawl:broken-spider")[0] >= 1
                and failures_and_successes("crawl:gov-feed")[1] >= 2)     # the others go on

    deployment.wait_until(each_crawled, 120, "each source crawled (the good one twice)", worker)
    health = {s.source: s for s in deployment.status().sources}
    assert not health["hanging-site"].healthy and "超过时限" in health["hanging-site"].reason
    assert not health["broken-spider"].healthy and "退出码" in health["broken-spider"].reason

    store = deployment.open_posts()
    assert expected and store.count() == len(expected)       # the good source's posts all arrived, once
    assert {p.id for p in store.get_many(sorted(expected))} == expected
    store.close()

    # SIGTERM while the hanging crawl runs again: it is handed back, and the worker exits cleanly.
    deployment.wait_until(lambda: jobs()["crawl:hanging-site"].outcome == "running", 60, "the next hanging crawl",
                          worker)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    final = deployment.status()
    assert final.state == "stopped"
    assert {j.job_id: j for j in final.jobs}["crawl:hanging-site"].outcome == "interrupted"
