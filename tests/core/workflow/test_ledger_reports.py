import io
from datetime import timedelta

import pytest
from docx import Document
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
