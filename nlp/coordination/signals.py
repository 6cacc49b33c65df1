"""The signals of coordinated amplification, each a pure function of an event's posts.

Every signal names the accounts and posts behind it and the figures it measured, so a monitor (and the police
liaison reading the evidence pack) can check it by hand. Thresholds are module constants: changing one means
bumping ``model.METHOD_VERSION``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median
from typing import Sequence

from nlp.coordination.model import CascadePost, Signal
from nlp.coordination.text import follows_template, is_distinctive

MINUTE, DAY = 60.0, 86400.0

BURST_WINDOW = 15 * MINUTE          # near-identical texts this close together form a burst
BURST_ACCOUNTS = 5                  # ... from at least this many distinct accounts
TEMPLATE_ACCOUNTS = 4               # a template filled in by this many accounts (any time span)
TEMPLATE_VARIANTS = 2               # ... in at least this many different fillings
STRONG_TEMPLATE_ACCOUNTS = 8        # a template this widely filled in, in this many fillings, is proof alone
STRONG_TEMPLATE_VARIANTS = 3
# A text hundreds of accounts post over weeks is a share button's text (推荐…的帖子，大家也来看看吧), not a
# crew's: crews work for hours or days.
SHARE_BUTTON_ACCOUNTS = 100
SHARE_BUTTON_SPAN = 3 * DAY
NEW_ACCOUNT_AGE = 30 * DAY          # created this shortly before its first post in the event
BATCH_WINDOW = 3600.0               # accounts created within the hour form a batch (bulk registration)
BATCH_SIZE = 4
CROSS_EVENTS = 2                    # the same wording in at least this many other events
LOW_FOLLOWERS = 200
FAR_BEYOND_REACH = 20               # direct reposts of a low-follower account's post
SYNC_FACTOR = 10.0                  # a group posting this many times denser than the cascade as a whole
SYNC_POSTS = 5
CROSS_PLATFORM_WINDOW = 10 * MINUTE
# A wording posted in this many events by this many accounts, each using it this rarely, is client boilerplate.
BOILERPLATE_EVENTS = 5
BOILERPLATE_ACCOUNTS = 20
BOILERPLATE_USES_PER_ACCOUNT = 1.5

# Weibo verified_type codes of institutions (government, media, campus, organisation): their reposts of one
# official notice in one wording are their job, not a campaign.
INSTITUTIONAL_VERIFIED_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7})
# News sites, feeds and government boards publish as organisations: a press release syndicated by five sites in
# ten minutes is how news travels.
INSTITUTIONAL_PLATFORMS = frozenset({"news", "rss", "gov_board"})


def is_institution(post: CascadePost) -> bool:
    return (post.verified and post.verified_type in INSTITUTIONAL_VERIFIED_TYPES) \
        or post.platform in INSTITUTIONAL_PLATFORMS


def copy_burst(posts: Sequence[CascadePost], groups: Sequence[list[int]]) -> Signal | None:
    """Near-identical text from distinct accounts within minutes."""
    members: set[int] = set()
    largest, span = 0, 0.0
    for group in groups:
        ordered = sorted(group, key=lambda i: posts[i].at)
        start = 0
        for end in range(len(ordered)):
            while posts[ordered[end]].at - posts[ordered[start]].at > BURST_WINDOW:
                start += 1
            window = ordered[start:end + 1]
            accounts = {posts[i].account for i in window}
            if len(accounts) >= BURST_ACCOUNTS:
                members.update(window)
                if len(accounts) > largest:
                    largest, span = len(accounts), posts[ordered[end]].at - posts[ordered[start]].at
    if not members:
        return None
    return _signal("copy_burst", posts, members, strength=min(1.0, largest / (3 * BURST_ACCOUNTS)),
                   measurements={"largest_burst_accounts": largest, "burst_span_minutes": round(span / MINUTE, 1)},
                   summary=f"{largest} 个账号在 {max(1, round(span / MINUTE))} 分钟内发布几乎相同的文字")


def template_comments(posts: Sequence[CascadePost], groups: Sequence[list[int]],
                      wordings: Sequence[str]) -> list[Signal]:
    """A copy-paste template with one slot changed, filled in by several accounts over any span: the strong
    form (widely filled in, many fillings) and the weak one."""
    strong: set[int] = set()
    weak: set[int] = set()
    largest = 0
    for group in groups:
        accounts = {posts[i].account for i in group}
        variants = {wordings[i] for i in group}
        if len(accounts) >= STRONG_TEMPLATE_ACCOUNTS and len(variants) >= STRONG_TEMPLATE_VARIANTS:
            strong.update(group)
        elif len(accounts) >= TEMPLATE_ACCOUNTS and len(variants) >= TEMPLATE_VARIANTS:
            weak.update(group)
        else:
            continue
        largest = max(largest, len(accounts))
    found = []
    for code, members in (("template_campaign", strong), ("template_comments", weak)):
        if members:
            found.append(_signal(code, posts, members, strength=min(1.0, largest / (3 * TEMPLATE_ACCOUNTS)),
                                 measurements={"largest_template_accounts": largest},
                                 summary=f"{largest} 个账号使用同一模板发文，仅替换个别字词"))
    return found


def crew_sized(posts: Sequence[CascadePost], groups: Sequence[list[int]]) -> list[list[int]]:
    """The wording groups a crew could have written: share-button texts posted by hundreds over weeks left out."""
    kept = []
    for group in groups:
        stamps = [posts[i].at for i in group]
        accounts = {posts[i].account for i in group}
        if len(accounts) >= SHARE_BUTTON_ACCOUNTS and max(stamps) - min(stamps) >= SHARE_BUTTON_SPAN:
            continue
        kept.append(group)
    return kept


def new_account_batch(posts: Sequence[CascadePost], wordings: Sequence[str]) -> list[Signal]:
    """Accounts created shortly before they joined the event, several within the same hour (weak alone); and
    the stronger form, where such a batch also posted within one hour: bulk-registered accounts acting together,
    whatever words each of them chose."""
    first_at: dict[str, float] = {}
    created: dict[str, float] = {}
    for post in posts:
        if post.account_created is None or is_institution(post):
            continue
        first_at[post.account] = min(first_at.get(post.account, post.at), post.at)
        created[post.account] = post.account_created
    young = sorted((created[a], a) for a in created if 0 <= first_at[a] - created[a] <= NEW_ACCOUNT_AGE)
    # Acting together means saying something: a batch of bare 转发微博 is weaker evidence than a batch that talks.
    wrote = {p.account for p, w in zip(posts, wordings) if is_distinctive(w)}
    batch: set[str] = set()
    together: set[str] = set()
    start = 0
    for end in range(len(young)):
        while young[end][0] - young[start][0] > BATCH_WINDOW:
            start += 1
        if end - start + 1 >= BATCH_SIZE:
            members = [a for _, a in young[start:end + 1]]
            batch.update(members)
            together.update(_within([a for a in members if a in wrote], first_at, BATCH_WINDOW))
    found = []
    for code, accounts, summary in (
            ("new_accounts_acting_together", together, "个成批注册的新账号在同一小时内集中发文"),
            ("new_account_batch", batch - together, "个账号在事件前 30 天内集中注册（一小时内成批）")):
        if accounts:
            indexes = {i for i, p in enumerate(posts) if p.account in accounts}
            found.append(_signal(code, posts, indexes, strength=min(1.0, len(accounts) / (3 * BATCH_SIZE)),
                                 measurements={"young_accounts": len(young), "accounts": len(accounts)},
                                 summary=f"{len(accounts)} {summary}"))
    return found


def _within(accounts: Sequence[str], first_at: dict[str, float], window: float) -> set[str]:
    """The accounts whose first posts fall in the fullest ``window`` (when at least BATCH_SIZE do)."""
    times = sorted((first_at[a], a) for a in accounts)
    best: list[str] = []
    start = 0
    for end in range(len(times)):
        while times[end][0] - times[start][0] > window:
            start += 1
        if end - start + 1 > len(best):
            best = [a for _, a in times[start:end + 1]]
    return set(best) if len(best) >= BATCH_SIZE else set()


def cross_event(posts: Sequence[CascadePost], wordings: Sequence[str],
                history: "AccountHistory") -> Signal | None:
    """Accounts that posted the same wording in several other, unrelated events."""
    members: set[int] = set()
    events_seen: dict[str, set[str]] = {}
    for i, post in enumerate(posts):
        if not is_distinctive(wordings[i]) or is_institution(post):
            continue
        others = {event for event, wording in history.get(post.account, ())
                  if event != post.event_id and follows_template(wording, wordings[i])}
        if len(others) >= CROSS_EVENTS:
            members.add(i)
            events_seen.setdefault(post.account, set()).update(others)
    if not members:
        return None
    most = max(len(e) for e in events_seen.values())
    return _signal("cross_event", posts, members, strength=min(1.0, len(events_seen) / 6),
                   measurements={"accounts": len(events_seen), "most_other_events": most},
                   summary=f"{len(events_seen)} 个账号在另外多达 {most} 个不相关事件中发布相同文字")


def low_follower_amplified(posts: Sequence[CascadePost]) -> Signal | None:
    """Low-follower accounts whose posts were reposted far beyond their reach."""
    children: Counter[str] = Counter(p.parent_id for p in posts if p.parent_id)
    members = {i for i, p in enumerate(posts)
               if p.followers is not None and p.followers < LOW_FOLLOWERS and p.parent_id
               and children[p.post_id] >= FAR_BEYOND_REACH and not is_institution(p)}
    if not members:
        return None
    most = max(children[posts[i].post_id] for i in members)
    return _signal("low_follower_amplified", posts, members, strength=min(1.0, most / (5 * FAR_BEYOND_REACH)),
                   measurements={"accounts": len({posts[i].account for i in members}), "most_reposts": most},
                   summary=f"粉丝不足 {LOW_FOLLOWERS} 的账号所发内容被转发多达 {most} 次")


def synchronised_timing(posts: Sequence[CascadePost], groups: Sequence[list[int]]) -> Signal | None:
    """Groups posting far more densely than the cascade's own rhythm."""
    times = sorted(p.at for p in posts)
    if len(times) < 2 * SYNC_POSTS:
        return None
    cascade_gap = max(1.0, median(b - a for a, b in zip(times, times[1:])))
    members: set[int] = set()
    best = 0.0
    for group in groups:
        stamps = sorted(posts[i].at for i in group)
        if len(stamps) < SYNC_POSTS:
            continue
        expected = cascade_gap * len(times) / len(stamps)
        gap = max(1.0, median(b - a for a, b in zip(stamps, stamps[1:])))
        if expected / gap >= SYNC_FACTOR:
            members.update(group)
            best = max(best, expected / gap)
    if not members:
        return None
    return _signal("synchronised_timing", posts, members, strength=min(1.0, best / (5 * SYNC_FACTOR)),
                   measurements={"density_vs_cascade": round(best, 1), "cascade_median_gap_s": round(cascade_gap)},
                   summary=f"同一批文字的发布间隔比整体传播节奏密集 {round(best)} 倍")


