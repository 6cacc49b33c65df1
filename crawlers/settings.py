"""Static Scrapy settings of the yuqing crawlers: what is the same for every crawl (bot name, spider modules,
component order, retry codes) and polite defaults.

Everything that depends on a deployment comes from the crawl's composition root (``infra/crawl``), which
resolves the yuqing settings once and sets these Scrapy settings on top of the ones below:

- politeness: ``USER_AGENT``, ``ROBOTSTXT_OBEY``, ``AUTOTHROTTLE_*``, ``DOWNLOAD_DELAY``, ``CONCURRENT_REQUESTS*``;
- ``YUQING_SOURCE`` (the ``core.profile.Source`` crawled), ``YUQING_RUN_ID``, ``YUQING_CLOCK`` (a
  ``core.clock.Clock``), ``YUQING_BASE_URL``, ``YUQING_MAX_PAGES``, ``YUQING_OVERLAP_S``, ``YUQING_BACKOFF_S``,
  ``YUQING_BATCH_SIZE``;
- zero-argument factories: ``YUQING_POST_STORE`` (a ``core.storage.PostStore``), ``YUQING_CRAWL_STATE`` (a
  ``core.crawl_state.CrawlStateStore``), ``YUQING_CRAWL_HEALTH`` (a ``core.crawl_health.CrawlHealthStore``)
  and ``YUQING_CREDENTIALS`` (cookies and proxy, ``crawlers.middlewares.Credentials``). The stores they return
  belong to the composition root, which closes them when the crawl ends; components never close them.
  Functions, not objects: Scrapy deep-copies its settings, and a function is copied by reference.

Components read only ``crawler.settings``: no yuqing settings file, no environment. Secrets (cookies, proxy
credentials) are never a plain Scrapy setting, so no settings dump or log line can show them.
"""

BOT_NAME = "yuqing"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Polite unless the composition root says otherwise (it turns politeness off only for the simulated web).
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
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

# A news article is tens of kilobytes and a list answer a few hundred; a bigger page is a mistake or an attack
# (a 10 MB page took 41 s and 416 MB to extract). Scrapy cancels the download past the limit.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

DOWNLOADER_MIDDLEWARES = {
    # First of all: nothing is fetched from outside the source's own hosts (crawlers/fetch_policy.py).
    "crawlers.middlewares.FetchPolicyMiddleware": 10,
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

# Defaults of the yuqing values a crawl is tuned by; the composition root sets them from the yuqing settings.
YUQING_BACKOFF_S = 2.0          # first retry delay, doubled per retry
YUQING_BATCH_SIZE = 200         # posts written to the store per batch
YUQING_MAX_PAGES = 10           # list pages per run when the source's options do not say
YUQING_OVERLAP_S = 600.0        # how far paging goes past the last complete run's watermark
YUQING_BASE_URL = ""            # fetch from this address instead of the real sites (the simulated web)
YUQING_MAX_TEXT_CHARS = 50_000  # a post's text is cut here (raw["truncated"] says so); a long article is ~20,000
YUQING_RUN_ID = ""              # the crawl health record's id; a new one when empty
