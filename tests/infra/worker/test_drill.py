"""`yuqing drill` end to end (without the browser console): the simulated web, a real worker subprocess and
the drill clock; notifications reach a real SMTP server and a robot webhook once; the after-action report
gives the first post, detection, alert and the clocks."""

from __future__ import annotations

import io

import pytest

from core.settings import load_settings
from infra.drill import Drill


@pytest.mark.slow
def test_a_drill_runs_the_incident_notifies_once_and_writes_the_after_action_report(tmp_path, channels):
    smtp_port, mailbox, robot_url = channels.smtp_port, channels.mailbox, channels.robot_url
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
        "notify_emails": "leader=zhiban@qx.example,reviewer=shenhe@qx.example",
        "notify_webhooks": f"wecom={robot_url}", "crawl_polite": "false"})
    out = io.StringIO()
    # 600x: six drill hours in 36 s, long enough for the 5 h release clock to run out unanswered.
    drill = Drill(settings, "food-safety-rumour", speed=600, duration_h=6, console=False, out=out, warmup_s=8)

    assert drill.run() == 0

    printed = out.getvalue()
    assert "reviewer" in printed and "演练开始" in printed and "演练结束" in printed
    report = (drill.folder / "after-action-report.md").read_text(encoding="utf-8")
    for line in ("首条相关信息发布", "系统发现并聚合为事件", "系统发出预警", "5小时信息发布", "预警在演练结束时仍未审核"):
        assert line in report, line
    assert "| 5小时信息发布" in report and "| 未完成 | 否 |" in report

    def subjects(address):
        return [subject for rcpts, subject in mailbox.received if address in rcpts]

    assert any("重大" in s for s in subjects("shenhe@qx.example"))          # the alert reached the reviewer
    assert any("已超时" in s and "5小时" in s for s in subjects("zhiban@qx.example"))   # and the overdue clock
    for address in ("shenhe@qx.example", "zhiban@qx.example"):
        assert len(subjects(address)) == len(set(subjects(address)))        # each trigger once
    contents = [body["text"]["content"] for body in channels.robot_bodies]
    assert contents and len(contents) == len(set(contents))
