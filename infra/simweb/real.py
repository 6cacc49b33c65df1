"""Drill scenarios built from real Weibo cascades (``../shared/data/weibo_events/``) at run time.

The rows of that data set never go into the repository, so the scenarios are not shipped: ``build_real``
reads the cascades named in ``REAL_SCENARIOS`` (by event id) and writes scenario files (the format of
``infra/scenarios/README.md``) into a folder of the caller's, usually ``var/scenarios-real/``.

What is real and what is changed: every post's wording, its author (a hashed id), its counts and its time
relative to the source are real; only place and school names are replaced (``replacements``), so that an
incident somewhere else happens at one of the county's schools. Long cascades are compressed in time (the
first ``REAL_MINUTES`` as they were, later ones ``COMPRESSION`` times faster, everything within
``LAST_MINUTE``) and sampled (the first reactions of each cascade). Reposts point at their cascade's source,
as Weibo's ``retweeted_status`` does; bare reposts (转发微博) become the source's copies. Distractor cascades
keep their own places or are moved into the county without naming a school: they must raise no alert and
name none of our schools. A third of the posts are distractors.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from core.errors import ConfigurationError

CASCADES = "cascades.tsv.gz"
REAL_MINUTES = 120          # the first two hours of a cascade keep their real pace
COMPRESSION = 6             # later posts come this many times faster
LAST_MINUTE = 720           # and every post within twelve drill hours
INCIDENT_REACTIONS = 60     # reactions kept per incident cascade (the earliest)
DISTRACTOR_SHARE = 1 / 3    # of all posts
START = "2026-11-27T08:00:00+08:00"


@dataclass(frozen=True)
class Cascade:
    event_id: str                                    # the data set's event id (its source post's id)
    replacements: tuple[tuple[str, str], ...] = ()   # (real name, county name), applied in order
    offset_min: float = 0.0                          # when its source appears in the drill
    # A distractor's source post typed as docs/labelling/incident-types.md reads it: 复旦投毒案 is violence even
    # though it is no incident of ours (no event, no county school); the types measure the typer, not the county.
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    school: str
    incident_types: tuple[str, ...]
    cascades: tuple[Cascade, ...]


@dataclass(frozen=True)
class RealScenario:
    id: str
    title: str
    summary: str
    incidents: tuple[Incident, ...]
    distractors: tuple[Cascade, ...] = field(default_factory=tuple)


_HENAN = (("河南南阳宛城区红泥湾镇", "四川渠县三汇镇中心小学"), ("河南南阳", "四川渠县"), ("宛城区", "渠县"), ("红泥湾镇", "三汇镇"),
          ("红泥湾", "三汇"), ("南阳", "渠县"), ("河南", "四川"))
_NANYANG = (("河南南阳15岁", "渠县实验中学15岁"), ("河南南阳", "四川渠县"), ("河南某中学", "渠县实验中学"), ("南阳", "渠县"), ("河南", "四川"), ("大河报", "达州日报"))
_RUGAO = (("如皋市邓元阚庄小学", "渠县文华小学"), ("邓元阚庄小学", "文华小学"), ("阚庄小学", "文华小学"), ("如皋市邓元派出所", "渠县渠江派出所"),
          ("邓元派出所", "渠江派出所"), ("如皋市", "渠县"), ("如皋", "渠县"), ("江苏", "四川"))
_WANYUAN = (("达州万源", "达州渠县"), ("四川万源", "四川渠县"), ("万源市", "渠县"), ("万源", "渠县"))
_NANJING = (("南京", "渠县"), ("江苏", "四川"))
_DAZHU = (("大竹县", "渠县"), ("大竹", "渠县"))

# Incident types as docs/labelling/incident-types.md rule 4 reads them: a teacher's or principal's sexual offence
# against a pupil is sexual_misconduct and teacher_misconduct (staff as the actor). Distractors' sources as the
# rules read them too: an executed student poisoner (复旦投毒案, violence, as our labels type that story), pupils
# hurt in an accident on a school outing (other), a girl on her school holiday raped and students rioting over it
# (sexual_misconduct, violence); a student beaten to death by 城管 while selling mushrooms has none (rule 2).
REAL_SCENARIOS: tuple[RealScenario, ...] = (
    RealScenario(
        "real-teacher-assault-rumour", "（真实语料）三汇镇中心小学班主任性侵幼女传言",
        "真实微博传播链（三条源帖及其转发评论），地名与学校名替换为本县；原事件被标注为谣言。干扰项：另一法院案件的真实转发链（含“二中院”）。",
        (Incident("real-sanhui-assault", "三汇镇中心小学班主任性侵传言", "sanhui-xiaoxue",
                  ("sexual_misconduct", "teacher_misconduct"),
                  (Cascade("3453646882841201", _HENAN), Cascade("3453675718928162", _HENAN, 20),
                   Cascade("3453724347000346", _HENAN, 45))),),
        (Cascade("3918897285462753", (), 10, ("violence",)), Cascade("3918897180569639", (), 25, ("violence",)))),
    RealScenario(
        "real-classroom-death", "（真实语料）实验中学学生猝死课堂",
        "真实微博传播链（两家媒体源帖及其转发评论），地名与学校名替换为本县；原事件为真实事件。干扰项：另一地小学生致信教育局长的真实转发链（移至本县，未涉及本县学校）。",
        (Incident("real-shiyan-death", "实验中学学生猝死课堂", "quxian-shiyan", ("other",),
                  (Cascade("3909799626596749", _NANYANG), Cascade("3909910896927653", _NANYANG, 30))),),
        (Cascade("3908305132682766", _NANJING, 15, ("other",)),)),
    RealScenario(
        "real-principal-molest-rumour", "（真实语料）文华小学校长猥亵学生传言",
        "真实微博传播链，地名与学校名替换为本县；原事件被标注为谣言。干扰项：城管殴打学生致死传言与酒店少女传言（移至本县，未涉及学校）。",
        (Incident("real-wenhua-molest", "文华小学校长猥亵学生传言", "quxian-wenhuixiao",
                  ("sexual_misconduct", "teacher_misconduct"),
                  (Cascade("3585019140349233", _RUGAO),)),),
        (Cascade("3604656955559943", _WANYUAN, 10),
         Cascade("3520966661376162", _DAZHU, 40, ("sexual_misconduct", "violence")))),
)


@dataclass
class _Row:
    post_id: str
    parent_id: str
    t: int
    user: str
    reposts: int
    comments: int
    likes: int
    text: str


def cascade_ids(specs: Iterable[RealScenario] = REAL_SCENARIOS) -> set[str]:
    return {c.event_id for s in specs for c in (*(c for i in s.incidents for c in i.cascades), *s.distractors)}


def read_cascades(data_dir: Path, wanted: set[str]) -> dict[str, tuple[int, list[_Row]]]:
    """The rows of the wanted cascades: (event label, rows oldest first) by event id."""
    path = Path(data_dir) / CASCADES
    if not path.exists():
        raise ConfigurationError(f"{path} is missing: put the weibo_events data set (README.md and {CASCADES}) in "
                                 f"{Path(data_dir)} (the project keeps it in ../shared/data/weibo_events/)")
    found: dict[str, tuple[int, list[_Row]]] = {}
    csv.field_size_limit(1 << 24)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        at = {name: i for i, name in enumerate(header)}
        for row in reader:
            if row[at["event_id"]] not in wanted:
                continue
            label, rows = found.setdefault(row[at["event_id"]], (int(row[at["event_label"]]), []))
            rows.append(_Row(row[at["post_id"]], row[at["parent_id"]], int(float(row[at["t"]])), row[at["user"]],
                             _int(row[at["reposts"]]), _int(row[at["comments"]]), _int(row[at["likes"]]),
                             row[at["text"]].strip()))
    missing = wanted - set(found)
    if missing:
        raise ConfigurationError(f"{path} lacks the cascades {', '.join(sorted(missing))}; is it the full data set?")
    for _, rows in found.values():
        rows.sort(key=lambda r: (r.parent_id != "", r.t, r.post_id))
    return found


def _int(text: str) -> int:
    try:
        return max(0, int(float(text)))
    except ValueError:
        return 0


def drill_minute(seconds_after_source: float) -> float:
    """A post's drill minute from its real delay after the source: real pace first, then compressed."""
    minutes = max(0.0, seconds_after_source / 60)
    if minutes > REAL_MINUTES:
        minutes = REAL_MINUTES + (minutes - REAL_MINUTES) / COMPRESSION
    return round(min(minutes, LAST_MINUTE), 2)


