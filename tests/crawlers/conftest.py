"""Fixtures for the crawler tests: spiders built as Scrapy builds them (from a crawler, with the Scrapy settings
the crawl process composes: the shipped profile's source, a temporary data folder's stores, a pinned crawl
clock), saved pages as Scrapy responses, and the simulated web crawled by real crawl processes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from core.clock import CHINA_TZ, ManualClock
from core.crawl_health import CrawlRun, judge
from core.profile import load_profile
from core.settings import load_settings
from core.storage import PostQuery
from infra.cli.crawl import crawl_source
from infra.crawl.process import find_source, scrapy_settings
from infra.runtime import open_runtime
from infra.simweb import SimWeb, load_scenario
from infra.storage.sqlite import SqlitePostStore

PAGES = Path(__file__).with_name("pages")
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def make_spider(tmp_path):
    runtimes = []

    def make(cls, source: str, now: datetime = NOW):
        runtime = open_runtime(load_settings(environ={}, overrides={"data_dir": str(tmp_path)}), clock=ManualClock(now))
        runtimes.append(runtime)
        settings = scrapy_settings(runtime, find_source(runtime.profile, source), run_id="test")
        settings.set("TWISTED_REACTOR", None)
        crawler = Crawler(cls, settings)
        crawler._apply_settings()
        return cls.from_crawler(crawler)

    yield make
    for runtime in runtimes:
        runtime.close()


def started(spider) -> list:
    """The spider's start requests as Scrapy takes them (``start()``, which also admits the source's hosts)."""
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def page(name: str, url: str):
    """A saved page as the response Scrapy would hand to the spider."""
    body = (PAGES / name).read_bytes()
    if name.endswith(".json"):
        return TextResponse(url=url, body=body, encoding="utf-8")
    if name.endswith(".xml"):
        return XmlResponse(url=url, body=body)
    return HtmlResponse(url=url, body=body)


# --- end-to-end: the simulated web and real crawl processes into a real SQLite store ---------------------

SCENARIO = "food-safety-rumour"


class World:
    """One simulated web, one data folder, and helpers to crawl sources and compare with ground truth."""

    def __init__(self, data_dir: Path, scenario_name: str = SCENARIO):
        self.scenario = load_scenario(scenario_name)
        self.web = SimWeb(self.scenario, at_min=0).start()
        self.data_dir = data_dir
        self.profile = load_profile()

    def settings(self, **extra):
        values = {"data_dir": str(self.data_dir), "crawl_polite": "false", "crawl_base_url": self.web.url,
                  "crawl_backoff_s": "0.2", **{k: str(v) for k, v in self.web.clock_settings().items()}, **extra}
        return load_settings(environ={}, overrides=values)

    def crawl(self, *names: str, time_limit: float = 120, **extra) -> dict[str, CrawlRun]:
        """Crawl sources (several at once, each its own subprocess); returns their runs by source."""
        names = names or tuple(s.name for s in self.profile.sources)
        with open_runtime(self.settings(**extra)) as runtime, ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda n: crawl_source(runtime, n, quiet=True, time_limit=time_limit), names))
        return {run.source: run for run in runs}

    def verdicts(self) -> dict:
        """Every crawled source's crawl health verdict now, as the console shows it."""
        with open_runtime(self.settings()) as runtime:
            health = runtime.state.crawl_health
            return {name: judge(name, health.runs(name), self.web.now(), 21600) for name in health.sources()}

    def store(self):
        return SqlitePostStore(self.data_dir / "posts.db")

    def expected_ids(self, platform: str) -> set[str]:
        """Ground truth: ids that must be stored for the posts published so far (copies folded away,
        Weibo posts only when a search keyword or a watched account finds them)."""
        search = self.profile.source("weibo-search").options["keywords"]
        accounts = {a["uid"] for a in self.profile.source("weibo-accounts").options["accounts"]}
        ids = set()
        for post in self.scenario.visible(self.web.now(), platform):
            if self.scenario.is_copy(post) or self.scenario.is_reaction(post):
                continue
            text = post.text + (self.scenario.by_key[post.repost_of].text if post.repost_of else "")
            if platform == "weibo" and post.uid not in accounts and not any(k in text for k in search):
                continue
            ids.add(self.scenario.expected_post_id(post.key))
        return ids

    def stored_ids(self, platform: str) -> set[str]:
        store = self.store()
        try:
            return {p.id for p in store.search(PostQuery(platforms=(platform,)), limit=1000).posts}
        finally:
            store.close()
