"""The domain's vocabulary: every code the system stores or passes around, with the Chinese name a person
reads. The console, the reports and the command line take names from here; nothing else keeps a copy.

This module imports nothing of ours, so every layer may read it.

Lookups never show a raw code. ``name_of(kind, code)`` (``kind`` one of ``KINDS``) and the per-kind helpers
(``platform_name``, ``incident_name`` ...) answer:

- the Chinese name of a known code;
- a value that already is one of that kind's Chinese names, unchanged (older records stored names);
- "—" for an empty value (None or "");
- ``未知（code）`` for any other value, so an unexpected code shows as such instead of passing for a word.
"""

from __future__ import annotations

from typing import Mapping

EMPTY = "—"


def unknown(code: object) -> str:
    """The label of a value the vocabulary does not know: ``未知（code）``."""
    return f"未知（{code}）"


# --- grades, by analogy with the emergency levels; I is the gravest

GRADES = ("IV", "III", "II", "I")
GRADE_NAMES = {"IV": "一般", "III": "较大", "II": "重大", "I": "特别重大"}
MAJOR_GRADES = ("II", "I")          # the grades that start the 5 h and 24 h clocks and tell people at once


def grade_rank(grade: str) -> int:
    """0 for IV (general) up to 3 for I (extremely major); ValueError for anything else."""
    return GRADES.index(grade)


# --- what posts are about and where they come from

INCIDENT_TYPES = ("bullying", "violence", "food_safety", "traffic", "drowning", "fire", "sexual_misconduct",
                  "self_harm", "disease", "teacher_misconduct", "fees_corruption", "school_disruption", "exams",
                  "other")
INCIDENT_NAMES = {
    "bullying": "校园欺凌", "violence": "暴力冲突", "food_safety": "食品安全", "traffic": "交通安全",
    "drowning": "溺水", "fire": "火灾", "sexual_misconduct": "性侵害", "self_harm": "自伤自杀",
    "disease": "疾病疫情", "teacher_misconduct": "师德失范", "fees_corruption": "收费与腐败",
    "school_disruption": "校闹", "exams": "考试招生", "other": "其他事件",
}

# Platforms the spiders set (crawlers/spiders), and those a post may name as where a copy was seen.
PLATFORMS = ("weibo", "news", "rss", "tieba", "gov_board", "wechat", "douyin", "forum", "video")
PLATFORM_NAMES = {"weibo": "微博", "news": "新闻网站", "rss": "RSS订阅", "tieba": "贴吧", "gov_board": "政务留言板",
                  "wechat": "微信", "douyin": "抖音", "forum": "论坛", "video": "视频网站"}

# How a reaction post relates to the post it reacts to (core.post.REACTION_RELATIONS).
RELATION_NAMES = {"repost": "转发", "comment": "评论", "reply": "回复"}

SENTIMENTS = ("negative", "neutral", "positive")             # core.post.sentiment_label
SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}

# --- people and units

ROLES = ("monitor", "reviewer", "spokesperson", "leader", "police_liaison", "admin")
ROLE_NAMES = {"monitor": "舆情监测员", "reviewer": "预警审核员", "spokesperson": "新闻发言人", "leader": "值班领导",
              "police_liaison": "公安/网信联络员", "admin": "系统管理员"}

# Actors of the audit log that are no user: the worker and command line, and a caller not logged in.
ACTOR_NAMES = {"system": "系统", "anonymous": "未登录用户"}

UNIT_KINDS = {"school": "学校", "township": "乡镇（街道）", "department": "部门"}

# --- the workflow's states

ALERT_STATES = ("new", "under_review", "confirmed", "dismissed", "closed")
ALERT_STATE_NAMES = {"new": "新预警", "under_review": "审核中", "confirmed": "已确认", "dismissed": "已排除",
                     "closed": "已办结"}
OPEN_ALERT_STATES = ("new", "under_review", "confirmed")
AWAITING_REVIEW_STATES = ("new", "under_review")

