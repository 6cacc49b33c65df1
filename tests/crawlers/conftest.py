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