def cross_platform(posts: Sequence[CascadePost], groups: Sequence[list[int]]) -> Signal | None:
    """The same wording on several platforms within minutes."""
    members: set[int] = set()
    widest = 0
    for group in groups:
        ordered = sorted(group, key=lambda i: posts[i].at)
        for position, i in enumerate(ordered):
            window = [j for j in ordered[position:] if posts[j].at - posts[i].at <= CROSS_PLATFORM_WINDOW]
            platforms = {posts[j].platform for j in window}
            if len(platforms) >= 2:
                members.update(window)
                widest = max(widest, len(platforms))
    if not members:
        return None
    return _signal("cross_platform", posts, members, strength=min(1.0, widest / 3),
                   measurements={"platforms": widest},
                   summary=f"相同文字在 {widest} 个平台上 10 分钟内相继出现")


def _signal(code: str, posts: Sequence[CascadePost], indexes: set[int], *, strength: float,
            measurements: dict, summary: str) -> Signal:
    chosen = sorted(indexes, key=lambda i: posts[i].at)
    accounts = tuple(dict.fromkeys(posts[i].account for i in chosen if not is_institution(posts[i])))
    return Signal(code=code, strength=round(strength, 3), accounts=accounts,
                  post_ids=tuple(posts[i].post_id for i in chosen), measurements=measurements, summary=summary)