CLOCK_KINDS = ("release_5h", "press_24h", "answer_48h")
CLOCK_NAMES = {"release_5h": "5小时信息发布", "press_24h": "24小时新闻发布会", "answer_48h": "48小时回应"}
CLOCK_STAGES = ("running", "warning_50", "warning_80", "overdue", "met", "cancelled")
CLOCK_STAGE_NAMES = {"running": "计时中", "warning_50": "已过半", "warning_80": "即将到期", "overdue": "已超时",
                     "met": "已按时完成", "cancelled": "已取消"}
# A clock met by a release published after its due time is "met" in storage but late in fact: people read
# this name instead of "已按时完成" (see ``clock_stage_label``).
CLOCK_MET_LATE_NAME = "超时完成"

RELEASE_STATUSES = ("draft", "checked", "signed", "approved", "published")
RELEASE_STATUS_NAMES = {"draft": "草稿", "checked": "已通过未成年人信息检查", "signed": "发言人已签",
                        "approved": "领导已批", "published": "已发布"}
# What the minors' check finds and hides in a release.
MASK_FINDING_NAMES = {"name": "学生姓名", "id_number": "身份证号", "phone": "电话号码", "address": "家庭住址",
                      "class_name": "班级+姓名"}
# Where a release is published.
PUBLISH_CHANNEL_NAMES = {"website": "官方网站", "webhook": "微博/微信转发（Webhook）"}

ESCALATION_KIND_NAMES = {"malicious_hype": "恶意炒作", "rumour": "谣言", "school_disruption": "校闹"}
ESCALATION_TARGET_NAMES = {"propaganda": "县委宣传部", "police": "公安机关", "cyberspace": "网信办"}
ESCALATION_STATUS_NAMES = {"opened": "待审批", "sent": "已移交", "accepted": "已受理", "resolved": "已反馈",
                           "closed": "已办结"}
# The three above in one table (their codes do not overlap), as the workflow has always read them.
ESCALATION_NAMES = {**ESCALATION_KIND_NAMES, **ESCALATION_TARGET_NAMES, **ESCALATION_STATUS_NAMES}

LEDGER_KIND_NAMES = {"alert": "预警", "release": "回应发布", "escalation": "移交处置"}
REPORT_KIND_NAMES = {"daily": "舆情日报", "weekly": "舆情周报", "special": "舆情专报"}

# --- the audit log

PERMISSION_NAMES = {
    "view": "查看", "alert.raise": "发起预警与研判", "alert.review": "审核预警", "alert.close": "办结预警",
    "release.edit": "起草回应稿", "release.sign": "发言人签发", "release.approve": "领导审批",
    "release.publish": "发布回应", "escalation.open": "发起移交", "escalation.approve": "审批移交",
    "escalation.handle": "受理与反馈移交案件", "escalation.close": "办结移交案件", "evidence": "证据包",
    "report": "生成报告", "audit": "审计日志", "users": "用户管理",
}

# Every action the audit log records. A refused permission check is recorded under the permission's code,
# so every permission is an action too.
AUDIT_ACTION_NAMES = {
    **PERMISSION_NAMES,
    "login": "登录", "login.oidc": "统一身份认证登录", "logout": "退出登录", "session.resolve": "验证登录状态",
    "user.create": "新增用户", "user.set_role": "修改角色", "user.set_on_duty": "设置值班",
    "user.set_active": "启用或停用账号", "user.set_password": "修改密码",
    "alert.raise": "发起预警", "alert.grade": "调整等级", "alert.start_review": "开始审核",
    "alert.confirm": "确认预警", "alert.dismiss": "排除预警", "alert.close": "办结预警",
    "alert.assign": "明确责任与时限", "alert.facts": "记录核实情况", "alert.analysis": "填写研判意见",
    "clock.start": "开始回应计时", "clock.cancel": "取消回应计时", "clock.met": "完成回应计时",
    "clock.stage": "回应计时阶段变化",
    "release.draft": "起草回应稿", "release.save": "保存回应稿", "release.check": "未成年人信息检查",
    "release.sign": "发言人签发", "release.approve": "领导审批回应", "release.publish": "发布回应",
    "escalation.open": "发起移交", "escalation.attach": "添加移交附件", "escalation.approve": "审批移交",
    "escalation.accept": "受理移交", "escalation.close": "办结移交", "escalation.feedback": "反馈办理结果",
    "evidence.build": "生成证据包", "evidence.capture": "截取网页原貌", "evidence.download": "下载证据包", "evidence.verify": "校验证据包",
    "audit.verify": "校验审计日志", "profile.update": "修改县域配置",
}
AUDIT_OUTCOME_NAMES = {"ok": "成功", "denied": "拒绝", "failed": "未通过"}
# What an audit entry's target ("alert:A-1", "report:daily", "users") names.
TARGET_KIND_NAMES = {
    "alert": "预警", "alerts": "预警列表", "release": "回应稿", "releases": "回应稿列表", "publications": "发布记录",
    "escalation": "移交案件", "escalations": "移交案件列表", "event": "事件", "user": "用户", "users": "用户列表",
    "session": "登录会话", "oidc": "统一身份认证", "audit": "审计日志", "ledger": "台账", "report": "报告",
    "profile": "县域配置",
}

