"""How components read what the crawl's composition root (``infra/crawl``) puts into ``crawler.settings``:
the source, the clock and zero-argument factories of the stores (see ``crawlers/settings.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from core.errors import ConfigurationError


@dataclass(frozen=True)
class Credentials:
    """Cookie headers by public host (e.g. ``{"m.weibo.cn": "SUB=...; ..."}``) and a proxy URL that may hold a
    password, as the function in the Scrapy setting ``YUQING_CREDENTIALS`` returns them. Its repr shows
    neither, so no log line can."""

    cookies: Mapping[str, str] = field(default_factory=dict, repr=False)
    proxy: str = field(default="", repr=False)


def from_root(settings, name: str) -> Any:
    """The value of the Scrapy setting ``name``, which only the composition root can set."""
    value = settings.get(name)
    if value is None:
        raise ConfigurationError(f"the Scrapy setting {name} is not set: run crawls with `yuqing crawl SOURCE`, "
                                 "whose crawl process sets it (a bare `scrapy crawl` has no stores)")
    return value


def factory(settings, name: str) -> Callable[[], Any]:
    """The zero-argument factory in the Scrapy setting ``name``."""
    made = from_root(settings, name)
    if not callable(made):
        raise ConfigurationError(f"the Scrapy setting {name} must be a function without arguments, "
                                 f"not {type(made).__name__}")
    return made
