"""Made-up posts for benchmarks, shaped like the mix a county office collects.

What is real and what is assumed (docs/scale.md repeats it):
- Word use: when ``../shared/data/`` exists, the body of every post is drawn word by word from the word
  frequencies of real Weibo texts (the sentiment and rumour sets and every 25th post of the cascades, segmented
  by jieba when the factory is built; no text is copied). So common words, rare words and punctuation come in
  real proportions. Without that folder a small hand-written vocabulary stands in.
- Weibo lengths are drawn from the lengths of those real Weibo posts; the other platforms' lengths are
  assumptions (log-normal, ``TEXT_LENGTHS``), as are the platform shares (``PLATFORMS``) and the size of the
  captured page each post carries (the crawlers store the payload and the page for evidence).
- Every post opens with a sentence about a school incident (``SCHOOL_SHARE`` of them, schools weighted by rank:
  the county's big schools are talked about most) or about a township; ``COMMON_WORD`` (家长) occurs in
  ``COMMON_SHARE`` of the posts, which makes it the benchmark's common-word search.
Deterministic for a given seed: ``make(i)`` is the same post in every run and every pass.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from core.post import Enrichment, Post
from core.profile import load_profile

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# (platform, source, share of posts in %) -- an assumption: Weibo search brings most posts.
PLATFORMS = [("weibo", "weibo-search", 50), ("news", "dazhou-news", 15), ("tieba", "tieba-quxian", 15),
             ("rss", "sichuan-rss", 10), ("gov_board", "dazhou-board", 10)]
# Text length in characters where no real sample exists: (median, sigma of the natural log, cap) -- assumptions:
# news articles run to several hundred characters, a tieba thread's first floor is short, a board message and
# an RSS summary lie between.
TEXT_LENGTHS = {"weibo": (60, 0.8, 2000), "news": (700, 0.5, 6000), "tieba": (60, 0.9, 3000),
                "rss": (300, 0.6, 3000), "gov_board": (250, 0.6, 2000)}
# Related links / replies that pad a captured HTML page around the text (assumption: news and tieba pages of
# roughly 5-10 KB; real ones are larger, see docs/scale.md for how page size enters the sizing).
PAGE_PADDING = {"news": 30, "tieba": 20}
SCHOOL_SHARE = 0.6
COMMON_WORD, COMMON_SHARE = "家长", 0.8

INCIDENTS = {
    "violence": ["几个学生在操场打架", "有学生被高年级同学围殴", "两名学生发生冲突", "校门口有人持刀闹事"],
    "food_safety": ["食堂饭菜有异味", "多名学生吃完午饭后腹泻", "食堂被曝使用过期食材", "疑似食物中毒送医"],
    "traffic": ["校门口发生交通事故", "校车超载被交警拦下", "接送车辆堵塞道路", "学生过马路被电动车撞倒"],
    "drowning": ["有学生在河边游泳溺水", "渠江边发现学生书包", "暑假前开展防溺水教育"],
    "bullying": ["学生长期被同学欺负", "有人在宿舍被索要钱财", "班级群里有人发侮辱性言论"],
    "facility": ["教学楼墙皮脱落", "宿舍停水停电一整天", "操场围墙出现裂缝", "教室吊扇松动掉落"],
    "fees": ["学校违规收取补课费", "被要求统一购买校服和资料", "食堂收费问题引发不满"],
    "discipline": ["老师体罚学生", "班主任辱骂学生被投诉", "学生因手机被没收与老师争执"],
}
WHO = ["学生", "老师", "网友", "班主任", "校长", "保安", "食堂工作人员", "附近居民", "初三学生", "住校生",
       "一位母亲", "孩子的爷爷", "值班老师", "校车司机"]
WHEN = ["今天早上", "昨天下午", "上周五", "放学后", "晚自习期间", "课间操的时候", "中午吃饭时", "周末补课时",
        "开学第一天", "期中考试前", "凌晨两点", "上学路上"]
PARENTS = ["家长们非常担心孩子的安全", "有家长在群里说情况很严重", "家长反映了好几次", "学校刚刚开完家长会",
           "不少家长要求学校给个说法", "家长自发组织去学校了解情况"]
TOWNSHIP_NEWS = ["新修的道路今天通车", "集市上人很多", "停水通知已经发出", "开展了防汛演练", "举办了农产品展销会",
                 "晚上的广场舞很热闹", "老街改造正在施工", "暴雨后部分道路积水"]
TITLES = ["{school}{incident}", "关于{school}{incident}的情况说明", "{township}一学校{incident}引关注",
          "网传{school}{incident}，真相如何", "{school}召开安全工作会议"]
FALLBACK_WORDS = ["最近", "天气", "转凉", "早晚", "温差", "比较", "大", "县城", "在", "修路", "交通", "不太", "方便",
                  "今年", "新生", "人数", "比", "去年", "多", "了", "不少", "周边", "小卖部", "生意", "很好", "听说",
                  "下个月", "要", "举行", "运动会", "大家", "都", "讨论", "升学率", "的", "事情", "，", "。", "！"]

_REPOST_CHAIN = re.compile(r"//@[^:：\s]{1,30}[:：]")


@dataclass(frozen=True)
class Vocabulary:
    """Words with cumulative weights for ``random.choices``, and real Weibo post lengths to draw from."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]
    mean_word_chars: float
    weibo_lengths: tuple[int, ...]
    origin: str


