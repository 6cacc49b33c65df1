"""Headless Chromium (Playwright driving Debian's /usr/bin/chromium, installed by infra/browser.sh) capturing
posts' pages for evidence packs (``core.capture.PageCapturer``). Only http and https addresses are opened;
each page gets a fresh browser context without downloads, ``timeout_s`` to load, a screenshot of at most
``MAX_SCREENSHOT_PX`` pixels' height, and its rendered HTML cut at ``MAX_HTML_BYTES``. The whole run stops
after ``budget_s`` (the pages left are reported as not captured), so opening a case never hangs."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

from core.capture import CapturedPage

log = logging.getLogger(__name__)
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_SCREENSHOT_PX = 6000
VIEWPORT = {"width": 1280, "height": 900}
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


class ChromiumCapturer:
    def __init__(self, executable: Path | str, now: Callable[[], datetime], *, timeout_s: float = 15.0,
                 budget_s: float = 90.0):
        self.executable, self.now = str(executable), now
        self.timeout_s, self.budget_s = timeout_s, budget_s

    def capture(self, urls: Sequence[str]) -> dict[str, CapturedPage | str]:
        results: dict[str, CapturedPage | str] = {}
        wanted = [u for u in dict.fromkeys(urls) if _openable(u, results)]
        if not wanted:
            return results
        from playwright.sync_api import Error, sync_playwright       # a browser only when a case is opened

        started = time.monotonic()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=self.executable, args=BROWSER_ARGS)
                try:
                    for url in wanted:
                        if time.monotonic() - started > self.budget_s:
                            results[url] = "取证时间已用完，未截取"
                            continue
                        results[url] = self._one(browser, url, Error)
                finally:
                    browser.close()
        except Exception as error:          # no browser here: the case is opened, its pages are not captured
            log.warning("capture: headless Chromium unavailable: %s", error)
            for url in wanted:
                results.setdefault(url, f"无头浏览器不可用：{str(error)[:200]}")
        return results

    def _one(self, browser, url: str, error_type) -> CapturedPage | str:
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=False, locale="zh-CN")
        try:
            page = context.new_page()
            page.set_default_timeout(self.timeout_s * 1000)
            response = page.goto(url, wait_until="load")
            if response is None or response.status >= 400:
                return f"网页无法打开（HTTP {response.status if response else '无响应'}）"
            height = min(page.evaluate("document.documentElement.scrollHeight") or VIEWPORT["height"],
                         MAX_SCREENSHOT_PX)
            png = page.screenshot(clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
                                  full_page=True)
            html = page.content().encode("utf-8")[:MAX_HTML_BYTES]
            return CapturedPage(url=url, html=html, png=png, captured_at=self.now(),
                                method=f"无头浏览器 Chromium {browser.version} 截取")
        except error_type as error:
            return f"网页无法打开：{str(error).splitlines()[0][:200]}"
        finally:
            context.close()


def _openable(url: str, results: dict) -> bool:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        results[url] = "不是网页地址（仅截取 http/https 网页）"
        return False
    return True


def capturer_from_settings(browser: str, now: Callable[[], datetime]) -> ChromiumCapturer | None:
    """A capturer for the configured browser, or None when capture is off (empty) or the browser is missing."""
    if not browser:
        return None
    if not Path(browser).is_file():
        log.warning("capture: setting capture_browser names %s, which does not exist; pages are not captured",
                    browser)
        return None
    return ChromiumCapturer(browser, now)