# --- what runs in the background

CRAWL_VERDICTS = ("ok", "blocked", "drift", "silent", "failing", "unknown")     # core.crawl_health.VERDICTS
CRAWL_VERDICT_NAMES = {"ok": "正常", "blocked": "疑似被封禁", "drift": "格式异常", "silent": "长时间无内容",
                       "failing": "采集失败", "unknown": "从未采集"}

# How a crawl run ended: Scrapy's close reasons, and ours for a run that could not finish by itself.
CRAWL_FINISH_NAMES = {"finished": "完成", "shutdown": "停止时结束", "closespider_timeout": "达到采集时限",
                      "closespider_pagecount": "达到页数上限", "closespider_itemcount": "达到条目上限",
                      "cancelled": "已取消", "crashed": "采集进程异常退出", "timeout": "超时被终止",
                      "killed": "被强制结束", "store_failed": "写入存储失败"}

WORKER_STATES = ("running", "stopping", "stopped", "never", "lost")
WORKER_STATE_NAMES = {"running": "运行中", "stopping": "正在停止", "stopped": "已停止", "never": "从未启动",
                      "lost": "失联（心跳超时）"}
JOB_OUTCOMES = ("ok", "error", "timeout", "interrupted", "running")
JOB_OUTCOME_NAMES = {"ok": "成功", "error": "出错", "timeout": "超时被终止", "interrupted": "停止时移交",
                     "running": "运行中"}
# The worker's jobs; a crawl job is "crawl:<source name>".
JOB_NAMES = {"enrich": "研判与预警", "clocks": "回应计时与通知", "daily_report": "生成舆情日报",
             "retention": "清理过期数据"}
CRAWL_JOB_PREFIX = "crawl:"

# Notification triggers (code -> what happened) and the state of each delivery.
TRIGGER_KINDS = {
    "alert_major": "新的重大（II级）或特别重大（I级）预警",
    "clock_80": "回应时限已用去80%",
    "clock_overdue": "回应时限已超时",
    "escalation_new": "新的移交（升级处置）案件",
    "hype_suspected": "疑似恶意炒作（协同传播评分达到提示线）",
    "crawl_format_drift": "信息源格式异常（页面正常返回却读不出条目）",
}
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "interrupted")
DELIVERY_STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                         "interrupted": "发送中断（可能已送达，未重发）"}
NOTIFY_CHANNEL_NAMES = {"email": "电子邮件", "wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书",
                        "json": "Webhook 接口"}

# --- coordinated amplification (恶意炒作) analysis: nlp.coordination's signals

COORDINATION_SIGNAL_NAMES = {
    "copy_burst": "短时集中发布相同文字", "template_campaign": "多账号套用同一模板", "template_comments": "疑似模板评论",
    "new_account_batch": "新注册账号成批出现", "new_accounts_acting_together": "成批新账号同时段集中发文", "cross_event": "跨事件重复发布相同文字",
    "low_follower_amplified": "低粉丝账号被异常放大", "synchronised_timing": "发布时间高度同步",
    "cross_platform": "多平台同步发布", "seed": "被可疑账号集中转发的源头账号",
}

# --- one lookup over every kind

