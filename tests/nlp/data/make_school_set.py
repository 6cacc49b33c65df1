"""Writes schools.jsonl: posts written by us, each labelled with the Qu County schools it is about.

Run ``python tests/nlp/data/make_school_set.py`` to regenerate (fixed seed, so the file is stable). The
label comes from how a text was written (which school, which name form, which place), never from the
matcher. Hard negatives: other counties' and cities' 二中/实验中学/一小, the county named without a school,
school-like words inside ordinary words (初二中午, 一小时, 三中全会), an ambiguous alias with no county
context. Everything here is fiction.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("schools.jsonl")

# (school id, full name, unambiguous aliases, ambiguous aliases) for the profile's schools used here.
SCHOOLS = [
    ("quxian-zhongxue", "渠县中学", ["渠中", "渠县中学校"], []),
    ("quxian-erzhong", "渠县第二中学", ["渠县二中"], ["二中"]),
    ("quxian-sanzhong", "渠县第三中学", ["渠县三中"], ["三中"]),
    ("quxian-zhizhong", "渠县职业中专学校", ["渠县职中", "渠县职业中学"], ["职中"]),
    ("quxian-shiyan", "渠县实验中学", ["渠县实验"], ["实验中学"]),
    ("quxian-wenhuixiao", "渠县文华小学", ["文华小学"], []),
    ("quxian-yixiao", "渠县第一小学", ["渠县一小"], ["一小"]),
    ("quxian-erxiao", "渠县第二小学", ["渠县二小"], ["二小"]),
    ("sanhui-zhongxue", "渠县三汇中学", ["三汇中学"], []),
    ("sanhui-xiaoxue", "三汇镇中心小学", ["三汇小学"], []),
    ("tuxi-zhongxue", "渠县土溪中学", ["土溪中学"], []),
    ("youqing-zhongxue", "渠县有庆中学", ["有庆中学"], []),
    ("lidu-zhongxue", "渠县李渡中学", ["李渡中学"], []),
    ("linba-xiaoxue", "临巴镇中心小学", ["临巴小学"], []),
    ("jingbian-zhongxue", "渠县静边中学", ["静边中学"], []),
    ("guifu-zhongxue", "渠县贵福中学", ["贵福中学"], []),
]
CONTEXTS = ["渠县", "宕渠", "达州渠县", "渠城", "渠南街道", "天星街道", "渠江街道", "四川渠县"]
HAPPENINGS = [
    "门口早上发生一起交通事故，一名学生被电动车撞伤", "食堂中午的饭菜被家长拍到有异味", "两名学生在宿舍打架，一人鼻子出血",
    "今天举行了秋季运动会，孩子们玩得很开心", "一名老师被家长投诉体罚学生", "开展了消防疏散演练",
    "周边道路积水严重，上学很不方便", "有学生家长反映收取资料费不合理", "晚自习后有校外人员在门口聚集",
    "高考成绩出来了，好几个孩子上了重点线", "几个学生放学后到河边玩水，被路人劝回", "多名学生发烧请假，家长很担心",
    "新食堂今天启用，午餐四菜一汤", "有人在网上说学生被欺负，学校正在调查", "门口的流动摊贩卖三无辣条",
]
OPENERS = ["", "网友爆料：", "【求证】", "#渠县身边事# ", "听说", "刚刚看到，", "家长群里在传，", "本报讯 ", "有没有人知道，",
           "转：", "今天下午，", "据家长反映，"]
CLOSERS = ["", "", "希望有关部门重视。", "大家怎么看？", "有图有真相。", "学校回应称正在处理。", "已经报警了。", "求扩散！",
           "真的假的？", "孩子们注意安全。"]
OTHER_PLACES = ["营山县", "大竹县", "宣汉", "南充市", "达州市", "广安", "巴中市", "成都", "重庆万州", "开江县", "南岭县",
                "邻水", "平昌县", "岳池县", "通川区"]
OTHER_SCHOOL_FORMS = ["二中", "三中", "一小", "二小", "实验中学", "第二中学", "职中", "文华小学", "中学", "机关幼儿园"]
ORDINARY = [
    "初二中午在食堂吃饭的时候，同桌说{ctx}下周降温。", "{ctx}的雨下了一小时还没停，路上全是水。",
    "高三中考复习太累了，{ctx}的书店晚上人都很多。", "学习三中全会精神，{ctx}各单位开展专题学习。",
    "今天{ctx}降温，早上跑了一小段就出汗了。", "初一小朋友们在{ctx}图书馆参加读书会。",
    "第一小组的同学在{ctx}渠江边捡垃圾。", "{ctx}今年的脆红李长势不错，一小部分已经成熟。",
    "星期二中午{ctx}停水，请居民提前储水。", "{ctx}教育局召开会议，部署冬季校园安全工作。",
    "{ctx}今天下了一场大雨，城区部分路段积水。", "{ctx}的早餐店推出了新品，鸡丝豆花面很好吃。",
    "{ctx}融媒体中心发布了本周天气预报。", "{ctx}人民医院儿科开设了夜间门诊。",
]
MIXED = ["OMG {name} today has a fire drill，大家注意。", "<p>{name}举行开学典礼&nbsp;</p><br/>",
         "{name} 的 students 在 TikTok 上很火", "【视频】{name}校园开放日 http://t.cn/AbCdE 转发"]
TRADITIONAL = {"渠县第二中学": "渠縣第二中學", "渠县二中": "渠縣二中", "渠县实验中学": "渠縣實驗中學", "三汇中学": "三匯中學",
               "渠县第一小学": "渠縣第一小學", "渠县中学": "渠縣中學", "土溪中学": "土溪中學"}


def positives(rng: random.Random) -> list[dict]:
    rows = []
    for school_id, name, aliases, ambiguous in SCHOOLS:
        for form in [name, *aliases]:
            for _ in range(3):
                text = f"{rng.choice(OPENERS)}{form}{rng.choice(HAPPENINGS)}。{rng.choice(CLOSERS)}"
                rows.append({"text": text, "schools": [school_id], "kind": "name_or_alias"})
        for form in ambiguous:
            for _ in range(4):
                ctx = rng.choice(CONTEXTS)
                pattern = rng.choice(["{ctx}网友称，{a}{h}。", "在{ctx}读书的孩子说，{a}{h}。", "{ctx}的{a}{h}，{c}",
                                      "#{ctx}# {a}{h}。", "{ctx}家长：我们{a}{h}。{c}", "{a}{h}（{ctx}）。"])
                rows.append({"text": pattern.format(ctx=ctx, a=form, h=rng.choice(HAPPENINGS), c=rng.choice(CLOSERS)),
                             "schools": [school_id], "kind": "ambiguous_with_context"})
    return rows


def multi_and_odd(rng: random.Random) -> list[dict]:
    rows = []
    for _ in range(25):
        (a_id, a_name, a_alias, _), (b_id, b_name, b_alias, _) = rng.sample(SCHOOLS, 2)
        a, b = rng.choice([a_name, *a_alias]), rng.choice([b_name, *b_alias])
        rows.append({"text": f"{a}和{b}今天联合{rng.choice(['开展防溺水教育', '举办篮球赛', '召开家长会'])}，{rng.choice(CLOSERS)}",
                     "schools": [a_id, b_id], "kind": "two_schools"})
    for full, traditional in TRADITIONAL.items():
        school_id = next(s[0] for s in SCHOOLS if full in (s[1], *s[2]))
        rows.append({"text": f"網友反映{traditional}{rng.choice(['食堂飯菜有問題', '門口交通擁堵', '學生打架'])}。",
                     "schools": [school_id], "kind": "traditional"})
    for template in MIXED:
        for school_id, name, aliases, _ in rng.sample(SCHOOLS, 3):
            rows.append({"text": template.format(name=rng.choice([name, *aliases])), "schools": [school_id],
                         "kind": "mixed_or_html"})
    return rows


def hard_negatives(rng: random.Random) -> list[dict]:
    rows = []
    for place in OTHER_PLACES:
        for form in rng.sample(OTHER_SCHOOL_FORMS, 5):
            text = f"{rng.choice(OPENERS)}{place}{form}{rng.choice(HAPPENINGS)}。{rng.choice(CLOSERS)}"
            rows.append({"text": text, "schools": [], "kind": "other_place_school"})
    for _ in range(25):
        place, form = rng.choice(OTHER_PLACES), rng.choice(["二中", "三中", "一小", "二小", "实验中学", "职中"])
        ctx = rng.choice(["渠县", "宕渠", "渠城"])
        text = rng.choice([f"{ctx}一位家长说，孩子在{place}{form}读书，{rng.choice(HAPPENINGS)}。",
                           f"{ctx}网友转发：{place}{form}{rng.choice(HAPPENINGS)}。",
                           f"我是{ctx}人，在{place}工作，{form}{rng.choice(HAPPENINGS)}。"])
        rows.append({"text": text, "schools": [], "kind": "county_context_other_school"})
    for template in ORDINARY:
        for ctx in rng.sample(CONTEXTS, 3):
            rows.append({"text": template.format(ctx=ctx), "schools": [], "kind": "county_without_school"})
    for form in ["二中", "三中", "一小", "二小", "实验中学", "职中"]:
        for _ in range(4):
            opener = rng.choice([o for o in OPENERS if "渠县" not in o])
            rows.append({"text": f"{opener}{form}{rng.choice(HAPPENINGS)}。{rng.choice(CLOSERS)}",
                         "schools": [], "kind": "ambiguous_without_context"})
    return rows


# Written one by one, the way people actually post; several are hard for any gazetteer.
HANDWRITTEN = [
    ("渠县这边二中的娃娃今天放假早，家长都在校门口等。", ["quxian-erzhong"]),
    ("我家在渠县，娃在二中读初二，最近作业太多了。", ["quxian-erzhong"]),
    ("渠中和二中的篮球赛今晚在渠县体育馆打，欢迎来看。", ["quxian-zhongxue", "quxian-erzhong"]),
    ("宕渠二中门口新开了一家文具店。", ["quxian-erzhong"]),
    ("渠县学生去达州二中参加物理竞赛，拿了二等奖。", []),
    ("达州市第一中学和渠县中学结对帮扶。", ["quxian-zhongxue"]),
    ("渠县老乡在成都实验中学当老师，今年带毕业班。", []),
    ("三汇镇的娃娃大多在三汇中学读初中。", ["sanhui-zhongxue"]),
    ("渠县土溪镇土溪中学今天开家长会。", ["tuxi-zhongxue"]),
    ("营山二中和渠县二中的学生一起参加了研学活动。", ["quxian-erzhong"]),
    ("渠县的一小门口终于装上了红绿灯。", ["quxian-yixiao"]),
    ("渠县第一小学和第二小学联合举办艺术节。", ["quxian-yixiao"]),
    ("渠县实验的老师很负责，孩子进步很大。", ["quxian-shiyan"]),
    ("宣汉县实验中学的学生来渠县研学。", []),
    ("渠县下雨了，一小时后路上全是积水，二小门口也淹了。", ["quxian-erxiao"]),
    ("渠县网友：三中全会精神宣讲进社区。", []),
    ("二中今天放假，明天补课。", []),
    ("北京二中的教学经验值得渠县学习。", []),
    ("渠县职中的学生在省技能大赛拿了一等奖。", ["quxian-zhizhong"]),
    ("我们渠县的职中毕业生就业率很高。", ["quxian-zhizhong"]),
    ("重庆一中到渠县招生，不少家长去咨询。", []),
    ("渠县二中学生在渠江边捡垃圾，值得点赞。", ["quxian-erzhong"]),
    ("渠縣實驗中學今天舉行運動會。", ["quxian-shiyan"]),
    ("Qu County No.2 Middle School 渠县二中 open day", ["quxian-erzhong"]),
    ("渠县临巴镇中心小学旁边的河太危险了。", ["linba-xiaoxue"]),
    ("文华小学那边堵车了，渠县城区早高峰真难。", ["quxian-wenhuixiao"]),
    ("渠县人在广安文华小学附近开了家面馆。", []),
    ("渠县的二小和一小都在城区，接送很方便。", ["quxian-erxiao", "quxian-yixiao"]),
    ("渠县天星街道三中旁边在修路。", ["quxian-sanzhong"]),
    ("大竹二中今年高考喜报，渠县家长也在转。", []),
]


def handwritten() -> list[dict]:
    return [{"text": text, "schools": schools, "kind": "handwritten"} for text, schools in HANDWRITTEN]


def main() -> None:
    rng = random.Random(20261129)
    rows = positives(rng) + multi_and_odd(rng) + hard_negatives(rng) + handwritten()
    seen, unique = set(), []
    for row in rows:
        if row["text"] not in seen:
            seen.add(row["text"])
            unique.append(row)
    with OUT.open("w", encoding="utf-8") as handle:
        for row in unique:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    negatives = sum(1 for r in unique if not r["schools"])
    print(f"wrote {len(unique)} posts ({negatives} without any of our schools) to {OUT}")


if __name__ == "__main__":
    main()
