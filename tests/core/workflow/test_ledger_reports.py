import io
from datetime import timedelta

import pytest
from docx import Document
from docx.shared import RGBColor
from openpyxl import load_workbook

from core.errors import PermissionDenied
from infra.storage.sqlite import SqlitePostStore
from workflow_factories import FACTS, T0, make_event


def test_ledger_lists_alerts_releases_escalations_with_overdue_first(wf, users, clock):
    late = wf.alerts.raise_from_events([make_event("late", grade="II", title="迟到的事件")])[0]
    calm = wf.alerts.raise_from_events([make_event("calm", grade="III", title="平稳的事件")])[0]
    wf.alerts.assign(users["reviewer"], calm.id, unit_kind="township", unit="三汇镇", person="赵镇长",
                     deadline=T0 + timedelta(days=5))
    wf.alerts.set_facts(users["reviewer"], late.id, FACTS)
    wf.releases.draft(users["spokesperson"], late.id, "first_response")
    wf.escalations.open(users["monitor"], late.id, "malicious_hype", "cyberspace", ["weibo:1"], "恶意炒作账号",
                        person="网信办刘科长")
    clock.set(T0 + timedelta(hours=6))
    rows = wf.ledger.rows(users["police_liaison"])
    assert {r.kind for r in rows} == {"alert", "release", "escalation"}
    assert rows[0].overdue and rows[0].alert_id == late.id
    calm_row = next(r for r in rows if r.id == calm.id)
    assert (calm_row.unit, calm_row.person, calm_row.overdue) == ("三汇镇", "赵镇长", False)
    book = load_workbook(io.BytesIO(wf.ledger.export_xlsx(users["leader"])))
    sheet = book["台账"]
    assert [c.value for c in sheet[1]][:4] == ["类别", "编号", "关联预警", "事项"]
    assert sheet.max_row == len(rows) + 1 and sheet.cell(2, 9).value == "是"


@pytest.fixture
def rwf(make_workflow, tmp_path):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many([{"id": f"weibo:{i}", "source": "weibo-search", "platform": "weibo" if i % 2 else "news",
                        "url": f"https://example.com/{i}", "published_at": T0 + timedelta(hours=i),
                        "fetched_at": T0 + timedelta(hours=i), "text": f"渠县第二中学 第{i}条"} for i in range(6)])
    yield make_workflow(post_store=store)
    store.close()


@pytest.mark.slow
def test_daily_and_weekly_reports_have_figures_charts_and_docx(rwf, users, clock):
    wf = rwf
    wf.alerts.raise_from_events([make_event(grade="II", title="二中学生受伤")])
    clock.set(T0 + timedelta(hours=10))
    daily = wf.reports.daily(users["monitor"], (T0 + timedelta(hours=10)).date())
    assert "共监测到涉及本县学校的网络信息 6 条" in daily.markdown and "二中学生受伤" in daily.markdown
    assert daily.charts and all(png.startswith(b"\x89PNG") for png in daily.charts.values())
    doc = Document(io.BytesIO(daily.docx))
    assert any("舆情日报" in p.text for p in doc.paragraphs) and doc.inline_shapes
    weekly = wf.reports.weekly(users["leader"])
    assert "舆情周报" in weekly.title and "6 条" in weekly.markdown
    special = wf.reports.special(users["leader"], "ev-1")
    assert "5小时信息发布" in special.markdown and special.docx[:2] == b"PK"
    with pytest.raises(PermissionDenied):
        wf.reports.daily(users["police_liaison"])


def _publish_at(wf, users, clock, alert, hours_after_t0: float):
    release = wf.releases.draft(users["spokesperson"], alert.id, "first_response")
    wf.releases.check_minors(users["spokesperson"], release.id)
    wf.releases.sign(users["spokesperson"], release.id)
    wf.releases.approve(users["leader"], release.id)
    clock.set(T0 + timedelta(hours=hours_after_t0))
    wf.releases.publish(users["spokesperson"], release.id)
    return release


