"""Where a source is fetched from: the profile's real URLs, or the same URLs on another base address.

With the base URL ``http://127.0.0.1:8765`` (the Scrapy setting ``YUQING_BASE_URL``, from ``crawl_base_url``)
the real ``https://m.weibo.cn/api/...`` is fetched as ``http://127.0.0.1:8765/m.weibo.cn/api/...`` (the
simulated web serves every host under its own path).
Posts are always stored under their public URL, so ids do not depend on where they were fetched from.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from core.errors import ConfigurationError


class Rewriter:
    """Maps public URLs to fetch URLs and back; with no base URL both are the identity."""

    def __init__(self, base_url: str = ""):
        base = (base_url or "").strip().rstrip("/")
        if base and urlsplit(base).scheme not in ("http", "https"):
            raise ConfigurationError(f"crawl_base_url {base_url!r} must start with http:// or https://")
        self.base = base

    def to_fetch(self, public: str) -> str:
        if not self.base or public.startswith(self.base + "/"):
            return public
        parts = urlsplit(public)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.base}/{parts.netloc}{parts.path or '/'}{query}"

    def to_public(self, fetched: str) -> str:
        if not self.base or not fetched.startswith(self.base + "/"):
            return fetched
        rest = fetched[len(self.base) + 1:]
        host, _, tail = rest.partition("/")
        return f"https://{host}/{tail}"

    def follow(self, fetched_page: str, href: str) -> str:
        """The fetch URL of a link found on a page (relative links resolve against the public URL)."""
        return self.to_fetch(urljoin(self.to_public(fetched_page), href))

