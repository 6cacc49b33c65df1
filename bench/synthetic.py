"""Made-up posts for benchmarks: about 150 Chinese characters each, built from the county profile's
schools and townships and a hand-written vocabulary of what people post about schools. Deterministic
for a given seed, so two runs measure the same texts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from core.post import Enrichment, Post
from core.profile import load_profile

PLATFORMS = [("weibo", "weibo-search", 50), ("news", "dazhou-news", 15), ("tieba", "tieba-quxian", 15),
             ("rss", "sichuan-rss", 10), ("gov_board", "dazhou-board", 10)]

WHO = ["学生", "家长", "老师", "网友", "班主任", "校长", "保安", "食堂工作人员", "附近居民", "初三学生", "住校生",
       "一位母亲", "孩子的爷爷", "值班老师", "校车司机"]
WHEN = ["今天早上", "昨天下午", "上周五", "放学后", "晚自习期间", "课间操的时候", "中午吃饭时", "周末补课时",
        "开学第一天", "期中考试前", "凌晨两点", "上学路上"]
INCIDENTS = {
    "violence": ["几个学生在操场打架", "有学生被高年级同学围殴", "两名学生发生冲突", "校门口有人持刀闹事"],
    "food_safety": ["食堂饭菜有异味", "多名学生吃完午饭后腹泻", "食堂被曝使用过期食材", "疑似食物中毒送医"],
    "traffic": ["校门口发生交通事故", "校车超载被交警拦下", "接送车辆堵塞道路", "学生过马路被电动车撞倒"],
    "drowning": ["有学生在河边游泳溺水", "渠江边发现学生书包", "暑假前开展防溺水教育"],
    "bullying": ["学生长期被同学欺负", "有人在宿舍被索要钱财", "班级群里有人发侮辱性言论"],
    "facility": ["教学楼墙皮脱落", "宿舍停水停电一整天", "操场围墙出现裂缝", "教室吊扇松动掉落"],
    "fees": ["学校违规收取补课费", "被要求统一购买校服和资料", "家长反映乱收费问题"],
    "discipline": ["老师体罚学生", "班主任辱骂学生被家长投诉", "学生因手机被没收与老师争执"],
}
REACTIONS = ["家长们非常担心孩子的安全", "网友纷纷转发并要求学校给个说法", "学校目前还没有正式回应",
             "县教育局表示已经介入调查", "希望有关部门尽快核实处理", "听说有人受伤但不知道是真是假",
             "现场有很多人围观拍视频", "有家长在群里说情况很严重", "也有人说事情被夸大了",
             "派出所民警已经到场", "学校称会加强管理和安全教育", "评论区吵成一片"]
FILLER = ["最近天气转凉，早晚温差比较大", "这段时间县城在修路，交通不太方便", "学校刚刚开完家长会",
          "今年新生人数比去年多了不少", "周边小卖部生意很好", "听说下个月要举行运动会",
          "老城区的几所学校都在扩建", "渠江边的步道晚上散步的人很多", "大家都在讨论升学率的事情"]
TITLES = ["{school}{incident}", "关于{school}{incident}的情况说明", "{township}一学校{incident}引关注",
          "网传{school}{incident}，真相如何", "{school}召开安全工作会议"]


class PostFactory:
    """Builds numbered synthetic posts; ``make(i)`` is the same post for the same i and seed."""

    def __init__(self, seed: int = 20260529, days: int = 90, end: datetime | None = None):
        profile = load_profile()
        self.schools = [(s.id, [s.name, *s.aliases]) for s in profile.schools]
        self.townships = [t.name for t in profile.townships]
        self.seed = seed
        self.days = days
        self.end = end or datetime(2026, 5, 29, tzinfo=timezone.utc)
        self.platforms = [p for p, _, w in PLATFORMS for _ in range(w)]
        self.sources = {p: s for p, s, _ in PLATFORMS}

    def make(self, i: int, model_version: str = "bench-1") -> Post:
        rng = random.Random(self.seed * 1_000_003 + i)
        school_id, names = rng.choice(self.schools)
        kind = rng.choice(list(INCIDENTS))
        text = self._text(rng, rng.choice(names), kind)
        platform = rng.choice(self.platforms)
        published = self.end - timedelta(seconds=rng.randrange(self.days * 86_400))
        title = ""
        if platform in ("news", "rss", "gov_board"):
            title = rng.choice(TITLES).format(school=names[0], incident=rng.choice(INCIDENTS[kind]),
                                              township=rng.choice(self.townships))
        sentiment = round(rng.betavariate(2, 3), 3)
        enrichment = Enrichment(model_version=model_version, schools=(school_id,), sentiment=sentiment,
                                rumour_score=round(rng.random() ** 2, 3), incident_types=(kind,),
                                event_id=f"ev-{school_id}-{kind}" if rng.random() < 0.2 else None)
        return Post(id=f"{platform}:b{i}", source=self.sources[platform], platform=platform,
                    url=f"https://{platform}.example.cn/p/{i}", published_at=published,
                    fetched_at=published + timedelta(seconds=rng.randrange(60, 3_600)), text=text, title=title,
                    author=f"用户{rng.randrange(100_000)}", reposts=rng.randrange(50), comments=rng.randrange(80),
                    likes=rng.randrange(300), raw={"idx": i}, enrichment=enrichment)

    def _text(self, rng: random.Random, school: str, kind: str) -> str:
        parts = [f"{rng.choice(WHEN)}{school}{rng.choice(INCIDENTS[kind])}",
                 f"{rng.choice(WHO)}说{rng.choice(INCIDENTS[kind])}"]
        while sum(len(p) for p in parts) < 140:
            pool = rng.choice((REACTIONS, FILLER, REACTIONS))
            parts.append(f"{rng.choice(self.townships)}{rng.choice(pool)}" if rng.random() < 0.2
                         else rng.choice(pool))
        text = "，".join(parts)
        return text[:158] + "。"

    def batch(self, start: int, stop: int) -> list[Post]:
        return [self.make(i) for i in range(start, stop)]