def relocated(text: str, replacements: Iterable[tuple[str, str]]) -> str:
    for real, county in replacements:
        text = text.replace(real, county)
    return text


def _posts_of(cascade: Cascade, rows: list[_Row], keep: int, truth: dict) -> Iterator[dict]:
    """Scenario posts of one cascade: its source, then its first ``keep`` reactions."""
    source = rows[0]
    source_key = f"c{source.post_id[-10:]}"
    yield {"key": source_key, **_post(source, cascade, cascade.offset_min), **truth["source"]}
    for row in rows[1:keep + 1]:
        at = cascade.offset_min + drill_minute(row.t - source.t)
        yield {"key": f"r{row.post_id[-12:]}", **_post(row, cascade, at), "repost_of": source_key, **truth["reaction"]}


def _post(row: _Row, cascade: Cascade, at: float) -> dict:
    uid = str(6_100_000_000 + int(hashlib.sha1(row.user.encode()).hexdigest()[:8], 16) % 99_999_999)
    return {"platform": "weibo", "at_min": round(at, 2),
            "author": f"微博用户{row.user[:6]}", "uid": uid, "text": relocated(row.text, cascade.replacements) or "转发微博",
            "reposts": row.reposts, "comments": row.comments, "likes": row.likes}


def scenario_document(spec: RealScenario, cascades: dict[str, tuple[int, list[_Row]]]) -> dict:
    """The scenario as the TOML tables of infra/scenarios/README.md."""
    events, posts = [], []
    for incident in spec.incidents:
        rumour = any(cascades[c.event_id][0] == 1 for c in incident.cascades)
        events.append({"id": incident.id, "title": incident.title, "schools": [incident.school],
                       "incident_types": list(incident.incident_types), "rumour": rumour})
        for cascade in incident.cascades:
            truth = {"source": {"event": incident.id, "schools": [incident.school],
                                "incident_types": list(incident.incident_types), "rumour": rumour},
                     "reaction": {"event": incident.id, "schools": [incident.school],
                                  "incident_types": list(incident.incident_types), "rumour": False}}
            posts.extend(_posts_of(cascade, cascades[cascade.event_id][1], INCIDENT_REACTIONS, truth))
    wanted = round(len(posts) * DISTRACTOR_SHARE / (1 - DISTRACTOR_SHARE))
    per_cascade = max(1, wanted // max(1, len(spec.distractors)))
    negative = {"event": "", "schools": [], "incident_types": [], "rumour": False, "tags": ["hard_negative"]}
    for cascade in spec.distractors:
        posts.extend(_posts_of(cascade, cascades[cascade.event_id][1], per_cascade - 1,
                               {"source": {**negative, "incident_types": list(cascade.types)}, "reaction": negative}))
    posts.sort(key=lambda p: (p["at_min"], p["key"].startswith("r"), p["key"]))
    return {"scenario": {"id": spec.id, "title": spec.title, "start": START, "speed": 60, "summary": spec.summary},
            "events": events, "posts": _keys_unique(posts)}


def _keys_unique(posts: list[dict]) -> list[dict]:
    seen: set[str] = set()
    kept = []
    for post in posts:
        if post["key"] not in seen and (not post.get("repost_of") or post["repost_of"] in seen):
            seen.add(post["key"])
            kept.append(post)
    return kept


def toml_text(document: dict) -> str:
    """TOML for a scenario document (strings through JSON, whose escapes TOML's basic strings share)."""
    lines = ["# Generated by `yuqing scenario build-real` from real Weibo cascades; not for the repository.", ""]
    lines += ["[scenario]", *(_pair(k, v) for k, v in document["scenario"].items()), ""]
    for table in ("events", "posts"):
        for item in document[table]:
            lines += [f"[[{table}]]", *(_pair(k, v) for k, v in item.items()), ""]
    return "\n".join(lines)


def _pair(key: str, value) -> str:
    if isinstance(value, bool):
        return f"{key} = {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"{key} = {value}"
    return f"{key} = {json.dumps(value, ensure_ascii=False)}"


def build_real(data_dir: str | Path, out_dir: str | Path,
               specs: tuple[RealScenario, ...] = REAL_SCENARIOS) -> list[Path]:
    """Write every real-language scenario into ``out_dir``; returns the files written."""
    cascades = read_cascades(Path(data_dir), cascade_ids(specs))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        path = out / f"{spec.id}.toml"
        path.write_text(toml_text(scenario_document(spec, cascades)), encoding="utf-8")
        written.append(path)
    return written


def real_scenario_files(out_dir: str | Path) -> list[Path]:
    """The real-language scenarios already built in ``out_dir`` (empty when none)."""
    folder = Path(out_dir)
    return [folder / f"{s.id}.toml" for s in REAL_SCENARIOS if (folder / f"{s.id}.toml").exists()]
