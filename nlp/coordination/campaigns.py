"""Evaluation material for ``yuqing eval hype``: real organic cascades with injected campaigns of several shapes,
and organic hard cases, written as a cascade TSV with a ``coordinated`` column.

The organic rows come from the shared data at run time and the output goes outside the repository (the data's
rows never go into it). Campaign shapes:

- ``burst``: a crew posts one text (small variations) within minutes, often from accounts registered together;
- ``slow_drip``: a template with one slot changed, filled in by aged accounts over a day or two;
- ``mixed``: a crew reposting organic posts at the organic rhythm, templated comments among bare reposts;
- ``across_events``: one crew with one wording family in several unrelated events;
- ``seeded``: a low-follower seed account whose post the crew reposts far beyond its reach;
- ``cross_platform``: the same text on Weibo, Tieba and news comments within minutes;
- ``paraphrase``: a crew within the hour, each account wording the claim its own way (parts recombined, words
  between them): the hard shape, where only timing and the accounts can tell.

Organic hard cases kept with label 0: an official notice reposted in one wording by many institutional
(verified government/media) accounts, injected; real celebrity repost waves are simply left in.
"""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from nlp.coordination.cascades import COLUMNS, LabelledPost, by_event, event_split, read_cascades
from nlp.coordination.model import CascadePost

SHAPES = ("burst", "slow_drip", "mixed", "across_events", "seeded", "cross_platform", "paraphrase")
HOUR, DAY = 3600.0, 86400.0

_OPENINGS = ("大家都看看", "转起来", "必须顶上去", "不能让它沉了", "扩散", "真相在这里")
_CLAIMS = ("学校出了人命还想捂盖子", "领导收了钱就不管学生死活", "孩子在学校被打成重伤没人管",
           "食堂天天给孩子吃过期肉", "老师体罚学生家长投诉无门", "出事以后官方一直在封锁消息")
_DEMANDS = ("必须给个说法", "严查到底", "还孩子一个公道", "相关部门出来回应", "彻查涉事人员", "不能就这么算了")
_SLOTS = ("校长", "教育局", "镇政府", "县领导", "班主任", "派出所", "涉事老师", "食堂承包商")
_NOTICE = ("【情况通报】近日网传我县某学校相关信息，经核查，情况如下：相关部门已第一时间介入调查处置，"
           "请广大网民不信谣、不传谣，以官方发布为准。")


@dataclass(frozen=True)
class Crew:
    accounts: tuple[str, ...]
    followers: tuple[int, ...]
    created: tuple[float, ...]


def new_crew(rng: random.Random, size: int, start: float, batch: bool) -> Crew:
    """Accounts of one campaign: few followers; registered in one hour shortly before (batch) or long ago."""
    registered = start - rng.uniform(3, 25) * DAY
    created = tuple(registered + rng.uniform(0, HOUR) if batch else start - rng.uniform(200, 1500) * DAY
                    for _ in range(size))
    followers = tuple(int(rng.lognormvariate(4.0, 1.0)) for _ in range(size))
    return Crew(tuple(uuid.UUID(int=rng.getrandbits(128)).hex[:12] for _ in range(size)), followers, created)


def campaign_text(rng: random.Random, family: int, variant: bool) -> str:
    """A campaign's wording: one sentence per family; ``variant`` swaps one slot (the template shape)."""
    pick = random.Random(family)
    opening, claim, demand = pick.choice(_OPENINGS), pick.choice(_CLAIMS), pick.choice(_DEMANDS)
    slot = rng.choice(_SLOTS) if variant else pick.choice(_SLOTS)
    text = f"{opening}！{claim}，{slot}{demand}！"
    return text + rng.choice(("", "[怒]", "！！", "[抓狂]")) if variant else text


_FILLERS = ("", "真的", "听说", "据说", "我朋友说", "网上都在传", "有人爆料", "没想到")


def paraphrased(rng: random.Random) -> str:
    """One account's own wording of the campaign's claim."""
    parts = [rng.choice(_FILLERS) + rng.choice(_CLAIMS), rng.choice(_SLOTS) + rng.choice(_DEMANDS),
             rng.choice(_OPENINGS)]
    rng.shuffle(parts)
    return rng.choice(("，", "。", "！", " ")).join(parts) + rng.choice(("", "！", "[怒]", "？？"))


