"""Where a source is fetched from: the profile's real URLs, or the same URLs on another base address.

With ``crawl_base_url`` = ``http://127.0.0.1:8765`` the real ``https://m.weibo.cn/api/...`` is fetched as
``http://127.0.0.1:8765/m.weibo.cn/api/...`` (the simulated web serves every host under its own path).
Posts are always stored under their public URL, so ids do not depend on where they were fetched from.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import core
from core.profile import DEFAULT_PROFILE, Profile, Source, load_profile
from core.errors import ConfigurationError
from core.settings import Settings


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


def profile_path(settings: Settings) -> Path:
    """The ``profile`` setting: absolute, relative to the working folder, or to the ``core`` package."""
    configured = Path(str(settings["profile"] or "")) if settings["profile"] else DEFAULT_PROFILE
    if configured.is_absolute() or configured.exists():
        return configured
    return Path(core.__file__).resolve().parent / configured


def load_source(settings: Settings, name: str) -> tuple[Profile, Source]:
    """The profile and its source ``name``; a ConfigurationError lists the sources there are."""
    profile = load_profile(profile_path(settings))
    source = profile.source(name)
    if source is None:
        known = ", ".join(s.name for s in profile.sources) or "none"
        raise ConfigurationError(f"county profile {profile.path} has no source '{name}' (sources: {known})")
    return profile, source


def state_path(settings: Settings) -> Path:
    return settings.data_path / "crawl_state.db"


def load_factory(spec: str):
    """``package.module:function`` (or ``package.module.function``) imported at run time."""
    from scrapy.utils.misc import load_object

    return load_object(spec.replace(":", ".")) if spec else None
