"""The minors' data check (未成年人保护法): find and mask students' names, ID numbers, phone numbers, home
addresses and class+name combinations in a release text before anyone may approve it.

The check leans towards masking: a false mask costs an edit, a leaked name cannot be taken back. It still
leaves official contact numbers (landlines without a personal cue, hotlines) and words such as 全体同学
alone, so that a release keeps its meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from core.workflow.model import MaskFinding

# Common single and compound surnames (a name must start with one to be recognised in context).
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝"
)
_SURNAMES_2 = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
               "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里")
_GIVEN = r"[\u4e00-\u9fa5某XＸ×*＊]"
# Words that follow a class or a cue word but are not names.
_NOT_NAMES = ("全体", "各位", "部分", "多名", "一名", "两名", "几名", "其他", "该校", "本校", "有关", "相关", "广大",
              "同学", "学生", "老师", "班主任", "家长", "教室", "所有", "个别", "少数", "多数", "当天", "当日",
              "正在", "随后", "已经", "目前", "情绪", "身体", "伤势", "安全", "均已", "无碍", "平安")
# Characters that end a name: what usually follows a name in a sentence.
_AFTER_NAME = set("在于因被和与等的是称说向从将把已突不也都就才又还曾家住今昨当仍却、，。；：！？（）()")
_CUES = ("学生", "同学", "该生", "学童", "幼童", "男孩", "女孩", "男生", "女生", "孩子", "其子", "其女", "小学生",
         "初中生", "高中生", "中学生", "患儿", "伤者", "死者", "受伤学生", "涉事学生")
# Grades and classes in Chinese or Arabic numerals (full-width digits are folded to ASCII before matching).
_GRADE = (r"(?:[初高][一二三123](?:年级)?|[一二三四五六七八九1-9]年级|(?:小学|初中|高中)[一二三四五六1-6]年级"
          r"|(?<![0-9一二三四五六七八九十])[一二三四五六1-6](?=\s*[（(]\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]\s*班))")
_CLASS = re.compile(_GRADE + r"\s*[（(]?\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]?\s*班")
# A whole class named as such (初二(3)班全体同学) points at no child.
_WHOLE_CLASS = ("全体", "所有", "全班", "各位", "的全体", "的所有")
_NICKNAME = re.compile(r"小[\u4e00-\u9fa5](?=[\u4e00-\u9fa5]?[在于因被和与等的是称说向从将把已突不也都就才又还曾今昨当仍却受、，。；：！？（）()])")
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})[ -]?(\d{8})[ -]?(\d{3}[0-9Xx])(?![0-9A-Za-z])", re.ASCII)
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?:家庭|住宅|家中|家里|家长|本人|父亲|母亲|监护人)[^，。；\n]{0,6}?(?:电话|座机|联系方式)"
                       r"[：:为是]?\s*(0\d{2,3}[ -]?\d{7,8})(?!\d)")
_ADDRESS_CUE = re.compile(r"(?:家庭住址|家住|住在|住址|居住于|居住在|现住|现居)(?:为|是|在|于)?[：:]?\s*"
                          r"([^，。；,;！!？?\s（）()\[\]]{2,40})")
_ADDRESS_SHAPE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{0,12}?(?:小区|花园|家园|公寓|大院|苑|社区|村)"
                            r"[0-9一二三四五六七八九十]+(?:栋|幢|号楼|组|社)"
                            r"(?:[0-9一二三四五六七八九十]+单元)?(?:[0-9]+(?:号|室|楼))?"
                            r"|[0-9]+(?:栋|幢)[0-9]+单元(?:[0-9]+(?:号|室)?)?")
_ADDRESS_END = re.compile(r"号|室|组|社|栋|幢|单元|楼|村|小区|院|苑|家园|花园|公寓|街|路|巷|道")
_PLACEHOLDER = re.compile(r"\[[^\[\]]{1,8}已隐去\]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_KIND_ORDER = {"id_number": 0, "phone": 1, "class_name": 2, "address": 3, "name": 4}
REPLACEMENTS = {"id_number": "[身份证号已隐去]", "phone": "[电话已隐去]", "address": "[住址已隐去]", "name": "某某"}


@dataclass(frozen=True)
class MaskResult:
    text: str                                # the masked text
    findings: tuple[MaskFinding, ...]        # what was masked, in text order (positions in the input)

    @property
    def clean(self) -> bool:
        return not self.findings


def valid_id_number(candidate: str) -> bool:
    """Whether an 18-character mainland ID number has a plausible birth date and the right check digit."""
    digits = _fold(re.sub(r"[ -]", "", candidate)).upper()
    if not id_like(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17]


def id_like(candidate: str) -> bool:
    """Whether 18 characters have the shape of a mainland ID number (region, a real birth date, sequence,
    check character) whatever the check digit: a mistyped or made-up check digit still identifies a child."""
    digits = _fold(re.sub(r"[ -]", "", candidate)).upper()
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", digits, re.ASCII):
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def _fold(text: str) -> str:
    """NFKC per character where that keeps one character for one (full-width digits, letters and
    brackets, as Chinese input methods type them, become ASCII), so positions in the folded text are
    positions in the original."""
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)


def _name_at(text: str, start: int) -> str:
    """The personal name starting at ``start``, or '' (a surname, then one or two given characters)."""
    if any(text.startswith(word, start) for word in _NOT_NAMES):
        return ""
    surname = next((s for s in _SURNAMES_2 if text.startswith(s, start)), "")
    if not surname and start < len(text) and text[start] in _SURNAMES_1:
        surname = text[start]
    if not surname:
        return ""
    given = re.match(_GIVEN + "{1,2}", text[start + len(surname):])
    if not given:
        return ""
    name = surname + given.group(0)
    while len(name) > len(surname) + 1 and name[-1] in _AFTER_NAME:
        name = name[:-1]
    if name[len(surname)] in _AFTER_NAME:
        return ""
    return name


def _spans(text: str, extra_names: Iterable[str]) -> list[tuple[int, int, str, str]]:
    """Every candidate (start, end, kind, replacement) in ``text`` (already folded by ``_fold``)."""
    spans = []
    for m in _ID.finditer(text):
        if id_like(m.group(0)):
            spans.append((m.start(), m.end(), "id_number", REPLACEMENTS["id_number"]))
    for m in _MOBILE.finditer(text):
        spans.append((m.start(), m.end(), "phone", REPLACEMENTS["phone"]))
    for m in _LANDLINE.finditer(text):
        spans.append((m.start(1), m.end(1), "phone", REPLACEMENTS["phone"]))
    spans.extend(_class_spans(text))
    cued = []
    for m in _ADDRESS_CUE.finditer(text):
        ending = list(_ADDRESS_END.finditer(m.group(1)))
        end = m.start(1) + ending[-1].end() if ending else m.end(1)
        cued.append((m.start(0), m.end(0)))
        spans.append((m.start(1), end, "address", REPLACEMENTS["address"]))
    for m in _ADDRESS_SHAPE.finditer(text):
        # A cue inside the shape (学生李华家住…小区3栋) is handled by the cue, which keeps the words before it.
        if not any(m.start() <= c_start < m.end() for c_start, _ in cued):
            spans.append((m.start(), m.end(), "address", REPLACEMENTS["address"]))
    spans.extend(_name_spans(text))
    for name in {n.strip() for n in extra_names if n and len(n.strip()) >= 2}:
        for m in re.finditer(re.escape(name), text):
            spans.append((m.start(), m.end(), "name", REPLACEMENTS["name"]))
    return spans


def _class_spans(text: str) -> list[tuple[int, int, str, str]]:
    """A class with a child's name after it becomes 某班学生; a class alone (四年级3班的学生) becomes 某班, as
    a class and an incident together point at a child; a whole class (初二(3)班全体同学) stays."""
    spans = []
    for m in _CLASS.finditer(text):
        if text.startswith(_WHOLE_CLASS, m.end()):
            continue
        grade = re.match(_GRADE, m.group(0)).group(0)
        after = m.end() + (1 if text.startswith("的", m.end()) else 0)
        name = _name_at(text, after) or (nick.group(0) if (nick := _NICKNAME.match(text, after)) else "")
        if name:
            end = after + len(name)
            end += 2 if text.startswith(("同学", "学生"), end) else 0
            spans.append((m.start(), end, "class_name", f"{grade}某班学生"))
        else:
            spans.append((m.start(), m.end(), "class_name", f"{grade}某班"))
    return spans


def _name_spans(text: str) -> list[tuple[int, int, str, str]]:
    spans = []
    cue = re.compile("|".join(sorted(map(re.escape, _CUES), key=len, reverse=True)))
    for m in cue.finditer(text):
        at = m.end() + (1 if text[m.end():m.end() + 1] in ("：", ":") else 0)
        name = _name_at(text, at)
        if name:
            spans.append((at, at + len(name), "name", REPLACEMENTS["name"]))
    # 张小明同学 / 王小红（女，12岁）: a name right before 同学, 学生 or an age in brackets.
    for m in re.finditer(r"(?=(?:同学|小朋友|[（(](?:[男女][，,、]?\s*)?\d{1,2}岁))", text):
        for length in (4, 3, 2):
            start = m.start() - length
            if start >= 0 and _name_at(text, start) == text[start:m.start()]:
                spans.append((start, m.start(), "name", REPLACEMENTS["name"]))
                break
    return spans


def mask_minors(text: str, extra_names: Iterable[str] = ()) -> MaskResult:
    """Mask every piece of a minor's personal data in ``text``. ``extra_names`` are names known from the
    case (e.g. the verified facts) that are masked wherever they appear."""
    chosen: list[tuple[int, int, str, str]] = []
    folded = _fold(text)          # one character for one: spans found in it are spans of ``text``
    # Placeholders of an earlier check stay as they are, so checking twice changes nothing.
    for m in _PLACEHOLDER.finditer(folded):
        chosen.append((m.start(), m.end(), "", ""))
    for m in re.finditer(r"[一二三四五六七八九初高1-9]年?级?某班(?:学生)?", folded):
        chosen.append((m.start(), m.end(), "", ""))
    # Earlier first; at one position the longer span, then the more specific kind, wins.
    for start, end, kind, replacement in sorted(_spans(folded, extra_names),
                                                key=lambda s: (s[0], -(s[1] - s[0]), _KIND_ORDER[s[2]])):
        if any(start < c_end and c_start < end for c_start, c_end, _, _ in chosen):
            continue
        chosen.append((start, end, kind, replacement))
    out, last, findings = [], 0, []
    for start, end, kind, replacement in sorted(c for c in chosen if c[2]):
        out.append(text[last:start])
        out.append(replacement)
        findings.append(MaskFinding(kind=kind, original=text[start:end], replacement=replacement,
                                    start=start, end=end))
        last = end
    out.append(text[last:])
    return MaskResult(text="".join(out), findings=tuple(findings))