def inject(shape: str, rng: random.Random, events: Sequence[list[LabelledPost]], family: int) -> list[LabelledPost]:
    """Campaign posts of one shape for the given organic events (several only for ``across_events``)."""
    first = events[0]
    start = min(r.post.at for r in first) + rng.uniform(0.2, 4) * HOUR
    source = min(first, key=lambda r: r.post.at).post
    if shape == "burst":
        crew = new_crew(rng, rng.randint(10, 30), start, batch=rng.random() < 0.5)
        return _posts(rng, crew, source, [start + rng.uniform(0, 15 * 60) for _ in crew.accounts], family,
                      variant_share=0.3)
    if shape == "slow_drip":
        crew = new_crew(rng, rng.randint(8, 20), start, batch=False)
        return _posts(rng, crew, source, [start + rng.uniform(0, 36 * HOUR) for _ in crew.accounts], family,
                      variant_share=1.0)
    if shape == "mixed":
        return _mixed(rng, first, start, family)
    if shape == "across_events":
        crew = new_crew(rng, rng.randint(8, 18), start, batch=False)
        out: list[LabelledPost] = []
        for rows in events:
            begin = min(r.post.at for r in rows) + rng.uniform(0.2, 3) * HOUR
            src = min(rows, key=lambda r: r.post.at).post
            out += _posts(rng, crew, src, [begin + rng.uniform(0, 3 * HOUR) for _ in crew.accounts], family,
                          variant_share=0.5)
        return out
    if shape == "seeded":
        return _seeded(rng, source, start, family)
    if shape == "cross_platform":
        crew = new_crew(rng, rng.randint(6, 15), start, batch=rng.random() < 0.5)
        posts = _posts(rng, crew, source, [start + rng.uniform(0, 8 * 60) for _ in crew.accounts], family, 0.2)
        platforms = ("weibo", "tieba", "forum")        # news comments are personal too; "news" is a site
        return [replace(p, post=replace(p.post, platform=platforms[i % 3])) for i, p in enumerate(posts)]
    if shape == "paraphrase":
        crew = new_crew(rng, rng.randint(10, 25), start, batch=rng.random() < 0.5)
        return [_labelled(rng, source, account, followers, created, start + rng.uniform(0, HOUR),
                          paraphrased(rng), source.post_id)
                for account, followers, created in zip(crew.accounts, crew.followers, crew.created)]
    raise ValueError(f"unknown campaign shape {shape!r}; choose one of {', '.join(SHAPES)}")


def _posts(rng: random.Random, crew: Crew, parent: CascadePost, times: Sequence[float], family: int,
           variant_share: float) -> list[LabelledPost]:
    out = []
    for account, followers, created, at in zip(crew.accounts, crew.followers, crew.created, times):
        text = campaign_text(rng, family, variant=rng.random() < variant_share)
        out.append(_labelled(rng, parent, account, followers, created, at, text, parent.post_id))
    return out


def _mixed(rng: random.Random, rows: Sequence[LabelledPost], start: float, family: int) -> list[LabelledPost]:
    """Reposts of organic posts at organic times: a templated comment on some, a bare 转发微博 on others."""
    crew = new_crew(rng, rng.randint(10, 25), start, batch=rng.random() < 0.3)
    organic = [r.post for r in rows]
    out = []
    for account, followers, created in zip(crew.accounts, crew.followers, crew.created):
        for n in range(rng.randint(1, 3)):
            parent = rng.choice(organic)
            at = rng.choice(organic).at + rng.uniform(-600, 600)
            text = campaign_text(rng, family, variant=True) if n == 0 else rng.choice(
                ("转发微博", campaign_text(rng, family, variant=True)))
            out.append(_labelled(rng, parent, account, followers, created, at, text, parent.post_id))
    return out


def _seeded(rng: random.Random, source: CascadePost, start: float, family: int) -> list[LabelledPost]:
    seed_crew = new_crew(rng, 1, start, batch=False)
    seed = _labelled(rng, source, seed_crew.accounts[0], rng.randint(10, 150), seed_crew.created[0], start,
                     campaign_text(rng, family + 1000, variant=False), source.post_id)
    crew = new_crew(rng, rng.randint(20, 40), start, batch=rng.random() < 0.5)
    reposts = _posts(rng, crew, seed.post, [start + rng.uniform(60, 40 * 60) for _ in crew.accounts], family,
                     variant_share=0.3)
    return [seed, *reposts]


