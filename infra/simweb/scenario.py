"""Scenario files of the simulated web: load, validate, and answer "what is published by drill time T".

The format is documented in ``infra/scenarios/README.md``. Every error names the file, the post key and
the field, so a drill author can fix a scenario without reading this code.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import ensure_aware
from core.errors import ConfigurationError
from core.post import make_post_id
from core.profile import Profile, load_profile

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
PLATFORMS = ("weibo", "news", "rss", "tieba", "gov_board")
INCIDENT_TYPES = ("bullying", "violence", "food_safety", "traffic", "drowning", "fire", "sexual_misconduct",
                  "self_harm", "disease", "teacher_misconduct", "fees_corruption", "school_disruption", "exams",
                  "other")
FAULT_KINDS = ("block_403", "block_418", "captcha", "login", "rate_limit", "server_error", "malformed_json",
               "gbk", "empty_page", "layout_changed")
# Where a post appears when the scenario does not say; these match the shipped profile's [[sources]].
DEFAULT_SITE = "www.dzrbs.com"
DEFAULT_FEED = "www.quxian.gov.cn/rss/jyxw.xml"
DEFAULT_BAR = "渠县"
DEFAULT_FID = "5136"
# A Weibo retweet whose own comment is shorter than this is spread, not a post of its own.
TRIVIAL_REPOST_CHARS = 15


def native_number(scenario_id: str, key: str, digits: int) -> str:
    """A stable number for a post: the same scenario and key always give the same platform id."""
    value = int(hashlib.sha1(f"{scenario_id}/{key}".encode()).hexdigest()[:15], 16)
    low = 10 ** (digits - 1)
    return str(low + value % (9 * low))


@dataclass(frozen=True)
class ScenarioPost:
    key: str
    platform: str
    at_min: float
    author: str
    text: str
    title: str = ""
    event: str = ""
    schools: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = ()
    rumour: bool = False
    tags: tuple[str, ...] = ()
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    uid: str = ""
    repost_of: str = ""
    copy_of: str = ""
    long: bool = False
    site: str = DEFAULT_SITE
    feed: str = DEFAULT_FEED
    bar: str = DEFAULT_BAR
    replies: int = 0
    fid: str = DEFAULT_FID
    reply: str = ""
    reply_at_min: float | None = None
    reply_to: str = ""           # a reaction: a comment (Weibo) or a reply floor / 楼中楼 (Tieba) to that post's key
    native_id: str = ""          # mid / tid / article number, derived from the scenario id and key


@dataclass(frozen=True)
class ScenarioEvent:
    id: str
    title: str
    schools: tuple[str, ...]
    incident_types: tuple[str, ...]
    rumour: bool = False


@dataclass(frozen=True)
class Fault:
    kind: str
    match: str = ""
    from_min: float = 0.0
    until_min: float = 1e12
    times: int = 0
    page: int = 0


@dataclass
class Scenario:
    id: str
    title: str
    start: datetime
    speed: float
    posts: list[ScenarioPost]
    events: list[ScenarioEvent] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    summary: str = ""

    def __post_init__(self) -> None:
        self.by_key = {p.key: p for p in self.posts}
        # Oldest first per platform (and for all), so "published by now" is a bisection, not a scan.
        self._timeline: dict[str | None, tuple[list[float], list[ScenarioPost]]] = {}
        for platform in (None, *PLATFORMS):
            chosen = sorted((p for p in self.posts if platform is None or p.platform == platform),
                            key=lambda p: (p.at_min, p.key))
            self._timeline[platform] = ([p.at_min for p in chosen], chosen)

    def published_at(self, post: ScenarioPost) -> datetime:
        return self.start + timedelta(minutes=post.at_min)

    def visible(self, now: datetime, platform: str | None = None) -> list[ScenarioPost]:
        """Posts published by ``now`` (optionally of one platform), newest first."""
        minutes, chosen = self._timeline[platform]
        count = bisect_right(minutes, (now - self.start).total_seconds() / 60 + 1e-9)
        return chosen[:count][::-1]

    def public_url(self, post: ScenarioPost) -> str:
        """The address the post has on the real web (what the store keeps as its URL)."""
        day = self.published_at(post).astimezone(ensure_aware(self.start).tzinfo)
        if post.reply_to:
            head, *replies = self.reply_chain(post)
            if post.platform == "weibo":
                return f"https://m.weibo.cn/detail/{head.native_id}?cid={post.native_id}"
            query = "&".join(f"{name}={int(p.native_id) * 10}" for name, p in zip(("pid", "cid"), replies))
            return f"https://tieba.baidu.com/p/{head.native_id}?{query}"
        if post.platform == "weibo":
            return f"https://m.weibo.cn/detail/{post.native_id}"
        if post.platform == "news":
            return news_article_url(post.site, day, post.native_id)
        if post.platform == "rss":
            host = post.feed.split("/", 1)[0]
            return f"https://{host}/jyxw/{day:%Y%m}/t{day:%Y%m%d}_{post.native_id}.html"
        if post.platform == "tieba":
            return f"https://tieba.baidu.com/p/{post.native_id}"
        return f"https://liuyan.people.com.cn/threads/content?tid={post.native_id}"

    def expected_post_id(self, key: str) -> str:
        """The id the crawled post gets in the store (see core.post.make_post_id); a Tieba reply floor is
        ``tieba:<tid>_<floor post id>``, a 楼中楼 ``tieba:<tid>_<floor post id>_<its own id>``."""
        post = self.by_key[key]
        if post.platform == "tieba" and post.reply_to:
            chain = self.reply_chain(post)
            numbers = [str(int(p.native_id) * 10) for p in chain[1:]]
            return f"tieba:{chain[0].native_id}_" + "_".join(numbers)
        if post.platform in ("weibo", "tieba", "gov_board"):
            return f"{post.platform}:{post.native_id}"
        return make_post_id(post.platform, url=self.public_url(post))

    def reply_chain(self, post: ScenarioPost) -> list[ScenarioPost]:
        """The post a reaction belongs under first, then each reply down to ``post`` itself."""
        chain = [post]
        while chain[0].reply_to:
            chain.insert(0, self.by_key[chain[0].reply_to])
        return chain

    def is_reaction(self, post: ScenarioPost) -> bool:
        """A comment or reply: found only by the reaction round, under its parent (never on list pages)."""
        return bool(post.reply_to)

    def is_copy(self, post: ScenarioPost) -> bool:
        """Ground truth: the crawler must fold this post into its original's copies."""
        if post.copy_of:
            return True
        return bool(post.repost_of) and len(post.text.strip()) < TRIVIAL_REPOST_CHARS

    def original_of(self, post: ScenarioPost) -> ScenarioPost:
        """The post a copy or retweet ultimately copies."""
        while post.copy_of or post.repost_of:
            post = self.by_key[post.copy_of or post.repost_of]
        return post


