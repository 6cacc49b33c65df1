"""Which addresses of crawled posts may be shown as links. A post's URL comes from the web: it is a link
only when it is http(s) to a host its source is configured to crawl (or the platform's own hosts), so a
post cannot turn the console into a launch pad for other sites (javascript:, data:, look-alike hosts,
user@host tricks). Everything else is shown as text."""

from __future__ import annotations

from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

MAX_URL_CHARS = 2048
# Characters a well-formed URL carries percent-encoded; raw, they could end the Markdown or HTML around a link.
_UNSAFE = set('<>"\'`\\')
# The platforms' own hosts, for spiders whose profile entry names no URL (weibo, tieba, gov_board).
SPIDER_HOSTS: Mapping[str, tuple[str, ...]] = {
    "weibo": ("weibo.com", "weibo.cn"),
    "tieba": ("tieba.baidu.com",),
    "gov_board": ("liuyan.people.com.cn",),
}


def _hosts_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        parts = urlsplit(value.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            yield parts.hostname.lower()
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _hosts_in(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _hosts_in(item)


def source_hosts(spider: str, options: Mapping[str, Any]) -> frozenset[str]:
    """The hosts a source crawls: those of every URL in its options, and its platform's own."""
    return frozenset(_hosts_in(dict(options))) | frozenset(SPIDER_HOSTS.get(spider, ()))


def safe_link(url: str | None, allowed_hosts: Iterable[str]) -> str | None:
    """``url`` when it may be shown as a link (http/https, no user name or password, a host equal to an
    allowed host or under it), else None."""
    if not url or len(url) > MAX_URL_CHARS or any(ch.isspace() or ord(ch) < 32 or ch in _UNSAFE for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    allowed = {h.lower().lstrip(".") for h in allowed_hosts if h}
    return url if any(host == h or host.endswith("." + h) for h in allowed) else None
