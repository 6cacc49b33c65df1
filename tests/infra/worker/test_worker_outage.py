"""Elasticsearch down while the worker crawls: the crawl pipeline spools its batches to local disk, and once
Elasticsearch answers again the worker replays them; the store then holds exactly the posts crawled."""

from __future__ import annotations

import json
import os
import uuid

import pytest

ES_URL = os.environ.get("YUQING_TEST_ES_URL")


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_posts_crawled_during_an_elasticsearch_outage_all_arrive_once_it_is_back(deployment):
    if not ES_URL:
        pytest.skip("YUQING_TEST_ES_URL is not set: `make test` starts Elasticsearch and sets it")
    from elasticsearch import Elasticsearch

    from infra.simweb.scenario import load_scenario
    from infra.simweb.server import SimWeb
    from infra.storage.elasticsearch import ElasticsearchPostStore
    from tests.infra.test_spool import Proxy

    host, port = ES_URL.split("//")[1].rstrip("/").split(":")
    proxy = Proxy((host, int(port)))
    prefix = f"outage{uuid.uuid4().hex[:8]}"
    web = SimWeb(load_scenario("bullying-video"), at_min=600).start()
    spool = deployment.data_dir / "spool"
    try:
        deployment.write_profile(f"""
[[sources]]
name = "weibo-search"
spider = "weibo"
interval_s = 600
keywords = ["渠县"]
""")
        deployment.set(store="elasticsearch", es_url=proxy.url, es_index_prefix=prefix, es_timeout=2,
                       crawl_base_url=web.url, crawl_polite="false")
        proxy.cut()                                                     # down before the first crawl
        worker = deployment.start_worker()
        deployment.wait_until(lambda: any(j.job_id == "crawl:weibo-search" and j.runs >= 1
                                          for j in deployment.status().jobs), 90, "the crawl during the outage",
                              worker)
        crawled = {post["id"] for segment in sorted(spool.glob("segment-*.jsonl"))
                   for line in segment.read_text(encoding="utf-8").splitlines() if line.strip()
                   for post in json.loads(line)["posts"]}
        assert crawled, "the crawl's batches should be in the spool while Elasticsearch is down"

        proxy.restore()
        direct = ElasticsearchPostStore(ES_URL, index_prefix=prefix, timeout=3)
        deployment.wait_until(lambda: not list(spool.glob("segment-*.jsonl")), 60, "the spool replayed", worker)
        assert direct.count() == len(crawled)
        assert {p.id for p in direct.get_many(sorted(crawled))} == crawled
        direct.close()
    finally:
        deployment.stop_all()
        web.stop()
        proxy.cut()
        client = Elasticsearch(ES_URL)
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-posts")
        client.close()
