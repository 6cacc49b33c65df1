"""News sites: list pages and article pages, configured per site in the profile.

Options: ``start_urls`` (list pages), ``link_pattern`` (regex the whole public URL of an article must match,
scheme and host included: a pattern found somewhere inside a URL is not enough),
``next_selector`` (CSS of the next-page link, default ``a.next::attr(href)``), and optional ``selectors``
(``title``, ``body``, ``time``: CSS). Whatever the selectors do not give, trafilatura extracts (title, body,
date), with the page's printed time preferred to trafilatura's day-only date. A new site is a few lines
of profile, not code.

The article structures read are those of 人民网 (``meta name="publishdate"``, ``来源：`` in the info line,
``(责编：…)``), 新华网 (``来源：`` and ``【责任编辑:…】``) and the TRS-built government sites (``meta name="PubDate"``,
``ContentSource``, ``ArticleTitle``), in UTF-8 or GBK/GB2312. The source (来源), byline (记者/作者) and editor
(责任编辑/责编) are kept in ``raw``; the author of the post is the source.
"""

from __future__ import annotations

import json
import re
from typing import Iterator
from urllib.parse import urlsplit

from core.errors import InvalidInput
from core.post import make_post_id
from crawlers.items import PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.base import SourceSpider

_PRINTED_TIME = re.compile(r"(\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?\s*\d{1,2}:\d{2}(?::\d{2})?)")
_META_TIME = ('meta[name="publishdate"]::attr(content)', 'meta[property="article:published_time"]::attr(content)',
              'meta[name="PubDate"]::attr(content)', 'meta[name="pubdate"]::attr(content)')
_META_SOURCE = ('meta[name="ContentSource"]::attr(content)', 'meta[name="source"]::attr(content)')
_SOURCE = re.compile(r"来源[:：]\s*([^\s<　\d|｜]+)")
_EDITOR = re.compile(r"(?:责任编辑|责编)\s*[:：]\s*([^\s)）】\]<]+(?:[、 ][^\s)）】\]<]+)*)")
_BYLINE = re.compile(r"(?:记者|作者|通讯员)[:：\s]\s*([\u4e00-\u9fa5]{2,4}(?:[ 、][\u4e00-\u9fa5]{2,4})*)")
_CREDIT_LINE = re.compile(r"^[(（【\[]?\s*(?:责任编辑|责编|编辑|审核|校对)\s*[:：].*$")


def _without_trailers(body: str) -> str:
    """The body without what real pages print after it: the editor's line (``(责编：…)``, ``【责任编辑:…】``) and
    short headings of the next block (相关新闻, 分享到) that extraction sometimes keeps."""
    lines = body.strip().splitlines()
    while lines and (_CREDIT_LINE.match(lines[-1].strip()) or
                     (len(lines[-1].strip()) <= 6 and not re.search(r"[。！？.!?]$", lines[-1].strip()))):
        lines.pop()
    return "\n".join(lines)


class NewsSpider(SourceSpider):
    name = "news"
    platform = "news"

    def start_requests(self) -> Iterator:
        self.link_pattern = re.compile(str(self.options.get("link_pattern") or r"https?://.+"))
        for url in self.option_list("start_urls"):
            yield self.fetch(str(url), self.parse_list, page=1)

    def parse_list(self, response, page: int) -> Iterator:
        links = []
        for href in response.css("a::attr(href)").getall():
            fetch_url = self.rewriter.follow(response.url, href)
            public = self.rewriter.to_public(fetch_url)
            if self.link_pattern.fullmatch(public) and public not in links and self.followable(public):
                links.append(public)
        self.note_items(len(links))
        ids = [make_post_id("news", url=link) for link in links]
        seen = self.state.seen(ids)
        for link, post_id in zip(links, ids):
            if post_id not in seen:
                yield self.fetch(link, self.parse_article)
            else:
                self.crawler.stats.inc_value("yuqing/items_duplicate")
        next_href = response.css(str(self.options.get("next_selector") or "a.next::attr(href)")).get()
        if self.keep_paging(response, page, ids, [], bool(next_href)):
            yield self.fetch(self.rewriter.to_public(self.rewriter.follow(response.url, next_href)), self.parse_list,
                             page=page + 1)

    def parse_article(self, response) -> Iterator[PostItem]:
        selectors = self.options.get("selectors") or {}
        title = self._css_text(response, selectors.get("title"))
        body = self._css_text(response, selectors.get("body"), joiner="\n")
        printed = self._css_text(response, selectors.get("time"))
        extracted = {}
        if not (title and body):
            import trafilatura      # only when the selectors fall short: the import costs every crawl time

            extracted = json.loads(trafilatura.extract(response.text, output_format="json", with_metadata=True,
                                                       include_comments=False, favor_precision=True) or "{}")
        title = title or extracted.get("title") or clean_text(response.css("h1").get() or "")
        body = _without_trailers(body or extracted.get("text") or "")
        when = self._published(response, printed, extracted)
        if not body.strip() or when is None:
            missing = "正文" if not body.strip() else "发布时间"
            self.note_error(f"文章页找不到{missing}（版式可能已改变）", response.url)
            return
        public = self.rewriter.to_public(response.url)
        raw = {"site": urlsplit(public).netloc, "extracted_by": "trafilatura" if extracted else "selectors",
               **self._credits(response, extracted)}
        yield PostItem(platform="news", url=public, published_at=when, title=title, text=body,
                       author=raw.get("source") or "", raw=raw, page=response.text)

    @staticmethod
    def _css_text(response, selector: str | None, joiner: str = " ") -> str:
        if not selector:
            return ""
        return clean_text(joiner.join(response.css(selector).getall())).strip()

    def _published(self, response, printed: str, extracted: dict):
        metas = [response.css(css).get() or "" for css in _META_TIME]
        found = _PRINTED_TIME.search(clean_text(response.text))
        # A time with hours and minutes first (government metas often give the day only), then the day.
        candidates = sorted([printed, *metas, found.group(1) if found else "", extracted.get("date") or ""],
                            key=lambda text: not _PRINTED_TIME.search(text or ""))
        for text in candidates:
            match = _PRINTED_TIME.search(text) if text else None
            try:
                if match:
                    return parse_cn_time(match.group(1), self.clock.now())
                if text:
                    return parse_cn_time(text.strip(), self.clock.now())
            except InvalidInput:
                continue
        return None

    @staticmethod
    def _credits(response, extracted: dict) -> dict:
        """来源 (a meta, the info line, or trafilatura's site name), byline and editor, as the page prints them."""
        text = clean_text(response.text)
        meta = next((re.sub(r"^来源[:：]\s*", "", v.strip()) for css in _META_SOURCE
                     if (v := response.css(css).get()) and v.strip()), "")
        printed = _SOURCE.search(text)
        credits = {"source": meta or (printed.group(1) if printed else "")
                   or str(extracted.get("sitename") or extracted.get("author") or "")}
        for name, pattern in (("byline", _BYLINE), ("editor", _EDITOR)):
            match = pattern.search(text)
            if match:
                credits[name] = match.group(1).strip()
        return credits
