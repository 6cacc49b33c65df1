"""Injected faults on the simulated web show in crawl health, never as "no news"; the crawl goes on, nothing
stored is touched, and once the block lifts the next run fills the gap. Secrets never reach a log."""

from __future__ import annotations

import base64
import json

import pytest

from infra.cli import main as yuqing
from infra.cli.crawl import crawl_source
from infra.runtime import open_runtime
from infra.simweb.scenario import Fault
from tests.crawlers.conftest import World

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("faults"))
    world.web.set_minute(400)
    yield world
    world.web.stop()


def test_blocks_and_bad_pages_are_recorded_per_source_and_the_rest_is_stored(world):
    for fault in (Fault("block_403", match="containerid=107603"), Fault("empty_page", match="containerid=100103", page=2),
                  Fault("captcha", match="tieba.baidu.com/f"), Fault("malformed_json", match="threads/list"),
                  Fault("rate_limit", match="rss/jyxw.xml", times=2), Fault("gbk", match="www.dzrbs.com/xwzx/2026")):
        world.web.add_fault(fault)
    runs = world.crawl()
    health = world.verdicts()
    assert health["weibo-accounts"].verdict == "blocked" and runs["weibo-accounts"].blocked_reasons == ("HTTP 403",)
    assert health["weibo-search"].verdict == "blocked"
    assert "翻页中途出现空页（第 2 页）" in runs["weibo-search"].blocked_reasons and runs["weibo-search"].items_new > 0
    assert health["tieba-quxian"].verdict == "blocked" and "验证码" in runs["tieba-quxian"].blocked_reasons[0]
    assert health["gov-board"].verdict == "failing" and "JSON 格式错误" in runs["gov-board"].error_samples[0]
    # 429 twice, then answered: retried with back-off, no error, nothing missing
    assert (health["rss-quxian-gov"].verdict, runs["rss-quxian-gov"].errors) == ("ok", 0)
    assert world.stored_ids("rss") == world.expected_ids("rss")
    # a page in GBK (declared only in its <meta>) is stored as the right Chinese text
    assert world.stored_ids("news") == world.expected_ids("news")
    store = world.store()
    try:
        assert "留样食品送第三方机构检测" in store.get(world.scenario.expected_post_id("f15")).text
    finally:
        store.close()


def test_once_the_block_lifts_the_next_run_fills_the_gap(world):
    world.web.clear_faults()
    # Weibo first: the rumour's first post is there; the Tieba thread copying it is then folded into it.
    runs = {**world.crawl("weibo-search", "weibo-accounts"), **world.crawl("tieba-quxian", "gov-board")}
    assert all(r.finish_reason == "finished" and not r.blocked for r in runs.values())
    for platform in ("weibo", "tieba", "gov_board"):
        assert world.stored_ids(platform) == world.expected_ids(platform), platform
    assert {h.verdict for h in world.verdicts().values()} == {"ok"}


def test_crawl_health_command_prints_every_source(world, capsys):
    clock = [f"--set={name}={value}" for name, value in world.web.clock_settings().items()]
    code = yuqing(["--set", f"data_dir={world.data_dir}", *clock, "crawl-health", "--json", "--runs", "2"])
    report = {entry["source"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert code == 0 and set(report) == {s.name for s in world.profile.sources}
    assert report["weibo-accounts"]["runs"][1]["blocked_reasons"] == ["HTTP 403"]


def test_a_crawl_past_its_time_limit_is_ended_and_recorded_as_failing(world):
    run = world.crawl("gov-board", time_limit=0.5)["gov-board"]
    assert run.finish_reason == "timeout" and "超过时限" in run.error_samples[0]
    assert world.verdicts()["gov-board"].verdict == "failing"


def test_cookies_and_proxy_credentials_are_sent_but_never_logged(world, tmp_path, capfd):
    cookies = tmp_path / "cookies.json"
    cookies.write_text(json.dumps({"www.quxian.gov.cn": "SUB=cookie-secret-4711"}), encoding="utf-8")
    host = world.web.url.split("//")[1]
    world.web.requests.clear()
    with open_runtime(world.settings(crawl_cookies_file=str(cookies),
                                     crawl_proxy=f"http://agent:proxy-secret-0815@{host}")) as runtime:
        run = crawl_source(runtime, "rss-quxian-gov", time_limit=60)       # its output is not hidden
    output = capfd.readouterr()
    feed_requests = [r for r in world.web.requests if r["path"].endswith("jyxw.xml")]
    assert run.finish_reason == "finished" and feed_requests
    assert feed_requests[0]["cookie"] == "SUB=cookie-secret-4711" and feed_requests[0]["via_proxy"]
    assert feed_requests[0]["proxy_authorization"] == "Basic " + base64.b64encode(b"agent:proxy-secret-0815").decode()
    assert "Overridden settings" in output.out + output.err
    files = [path for path in world.data_dir.rglob("*") if path.is_file()]
    assert {"posts.db", "state.db"} <= {path.name for path in files}
    for secret in ("cookie-secret-4711", "proxy-secret-0815"):
        assert secret not in output.out + output.err
        for path in files:
            assert secret.encode() not in path.read_bytes(), path


def test_a_crawl_whose_post_store_is_down_spools_its_batches_or_without_the_spool_records_the_failure(world, tmp_path):
    down = {"data_dir": str(tmp_path), "store": "elasticsearch", "es_url": "http://127.0.0.1:9", "es_timeout": "1"}
    failed = world.crawl("gov-board", spool="false", **down)["gov-board"]
    assert failed.finish_reason == "store_failed" and "写入存储失败" in failed.error_samples[0]
    spooled = world.crawl("gov-board", **down)["gov-board"]
    assert spooled.finish_reason == "finished" and spooled.errors == 0
    batches = [json.loads(line) for segment in sorted((tmp_path / "spool").glob("segment-*.jsonl"))
               for line in segment.read_text(encoding="utf-8").splitlines()]
    assert {post["id"] for batch in batches for post in batch["posts"]} == world.expected_ids("gov_board")
