"""The incident-type lexicon: the words that explain a type, and the school context every type needs.

The types and their Chinese names are the domain's vocabulary (``core.vocabulary.INCIDENT_TYPES`` and
``INCIDENT_NAMES``). The lexicon is read two ways: as features of the trained model (``nlp.incident_model``)
and as the explanation of which words triggered a type. ``other`` words count only where no specific type
matched. A type is a school incident's type, so without a school context (``SCHOOL_CONTEXT``) a post has none:
毒贩跳河溺水 is no drowning of ours, 三星手机爆炸 no fire.
"""

from __future__ import annotations

import re
from core.vocabulary import INCIDENT_TYPES

# Regular expressions per type. Terms are ours, chosen from how local posts describe each kind of incident.
LEXICON: dict[str, tuple[str, ...]] = {
    "bullying": (r"霸凌", r"欺凌", r"被(?:同学|学长|几个人|高年级)[^，。,.]{0,6}欺负",
                 r"欺负(?:同学|学生|新生|小同学|低年级|[他她]们?(?:班|宿舍))", r"(?:学生|同学|孩子|娃)[^，。,.]{0,4}被欺负", r"勒索", r"逼(?:着|迫)?.{0,4}下跪",
                 r"扇耳光", r"孤立", r"校园暴力", r"起绰号", r"被排挤", r"被同学.{0,10}(?:殴打|打)", r"几个人打一个",
                 r"(?:多|几)名学生殴打一名", r"围着一个"),
    "violence": (r"打架", r"斗殴", r"殴打", r"打人", r"持刀", r"砍伤", r"砍人", r"捅伤", r"刺伤", r"行凶", r"群殴", r"围殴",
                 r"伤人", r"暴力", r"投毒", r"毒杀", r"下毒", r"铊中毒", r"打死", r"捅死", r"砍死", r"杀害", r"打伤", r"打成", r"肢体冲突", r"冲突", r"被打", r"动手", r"踢肚子", r"扇耳光", r"打一个"),
    "food_safety": (r"食物中毒", r"(?<!煤气)(?<!一氧化碳)(?<!酒精)(?<!农药)(?<!投毒致)中毒", r"变质", r"过期", r"发霉", r"霉变", r"异物", r"腹泻", r"呕吐", r"腹痛", r"拉肚子",
                    r"地沟油", r"臭肉", r"营养餐", r"饭菜", r"食堂.{0,8}(?:问题|卫生|质量|异味|吃出|饭菜)", r"食品安全",
                    r"异味", r"虫子", r"肉有问题", r"食堂", r"变质肉", r"留样", r"食材", r"上吐下泻", r"肚子疼", r"酸味",
                    r"吃坏", r"辣条", r"油炸食品", r"三无食品", r"午餐"),
    "traffic": (r"车祸", r"交通事故", r"被.{0,6}撞", r"撞倒", r"撞伤", r"校车", r"追尾", r"侧翻", r"翻车", r"超载",
                r"接送车", r"面包车", r"电瓶车", r"摩托车", r"闯红灯", r"交通安全", r"撞到", r"撞了", r"撞人", r"碰撞", r"剐蹭",
                r"驾驶人", r"司机", r"逃逸", r"减速带", r"红绿灯", r"信号灯", r"斑马线", r"人行横道", r"护学岗", r"交警"),
    "drowning": (r"溺水", r"溺亡", r"落水", r"淹死", r"野泳", r"戏水", r"打捞", r"玩水", r"下河游泳", r"防溺水", r"河边玩耍"),
    "fire": (r"火灾", r"起火", r"着火", r"失火", r"浓烟", r"烧毁", r"火情", r"爆炸", r"燃气泄漏", r"冒烟"),
    "sexual_misconduct": (r"猥亵", r"性侵", r"强奸", r"性骚扰", r"骚扰女(?:生|学生|孩)", r"偷拍", r"不雅", r"咸猪手",
                          r"奸淫", r"嫖宿幼女", r"生殖器"),
    "self_harm": (r"跳楼", r"自杀", r"轻生", r"自残", r"割腕", r"坠楼", r"寻短见", r"服药自", r"想不开"),
    "disease": (r"传染病", r"疫情", r"流感", r"诺如", r"手足口", r"水痘", r"结核", r"腮腺炎", r"隔离", r"聚集性", r"病毒",
                r"(?:多|几十|集体|大面积|好多)[^，。,.]{0,6}(?:发烧|发热|感染)", r"停课"),
    # The staff member is the one who acts: "对校长实行殴打" makes the principal the victim.
    "teacher_misconduct": (r"体罚", r"(?<![对把将向给被])(?:老师|教师|班主任|校长)[^，。,.]{0,6}(?:打|骂|辱骂|扇|踢|罚跪|侮辱|体罚|猥亵)",
                           r"(?<![对把将向给被])(?:老师|教师|班主任|校长)[^，。,.]{0,12}(?:猥亵|性侵|强奸|奸淫|生殖器)",
                           r"辱骂学生", r"(?:老师|教师|班主任|校长)殴打学生", r"师德", r"有偿补课", r"补课班", r"办补课", r"组织.{0,8}补课", r"罚站", r"罚跪",
                           r"侮辱学生"),
    # Corruption is a school incident when the school, its staff or its money is party to it: "贪污" or "腐败" in
    # a rant about officials is not ("制度型腐败", "部长贪污上千亿").
    "fees_corruption": (r"乱收费", r"收费", r"补课费", r"资料费", r"择校费", r"赞助费",
                        r"(?:学校|校方|校长|教育局|老师|教师|班主任|园长|幼儿园|中学|小学|大学|高校)[^，。,.！!？?]{0,8}"
                        r"(?:贪污|挪用|腐败|回扣|克扣|侵占)",
                        r"(?:贪污|挪用|克扣|截留|侵占|骗取)[^，。,.！!？?]{0,6}"
                        r"(?:学费|经费|补助|补贴|助学金|营养餐|午餐|伙食费|善款|捐款|奖学金|教育经费)", r"教育腐败",
                        r"索要", r"红包", r"送礼", r"违规收取", r"强制.{0,4}(?:购买|订购|缴)", r"有偿",
                        r"一个月.{0,2}[百千]", r"每人每月", r"补课费用", r"涨价", r"费.{0,4}涨",
                        r"(?:老师|教师|班主任|校长)[^，。,.]{0,6}(?:要|收|索要?)红包",
                        r"给(?:老师|教师|班主任|校长)[^，。,.]{0,4}(?:送礼|送红包|红包)"),
    "school_disruption": (r"校闹", r"堵(?:住)?校门", r"围堵", r"拉横幅", r"拉条幅", r"讨(?:个)?说法", r"闹事", r"静坐",
                          r"打砸", r"冲进学校", r"冲击学校", r"聚集在.{0,6}门口", r"门口聚集", r"要(?:个)?说法", r"门口集合",
                          r"不给结果不走", r"翻墙(?:进入?|入)", r"闯入(?:学校|校园|教室)",
                          r"强行(?:进入|闯入)(?:学校|校园)?", r"家长.{0,12}(?:殴打|打伤|围攻|辱骂)(?:了)?(?:老师|教师|校长|班主任)",
                          r"对(?:老师|教师|校长|班主任).{0,4}(?:殴打|围攻|辱骂)"),
    "exams": (r"考试", r"高考", r"中考", r"作弊", r"泄题", r"漏题", r"替考", r"阅卷", r"招生", r"录取", r"分数线",
              r"成绩单?", r"考场", r"监考", r"[掉调]包", r"冒名顶替", r"顶替.{0,4}(?:上学|入学|学籍)"),
}
# Incident words that no specific type covers; they yield "other" only when nothing else matched.
# The guidelines' examples of "other" are among them: sudden death in class, a runaway pupil, drug use among
# students, a dangerous dormitory, a fracture in PE class.
OTHER = (r"事故", r"安全隐患", r"意外", r"受伤", r"死亡", r"身亡", r"失踪", r"走失", r"出事", r"坍塌", r"倒塌", r"触电",
         r"踩踏", r"中暑", r"摔伤", r"坠落", r"猝死", r"昏迷", r"晕倒", r"离家出走", r"出走", r"吸毒", r"涉毒", r"毒品",
         r"大麻", r"危房", r"危楼", r"裂缝", r"骨折")