def official_notice(rng: random.Random, rows: Sequence[LabelledPost]) -> list[LabelledPost]:
    """The organic hard case: many institutional accounts repost one notice in one wording within the hour."""
    source = min(rows, key=lambda r: r.post.at).post
    start = source.at + rng.uniform(1, 6) * HOUR
    out = []
    for _ in range(rng.randint(15, 40)):
        account = uuid.UUID(int=rng.getrandbits(128)).hex[:12]
        post = CascadePost(post_id=str(rng.getrandbits(62)), account=account, at=start + rng.uniform(0, HOUR),
                           text=_NOTICE, parent_id=source.post_id, event_id=source.event_id,
                           followers=rng.randint(10_000, 500_000), verified=True, verified_type=1,
                           account_created=start - rng.uniform(400, 2000) * DAY)
        out.append(LabelledPost(post, 0, rows[0].event_label))
    return out


def _labelled(rng: random.Random, parent: CascadePost, account: str, followers: int, created: float, at: float,
              text: str, parent_id: str) -> LabelledPost:
    post = CascadePost(post_id=str(rng.getrandbits(62)), account=account, at=at, text=text, parent_id=parent_id,
                       event_id=parent.event_id, followers=followers, account_created=created)
    return LabelledPost(post, 1, -1)


def build_eval(cascades: str | Path, out: str | Path, *, split: str = "test", events: int = 200,
               campaign_share: float = 0.4, notice_share: float = 0.1, max_posts: int = 4000,
               seed: int = 7) -> dict[str, int]:
    """Write an evaluation cascade file; answers counts per shape and of the organic events kept."""
    rng = random.Random(seed)
    chosen = _choose_events(read_cascades(cascades), split, events, max_posts, rng)
    counts = {shape: 0 for shape in SHAPES} | {"organic": 0, "official_notice": 0}
    injected: list[LabelledPost] = []
    pool = list(chosen)
    rng.shuffle(pool)
    campaigns = int(len(pool) * campaign_share)
    family = 0
    while campaigns > 0 and pool:
        shape = SHAPES[family % len(SHAPES)]
        take = min(len(pool), rng.randint(3, 4) if shape == "across_events" else 1)
        targets, pool = pool[:take], pool[take:]
        injected += [replace(r, shape=shape) for r in inject(shape, rng, [chosen[e] for e in targets], family)]
        counts[shape] += 1
        campaigns -= take
        family += 1
    for event_id in pool[: int(len(chosen) * notice_share)]:
        injected += [replace(r, shape="official_notice") for r in official_notice(rng, chosen[event_id])]
        counts["official_notice"] += 1
    counts["organic"] = len(pool)
    _write(out, [r for rows in chosen.values() for r in rows] + injected)
    return counts


def _choose_events(rows: Iterable[LabelledPost], split: str, events: int, max_posts: int,
                   rng: random.Random) -> dict[str, list[LabelledPost]]:
    kept = {e: r for e, r in by_event(r for r in rows if event_split(r.post.event_id) == split).items()
            if len(r) <= max_posts}
    ids = sorted(kept)
    rng.shuffle(ids)
    return {e: kept[e] for e in sorted(ids[:events])}


def _write(out: str | Path, rows: Sequence[LabelledPost]) -> None:
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
        writer.writerow((*COLUMNS, "platform", "shape", "coordinated"))
        for r in sorted(rows, key=lambda r: (r.post.event_id, r.post.at)):
            p = r.post
            writer.writerow((p.event_id, r.event_label if r.event_label >= 0 else "", p.post_id, p.parent_id or "",
                             int(p.at), p.account, "" if p.followers is None else p.followers, p.verified,
                             "" if p.verified_type is None else p.verified_type,
                             "" if p.account_created is None else int(p.account_created), 0, 0, 0,
                             _clean(p.text), p.platform, r.shape, r.coordinated))


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace("\\", "")
