"""A county's own message board (县长信箱, 民意征集, 网上问政): list pages and message pages read with selectors
from the county profile, so a new board is a few lines of profile, not code.

Options (a selector is CSS, or XPath when it starts with ``xpath:``):

- ``list_urls``: the board's list pages;
- ``list``: ``item`` (one message's row, required), ``link`` (the message page's href within the row,
  required), ``title``, ``time``, ``next`` (the next list page's href);
- ``detail``: ``text`` (the message, required), ``title``, ``author``, ``time``, ``state`` (办理状态),
  ``reply`` (the official reply), ``reply_org``;
- ``max_pages``, and the fetch options of every source (``allowed_hosts``, ...).

Every selector is checked when the crawl starts: a missing required one or one that does not parse stops the
crawl with a ConfigurationError naming the option. A list page whose rows are not found is format drift.
A message whose state or reply changes is updated, not duplicated.
"""

from __future__ import annotations

from typing import Iterator

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from core.errors import ConfigurationError, InvalidInput
from core.post import make_post_id
from crawlers.items import PostItem
from crawlers.normalise import clean_text, parse_cn_time
from crawlers.spiders.base import SourceSpider

LIST_FIELDS = {"item": True, "link": True, "title": False, "time": False, "next": False}
DETAIL_FIELDS = {"text": True, "title": False, "author": False, "time": False, "state": False, "reply": False,
                 "reply_org": False}
_XPATH = "xpath:"


def check_selector(source: str, option: str, selector: object) -> str:
    """The selector if it parses as CSS (or XPath after ``xpath:``); a ConfigurationError names it otherwise."""
    if not isinstance(selector, str) or not selector.strip():
        raise ConfigurationError(f"source '{source}': option '{option}' must be a CSS selector or 'xpath:…'")
    text = selector.strip()
    try:
        if text.startswith(_XPATH):
            etree.XPath(text[len(_XPATH):])
        else:
            HTMLTranslator().css_to_xpath(text)
    except Exception as error:          # cssselect and lxml raise several kinds; all mean "fix the selector"
        raise ConfigurationError(f"source '{source}': option '{option}' = {text!r} is not a valid selector "
                                 f"({type(error).__name__}: {error})") from None
    return text


def check_selectors(source: str, options: dict, group: str, fields: dict[str, bool]) -> dict[str, str]:
    """The selectors of one option table (``list`` or ``detail``), each checked; unknown names are refused."""
    table = options.get(group)
    if not isinstance(table, dict):
        raise ConfigurationError(f"source '{source}': option '{group}' must be a table of selectors "
                                 f"({', '.join(fields)})")
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigurationError(f"source '{source}': option '{group}.{unknown[0]}' is unknown "
                                 f"(known: {', '.join(fields)})")
    missing = [name for name, required in fields.items() if required and name not in table]
    if missing:
        raise ConfigurationError(f"source '{source}': option '{group}.{missing[0]}' is required")
    return {name: check_selector(source, f"{group}.{name}", value) for name, value in table.items()}


def select(node: Selector, selector: str | None, joiner: str = " ") -> str:
    """The text a selector finds in a node ('' without a selector)."""
    if not selector:
        return ""
    found = node.xpath(selector[len(_XPATH):]) if selector.startswith(_XPATH) else node.css(selector)
    return clean_text(joiner.join(found.getall())).strip()


class CountyBoardSpider(SourceSpider):
    name = "county_board"
    platform = "gov_board"

    def configure(self, settings) -> None:
        super().configure(settings)
        self.list_selectors = check_selectors(self.source_name, self.options, "list", LIST_FIELDS)
        self.detail_selectors = check_selectors(self.source_name, self.options, "detail", DETAIL_FIELDS)
        if not self.option_list("list_urls"):
            raise ConfigurationError(f"source '{self.source_name}': option 'list_urls' needs at least one page")

    def start_requests(self) -> Iterator:
        for url in self.option_list("list_urls"):
            yield self.fetch(str(url), self.parse_list, page=1)

    def parse_list(self, response, page: int) -> Iterator:
        rows = self._rows(response)
        if not rows:
            self.note_drift(f"留言列表中找不到条目（list.item = {self.list_selectors['item']}，网站可能改版）", response)
            return
        links, times = {}, []
        for row in rows:
            href = select(row, self.list_selectors["link"])
            public = self.rewriter.to_public(self.rewriter.follow(response.url, href)) if href else ""
            if public and public not in links and self.followable(public):
                links[public] = select(row, self.list_selectors.get("time"))
                times += self._time(links[public])
        self.note_items(len(links))
        for link, listed in links.items():
            yield self.fetch(link, self.parse_detail, listed=listed)
        ids = [make_post_id("gov_board", url=link) for link in links]
        next_href = select(response.selector, self.list_selectors.get("next"))
        next_url = self.rewriter.to_public(self.rewriter.follow(response.url, next_href)) if next_href else ""
        if self.keep_paging(response, page, ids, times, bool(next_url) and self.followable(next_url)):
            yield self.fetch(next_url, self.parse_list, page=page + 1)

    def _rows(self, response) -> list:
        item = self.list_selectors["item"]
        return list(response.xpath(item[len(_XPATH):]) if item.startswith(_XPATH) else response.css(item))

    def _time(self, text: str) -> list:
        try:
            return [parse_cn_time(text, self.clock.now())] if text else []
        except InvalidInput:
            return []

    def parse_detail(self, response, listed: str = "") -> Iterator[PostItem]:
        pick = lambda name, joiner=" ": select(response.selector, self.detail_selectors.get(name), joiner)  # noqa: E731
        text, when = pick("text", "\n"), pick("time") or listed
        if not text or not when:
            self.note_drift(f"留言页找不到{'正文' if not text else '时间'}（detail 选择器可能已失效）", response)
            return
        reply, state = pick("reply", "\n"), pick("state")
        public = self.rewriter.to_public(response.url)
        yield PostItem(platform="gov_board", url=public, published_at=when, title=pick("title"), text=text,
                       author=pick("author"), comments=1 if reply else 0,
                       raw={"state": state, "reply": reply, "reply_org": pick("reply_org"),
                            "revision": f"{state}|{reply}"}, page=response.text)
