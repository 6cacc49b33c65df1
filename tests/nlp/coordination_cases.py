"""Cascades written for the coordination tests: an organic spread, a crew, institutions reposting a notice.

Every text is our own; the shapes follow real Weibo cascades (repost chains ``评论//@甲:…``, bare 转发微博,
emoticons, a source post reposted by people who each say something of their own)."""

from __future__ import annotations

from nlp.coordination import CascadePost

T0 = 1_764_900_000.0          # 2025-12-05, seconds
DAY = 86400.0

ORGANIC_COMMENTS = (
    "这也太吓人了吧，孩子们没事就好", "学校到底怎么管的？", "求后续，希望不是真的", "转发微博", "[怒][怒]",
    "我家孩子也在这个学校，刚打电话问了班主任说没事", "等官方通报吧，别乱传", "心疼这些孩子", "真的假的？有没有现场的",
    "转发微博", "哎，每年都有这种事", "家长们都很担心啊", "//@渠县路人:求真相", "希望有关部门尽快调查清楚",
    "为什么没人管", "[泪]", "这种事一定要严查", "楼上说得对，等通报", "刚刚路过学校门口，挺平静的", "转发微博",
)
CREW_TEMPLATE = "扩散！渠县二中老师把学生打成重伤送医，{slot}到现在还在封锁消息，必须给个说法！"
CREW_SLOTS = ("学校", "校长", "教育局", "班主任", "学校领导", "县里", "镇上", "校方", "领导", "上面")
NOTICE = "【情况通报】12月5日，渠县第二中学一名学生课间摔倒受伤，已送医治疗，无生命危险。网传信息不实，请勿信谣传谣。"


def source(event_id: str = "ev-hype") -> CascadePost:
    return CascadePost(post_id=f"{event_id}-src", account=f"u-source-{event_id}", at=T0,
                       text="渠县二中今天好像有学生受伤了，救护车开进了学校", event_id=event_id,
                       followers=5_000, account_created=T0 - 900 * DAY)


def organic(event_id: str = "ev-hype", count: int = 60) -> list[CascadePost]:
    """People reposting at the organic rhythm (spread over hours), each in their own words or none."""
    src = source(event_id)
    posts = [src]
    for n in range(count):
        comment = ORGANIC_COMMENTS[n % len(ORGANIC_COMMENTS)]
        posts.append(CascadePost(post_id=f"{event_id}-o{n}", account=f"u-{event_id}-{n}", at=T0 + 300 + n * 217.0,
                                 text=f"{comment}//@源头:{src.text}" if n % 3 else comment, parent_id=src.post_id,
                                 event_id=event_id, followers=50 + 37 * n,
                                 account_created=T0 - (400 + 11 * n) * DAY))
    return posts


def crew(event_id: str = "ev-hype", size: int = 10, start: float = T0 + 1800, gap: float = 40.0,
         prefix: str = "u-crew", batch: bool = True) -> list[CascadePost]:
    """A crew posting one template with one slot changed, minutes apart, from accounts registered together."""
    return [CascadePost(post_id=f"{event_id}-{prefix}-{n}", account=f"{prefix}-{n}", at=start + n * gap,
                        text=CREW_TEMPLATE.format(slot=CREW_SLOTS[n % len(CREW_SLOTS)]),
                        parent_id=f"{event_id}-src", event_id=event_id, followers=12 + n,
                        account_created=(T0 - 10 * DAY + n * 60) if batch else T0 - (500 + 40 * n) * DAY)
            for n in range(size)]


def institutions(event_id: str = "ev-hype", size: int = 20) -> list[CascadePost]:
    """Government and media accounts reposting one official notice word for word within the hour."""
    return [CascadePost(post_id=f"{event_id}-gov-{n}", account=f"u-gov-{event_id}-{n}", at=T0 + 7200 + n * 90,
                        text=NOTICE, parent_id=f"{event_id}-src", event_id=event_id, followers=80_000 + n,
                        verified=True, verified_type=1, account_created=T0 - 2000 * DAY)
            for n in range(size)]
