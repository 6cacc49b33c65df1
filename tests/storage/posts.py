"""The fixture posts of the conformance suite: a week of made-up posts about Qu County schools.

Times are China time (+08:00) as the sites print them; the comments give UTC, which is what hour and day
buckets use. Enriched posts carry model version ``CURRENT`` except weibo:5005 (``OLD``); weibo:5004 and
rss:9001 are not enriched yet. news:8001 and news:8002 share a publication time (ties sort by id).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.post import Enrichment, Post, parse_time

CURRENT = "nlp-2026.05"
OLD = "nlp-2026.04"


def post(post_id: str, source: str, published: str, text: str, title: str = "", *, schools=(), incidents=(),
         sentiment=None, rumour=None, event=None, model=CURRENT, enriched=True, **extra) -> Post:
    platform = post_id.split(":")[0]
    published_at = parse_time(published, "published_at")
    enrichment = Enrichment(model_version=model, schools=tuple(schools), sentiment=sentiment, rumour_score=rumour,
                            incident_types=tuple(incidents), event_id=event,
                            enriched_at=published_at + timedelta(hours=1)) if enriched else None
    return Post(id=post_id, source=source, platform=platform, url=f"https://example.cn/{post_id.replace(':', '/')}",
                published_at=published_at, fetched_at=published_at + timedelta(minutes=30), text=text, title=title,
                enrichment=enrichment, **extra)


ZHONGXUE, ERZHONG, SANZHONG = "quxian-zhongxue", "quxian-erzhong", "quxian-sanzhong"
SHIYAN, WENHUI = "quxian-shiyan", "quxian-wenhuixiao"

POSTS: list[Post] = [
    # 2026-05-10 00:15Z
    post("weibo:5001", "weibo-search", "2026-05-10T08:15:00+08:00",
         "渠县中学门口今天早上发生学生打架，有家长拍了视频，学校保安很快制止了。",
         schools=[ZHONGXUE], incidents=["violence"], sentiment=0.2, rumour=0.1, likes=12, comments=3),
    # 2026-05-10 01:40Z
    post("weibo:5002", "weibo-search", "2026-05-10T09:40:00+08:00",
         "网传渠县中学有学生在打架中受重伤，已经送医抢救，学校封锁消息。",
         schools=[ZHONGXUE], incidents=["violence"], sentiment=0.1, rumour=0.85, event="ev-1", reposts=230),
    # 2026-05-10 06:00Z
    post("news:3001", "dazhou-news", "2026-05-10T14:00:00+08:00",
         "今日上午，渠县中学两名学生因琐事发生冲突，学校及时处置，双方均无大碍。县教育局已督促学校加强管理。",
         "渠县教育局通报渠县中学学生冲突事件",
         schools=[ZHONGXUE], incidents=["violence"], sentiment=0.55, rumour=0.05, event="ev-1"),
    # 2026-05-11 12:30Z
    post("tieba:7001", "tieba-quxian", "2026-05-11T20:30:00+08:00",
         "渠县第二中学食堂的饭菜有异味，好几个同学吃了食堂的饭拉肚子，食堂有没有人管管？",
         schools=[ERZHONG], incidents=["food_safety"], sentiment=0.15, rumour=0.3, event="ev-2"),
    # 2026-05-11 13:05Z
    post("weibo:5003", "weibo-search", "2026-05-11T21:05:00+08:00",
         "听说二中食堂食物中毒几十人住院了，家长们快去看看！转发扩散",
         schools=[ERZHONG], incidents=["food_safety"], sentiment=0.05, rumour=0.9, event="ev-2"),
    # 2026-05-12 02:00Z
    post("gov_board:301", "dazhou-board", "2026-05-12T10:00:00+08:00",
         "建议在渠县实验中学门口增设交通信号灯，放学时段车辆很多，学生过马路很危险。",
         schools=[SHIYAN], incidents=["traffic"], sentiment=0.45, rumour=0.02),
    # 2026-05-12 08:00Z (same time as news:8002)
    post("news:8001", "dazhou-news", "2026-05-12T16:00:00+08:00",
         "渠县文华小学组织全校师生开展防溺水安全教育活动，老师讲解了夏季游泳安全知识，学生们积极参与。",
         "渠县文华小学开展防溺水安全教育", schools=[WENHUI], sentiment=0.9, rumour=0.01),
    post("news:8002", "dazhou-news", "2026-05-12T16:00:00+08:00",
         "县教育局召开全县学校安全工作会议，部署食品安全、交通安全和防溺水工作。",
         "渠县召开学校安全工作会议", sentiment=0.7, rumour=0.0),
    # 2026-05-12 15:10Z
    post("tieba:7002", "tieba-quxian", "2026-05-12T23:10:00+08:00",
         "渠县中学和渠县第二中学都有学生反映被高年级同学欺负，要钱还打人。",
         schools=[ZHONGXUE, ERZHONG], incidents=["violence", "bullying"], sentiment=0.1, rumour=0.4, event="ev-3"),
    # 2026-05-12 23:30Z, not enriched
    post("weibo:5004", "weibo-search", "2026-05-13T07:30:00+08:00",
         "渠县中学附近早高峰又堵车了，接送孩子太难了。", enriched=False),
    # 2026-05-13 03:00Z, not enriched
    post("rss:9001", "sichuan-rss", "2026-05-13T11:00:00+08:00",
         "近日，四川多地教育部门开展校园安全大检查，重点排查食堂、宿舍和消防隐患。",
         "四川多地开展校园安全大检查", enriched=False),
    # 2026-05-09 14:00Z, enriched by the old model
    post("weibo:5005", "weibo-search", "2026-05-09T22:00:00+08:00",
         "渠县第三中学晚自习停电，学生在黑暗里等了半小时，学校说是线路检修。",
         schools=[SANZHONG], incidents=["facility"], sentiment=0.3, rumour=0.2, model=OLD),
    # 2025-01-05 02:00Z, long ago
    post("weibo:5006", "weibo-search", "2025-01-05T10:00:00+08:00",
         "两年前渠县中学也有过学生打架的传言，后来证实是谣言。",
         schools=[ZHONGXUE], incidents=["violence"], sentiment=0.35, rumour=0.6),
]

# Newest first, ties by id: the order of every time-sorted answer.
BY_TIME = ["rss:9001", "weibo:5004", "tieba:7002", "news:8001", "news:8002", "gov_board:301", "weibo:5003",
           "tieba:7001", "news:3001", "weibo:5002", "weibo:5001", "weibo:5005", "weibo:5006"]


def utc(text: str) -> datetime:
    return parse_time(text, "time")