@dataclass
class AccountHistory:
    """What the store knows beyond one event: per account, the (event, wording) pairs of its distinctive posts,
    and the boilerplate wordings (a client's 分享+1 更多热门微博 share text) that many unrelated accounts post
    across many events, which prove nothing about any of them."""

    by_account: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    boilerplate: frozenset[str] = frozenset()

    def get(self, account: str, default=()):
        return self.by_account.get(account, default)


def account_history(posts: Sequence[CascadePost], wordings: Sequence[str]) -> AccountHistory:
    """The cross-event memory built from posts of many events (``wordings`` as ``text.own_wording`` gives them)."""
    by_account: dict[str, list[tuple[str, str]]] = defaultdict(list)
    users: dict[str, set[str]] = defaultdict(set)
    events: dict[str, set[str]] = defaultdict(set)
    uses: Counter[str] = Counter()
    for post, wording in zip(posts, wordings):
        if is_distinctive(wording):
            by_account[post.account].append((post.event_id, wording))
            users[wording].add(post.account)
            events[wording].add(post.event_id)
            uses[wording] += 1
    boilerplate = frozenset(w for w in users if len(events[w]) >= BOILERPLATE_EVENTS
                            and len(users[w]) >= BOILERPLATE_ACCOUNTS
                            and uses[w] / len(users[w]) < BOILERPLATE_USES_PER_ACCOUNT)
    return AccountHistory(dict(by_account), boilerplate)
