"""From signals to a verdict: which accounts are coordinated, and one 0–100 score per event."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence

from nlp.coordination import signals as sig
from nlp.coordination.model import AccountFinding, CascadePost, CoordinationReport, Signal
from nlp.coordination.text import flatten, is_echo, own_wording, wording_groups

# How much one signal counts against an account; an account is judged coordinated at FLAG_WEIGHT. The strong
# signals (copied text in a burst, the same text across events or platforms) suffice alone; the weak ones
# (young accounts, dense timing, a template over hours, a small account's wide reach) need a second.
SIGNAL_WEIGHTS = {
    "copy_burst": 1.0, "cross_event": 1.0, "cross_platform": 1.0,
    "template_campaign": 1.0, "template_comments": 0.6, "new_accounts_acting_together": 1.0, "new_account_batch": 0.5, "synchronised_timing": 0.5,
    "low_follower_amplified": 0.4,
}
FLAG_WEIGHT = 1.0
AMPLIFIED_BY_FLAGGED = 0.5      # a small account whose reposters are mostly flagged is the campaign's seed
SCORE_SCALE = 4.0               # flagged accounts at which the score reaches 1 - 1/e of its ceiling
FEW_ACCOUNTS = 3                # fewer flagged accounts than this cannot make a campaign
FEW_ACCOUNTS_CAP = 25
TOP_ACCOUNTS = 20


def analyse_event(posts: Sequence[CascadePost], event_id: str = "",
                  history: sig.AccountHistory | None = None) -> CoordinationReport:
    """The coordination analysis of one event's posts (source, reposts, comments, copies on other platforms).

    ``history`` is what the store knows of the accounts in other events (``signals.account_history`` builds
    it); without it the cross-event signal stays silent and no boilerplate is known.
    """
    history = history or sig.AccountHistory()
    posts = sorted(posts, key=lambda p: p.at)
    wordings = [("" if w in history.boilerplate else w) for w in event_wordings(posts)]
    groups = sig.crew_sized(posts, wording_groups(wordings))
    found = [s for s in (
        sig.copy_burst(posts, groups),
        *sig.template_comments(posts, groups, wordings),
        *sig.new_account_batch(posts, wordings),
        sig.cross_event(posts, wordings, history),
        sig.low_follower_amplified(posts),
        sig.synchronised_timing(posts, groups),
        sig.cross_platform(posts, groups),
    ) if s is not None]
    flagged = _flag_accounts(posts, found)
    findings = _findings(posts, found, flagged)
    flagged_posts = tuple(p.post_id for p in posts if p.account in flagged)
    score = _score(len(flagged), {s.code for s in found if set(s.accounts) & flagged})
    return CoordinationReport(
        event_id=event_id, score=score, signals=tuple(found), flagged=findings,
        posts_analysed=len(posts), accounts_analysed=len({p.account for p in posts}),
        flagged_post_ids=flagged_posts, reasons=_reasons(found, flagged))


def event_wordings(posts: Sequence[CascadePost]) -> list[str]:
    """Each post's own wording, or "" where it only echoes its parent's text or the event's source post."""
    by_id = {p.post_id: p for p in posts}
    roots = [p for p in posts if not p.copy_of and (not p.parent_id or p.parent_id not in by_id)]
    source = roots[0] if roots else None        # the event's first post: what everybody reposts and quotes
    wordings = []
    for post in posts:
        wording = own_wording(post.text)
        # A copy's words are its own (exactly what is measured); a post of its own reposts nothing to echo.
        if post.copy_of or not post.parent_id:
            wordings.append(wording)
            continue
        parent = by_id.get(post.parent_id or "")
        contexts = (flatten(parent.text) if parent else "", flatten(source.text) if source else "")
        wordings.append("" if is_echo(wording, *contexts) else wording)
    return wordings


def _flag_accounts(posts: Sequence[CascadePost], found: Sequence[Signal]) -> set[str]:
    weight: Counter[str] = Counter()
    for signal in found:
        for account in signal.accounts:
            weight[account] += SIGNAL_WEIGHTS[signal.code]
    flagged = {a for a, w in weight.items() if w >= FLAG_WEIGHT - 1e-9}
    by_id = {p.post_id: p for p in posts}
    reposters: dict[str, set[str]] = defaultdict(set)
    for post in posts:
        if post.parent_id in by_id:
            reposters[by_id[post.parent_id].account].add(post.account)
    for signal in found:
        if signal.code != "low_follower_amplified":
            continue
        for account in signal.accounts:
            around = reposters.get(account, set()) - {account}
            if around and len(around & flagged) / len(around) >= AMPLIFIED_BY_FLAGGED:
                flagged.add(account)
    return flagged


def _score(flagged: int, codes: set[str]) -> int:
    if not flagged:
        return 0
    base = 1 - math.exp(-flagged / SCORE_SCALE)
    diversity = 0.7 + 0.1 * min(3, len(codes))
    score = round(100 * base * diversity)
    return min(score, FEW_ACCOUNTS_CAP) if flagged < FEW_ACCOUNTS else min(100, score)


def _findings(posts: Sequence[CascadePost], found: Sequence[Signal], flagged: set[str]) -> tuple[AccountFinding, ...]:
    codes: dict[str, list[str]] = defaultdict(list)
    for signal in found:
        for account in signal.accounts:
            if account in flagged:
                codes[account].append(signal.code)
    own: dict[str, list[CascadePost]] = defaultdict(list)
    for post in posts:
        if post.account in flagged:
            own[post.account].append(post)
    findings = [AccountFinding(account=a, author_name=own[a][0].author_name, signals=tuple(codes.get(a, ("seed",))),
                               posts=len(own[a]), followers=own[a][0].followers,
                               account_created=own[a][0].account_created, first_at=own[a][0].at)
                for a in flagged if own[a]]
    findings.sort(key=lambda f: (-len(f.signals), -f.posts, f.first_at))
    return tuple(findings)


def _reasons(found: Sequence[Signal], flagged: set[str]) -> tuple[str, ...]:
    ranked = sorted(found, key=lambda s: -(SIGNAL_WEIGHTS[s.code] * s.strength))
    return tuple(s.summary for s in ranked if set(s.accounts) & flagged)