@lru_cache(maxsize=2)
def load_vocabulary(folder: Path = SHARED_DATA) -> Vocabulary:
    """Word frequencies and post lengths of the real Weibo texts in ``folder``, or the hand-written stand-in."""
    texts, lengths = _real_texts(folder)
    if not texts:
        return Vocabulary(tuple(FALLBACK_WORDS), tuple(accumulate([1.0] * len(FALLBACK_WORDS))), 1.6, (),
                          "hand-written stand-in vocabulary (../shared/data not found)")
    import jieba   # heavy: loaded only when real texts are there to segment

    jieba.setLogLevel(60)
    counts: dict[str, int] = {}
    for text in texts:
        for word in jieba.cut(_REPOST_CHAIN.sub("", text)):
            if word.strip():
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    total = sum(n for _, n in ranked)
    mean_chars = sum(len(w) * n for w, n in ranked) / total
    return Vocabulary(tuple(w for w, _ in ranked), tuple(accumulate(float(n) for _, n in ranked)), mean_chars,
                      tuple(lengths), f"word frequencies of {len(texts):,} real Weibo texts ({len(ranked):,} words)")


def _real_texts(folder: Path) -> tuple[list[str], list[int]]:
    """Texts to count words in, and the lengths of the original (not reposted) Weibo posts among them."""
    originals = []
    for name in ("sentiment/weibo_senti_dev.tsv", "rumour/weibo_rumour_train.tsv"):
        path = folder / name
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                next(lines, None)
                originals.extend(line.rstrip("\n").split("\t", 1)[-1] for line in lines)
    texts = list(originals)
    cascades = folder / "weibo_events" / "cascades.tsv.gz"
    if cascades.exists():
        with gzip.open(cascades, "rt", encoding="utf-8") as lines:
            next(lines, None)
            for number, line in enumerate(lines):
                text = line.rstrip("\n").rsplit("\t", 1)[-1]
                if number % 25 == 0 and len(text) >= 8 and text != "转发微博":
                    texts.append(text)
    return texts, [len(t) for t in originals if t]


