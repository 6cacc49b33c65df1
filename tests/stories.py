"""Posts for the tests, written by us: ``make_post`` builds one, ``STORY`` is a small county day with two
incidents and noise, and ``EXPECTED`` says which posts belong together."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.post import Post

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)

STORY = [  # one canteen incident at 渠县二小, one traffic incident at 渠县一小, and noise
    ("a1", "渠县二小食堂的肉有酸味，好几个孩子吃了肚子疼", 0),
    ("b1", "渠县一小门口早上一辆轿车撞倒一名学生，已送医", 5),
    ("a2", "网传渠县二小食堂用变质肉，几十个孩子住院，紧急扩散", 30),
    ("n1", "渠县今天下雪了，八濛山白了一片", 40),
    ("b2", "渠县第一小学门口车祸，交警已到场处置", 50),
    ("a3", "渠县教育局：已对渠县第二小学食堂留样送检", 90),
    ("a4", "渠县二小的家长今晚在学校门口集合要说法", 120),
    ("b3", "渠县一小门口终于要装减速带和红绿灯了", 200),
]
EXPECTED = {frozenset({"weibo:a1", "weibo:a2", "weibo:a3", "weibo:a4"}), frozenset({"weibo:b1", "weibo:b2", "weibo:b3"})}


def make_post(key: str, text: str, minutes: float = 0, *, platform: str = "weibo", title: str = "",
              reposts: int = 0, source: str | None = None) -> Post:
    """A post published ``minutes`` after T0 (and fetched at once)."""
    at = T0 + timedelta(minutes=minutes)
    return Post(id=f"{platform}:{key}", source=source or platform, platform=platform,
                url=f"http://example.invalid/{key}", published_at=at, fetched_at=at, text=text, title=title,
                reposts=reposts)


def story_posts() -> list[Post]:
    return [make_post(key, text, minutes) for key, text, minutes in STORY]