def test_a_release_published_late_reads_late_everywhere(wf, users, confirmed_alert, clock):
    release = _publish_at(wf, users, clock, confirmed_alert, hours_after_t0=13)      # 5 h clock: 8 h late
    views = {v.clock.kind.value: v for v in wf.clocks.for_alert(confirmed_alert.id)}
    assert views["release_5h"].stage_name == "超时完成" and views["release_5h"].late
    assert views["answer_48h"].stage_name == "已按时完成" and not views["answer_48h"].late
    rows = {r.id: r for r in wf.ledger.rows(users["leader"])}
    assert rows[release.id].overdue and rows[release.id].deadline == T0 + timedelta(hours=5)
    assert rows[confirmed_alert.id].overdue
    book = load_workbook(io.BytesIO(wf.ledger.export_xlsx(users["leader"])))
    late = {row[1].value: row[8].value for row in book["台账"].iter_rows(min_row=2)}
    assert late[release.id] == "是" and late[confirmed_alert.id] == "是"


def test_a_release_published_in_time_is_not_overdue(wf, users, confirmed_alert, clock):
    release = _publish_at(wf, users, clock, confirmed_alert, hours_after_t0=2)
    views = {v.clock.kind.value: v for v in wf.clocks.for_alert(confirmed_alert.id)}
    assert views["release_5h"].stage_name == "已按时完成"
    rows = {r.id: r for r in wf.ledger.rows(users["leader"])}
    assert not rows[release.id].overdue and not rows[confirmed_alert.id].overdue


def test_the_alert_page_and_the_ledger_share_one_deadline(wf, users, confirmed_alert):
    wf.alerts.assign(users["reviewer"], confirmed_alert.id, unit_kind="school", unit="渠县第二中学", person="校长",
                     deadline=T0 + timedelta(days=1))
    deadline = wf.clocks.deadline(wf.alerts.get(users["leader"], confirmed_alert.id))
    row = next(r for r in wf.ledger.rows(users["leader"]) if r.id == confirmed_alert.id)
    assert (deadline.at, deadline.what) == (T0 + timedelta(hours=5), "5小时信息发布") and row.deadline == deadline.at


def test_charts_are_labelled_in_chinese_with_an_installed_cjk_font():
    import warnings

    from core.workflow.reports import bar_chart, cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed here (infra/fonts.sh installs fonts-noto-cjk as root)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # matplotlib warns for every glyph its font lacks
        png = bar_chart("各平台传播量", [("微博", 3), ("政务留言板", 1)])
    assert png.startswith(b"\x89PNG")


def test_reports_are_docx_in_the_official_document_layout(rwf, users, clock):
    from docx.oxml.ns import qn

    rwf.alerts.raise_from_events([make_event(grade="II", title="二中学生受伤")])
    clock.set(T0 + timedelta(hours=10))
    doc = Document(io.BytesIO(rwf.reports.daily(users["leader"]).docx))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "渠县教育局" and texts[1].startswith("渠县舆情日报〔2026〕") and texts[1].endswith("号")
    assert doc.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)                  # red masthead
    normal = doc.styles["Normal"].font
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and normal.size.pt == 16
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert "PAGE" in section.footer._element.xml                                          # page numbers


def test_daily_report_lists_the_days_releases_and_referrals(wf, users, confirmed_alert, clock):
    release = _publish_at(wf, users, clock, confirmed_alert, hours_after_t0=2)
    wf.escalations.open(users["monitor"], confirmed_alert.id, "rumour", "police", ["weibo:1"], "编造学生死亡谣言")
    daily = wf.reports.daily(users["leader"]).markdown
    section = daily.split("## 六、回应发布")[1].split("## 七")[0]        # web-derived text is Markdown-escaped
    assert release.title in section and "首次回应" in section and "情况通报" in section
    assert "## 七、移交处置" in daily and "谣言，移交公安机关" in daily and "编造学生死亡谣言" in daily