# Words that name where an incident of the type would happen but not that one happened: "学校食堂", "校车",
# "高考" alone are daily life ("比学校食堂实惠多了", "收获了高考"). A type matched by these alone needs an incident
# cue somewhere in the post (INCIDENT_CUE) or one of its own other words.
WEAK_TERMS: dict[str, re.Pattern] = {
    "food_safety": re.compile(r"食堂|午餐|营养餐|饭菜|食材|辣条|油炸食品|留样|食品安全|食堂.{0,8}饭菜"),
    "traffic": re.compile(r"校车|司机|面包车|电瓶车|摩托车|接送车|驾驶人"),
    "exams": re.compile(r"考试|高考|中考|招生|录取|分数线|成绩单?|考场|阅卷|监考"),
    "fees_corruption": re.compile(r"收费|涨价|送礼|红包"),
    "disease": re.compile(r"病毒|隔离|停课"),
}
INCIDENT_CUE = re.compile(
    r"中毒|变质|过期|发霉|霉变|异物|腹泻|呕吐|腹痛|拉肚子|上吐下泻|肚子疼|吃坏|问题|事故|出事|受伤|死亡|身亡|伤亡|撞|"
    r"侧翻|翻车|追尾|超载|逃逸|投诉|举报|曝光|不合格|违规|违法|造假|舞弊|作弊|泄题|漏题|替考|顶替|调包|黑幕|内幕|"
    r"质疑|错判|漏判|丢失|失误|取消.{0,4}(?:资格|成绩)|查处|送医|住院|就医|抢救|家长.{0,6}(?:反映|质疑|投诉)|"
    r"乱收|强制|强迫|逼|索要|发烧|发热|感染|确诊|吃出|不适|异味|虫子|苍蝇|来源不明|三无|收费标准|真相|原卷|复核|查分|"
    # follow-ups of an incident: inspections, rectification, accountability, a demand for answers
    r"整治|整改|排查|检查|送检|专项|停职|处分|问责|说法|通报|情况说明|辟谣|谣言|网传")
