"""Text for coordination analysis: a post's own words, and groups of posts that copy one text or one template.

A Weibo repost's text is the reposter's comment followed by the chain it reposted (``评论//@甲:…//@乙:…``);
only the part before the first ``//@`` is the account's own wording. Emoticons, mentions, links, spaces and
punctuation carry no wording. What is left shorter than MIN_WORDING characters (转发微博, 顶, 支持) is
what everybody writes and proves nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from difflib import SequenceMatcher
from typing import Iterable, Sequence

MIN_WORDING = 8
MIN_DISTINCT_CHARACTERS = 6          # 哈哈哈哈哈哈哈哈 and ！！！！！ are not wording
TEMPLATE_MIN_LENGTH = 15             # shorter texts (生日快乐 Joey, 一路走好) are what everybody writes anyway
TEMPLATE_MAX_LENGTH = 60             # longer ones differing in a slot are a news passage quoted with a remark
ECHO_SHARE = 0.5                     # a wording that is half a run of its source's or parent's text echoes it
ECHO_RUN = 8
BARE_REPOSTS = frozenset({"转发微博", "轉發微博", "repost", "转发", "轉發"})

# Two texts follow one template when they share a prefix and a suffix covering this share of the longer one
# and differ in one slot of at most TEMPLATE_SLOT characters (a name, a number, a place swapped in).
TEMPLATE_SHARED = 0.6
TEMPLATE_SLOT = 8
# Texts compared pairwise inside one prefix or suffix block; larger blocks are compared against their first
# texts only, which keeps a viral slogan from costing quadratic time.
BLOCK_LIMIT = 300
BLOCK_KEY = 6

_CHAIN = re.compile(r"/\s*/\s*@")
# "某某: 原话" or "@某某：原话" at the start: the account is quoting someone else's words.
_QUOTE = re.compile(r"^\s*(?:回复)?@?[\w\u4e00-\u9fff\-·]{1,30}\s*[:：]")
_TOPIC = re.compile(r"#[^#]{1,40}#")
# What clients write for the user (转发微博, 话题详情, 分享图片): no one's wording.
_CLIENT_PHRASES = re.compile(r"转发微博|轉發微博|话题详情|分享图片|分享自|详情|网页链接|查看图片")
_EMOTICON = re.compile(r"\[[^\[\]]{1,8}\]")
_MENTION = re.compile(r"@[\w\u4e00-\u9fff\-·]{1,30}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_NOT_WORDING = re.compile(r"[\s\W_]+", re.UNICODE)


def own_wording(text: str) -> str:
    """The account's own words, normalised: NFKC, no repost chain, emoticons, mentions, links or punctuation."""
    own = _CHAIN.sub("//@", unicodedata.normalize("NFKC", text or "")).split("//@", 1)[0]
    if _QUOTE.match(own) and not own.lstrip().startswith("http"):
        return ""
    own = flatten(own)
    return "" if own in BARE_REPOSTS else own


def flatten(text: str) -> str:
    """Text without links, emoticons, mentions, spaces or punctuation, lower-cased: what wording is compared on."""
    text = _URL.sub("", unicodedata.normalize("NFKC", text or ""))
    text = _TOPIC.sub("", _EMOTICON.sub("", text))
    text = _CLIENT_PHRASES.sub("", _MENTION.sub("", text))
    return _NOT_WORDING.sub("", text).lower()


def is_distinctive(wording: str) -> bool:
    return len(wording) >= MIN_WORDING and len(set(wording)) >= MIN_DISTINCT_CHARACTERS


def is_echo(wording: str, *contexts: str) -> bool:
    """True when the wording mostly repeats text the account was reposting (the source's headline or catch
    phrase, the parent's comment): echoing what one reposts is how people repost, not a campaign."""
    if not wording:
        return False
    for context in contexts:
        if not context:
            continue
        if wording in context:
            return True
        run = SequenceMatcher(None, wording, context, autojunk=False).find_longest_match().size
        if run >= ECHO_RUN and run >= ECHO_SHARE * len(wording):
            return True
    return False


def follows_template(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one text, or one template with a single slot filled differently."""
    if a == b:
        return True
    if min(len(a), len(b)) < TEMPLATE_MIN_LENGTH or max(len(a), len(b)) > TEMPLATE_MAX_LENGTH:
        return False
    longest = max(len(a), len(b))
    prefix = _common_prefix(a, b)
    suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
    if prefix + suffix < TEMPLATE_SHARED * longest:
        return False
    return len(a) - prefix - suffix <= TEMPLATE_SLOT and len(b) - prefix - suffix <= TEMPLATE_SLOT


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def wording_groups(wordings: Sequence[str]) -> list[list[int]]:
    """Indexes of ``wordings`` grouped by shared text or template (singletons and short texts left out)."""
    distinct: dict[str, list[int]] = defaultdict(list)
    for index, wording in enumerate(wordings):
        if is_distinctive(wording):
            distinct[wording].append(index)
    texts = list(distinct)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for block in _blocks(texts):
        for position, i in enumerate(block):
            for j in block[:min(position, BLOCK_LIMIT)]:
                if find(i) != find(j) and follows_template(texts[i], texts[j]):
                    parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for t, text in enumerate(texts):
        groups[find(t)].extend(distinct[text])
    return [sorted(g) for g in groups.values() if len(g) > 1]


def _blocks(texts: Sequence[str]) -> Iterable[list[int]]:
    by_prefix: dict[str, list[int]] = defaultdict(list)
    by_suffix: dict[str, list[int]] = defaultdict(list)
    for t, text in enumerate(texts):
        by_prefix[text[:BLOCK_KEY]].append(t)
        by_suffix[text[-BLOCK_KEY:]].append(t)
    for block in (*by_prefix.values(), *by_suffix.values()):
        if len(block) > 1:
            yield block
