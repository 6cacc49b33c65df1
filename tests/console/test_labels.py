"""The words pages print for sources, jobs, audit targets and snapshots, and where a report's charts go."""

from __future__ import annotations

from core.profile import load_profile
from console.components.labels import chinese_or, describe_snapshot, job_label, source_label, target_label
from console.pages.reports import split_at_charts

PROFILE = load_profile(None)                 # the shipped Qu County profile
PEOPLE = {"leader": "王局长", "monitor": "李明"}


def test_sources_are_named_by_platform_and_what_they_watch():
    assert source_label("weibo-search", PROFILE) == "微博·关键词搜索"
    assert source_label("weibo-accounts", PROFILE) == "微博·关注账号"
    assert source_label("news-dzrbs", PROFILE) == "新闻网站·dzrbs.com"
    assert source_label("tieba-quxian", PROFILE) == "贴吧·渠县吧"
    assert source_label("gov-board", PROFILE) == "政务留言板"
    assert source_label("removed-source", PROFILE) == "未知（removed-source）"


def test_worker_jobs_are_named():
    assert job_label("crawl:rss-quxian-gov", PROFILE) == "采集·RSS订阅·quxian.gov.cn"
    assert job_label("enrich", PROFILE) == "研判与预警"
    assert job_label("clocks", None) == "回应计时与通知"


def test_audit_targets_are_named():
    assert target_label("alert:A-1", PEOPLE) == "预警 A-1"
    assert target_label("user:leader", PEOPLE) == "用户 王局长"
    assert target_label("report:special:ev-1", PEOPLE) == "舆情专报（事件 ev-1）"
    assert target_label("profile:/etc/yuqing/profile.toml", PEOPLE) == "县域配置"
    assert target_label("users", PEOPLE) == "用户列表"
    assert target_label("", PEOPLE) == "—"


def test_snapshots_show_the_fields_a_person_reads_in_words():
    text = describe_snapshot({"id": "A-1", "state": "under_review", "grade": "II", "version": 3,
                              "schools": ["qx-no2"], "incident_types": ["food_safety"], "facts": {"a": 1},
                              "on_duty": True, "deadline": "2026-11-29T02:00:00+00:00"},
                             PEOPLE, {"qx-no2": "渠县第二中学"})
    assert text == ("状态：审核中；等级：II级（重大）；学校：渠县第二中学；类型：食品安全；核实情况：1 项；值班：是；"
                    "时限：2026-11-29 10:00")
    assert describe_snapshot({"status": "sent", "kind": "rumour", "target": "police"}, PEOPLE, {}) == \
        "状态：已移交；类型：谣言；移交单位：公安机关"
    assert describe_snapshot(None, PEOPLE, {}) == ""


def test_messages_written_for_logs_are_not_shown():
    assert chinese_or("crawl of weibo-search finished in 9.4 s", "采集正常") == "采集正常"
    assert chinese_or("正常：读到 5 条", "采集正常") == "正常：读到 5 条"
    assert chinese_or(None, "—") == "—"


def test_report_charts_are_shown_where_the_report_names_them():
    markdown = "## 五、预警处置\n无\n## 六、图表\n\n![信息量趋势.png](信息量趋势.png)\n"
    parts = split_at_charts(markdown, {"信息量趋势.png": b"png", "平台分布.png": b"png"})
    assert parts == [("text", "## 五、预警处置\n无\n## 六、图表\n"), ("chart", "信息量趋势.png"),
                     ("chart", "平台分布.png")]
