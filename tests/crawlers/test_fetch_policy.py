"""Fetch only what is ours: a hostile page's links, next page and redirects to other hosts, internal addresses
and other schemes are refused; oversized pages are not read; an endless post is cut and says so. Real crawl
processes against local HTTP servers (port 0)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import ConfigurationError
from core.profile import DEFAULT_PROFILE
from core.settings import load_settings
from core.storage import PostQuery
from crawlers.fetch_policy import FetchPolicy, literal_address
from crawlers.spiders.news import NewsSpider
from infra.cli.crawl import crawl_source
from infra.runtime import open_runtime
from infra.storage.sqlite import SqlitePostStore
from tests.crawlers.conftest import page, started

ARTICLE = ('<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
           '<span class="time">2026-12-08 08:20</span><div class="content"><p>{text}</p></div></body></html>')


def _policy(**options) -> FetchPolicy:
    policy = FetchPolicy.from_options("test", options, resolver=lambda host: {"localhost": ["127.0.0.1"],
                                                                               "intranet.qx": ["10.1.2.3"]}.get(host, ["1.2.3.4"]))
    policy.admit_start("https://www.dzrbs.com/xwzx/index.html")
    return policy


@pytest.mark.parametrize("url, refused", [
    ("https://www.dzrbs.com/xwzx/202612/t20261208_1.html", ""),
    ("http://www.dzrbs.com/xwzx/1.html", "站外"),                 # another port (80) than the start URL's (443)
    ("https://evil.example.com/?u=https://www.dzrbs.com/", "站外"),
    ("file:///etc/passwd", "非 http(s)"),
    ("gopher://www.dzrbs.com/", "非 http(s)"),
    ("http://169.254.169.254/latest/meta-data/", "站外"),
])
def test_only_the_sources_own_hosts_and_schemes(url, refused):
    reason = _policy().refusal(url)
    assert (refused in reason and reason) if refused else reason == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "[::1]",
                                  "[::ffff:10.0.0.1]", "169.254.169.254", "10.0.0.8", "192.168.1.1", "0.0.0.0",
                                  "localhost", "intranet.qx"])
def test_internal_addresses_in_every_spelling_are_refused_even_on_an_allowed_host(host):
    policy = _policy(allowed_hosts=[host.strip("[]")])
    reason = policy.refusal(f"https://{host}/x")
    assert "内部网络" in reason, (host, reason)
    assert _policy(allowed_hosts=[host.strip("[]")], allow_private_addresses=True).refusal(f"https://{host}/x") == ""


def test_names_are_not_taken_for_addresses_and_bad_options_are_named():
    assert literal_address("www.dzrbs.com") is None and str(literal_address("2130706433")) == "127.0.0.1"
    assert _policy(allowed_hosts=[".dzrbs.com"]).refusal("https://m.dzrbs.com/a") == ""
    with pytest.raises(ConfigurationError, match="allow_private_addresses"):
        FetchPolicy.from_options("test", {"allow_private_addresses": "yes"})
    with pytest.raises(ConfigurationError, match="allowed_hosts"):
        FetchPolicy.from_options("test", {"allowed_hosts": [3]})


def test_the_link_pattern_must_match_the_whole_url(make_spider):
    spider = make_spider(NewsSpider, "news-dzrbs")
    started(spider)
    hostile = page("news_dzrbs_list.html", "https://www.dzrbs.com/xwzx/index.html").replace(body=(
        '<html><body><a href="https://evil.example.com/https://www.dzrbs.com/xwzx/202612/t20261208_1.html">x</a>'
        '<a href="https://www.dzrbs.com/xwzx/202612/t20261208_2.html?next=http://10.0.0.1/">y</a>'
        '<a href="/xwzx/202612/t20261208_3.html">z</a></body></html>').encode())
    urls = [r.url for r in spider.parse_list(hostile, page=1)]
    assert urls == ["https://www.dzrbs.com/xwzx/202612/t20261208_3.html"]


# --- real crawls against local servers -------------------------------------------------------------------

class _Site:
    """A hostile news site and, on another port, an 'internal' service that must never be reached."""

    def __init__(self):
        self.hits: list[str] = []
        self.internal_hits: list[str] = []
        self.site = self._serve(self._site_page, self.hits)
        self.internal = self._serve(lambda path: (200, {}, "SECRET internal admin page"), self.internal_hits)

    @staticmethod
    def _serve(answer, hits):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                hits.append(self.path)
                status, headers, body = answer(self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def url(self, server) -> str:
        return f"http://127.0.0.1:{server.server_address[1]}"

    def _site_page(self, path: str):
        internal = self.url(self.internal)
        if path == "/list":
            links = ["/a/1.html", "/a/big.html", "/a/long.html", "/a/moved.html", f"{internal}/a/9.html",
                     "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "http://evil.example.com/a/2.html",
                     f"http://2130706433:{self.internal.server_address[1]}/a/3.html"]
            body = "".join(f'<a href="{href}">link</a>' for href in links)
            return 200, {}, f'<html><body>{body}<a class="next" href="{internal}/list2">下一页</a></body></html>'
        if path == "/a/1.html":
            return 200, {}, ARTICLE.format(title="渠县一小门口增设减速带", text="交警部门在渠县第一小学门口增设减速带。")
        if path == "/a/long.html":
            return 200, {}, ARTICLE.format(title="超长帖文", text="渠县" * 40_000)
        if path == "/a/big.html":
            return 200, {}, ARTICLE.format(title="巨大页面", text="大" * 3_000_000)
        if path == "/a/moved.html":
            return 302, {"Location": f"{internal}/a/moved.html"}, ""
        return 404, {}, "not found"

    def stop(self):
        for server in (self.site, self.internal):
            server.shutdown()
            server.server_close()


@pytest.fixture
def hostile(tmp_path):
    site = _Site()
    base = site.url(site.site)
    sources = f'''
[[sources]]
name = "hostile-news"
spider = "news"
start_urls = ["{base}/list"]
link_pattern = '.*'
allow_private_addresses = true
selectors = {{ title = "h1::text", body = "div.content p", time = "span.time::text" }}

[[sources]]
name = "intranet-news"
spider = "news"
start_urls = ["{base}/list"]
'''
    profile = tmp_path / "profile.toml"
    profile.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8") + sources, encoding="utf-8")
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "data"), "profile": str(profile),
                                                    "crawl_polite": "false", "crawl_backoff_s": "0.1"})
    yield site, settings
    site.stop()


@pytest.mark.slow
def test_a_hostile_page_cannot_make_the_crawler_fetch_what_is_not_ours(hostile):
    site, settings = hostile
    with open_runtime(settings) as runtime:
        run = crawl_source(runtime, "hostile-news", quiet=True, time_limit=60)
        refused_at_start = crawl_source(runtime, "intranet-news", quiet=True, time_limit=60)
    assert site.internal_hits == []                          # neither a link, the next page nor a redirect got there
    samples = " ".join(run.error_samples)
    assert "169.254.169.254" in samples and "evil.example.com" in samples and "超过大小上限" in samples
    assert "/a/big.html" in site.hits and run.items_new == 2
    store = SqlitePostStore(settings.data_path / "posts.db")
    try:
        posts = {p.title: p for p in store.search(PostQuery(), limit=10).posts}
    finally:
        store.close()
    assert set(posts) == {"渠县一小门口增设减速带", "超长帖文"}
    long = posts["超长帖文"]
    assert len(long.text) == 50_000 and long.raw["truncated"] is True and long.raw["text_chars"] == 80_000
    # a source that does not say it lives on a private network may not even start there
    assert refused_at_start.items_parsed == 0 and "内部网络" in refused_at_start.error_samples[0]
