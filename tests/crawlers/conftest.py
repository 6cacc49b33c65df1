"""Fixtures for the crawler tests: spiders built as Scrapy builds them (from a crawler, with the shipped
profile and a temporary data folder), saved pages as Scrapy responses, and a pinned crawl clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.settings import Settings as ScrapySettings

from core.clock import CHINA_TZ, ManualClock

PAGES = Path(__file__).with_name("pages")
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def make_spider(tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("YUQING_CRAWL_BASE_URL", raising=False)
    made = []

    def make(cls, source: str, now: datetime = NOW):
        crawler = Crawler(cls, ScrapySettings({"TWISTED_REACTOR": None}))
        crawler._apply_settings()
        spider = cls.from_crawler(crawler, source=source)
        spider.clock = ManualClock(now)
        made.append(spider)
        return spider

    yield make
    for spider in made:
        spider.closed("finished")


def page(name: str, url: str):
    """A saved page as the response Scrapy would hand to the spider."""
    body = (PAGES / name).read_bytes()
    if name.endswith(".json"):
        return TextResponse(url=url, body=body, encoding="utf-8")
    if name.endswith(".xml"):
        return XmlResponse(url=url, body=body)
    return HtmlResponse(url=url, body=body)


# --- end-to-end: the simulated web and real `scrapy crawl` subprocesses into a real SQLite store ---------

from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from core.profile import load_profile  # noqa: E402
from core.settings import load_settings  # noqa: E402

SCENARIO = "food-safety-rumour"


class World:
    """One simulated web, one data folder, and helpers to crawl sources and compare with ground truth."""

    def __init__(self, data_dir: Path, scenario_name: str = SCENARIO):
        from infra.simweb import SimWeb, load_scenario

        self.scenario = load_scenario(scenario_name)
        self.web = SimWeb(self.scenario, at_min=0).start()
        self.data_dir = data_dir
        self.profile = load_profile()

    def settings(self, **extra):
        values = {"data_dir": str(self.data_dir), "crawl_polite": "false", "crawl_base_url": self.web.url,
                  "crawl_backoff_s": "0.2", **{k: str(v) for k, v in self.web.clock_settings().items()}, **extra}
        return load_settings(environ={}, overrides=values)

    def crawl(self, *names: str, **extra):
        """Crawl sources (several at once, each its own subprocess); returns their runs by source."""
        from infra.cli.crawl import crawl_source

        settings = self.settings(**extra)
        names = names or tuple(s.name for s in self.profile.sources)
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda n: crawl_source(settings, n, quiet=True, time_limit=120), names))
        return {run.source: run for run in runs}

    def store(self):
        from infra.storage.sqlite import SqlitePostStore

        return SqlitePostStore(self.data_dir / "posts.db")

    def expected_ids(self, platform: str) -> set[str]:
        """Ground truth: ids that must be stored for the posts published so far (copies folded away,
        Weibo posts only when a search keyword or a watched account finds them)."""
        search = self.profile.source("weibo-search").options["keywords"]
        accounts = {a["uid"] for a in self.profile.source("weibo-accounts").options["accounts"]}
        ids = set()
        for post in self.scenario.visible(self.web.now(), platform):
            if self.scenario.is_copy(post):
                continue
            text = post.text + (self.scenario.by_key[post.repost_of].text if post.repost_of else "")
            if platform == "weibo" and post.uid not in accounts and not any(k in text for k in search):
                continue
            ids.add(self.scenario.expected_post_id(post.key))
        return ids

    def stored_ids(self, platform: str) -> set[str]:
        from core.storage import PostQuery

        store = self.store()
        try:
            return {p.id for p in store.search(PostQuery(platforms=(platform,)), limit=1000).posts}
        finally:
            store.close()
