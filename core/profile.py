"""The county profile: the county's schools (with aliases), townships, monitoring keywords and sources.

A user edits it as TOML (see ``core/profiles/qu_county.toml``, the shipped Qu County profile). Any other
county loads its own file with the same layout. Errors name the file, the line and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError
from core.tomltext import parse_toml

DEFAULT_PROFILE = Path(__file__).with_name("profiles") / "qu_county.toml"
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class School:
    id: str
    name: str
    township: str = ""
    kind: str = ""                              # 幼儿园 / 小学 / 初中 / 高中 / 完全中学 / 职业学校 / 特殊教育
    aliases: tuple[str, ...] = ()               # unambiguous other names, e.g. 渠中
    ambiguous_aliases: tuple[str, ...] = ()     # names that count only with county context, e.g. 二中

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.ambiguous_aliases)


@dataclass(frozen=True)
class Township:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One configured source: which spider crawls it, how often, and the spider's own options."""

    name: str
    spider: str                                 # weibo, news, rss, tieba, gov_board, ... (a spider name)
    interval_s: int = 300
    enabled: bool = True
    weight: float = 1.0                         # how much a post from here weighs in an event's heat
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    county: str
    city: str
    province: str
    county_aliases: tuple[str, ...]             # 渠县, 宕渠, ...
    context_terms: tuple[str, ...]              # words that show a post is about this county
    schools: tuple[School, ...]
    townships: tuple[Township, ...]
    keywords: tuple[str, ...]                   # monitoring keywords (search terms for the sources)
    local_terms: tuple[str, ...]                # other local words for the segmenter's dictionary
    sources: tuple[Source, ...]
    path: Path | None = None

    def school(self, school_id: str) -> School | None:
        return next((s for s in self.schools if s.id == school_id), None)

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)


def load_profile(path: str | Path | None = None) -> Profile:
    """Load and validate a profile; None or '' loads the shipped Qu County profile."""
    path = Path(path) if path else DEFAULT_PROFILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read county profile {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"county profile {path} is not UTF-8 text") from None
    return parse_profile(text, path)


def parse_profile(text: str, path: Path | None = None) -> Profile:
    where = str(path or "<profile>")
    data = parse_toml(text, f"county profile {where}")
    reader = _Reader(text, where)
    county = reader.table(data, "county", None)
    schools = tuple(reader.school(entry, i) for i, entry in enumerate(reader.array(data, "schools")))
    townships = tuple(reader.township(entry, i) for i, entry in enumerate(reader.array(data, "townships")))
    sources = tuple(reader.source(entry, i) for i, entry in enumerate(reader.array(data, "sources")))
    reader.unique([s.id for s in schools], "schools", "id")
    reader.unique([s.name for s in sources], "sources", "name")
    known_townships = {t.name for t in townships}
    for i, school in enumerate(schools):
        if school.township and known_townships and school.township not in known_townships:
            raise reader.error("schools", i, "township",
                               f"'{school.township}' is not one of the [[townships]]")
    monitor = data.get("monitor", {})
    return Profile(
        county=reader.text(county, "name", "county", None),
        city=str(county.get("city", "")),
        province=str(county.get("province", "")),
        county_aliases=reader.strings(county, "aliases", "county", None),
        context_terms=reader.strings(county, "context_terms", "county", None),
        schools=schools,
        townships=townships,
        keywords=reader.strings(monitor, "keywords", "monitor", None),
        local_terms=reader.strings(monitor, "local_terms", "monitor", None),
        sources=sources,
        path=path,
    )


class _Reader:
    """Validates tables and names the line of the offending ``[[table]]`` in every error."""

    def __init__(self, text: str, where: str):
        self.where = where
        self.lines = text.splitlines()

    def line_of(self, table: str, index: int | None) -> int | None:
        header = f"[[{table}]]" if index is not None else f"[{table}]"
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith(header):
                seen += 1
                if index is None or seen == index:
                    return number
        return None

    def error(self, table: str, index: int | None, field_name: str, message: str) -> ConfigurationError:
        line = self.line_of(table, index)
        at = f" line {line}" if line else ""
        entry = f"[[{table}]] #{index + 1}" if index is not None else f"[{table}]"
        return ConfigurationError(f"county profile {self.where}{at} ({entry}), field '{field_name}': {message}")

    def table(self, data: dict, name: str, index: int | None) -> dict:
        value = data.get(name)
        if not isinstance(value, dict):
            raise self.error(name, index, name, "a table is required")
        return value

    def array(self, data: dict, name: str) -> list[dict]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ConfigurationError(f"county profile {self.where}: '{name}' must be written as [[{name}]] tables")
        return value

    def text(self, entry: dict, key: str, table: str, index: int | None, required: bool = True) -> str:
        value = entry.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(table, index, key, "a non-empty string is required")
        return value.strip()

    def strings(self, entry: dict, key: str, table: str, index: int | None) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(table, index, key, "a list of non-empty strings is required")
        return tuple(v.strip() for v in value)

    def unique(self, values: list[str], table: str, key: str) -> None:
        seen = set()
        for i, value in enumerate(values):
            if value in seen:
                raise self.error(table, i, key, f"'{value}' is used twice")
            seen.add(value)

    def school(self, entry: dict, i: int) -> School:
        return School(
            id=self.text(entry, "id", "schools", i),
            name=self.text(entry, "name", "schools", i),
            township=self.text(entry, "township", "schools", i, required=False),
            kind=self.text(entry, "kind", "schools", i, required=False),
            aliases=self.strings(entry, "aliases", "schools", i),
            ambiguous_aliases=self.strings(entry, "ambiguous_aliases", "schools", i),
        )

    def township(self, entry: dict, i: int) -> Township:
        return Township(name=self.text(entry, "name", "townships", i),
                        aliases=self.strings(entry, "aliases", "townships", i))

    def source(self, entry: dict, i: int) -> Source:
        name = self.text(entry, "name", "sources", i)
        if not _SOURCE_NAME.match(name):
            raise self.error("sources", i, "name", "use lower-case letters, digits, '-' and '_' only")
        interval = entry.get("interval_s", 300)
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 10:
            raise self.error("sources", i, "interval_s", "a whole number of seconds, at least 10, is required")
        weight = entry.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
            raise self.error("sources", i, "weight", "a positive number is required")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.error("sources", i, "enabled", "true or false is required")
        options = {k: v for k, v in entry.items() if k not in ("name", "spider", "interval_s", "enabled", "weight")}
        return Source(name=name, spider=self.text(entry, "spider", "sources", i), interval_s=interval,
                      enabled=enabled, weight=float(weight), options=options)
