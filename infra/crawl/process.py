"""The crawl process: one source of the county profile crawled by Scrapy, in a process of its own.

``yuqing crawl SOURCE`` starts ``python -m infra.crawl SOURCE --run-id ID`` as a subprocess (Twisted's reactor
cannot restart, and a crawl that hangs or crashes takes nothing else down) with every resolved setting in
``YUQING_*`` variables, never on the command line. This process is the crawl's composition root: it resolves
the settings once, opens the runtime, translates the settings into Scrapy settings (``scrapy_settings``) and
runs the source's spider with Scrapy's ``CrawlerProcess``. The components (``crawlers/``) read only
``crawler.settings``; the stores reach them as zero-argument functions returning this runtime's stores, which
the runtime closes when the crawl ends.

Exit status: 0 when the spider ran (its outcome, good or bad, is the crawl health record it wrote), 1 when it
could not start (a configuration error, an unreachable state database).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError
from core.profile import Profile, Source
from core.reactions import REACTIONS_SOURCE, reaction_targets
from crawlers.wiring import Credentials
from infra.runtime import Runtime

STATIC_SETTINGS = "crawlers.settings"


def find_source(profile: Profile, name: str) -> Source:
    """The profile's source ``name`` (or the built-in reaction round, ``reactions``); a ConfigurationError lists
    the sources there are."""
    if name == REACTIONS_SOURCE and profile.source(name) is None:
        return Source(name=REACTIONS_SOURCE, spider=REACTIONS_SOURCE, weight=1.0)
    source = profile.source(name)
    if source is None:
        known = ", ".join(s.name for s in profile.sources) or "none"
        raise ConfigurationError(f"county profile {profile.path} has no source '{name}' (sources: {known})")
    return source


def politeness(polite: bool, delay_s: float, user_agent: str) -> dict[str, Any]:
    """Scrapy's politeness settings: AutoThrottle, robots.txt, a delay and 2 requests per domain, or (for the
    simulated web only) none of them."""
    return {"USER_AGENT": user_agent, "ROBOTSTXT_OBEY": polite, "AUTOTHROTTLE_ENABLED": polite,
            "AUTOTHROTTLE_START_DELAY": delay_s, "DOWNLOAD_DELAY": delay_s if polite else 0.0,
            "CONCURRENT_REQUESTS": 16 if polite else 64, "CONCURRENT_REQUESTS_PER_DOMAIN": 2 if polite else 64}


def read_credentials(cookies_file: str, proxy: str) -> Credentials:
    """Cookies per host from ``crawl_cookies_file`` (JSON ``{"host": "cookie header"}``) and ``crawl_proxy``;
    a ConfigurationError says what is wrong with the file (never what is in it)."""
    path = str(cookies_file or "").strip()
    if not path:
        return Credentials(proxy=str(proxy or "").strip())
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(f"crawl_cookies_file {path}: cannot read it ({error.strerror})") from None
    except ValueError:
        raise ConfigurationError(f"crawl_cookies_file {path}: not JSON; write {{\"host\": \"cookie header\"}}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ConfigurationError(f"crawl_cookies_file {path}: write an object {{\"host\": \"cookie header\"}}")
    return Credentials(cookies=data, proxy=str(proxy or "").strip())


def scrapy_settings(runtime: Runtime, source: Source, run_id: str):
    """The Scrapy settings of one crawl: ``crawlers/settings.py`` with this deployment's values on top.

    Objects reach the components as closures: Scrapy deep-copies its settings, which copies a function by
    reference but would copy a store (and its connections) or a bound method's object; the secrets stay
    inside their closure, where no settings dump or log line shows them."""
    from scrapy.settings import Settings as ScrapySettings

    s = runtime.settings
    credentials = read_credentials(s.crawl_cookies_file, s.crawl_proxy)
    if source.spider == REACTIONS_SOURCE:
        source = with_reaction_targets(runtime, source)
    settings = ScrapySettings()
    settings.setmodule(STATIC_SETTINGS, priority="project")
    settings.update({
        **politeness(bool(s.crawl_polite), float(s.crawl_download_delay_s), str(s.crawl_user_agent)),
        "YUQING_SOURCE": source, "YUQING_RUN_ID": run_id, "YUQING_CLOCK": runtime.clock,
        "YUQING_BASE_URL": s.crawl_base_url, "YUQING_MAX_PAGES": s.crawl_max_pages,
        "YUQING_OVERLAP_S": float(s.crawl_overlap_s), "YUQING_BACKOFF_S": float(s.crawl_backoff_s),
        "YUQING_BATCH_SIZE": s.crawl_batch_size,
        # The post store behind the ingest spool when `spool` is on (the runtime decides).
        "YUQING_POST_STORE": lambda: runtime.spooled_posts,
        "YUQING_CRAWL_STATE": lambda: runtime.state.crawl_state,
        "YUQING_CRAWL_HEALTH": lambda: runtime.state.crawl_health,
        "YUQING_CREDENTIALS": lambda: credentials,
    }, priority="cmdline")
    return settings


def with_reaction_targets(runtime: Runtime, source: Source) -> Source:
    """The reaction round's source with this round's targets: posts of rising or alerted events, asked of the
    event store and the alert service (core.reactions), bounded by the reaction settings."""
    s = runtime.settings
    alerts = runtime.workflow.alerts

    def alert_state(event_id: str) -> str | None:
        alert = alerts.for_event(event_id)
        return str(alert.state) if alert is not None else None

    targets = reaction_targets(runtime.events, alert_state, runtime.posts, now=runtime.clock.now(),
                               span=timedelta(hours=float(s.nlp_growth_hours)), max_posts=int(s.reaction_max_posts),
                               window=timedelta(hours=float(s.nlp_event_window_hours)))
    options = {**source.options, "targets": [t.as_option() for t in targets],
               "max_per_post": int(s.reaction_max_per_post)}
    return replace(source, options=options)


def crawl(runtime: Runtime, source_name: str, run_id: str) -> int:
    """Crawl one source in this process (the reactor runs here, so once per process); the exit status."""
    from scrapy.crawler import CrawlerProcess

    source = find_source(runtime.profile, source_name)
    process = CrawlerProcess(scrapy_settings(runtime, source, run_id))
    spiders = process.spider_loader.list()
    if source.spider not in spiders:
        raise ConfigurationError(f"source '{source.name}' of {runtime.profile.path} names the spider "
                                 f"'{source.spider}', which does not exist (spiders: {', '.join(sorted(spiders))})")
    process.crawl(source.spider)
    process.start()
    return 1 if process.bootstrap_failed else 0
