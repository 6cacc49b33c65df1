"""Rumour risk: a trained classifier's probability combined with cues a reviewer can read.

Cues raise the risk (网传, 据说, 紧急扩散, 转发, unverified casualty numbers, claims without a named
source); an official source or a rebuttal lowers it. Each cue found is reported as "名称：原文".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from nlp.classifiers import TextClassifier
from nlp.crowd import CrowdRumourModel, Reaction, shipped_crowd_model
from nlp.text import clean


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern
    weight: float             # how much this cue alone raises the risk, 0..1


def _cue(name: str, pattern: str, weight: float) -> Cue:
    return Cue(name, re.compile(pattern), weight)


_NUMBER = r"(?:\d+|[一二两三四五六七八九十几多数百千]+)"
CUES: tuple[Cue, ...] = (
    _cue("网传", r"网传|网曝|网爆|网上流传|网上疯传|网络流传|朋友圈(?:疯传|流传|都在传)", 0.35),
    _cue("据说", r"据说|听说|据传|传言|传闻|有人说|听人说|听别人说", 0.30),
    _cue("要求扩散转发", r"紧急扩散|扩散出去|速转|求转发?|请转发|转发周知|互相转告|大家转|转起来|紧急提醒|扩散", 0.40),
    _cue("匿名消息源", r"内部消息|知情人士?|内部人士|内部人员|朋友说|亲戚说|同学说|有人透露|据.{0,4}爆料|爆料|有家长称|有人称|"
                      r"群里(?:说|传)|消息来自群里", 0.20),
    _cue("未经核实的伤亡人数", _NUMBER + r"\s*(?:名|个|位|人)[^，。！？,.!?]{0,8}?(?:死亡|身亡|遇难|死了|丧生|中毒|受伤|重伤|住院|失踪|被打|"
                             r"送医|送进.{0,3}医院|进了ICU|抢救)", 0.30),
    _cue("煽动性用语", r"震惊|惊呆|太可怕|细思极恐|必须转|不转不是|天理何在|官官相护|至今没有回应|持续发酵", 0.20),
    _cue("指称掩盖真相", r"封锁(?:消息|媒体|现场|新闻)|捂消息|捂盖子|封口|删帖|瞒报|压下来|不让说|掩盖真相|隐瞒真相|"
                        r"不让(?:媒体|记者)|花钱(?:摆平|封口)", 0.35),
    _cue("涉特权指控", r"领导的(?:车|孩子|亲戚)|某局领导|当官的|关系户|有背景", 0.45),
    _cue("未经证实的死亡说法", r"抢救无效|没救过来|没抢救过来|死亡|身亡|死了|不治|[捅打砍杀毒]死", 0.15),
    _cue("自称真实", r"有图有真相|视频为证|千真万确|绝对真实|亲眼所见|不是谣言|都看到了|亲眼看到", 0.25),
)
_ALARM = re.compile(r"死|伤|毒|打|砍|捅|撞|跳楼|强奸|猥亵|性侵|失踪|爆炸|起火|着火|溺|出事|霸凌|欺凌|坍塌|吐|泻|住院|医院|ICU|抢救|送医")
# Attribution, not a mere mention: "学校和警方还在封锁消息" names the police without citing them.
_SOURCE = re.compile(r"通报|官方(?:通报|回应|发布|消息)|记者|发布会|新华社|人民日报|央视|融媒体|本报讯|新闻网|"
                     r"据.{1,12}(?:报道|消息|通报|介绍)|情况说明|声明|经核实|经调查|已核实|(?:教育局|公安局|市场监管局)[：:]|"
                     r"(?:校方|学校|警方|教育局)(?:称|表示|回应|介绍)")
_REBUTTAL = re.compile(r"辟谣|不实|谣言|澄清|虚假信息|并非事实|造谣|传谣|假消息|纯属捏造|依法处理|是假的|别乱传|别再转|"
                       r"不信谣|根本没有|别信|乱传")
# An institution's own notice ("XX幼儿园关于网传……的情况说明", "特此通知"): the words it answers (网曝) and its
# urgency (紧急通知) are not rumour cues, and it counts as a named source.
_OWN_NOTICE = re.compile(r"关于.{0,40}的(?:情况说明|通报|声明|说明|通知|公告)|特此(?:说明|通知|声明|公告)|"
                         r"(?:我园|我校|本园|本校|我局)(?:郑重)?(?:声明|说明|通知|已|将|高度重视)|紧急通知[：:]")
# Hearsay cues a notice quotes when it answers them.
_NOTICE_QUOTES = ("网传", "据说", "要求扩散转发", "匿名消息源")
NO_SOURCE_WEIGHT = 0.12
# Hearsay about something harmless (听说有舞龙表演) is not a rumour risk; it counts this much of its weight.
HARMLESS_HEARSAY = 0.3
SOURCE_FACTOR = 0.6          # an official or named source makes a post less likely to be a rumour
REBUTTAL_FACTOR = 0.35       # a rebuttal talks about a rumour but is not one


@dataclass(frozen=True)
class RumourResult:
    score: float                     # 0..1, the probability-like risk
    model_score: float | None        # the classifier's own probability, None without a classifier
    cues: tuple[str, ...] = ()       # "名称：原文" for each cue, and the lowering factors
    reason: str = ""                 # why the result is neutral (unreadable input)


def find_cues(text: str) -> tuple[list[str], float, float]:
    """(readable cues, combined raise 0..1, lowering factor) of a cleaned text."""
    found, keep = [], 1.0
    alarming = bool(_ALARM.search(text))
    notice = _OWN_NOTICE.search(text)
    for cue in CUES:
        if notice and cue.name in _NOTICE_QUOTES:
            continue
        hit = cue.pattern.search(text)
        if hit:
            weight = cue.weight if alarming or cue.name != "据说" else cue.weight * HARMLESS_HEARSAY
            found.append((f"{cue.name}：{hit.group()}", weight))
    # An official word quoted beside a claim that it hides the truth ("通报…掩盖真相") is no source.
    covered_up = any(label.startswith("指称掩盖真相") for label, _ in found)
    source = None if covered_up else (_SOURCE.search(text) or notice)
    if not source and alarming:
        found.append(("无明确信息来源", NO_SOURCE_WEIGHT))
    factor = 1.0
    rebuttal = _REBUTTAL.search(text)
    if rebuttal:
        factor *= REBUTTAL_FACTOR
    elif source:
        factor *= SOURCE_FACTOR
    for _, weight in found:
        keep *= 1 - weight
    labels = [label for label, _ in found]
    if rebuttal:
        labels.append(f"辟谣或澄清（降低）：{rebuttal.group()}")
    elif source:
        labels.append(f"有署名或官方来源（降低）：{source.group()}")
    return labels, 1 - keep, factor


class RumourScorer:
    """Scores rumour risk; works with cues alone when no classifier is given."""

    def __init__(self, classifier: TextClassifier | None = None):
        self.classifier = classifier

    def score_many(self, texts: Sequence[str]) -> list[RumourResult]:
        cleaned = [clean(t) for t in texts]
        model = self.classifier.predict_proba([c.text for c in cleaned]) if self.classifier and cleaned else None
        results = []
        for i, text in enumerate(cleaned):
            if not text.readable:
                results.append(RumourResult(0.0, None, (), text.reason))
                continue
            labels, raised, factor = find_cues(text.text)
            p = float(model[i]) if model is not None else 0.0
            # The classifier is trained class-balanced on general Weibo rumours, so on a county's posts it
            # hovers near 0.5; only its confidence beyond 0.5 counts as evidence, the cues supply the rest.
            evidence = max(0.0, 2 * p - 1)
            combined = (1 - (1 - evidence) * (1 - raised)) * factor
            results.append(RumourResult(round(min(1.0, max(0.0, combined)), 4),
                                        None if model is None else round(p, 4), tuple(labels)))
        return results

    def score_with_reactions(self, source: str, reactions: Iterable[Reaction | tuple[str, float]],
                             crowd: CrowdRumourModel | None = None) -> RumourResult:
        """The rumour risk of a source post once its reposts and comments are known (``Reaction(text, seconds
        after the source)`` or ``(text, seconds)``): the crowd model's probability, with the source's own cues
        and the reactions' (评论质疑/求证/辟谣). Without reactions it is ``score_many([source])[0]``."""
        reactions = list(reactions)
        if not reactions:
            return self.score_many([source])[0]
        body = clean(source)
        crowd_result = (crowd or shipped_crowd_model()).score(body.text if body.readable else "", reactions)
        labels = find_cues(body.text)[0] if body.readable else []
        return RumourResult(crowd_result.score, crowd_result.score, tuple(labels) + crowd_result.cues)
