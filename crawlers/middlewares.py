"""Downloader middlewares: only the source's own hosts are fetched, signs of blocking, back-off on 429/5xx, and
credentials kept out of the logs."""

from __future__ import annotations

import json
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import CancelledError
from twisted.internet.task import deferLater

from core.crawl_health import BLOCK_STATUSES
from crawlers.spiders.base import page_sample
from crawlers.wiring import Credentials

log = logging.getLogger(__name__)

# Text of captcha, login and "security check" pages (Weibo visitor system, Baidu 安全验证, generic WAFs).
_BLOCK_MARKERS = ("请输入验证码", "安全验证", "captcha", "请登录后继续", "passport.weibo.com/visitor", "/sso/login",
                  "访问验证", "异常访问")
_MAX_BACKOFF_S = 60.0
# How sites say that a list is empty (Weibo's API, list pages of news and government sites): such a page read
# nothing because there is nothing, which is not format drift.
_EMPTY_MARKERS = ("这里还没有内容", "暂无信息", "暂无数据", "暂无内容", "没有找到相关")


class FetchPolicyMiddleware:
    """Refuses every request the spider's ``crawlers.fetch_policy.FetchPolicy`` refuses: start URLs, followed
    links, next pages, and redirect targets (RedirectMiddleware hands its new request back to the engine,
    which sends it through here again). A refusal is recorded as an error of the run, with its reason."""

    def process_request(self, request, spider):
        policy = getattr(spider, "fetch_policy", None)
        if policy is None:
            return None
        public = spider.rewriter.to_public(request.url)
        # Through crawl_base_url the connection goes to that configured address: the public host is only named.
        reason = policy.refusal(public, resolve=public == request.url)
        if reason:
            spider.crawler.stats.inc_value("yuqing/refused")
            spider.note_error(reason, request.url)
            raise IgnoreRequest(reason)
        return None


class BlockDetectionMiddleware:
    """Sees every final response (after redirects and retries): counts pages and errors, and turns a block
    (HTTP 403/418/432/461, a captcha or login page, Weibo's ``ok: -100``) into a recorded reason instead of
    an item-less page that would look like "no news"."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider):
        if response.url.endswith("/robots.txt"):
            return response
        reason = self.block_reason(response)
        if reason:
            spider.note_blocked(reason, response.url)
            raise IgnoreRequest(f"blocked: {reason}")
        if response.status >= 400:
            spider.note_error(f"HTTP {response.status}", response.url)
        else:
            self.stats.inc_value("yuqing/pages")
            if not self.stats.get_value("yuqing/page_sample"):
                # The first page of a run is its first list page: what a run that reads nothing is shown with.
                sample = page_sample(response, spider.rewriter.to_public(response.url))
                self.stats.set_value("yuqing/page_sample", sample)
                if any(marker in sample for marker in _EMPTY_MARKERS):
                    spider.note_empty()
        return response

    def process_exception(self, request, exception, spider):
        if isinstance(exception, CancelledError) and "max size" in str(exception):
            # Scrapy cancels a download past DOWNLOAD_MAXSIZE: a page that big is not an article.
            spider.note_error(f"页面超过大小上限 {spider.settings.getint('DOWNLOAD_MAXSIZE')} 字节，未读取",
                              request.url)
        elif not isinstance(exception, IgnoreRequest):
            spider.note_error(f"{type(exception).__name__}: {exception}", request.url)
        return None

    @staticmethod
    def block_reason(response) -> str:
        if response.status in BLOCK_STATUSES:
            return f"HTTP {response.status}"
        if "passport." in response.url or "/login" in response.url:
            return f"被重定向到登录页 {response.url.split('?')[0]}"
        head = response.body[:4096]
        if head.lstrip().startswith(b"{"):
            try:
                if json.loads(response.body).get("ok") == -100:
                    return "接口要求登录（ok=-100）"
            except (ValueError, AttributeError):
                return ""
            return ""
        text = head.decode("utf-8", errors="ignore")
        for marker in _BLOCK_MARKERS:
            if marker in text:
                return f"验证码/登录页（{marker}）"
        return ""


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (429, 5xx, network errors) with a growing delay: ``YUQING_BACKOFF_S`` doubled per
    retry, or the server's ``Retry-After`` when it gives one."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("YUQING_BACKOFF_S")

    def process_response(self, request, response, spider):
        result = super().process_response(request, response, spider)
        if isinstance(result, Request):
            tries = result.meta.get("retry_times", 1)
            delay = self.base * 2 ** (tries - 1)
            after = response.headers.get("Retry-After")
            if after and after.decode().strip().isdigit():
                delay = float(after.decode().strip())
            result.meta["yuqing_backoff_s"] = min(delay, _MAX_BACKOFF_S)
            spider.crawler.stats.inc_value(f"yuqing/retried/{response.status}")
        return result

    def process_exception(self, request, exception, spider):
        result = super().process_exception(request, exception, spider)
        if isinstance(result, Request):
            result.meta["yuqing_backoff_s"] = min(self.base * 2 ** (result.meta.get("retry_times", 1) - 1),
                                                  _MAX_BACKOFF_S)
        return result

    async def process_request(self, request, spider):
        delay = request.meta.pop("yuqing_backoff_s", 0)
        if delay:
            await deferred_to_future(deferLater(reactor, delay, lambda: None))
        return None


class CredentialsMiddleware:
    """Cookies per host and a proxy, from the zero-argument function in the Scrapy setting
    ``YUQING_CREDENTIALS`` (which returns ``Credentials``): the values live only inside that function, so
    Scrapy's start-up log of overridden settings and any settings dump cannot show them; nothing here logs
    a value."""

    def __init__(self, credentials: Credentials):
        self.cookies = dict(credentials.cookies)
        self.proxy = credentials.proxy.strip()

    @classmethod
    def from_crawler(cls, crawler):
        read = crawler.settings.get("YUQING_CREDENTIALS")
        credentials = read() if callable(read) else Credentials()
        if not credentials.cookies and not credentials.proxy.strip():
            raise NotConfigured("no cookies and no proxy configured")
        return cls(credentials)

    def process_request(self, request, spider):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
        host = _public_host(spider, request.url)
        cookie = self.cookies.get(host)
        if cookie and not request.headers.get("Cookie"):
            request.headers["Cookie"] = cookie
        return None


def _public_host(spider, url: str) -> str:
    rewriter = getattr(spider, "rewriter", None)
    public = rewriter.to_public(url) if rewriter else url
    return public.split("/")[2] if "://" in public else ""
