"""What spiders yield. A ``PostItem`` becomes a ``core.post.Post`` after the normalise pipeline; a
``CopyItem`` is a repost that only adds to an original's spread (``Post.copies``)."""

from __future__ import annotations

import scrapy


class PostItem(scrapy.Item):
    """A post as the page shows it: text may hold HTML, ``published_at`` may be a Chinese relative time."""

    native_id = scrapy.Field()      # the platform's own id when it has one
    platform = scrapy.Field()
    url = scrapy.Field()            # the public URL (never the simulated web's address)
    published_at = scrapy.Field()
    title = scrapy.Field()
    text = scrapy.Field()
    author = scrapy.Field()
    reposts = scrapy.Field()
    comments = scrapy.Field()
    likes = scrapy.Field()
    raw = scrapy.Field()            # the platform's payload; raw["revision"] changes when the post changes
    page = scrapy.Field()           # the captured page or JSON object, kept as evidence
    parent_id = scrapy.Field()      # a reaction's parent: our post id of the post it reacts to
    relation = scrapy.Field()       # "repost" / "comment" / "reply" (core.post.REACTION_RELATIONS), or absent


class CopyItem(scrapy.Item):
    """A repost of ``original_id`` that says nothing of its own (e.g. 转发微博)."""

    id = scrapy.Field()             # the repost's own post id (so it is recognised when seen again)
    original_id = scrapy.Field()
    platform = scrapy.Field()
    url = scrapy.Field()
    author = scrapy.Field()
    published_at = scrapy.Field()
