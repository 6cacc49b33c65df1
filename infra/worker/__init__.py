"""The worker (`yuqing worker`): APScheduler jobs that crawl, enrich, raise alerts, tick clocks, notify and
write reports, over the process's runtime."""