KINDS: dict[str, Mapping[str, str]] = {
    "grade": GRADE_NAMES, "incident": INCIDENT_NAMES, "platform": PLATFORM_NAMES, "sentiment": SENTIMENT_NAMES,
    "relation": RELATION_NAMES,
    "role": ROLE_NAMES, "actor": ACTOR_NAMES, "unit_kind": UNIT_KINDS, "alert_state": ALERT_STATE_NAMES,
    "clock_kind": CLOCK_NAMES, "clock_stage": CLOCK_STAGE_NAMES, "release_status": RELEASE_STATUS_NAMES,
    "mask_finding": MASK_FINDING_NAMES, "publish_channel": PUBLISH_CHANNEL_NAMES,
    "escalation_kind": ESCALATION_KIND_NAMES, "escalation_target": ESCALATION_TARGET_NAMES,
    "escalation_status": ESCALATION_STATUS_NAMES, "ledger_kind": LEDGER_KIND_NAMES,
    "report_kind": REPORT_KIND_NAMES, "permission": PERMISSION_NAMES, "audit_action": AUDIT_ACTION_NAMES,
    "audit_outcome": AUDIT_OUTCOME_NAMES, "target_kind": TARGET_KIND_NAMES, "crawl_verdict": CRAWL_VERDICT_NAMES,
    "crawl_finish": CRAWL_FINISH_NAMES,
    "worker_state": WORKER_STATE_NAMES, "job_outcome": JOB_OUTCOME_NAMES, "job": JOB_NAMES,
    "trigger_kind": TRIGGER_KINDS, "delivery_status": DELIVERY_STATUS_NAMES, "notify_channel": NOTIFY_CHANNEL_NAMES,
    "coordination_signal": COORDINATION_SIGNAL_NAMES,
}


def all_codes() -> set[str]:
    """Every code of every kind (for checks that no code reaches a person)."""
    return {code for names in KINDS.values() for code in names}


def name_of(kind: str, code: object) -> str:
    """The Chinese name of ``code`` of this kind (see the module's docstring for empty and unknown values).
    KeyError for a ``kind`` that is not in ``KINDS`` (a programming error, not data)."""
    names = KINDS[kind]
    if code is None or code == "":
        return EMPTY
    text = str(code)                     # StrEnum members look up as their values
    if text in names:
        return names[text]
    if text in names.values():
        return text
    return unknown(text)


def grade_name(grade: object) -> str:
    return name_of("grade", grade)


def grade_label(grade: object) -> str:
    """``II级（重大）``; "—" when empty, ``未知（X）`` for a value that is no grade."""
    if grade is None or grade == "":
        return EMPTY
    if str(grade) not in GRADE_NAMES:
        return unknown(grade)
    return f"{grade}级（{GRADE_NAMES[str(grade)]}）"


def incident_name(code: object) -> str:
    return name_of("incident", code)


def platform_name(code: object) -> str:
    return name_of("platform", code)


def sentiment_name(code: object) -> str:
    return name_of("sentiment", code)


def role_name(code: object) -> str:
    return name_of("role", code)


def action_name(code: object) -> str:
    return name_of("audit_action", code)


def clock_stage_label(stage: object, late: bool = False) -> str:
    """The name of a clock's stage; a met clock that was met after its due time reads 超时完成."""
    if str(stage) == "met" and late:
        return CLOCK_MET_LATE_NAME
    return name_of("clock_stage", stage)


def job_name(job_id: str, source_label: str | None = None) -> str:
    """``采集·<source_label>`` for a crawl job (the source's own name when no label is given), the job's
    name otherwise; ``未知（id）`` for a job the vocabulary does not know."""
    if job_id and job_id.startswith(CRAWL_JOB_PREFIX):
        return f"采集·{source_label or job_id[len(CRAWL_JOB_PREFIX):]}"
    return name_of("job", job_id)


def actor_name(actor: object, display_names: Mapping[str, str] | None = None) -> str:
    """A person's display name for a username (from ``display_names``), 系统 for the system; an actor that is
    no known user (a refused login's typed name) is shown as typed, marked ``（非系统用户）``."""
    if actor is None or actor == "":
        return EMPTY
    text = str(actor)
    if text in ACTOR_NAMES:
        return ACTOR_NAMES[text]
    if display_names and text in display_names:
        return display_names[text]
    return f"{text}（非系统用户）"
