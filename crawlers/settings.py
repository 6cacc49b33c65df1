"""Scrapy settings of the yuqing crawlers. Politeness, the store and the health store come from the yuqing
settings (``YUQING_*`` in the environment, set by ``yuqing crawl``), so one registry configures everything.

Secrets (cookies, proxy credentials) are deliberately not Scrapy settings: Scrapy logs overridden settings
at start-up, so ``crawlers.middlewares.CredentialsMiddleware`` reads them from the yuqing settings instead.
"""

from core.settings import load_settings

_yuqing = load_settings()
_polite = bool(_yuqing["crawl_polite"])

BOT_NAME = "yuqing"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = _yuqing["crawl_user_agent"]
ROBOTSTXT_OBEY = _polite
AUTOTHROTTLE_ENABLED = _polite
AUTOTHROTTLE_START_DELAY = float(_yuqing["crawl_download_delay_s"])
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = float(_yuqing["crawl_download_delay_s"]) if _polite else 0.0
CONCURRENT_REQUESTS = 16 if _polite else 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2 if _polite else 64
# The pipelines are synchronous, so items gain nothing from running side by side, while Scrapy sets up that
# many cooperative tasks for every response, even one that yields a single item (the default is 100).
CONCURRENT_ITEMS = 10
# A developer's warning that re-parses each callback's source code for every response; the spiders are tested.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
YUQING_BACKOFF_S = float(_yuqing["crawl_backoff_s"])

DOWNLOADER_MIDDLEWARES = {
    # Sees only final responses (after redirects and retries): counts pages, errors and signs of blocking.
    "crawlers.middlewares.BlockDetectionMiddleware": 50,
    # After CookiesMiddleware (700), which replaces the Cookie header, and before HttpProxyMiddleware (750).
    "crawlers.middlewares.CredentialsMiddleware": 720,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.NormalisePipeline": 100,
    "crawlers.pipelines.StorePipeline": 800,
}
EXTENSIONS = {
    "crawlers.extensions.CrawlHealthExtension": 500,
}

# Composition happens at run time: the crawlers never import a backend (see pyproject's import contracts).
YUQING_STORE_FACTORY = _yuqing["crawl_store_factory"]
YUQING_HEALTH_FACTORY = _yuqing["crawl_health_factory"]
YUQING_BATCH_SIZE = int(_yuqing["crawl_batch_size"])
YUQING_RUN_ID = ""