class PostFactory:
    """Builds numbered synthetic posts; ``make(i)`` is the same post for the same i and seed. ``days`` is the
    span of publication times ending at ``end`` (365 = a full retention period). With ``total`` (the number of
    posts that will be made) post i is published about i/total of the way through the span, give or take an
    hour, as a crawler meets posts roughly in the order they appear; without, at a random time."""

    def __init__(self, seed: int = 20260529, days: int = 365, end: datetime | None = None,
                 vocabulary: Vocabulary | None = None, total: int | None = None):
        profile = load_profile()
        self.schools = [(s.id, [s.name, *s.aliases]) for s in profile.schools]
        # Rank weights: the first (biggest) schools of the profile are mentioned most.
        self._school_weights = list(accumulate(1.0 / (rank + 1) for rank in range(len(self.schools))))
        self.townships = [t.name for t in profile.townships]
        self.seed, self.days, self.total = seed, days, total
        self.end = end or datetime(2026, 5, 29, tzinfo=timezone.utc)
        self.vocabulary = vocabulary or load_vocabulary()
        self.platforms = [p for p, _, w in PLATFORMS for _ in range(w)]
        self.sources = {p: s for p, s, _ in PLATFORMS}
        pool_rng = random.Random(seed)
        self._links = [self._words(pool_rng, pool_rng.randrange(8, 24)) for _ in range(2_000)]
        self._frames = {p: self._frame(pool_rng, p) for p, _, _ in PLATFORMS}

    def make(self, i: int, model_version: str = "bench-1") -> Post:
        rng = random.Random(self.seed * 1_000_003 + i)
        platform = rng.choice(self.platforms)
        about_school = rng.random() < SCHOOL_SHARE
        school_id, names = rng.choices(self.schools, cum_weights=self._school_weights)[0]
        kind = rng.choice(list(INCIDENTS))
        township = rng.choice(self.townships)
        lead = (f"{rng.choice(WHEN)}{rng.choice(names)}{rng.choice(INCIDENTS[kind])}，"
                f"{rng.choice(WHO)}说{rng.choice(INCIDENTS[kind])}" if about_school
                else f"{rng.choice(WHEN)}{township}{rng.choice(TOWNSHIP_NEWS)}")
        text = self._text(rng, platform, lead)
        published = self._published(rng, i)
        title = ""
        if platform in ("news", "rss", "gov_board"):
            title = rng.choice(TITLES).format(school=names[0], incident=rng.choice(INCIDENTS[kind]), township=township)
        enrichment = Enrichment(model_version=model_version, schools=(school_id,) if about_school else (),
                                sentiment=round(rng.betavariate(2, 3), 3), rumour_score=round(rng.random() ** 2, 3),
                                incident_types=(kind,) if about_school else (),
                                event_id=f"ev-{school_id}-{kind}" if about_school and rng.random() < 0.2 else None)
        counts = {"reposts": rng.randrange(50), "comments": rng.randrange(80), "likes": rng.randrange(300)}
        author = f"用户{rng.randrange(100_000)}"
        raw, page = self._capture(rng, platform, i, title, text, author, published, counts)
        return Post(id=f"{platform}:b{i}", source=self.sources[platform], platform=platform,
                    url=f"https://{platform}.example.cn/p/{i}", published_at=published,
                    fetched_at=published + timedelta(seconds=rng.randrange(60, 3_600)), text=text, title=title,
                    author=author, raw=raw, page=page, capture_method=f"scrapy crawl {platform} (bench)",
                    enrichment=enrichment, **counts)

    def batch(self, start: int, stop: int) -> list[Post]:
        return [self.make(i) for i in range(start, stop)]

    def _published(self, rng: random.Random, i: int) -> datetime:
        span = self.days * 86_400
        if not self.total:
            return self.end - timedelta(seconds=rng.randrange(span))
        seconds = (i + 0.5) * span / self.total + rng.uniform(-3_600, 3_600)
        return self.end - timedelta(seconds=span) + timedelta(seconds=min(max(seconds, 0.0), span - 1.0))

    # --- text

    def _length(self, rng: random.Random, platform: str) -> int:
        if platform == "weibo" and self.vocabulary.weibo_lengths:
            return rng.choice(self.vocabulary.weibo_lengths)
        median, sigma, cap = TEXT_LENGTHS[platform]
        return max(8, min(cap, int(rng.lognormvariate(math.log(median), sigma))))

    def _text(self, rng: random.Random, platform: str, lead: str) -> str:
        parts = [lead]
        if rng.random() < COMMON_SHARE:
            parts.append(rng.choice(PARENTS))
        room = self._length(rng, platform) - sum(len(p) + 1 for p in parts)
        if room > 0:
            parts.append(self._words(rng, room))
        return "，".join(parts) + "。"

    def _words(self, rng: random.Random, chars: int) -> str:
        """About ``chars`` characters of words drawn by their real frequencies."""
        vocabulary = self.vocabulary
        count = max(1, round(chars / vocabulary.mean_word_chars))
        return "".join(rng.choices(vocabulary.words, cum_weights=vocabulary.cum_weights, k=count))[:chars]

    # --- what the crawler captured beside the text

    def _frame(self, rng: random.Random, platform: str) -> tuple[str, str]:
        """A site's page head and foot (navigation, scripts), the same on every page of the site."""
        nav = "".join(f'<li><a href="/{platform}/c{n}.html">{self._words(rng, rng.randrange(2, 6))}</a></li>'
                      for n in range(40))
        head = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{title}}</title>'
                f'<link rel="stylesheet" href="/static/{platform}/main.css"><script src="/static/{platform}/app.js">'
                f'</script></head><body><div class="header"><ul class="nav">{nav}</ul></div><div class="main">')
        foot = (f'</div><div class="footer"><p>{self._words(rng, 80)}</p><p>备案号：川ICP备{rng.randrange(10**7)}号</p>'
                f'</div><script>var page = {{"site": "{platform}", "version": "{rng.randrange(10**6)}"}};</script>'
                f'</body></html>')
        return head, foot

    def _capture(self, rng: random.Random, platform: str, i: int, title: str, text: str, author: str,
                 published: datetime, counts: dict) -> tuple[dict, str]:
        """The payload and the page as each spider stores them (crawlers/spiders/*.py)."""
        if platform == "weibo":
            raw = {"id": str(4_900_000_000_000_000 + i), "created_at": published.strftime("%a %b %d %H:%M:%S +0800 %Y"),
                   "text": text, "source": rng.choice(["iPhone客户端", "Android", "微博 weibo.com", "HUAWEI Mate"]),
                   "reposts_count": counts["reposts"], "comments_count": counts["comments"],
                   "attitudes_count": counts["likes"], "isLongText": len(text) > 140, "pic_num": rng.randrange(4),
                   "pics": [{"pid": f"{rng.getrandbits(64):016x}", "url": f"https://wx{n}.sinaimg.cn/orj360/{i}.jpg"}
                            for n in range(rng.randrange(4))],
                   "user": {"id": 5_000_000_000 + rng.randrange(10**8), "screen_name": author,
                            "profile_image_url": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{i:x}.jpg",
                            "followers_count": rng.randrange(20_000), "follow_count": rng.randrange(800),
                            "statuses_count": rng.randrange(9_000), "verified": rng.random() < 0.1,
                            "description": self._words(rng, rng.randrange(0, 40)), "gender": rng.choice("mf")}}
            return raw, json.dumps(raw, ensure_ascii=False)
        if platform == "gov_board":
            raw = {"tid": str(i), "threadTitle": title, "threadContent": text, "nickName": author,
                   "dateline": int(published.timestamp()), "stateInfo": rng.choice(["已办理", "办理中", "已回复"]),
                   "reply": {"content": self._words(rng, rng.randrange(60, 300))} if rng.random() < 0.6 else None,
                   "fid": "5136"}
            return raw, json.dumps(raw, ensure_ascii=False)
        if platform == "rss":
            page = (f"<item><title>{title}</title><link>https://rss.example.cn/p/{i}</link><guid>rss-{i}</guid>"
                    f"<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0800</pubDate><description><![CDATA[{text}]]>"
                    f"</description></item>")
            return {"guid": f"rss-{i}"}, page
        head, foot = self._frames[platform]
        body = "".join(f"<p>{part}</p>" for part in text.split("，"))
        padding = "".join(f'<li><a href="/{platform}/{rng.randrange(10**7)}.html">{rng.choice(self._links)}</a></li>'
                          for _ in range(PAGE_PADDING[platform]))
        page = head.replace("{title}", title or text[:20]) + f"<h1>{title}</h1><div class=\"content\">{body}</div>" \
            f"<ul class=\"related\">{padding}</ul>" + foot
        raw = {"site": f"{platform}.example.cn", "extracted_by": "selectors"} if platform == "news" else \
            {"bar": "渠县", "data_field": {"id": i, "author_name": author, "reply_num": counts["comments"]}}
        return raw, page