def news_article_url(site: str, day: datetime, number: str) -> str:
    if site == "dz.newssc.org":
        return f"https://dz.newssc.org/system/{day:%Y%m%d}/{number}.html"
    return f"https://{site}/xwzx/{day:%Y%m}/t{day:%Y%m%d}_{number}.html"


def scenario_path(name: str | Path) -> Path:
    """A scenario file from a path or a shipped scenario's id."""
    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    shipped = SCENARIO_DIR / f"{name}.toml"
    if shipped.exists():
        return shipped
    known = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")))
    raise ConfigurationError(f"no scenario '{name}': give a .toml path or one of: {known}")


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name: str | Path, profile: Profile | None = None) -> Scenario:
    """Load and check a scenario (see infra/scenarios/README.md); errors name the post key and field."""
    path = scenario_path(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"scenario {path}: {error}") from None
    return _Checker(path, profile or load_profile()).scenario(data)


class _Checker:
    def __init__(self, path: Path, profile: Profile):
        self.path = path
        self.school_ids = {s.id for s in profile.schools}

    def fail(self, where: str, name: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"scenario {self.path}, {where}, field '{name}': {message}")

    def scenario(self, data: dict[str, Any]) -> Scenario:
        head = data.get("scenario")
        if not isinstance(head, dict):
            raise self.fail("[scenario]", "scenario", "a [scenario] table is required")
        sid = self.need(head, "id", str, "[scenario]")
        try:
            start = ensure_aware(datetime.fromisoformat(self.need(head, "start", str, "[scenario]")))
        except ValueError:
            raise self.fail("[scenario]", "start", "an ISO 8601 time such as 2026-11-26T07:30:00+08:00") from None
        events = [self.event(e) for e in data.get("events", [])]
        event_ids = {e.id for e in events}
        posts: list[ScenarioPost] = []
        for raw in data.get("posts", []):
            posts.append(self.post(sid, raw, event_ids, {p.key: p for p in posts}))
        if not posts:
            raise self.fail("[scenario]", "posts", "a scenario needs [[posts]]")
        faults = [self.fault(f) for f in data.get("faults", [])]
        return Scenario(id=sid, title=str(head.get("title", sid)), start=start, speed=float(head.get("speed", 60)),
                        posts=posts, events=events, faults=faults, summary=str(head.get("summary", "")))

    def need(self, table: dict, name: str, kind: type, where: str) -> Any:
        value = table.get(name)
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            raise self.fail(where, name, f"a {'non-empty string' if kind is str else kind.__name__} is required")
        return value

    def ids(self, table: dict, name: str, allowed: set[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
        values = table.get(name, [])
        if not isinstance(values, list):
            raise self.fail(where, name, "a list is required")
        for value in values:
            if value not in allowed:
                raise self.fail(where, name, f"'{value}' is not one of the known ids")
        return tuple(values)

    def event(self, raw: dict) -> ScenarioEvent:
        where = f"[[events]] {raw.get('id', '?')}"
        return ScenarioEvent(id=self.need(raw, "id", str, where), title=str(raw.get("title", "")),
                             schools=self.ids(raw, "schools", self.school_ids, where),
                             incident_types=self.ids(raw, "incident_types", INCIDENT_TYPES, where),
                             rumour=bool(raw.get("rumour", False)))

    def post(self, sid: str, raw: dict, event_ids: set[str], earlier: dict[str, ScenarioPost]) -> ScenarioPost:
        where = f"post '{raw.get('key', '?')}'"
        key = self.need(raw, "key", str, where)
        if key in earlier:
            raise self.fail(where, "key", "is used twice")
        platform = raw.get("platform")
        if platform not in PLATFORMS:
            raise self.fail(where, "platform", f"one of {', '.join(PLATFORMS)} is required")
        at = raw.get("at_min")
        if not isinstance(at, (int, float)) or isinstance(at, bool) or at < 0:
            raise self.fail(where, "at_min", "a number of minutes, at least 0, is required")
        event = str(raw.get("event", ""))
        if event and event not in event_ids:
            raise self.fail(where, "event", f"'{event}' is not one of the [[events]]")
        for link in ("repost_of", "copy_of", "reply_to"):
            target = raw.get(link, "")
            if target and target not in earlier:
                raise self.fail(where, link, f"'{target}' is not an earlier post of this scenario")
        parent = earlier.get(raw.get("reply_to", ""))
        if parent is not None and (platform not in ("weibo", "tieba") or parent.platform != platform):
            raise self.fail(where, "reply_to", "a reaction is a Weibo comment on a Weibo post or a Tieba reply "
                                               "to a Tieba post, on the same platform as its parent")
        if parent is not None and platform == "weibo" and parent.reply_to:
            raise self.fail(where, "reply_to", "a Weibo comment answers a post, not another comment")
        known = {f for f in ScenarioPost.__dataclass_fields__} - {"native_id"}
        unknown = set(raw) - known
        if unknown:
            raise self.fail(where, sorted(unknown)[0], "is not a scenario post key (see infra/scenarios/README.md)")
        values = dict(raw)
        values.update(at_min=float(at), schools=self.ids(raw, "schools", self.school_ids, where),
                      incident_types=self.ids(raw, "incident_types", INCIDENT_TYPES, where),
                      tags=tuple(raw.get("tags", ())), text=self.need(raw, "text", str, where),
                      author=self.need(raw, "author", str, where))
        digits = {"weibo": 16, "tieba": 10, "gov_board": 8}.get(platform, 7)
        values["native_id"] = native_number(sid, key, digits)
        if platform == "weibo" and not values.get("uid"):
            values["uid"] = native_number("user", values["author"], 10)
        return ScenarioPost(**values)

    def fault(self, raw: dict) -> Fault:
        where = f"[[faults]] {raw.get('kind', '?')}"
        if raw.get("kind") not in FAULT_KINDS:
            raise self.fail(where, "kind", f"one of {', '.join(FAULT_KINDS)} is required")
        try:
            return Fault(**raw)
        except TypeError as error:
            raise self.fail(where, "kind", str(error)) from None
