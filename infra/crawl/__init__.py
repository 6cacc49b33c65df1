"""The crawl process: the composition root of one crawl (``python -m infra.crawl SOURCE``, started by
``yuqing crawl``). See ``infra.crawl.process``."""