# Words that name their type outright: with a school context they give the type whatever the learned head says,
# since a few dozen labelled posts cannot teach a head every way "霸凌" is reported.
DEFINING_TERMS: dict[str, re.Pattern] = {
    "bullying": re.compile(r"霸凌|欺凌|校园暴力"),
    "sexual_misconduct": re.compile(r"性侵|猥亵|性骚扰"),
    "fire": re.compile(r"火灾|起火|失火|着火"),
    "food_safety": re.compile(r"食物中毒"),
}
# A person poisoned on purpose (复旦投毒案, 铊中毒) is violence, not the canteen's food.
DELIBERATE_POISONING = re.compile(r"投毒|毒杀|下毒|铊")

# Words that turn a match into routine news: drills and education campaigns are not incidents.
ROUTINE = re.compile(r"演练|演习|安全教育|宣传周|主题班会|知识讲座|培训")
ROUTINE_TYPES = ("fire", "drowning", "traffic", "disease")

# In the vocabulary's order, so that a post's types are listed the same way everywhere.
_COMPILED = {kind: re.compile("|".join(LEXICON[kind])) for kind in INCIDENT_TYPES if kind in LEXICON}
_OTHER = re.compile("|".join(OTHER))


# A post about a school: an institution, its people, or the moments of a school day. County school names
# ("渠县二中") contain 中学/小学 or a numbered 中, matched by the last alternatives.
SCHOOL_CONTEXT = re.compile(
    r"学校|校园|学生|老师|教师|幼儿园|中学|小学|大学|(?<!科)学院|高中|初中|校长|班主任|同学|师生|宿舍|教室|校车|考生|"
    r"高考|中考|家长|学子|年级|班级|园长|保育员|幼师|课堂|上课|放学|上学|校方|校门|操场|[一二三四五六七八九十\d]中(?![国央心文间午])|"
    r"[一二三四五六七八九十\d]小(?![时时候孩学贩混姐伙子心])|小学生|中学生|大学生|辅导员|教育局")
# Staff as the victim, not the actor: then teacher_misconduct needs its own words elsewhere in the post.
# Members of staff, the actors of teacher_misconduct.
STAFF = re.compile(r"老师|教师|班主任|校长|园长|保育员|幼师|辅导员|教授|教练|教官|宿管|门卫|保安|校医|教职工|师德")
STAFF_VICTIM = re.compile(r"(?:对|把|将|围攻|殴打|打伤|打了)(?:老师|教师|校长|班主任)|(?:老师|教师|校长|班主任)被")


# "@艾伦同学_提不起劲" or "@班主任的课" is a user's name, not a school: mentions are cut before anything is read.
MENTION = re.compile(r"@[\w\u4e00-\u9fff\-·]{1,30}[:：]?")


def content_of(text: str) -> str:
    """The words of a post without the @mentions of user names."""
    return MENTION.sub(" ", text)


def lexicon_hits(text: str) -> dict[str, list[str]]:
    """Matched terms per type (``other`` only when nothing specific matched), routine news excluded."""
    routine = bool(ROUTINE.search(text))
    deliberate = bool(DELIBERATE_POISONING.search(text))
    hits: dict[str, list[str]] = {}
    for kind, pattern in _COMPILED.items():
        matches = [m for m in pattern.finditer(text) if not (kind == "food_safety" and deliberate and "中毒" in m.group())]
        weak = WEAK_TERMS.get(kind)
        if weak is not None:
            cue = bool(INCIDENT_CUE.search(text))
            matches = [m for m in matches if cue or not weak.fullmatch(m.group())]
        found = list(dict.fromkeys(m.group() for m in matches))
        if found and not (routine and kind in ROUTINE_TYPES):
            hits[kind] = found[:5]
    if not hits and not routine:
        other = list(dict.fromkeys(m.group() for m in _OTHER.finditer(text)))
        if other:
            hits["other"] = other[:5]
    return hits


def has_school_context(text: str) -> bool:
    return bool(SCHOOL_CONTEXT.search(text))
