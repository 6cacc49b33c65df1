"""What the pages print for things that are stored as codes, ids or usernames: sources, jobs, people, audit
targets and audit snapshots. Pure functions over the vocabulary and the county profile, so every page names
a thing the same way and no code reaches the screen."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import urlsplit

from core.clock import CHINA_TZ
from core.profile import Profile
from core.vocabulary import (ALERT_STATE_NAMES, EMPTY, ESCALATION_STATUS_NAMES, RELEASE_STATUS_NAMES,
                             TARGET_KIND_NAMES, actor_name, grade_label, incident_name, job_name,
                             name_of, platform_name, unknown)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese_or(text: str | None, fallback: str) -> str:
    """``text`` when it holds Chinese (a sentence meant for a person), else ``fallback``: messages some
    parts still write in English for their logs are not shown to the office."""
    return text if text and _CJK.search(text) else fallback


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def source_label(name: str, profile: Profile | None) -> str:
    """A configured source in words: its platform and what it watches, e.g. ``微博·关键词搜索``,
    ``新闻网站·dzrbs.com``, ``贴吧·渠县吧``; ``未知（name）`` for a source the profile does not list."""
    source = profile.source(name) if profile else None
    if source is None:
        return unknown(name)
    platform = platform_name(source.spider)
    options = source.options
    if options.get("keywords"):
        detail = "关键词搜索"
    elif options.get("accounts"):
        detail = "关注账号"
    elif options.get("bar"):
        detail = "、".join(f"{bar}吧" for bar in options["bar"])
    elif options.get("start_urls") or options.get("feeds"):
        detail = _host((options.get("start_urls") or options.get("feeds"))[0])
    else:
        same = [s.name for s in profile.sources if s.spider == source.spider]
        detail = f"第{same.index(name) + 1}个" if len(same) > 1 else ""
    return f"{platform}·{detail}" if detail else platform


def job_label(job_id: str, profile: Profile | None) -> str:
    """``采集·微博·关键词搜索`` for ``crawl:weibo-search``, ``研判与预警`` for ``enrich`` ..."""
    source = job_id.split(":", 1)[1] if job_id.startswith("crawl:") else ""
    return job_name(job_id, source_label(source, profile) if source else None)


def target_label(target: str, display_names: Mapping[str, str]) -> str:
    """An audit entry's target (``alert:A-1``, ``user:leader``, ``report:special:ev-1``) in words."""
    kind, _, rest = (target or "").partition(":")
    if kind == "user":
        return f"用户 {actor_name(rest, display_names)}"
    if kind == "report":
        report, _, event_id = rest.partition(":")
        return name_of("report_kind", report) + (f"（事件 {event_id}）" if event_id else "")
    if kind == "profile":
        return TARGET_KIND_NAMES["profile"]
    name = TARGET_KIND_NAMES.get(kind)
    if name is None:
        return unknown(target) if target else EMPTY
    return f"{name} {rest}" if rest else name


# The fields of a record snapshot a person reads in the audit log, with how each value is shown; ids,
# versions and hashes are left out.
_STATUS_NAMES = {**RELEASE_STATUS_NAMES, **ESCALATION_STATUS_NAMES}
FIELD_NAMES = {
    "title": "标题", "grade": "等级", "state": "状态", "status": "状态", "role": "角色", "display_name": "姓名",
    "unit_kind": "单位类型", "unit": "单位", "person": "责任人", "deadline": "时限", "dismiss_reason": "排除理由",
    "analysis": "研判", "facts": "核实情况", "on_duty": "值班", "active": "启用", "email": "邮箱", "clock": "计时",
    "stage": "阶段", "due_at": "截止", "kind": "类型", "target": "移交单位", "summary": "案情摘要",
    "schools": "学校", "incident_types": "类型", "files": "文件数", "name": "文件",
    "expires_at": "登录有效至", "channels": "渠道", "template": "模板",
}


def _when(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def field_value(key: str, value: Any, display_names: Mapping[str, str], schools: Mapping[str, str]) -> str:
    """One snapshot value in words (codes named, times in China time, people by display name)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "grade":
        return grade_label(value)
    if key == "state":
        return ALERT_STATE_NAMES.get(value, unknown(value))
    if key == "status":
        return _STATUS_NAMES.get(value, unknown(value))
    if key in ("deadline", "due_at", "expires_at"):
        return _when(value)
    if key == "facts":
        return f"{len(value)} 项" if isinstance(value, dict) else str(value)
    if key == "schools":
        return "、".join(schools.get(s, unknown(s)) for s in value)
    if key == "incident_types":
        return "、".join(incident_name(t) for t in value)
    names = {"role": "role", "unit_kind": "unit_kind", "clock": "clock_kind", "stage": "clock_stage",
             "kind": "escalation_kind", "target": "escalation_target", "channels": "publish_channel"}
    if key in names:
        items = value if isinstance(value, list) else [value]
        return "、".join(name_of(names[key], item) for item in items)
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    return str(value)


def describe_snapshot(snapshot: Mapping[str, Any] | None, display_names: Mapping[str, str],
                      schools: Mapping[str, str], limit: int = 120) -> str:
    """``状态：审核中；等级：II级（重大）`` for an audit entry's before/after (fields of ``FIELD_NAMES`` only)."""
    if not snapshot:
        return ""
    parts = [f"{FIELD_NAMES[key]}：{field_value(key, value, display_names, schools)}"
             for key, value in snapshot.items() if key in FIELD_NAMES]
    text = "；".join(parts)
    return text if len(text) <= limit else text[:limit] + "…"
