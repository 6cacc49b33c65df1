"""Ledger, reports, audit log and settings: what the leader and the administrator see and do."""

from __future__ import annotations

import io

import openpyxl

from console import data
from tests.console.conftest import act, login, open_page, texts


def _download(at, label: str) -> bytes:
    buttons = [b for b in at.get("download_button") if b.proto.label == label]
    assert buttons, f"no download button {label!r}"
    return buttons[0].proto


def test_ledger_lists_alerts_and_exports_excel(seeded):
    at = open_page(login("leader"), "ledger-book")
    assert "共 2 项" in texts(at)
    frame = at.dataframe[0].value
    assert set(frame["类别"]) == {"预警"} and "渠县中学食堂饭菜疑似变质" in set(frame["事项"])
    act(at, "导出 Excel")
    assert _download(at, "下载台账（Excel）")
    workbook = openpyxl.load_workbook(io.BytesIO(data.workflow().ledger.export_xlsx(
        data.workflow().users.by_username("leader"))))
    cells = [c.value for row in workbook.active.iter_rows() for c in row]
    assert "渠县中学食堂饭菜疑似变质" in cells


def test_daily_report_is_shown_with_word_and_markdown_downloads(seeded):
    at = open_page(login("leader"), "report-center")
    said = act(at, "生成报告")
    assert "舆情日报" in said or "日报" in said, said
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载 Word（DOCX）" in labels and "下载 Markdown" in labels


def test_audit_log_verifies_for_the_leader_and_refuses_the_reviewer(seeded):
    at = open_page(login("leader"), "audit-log")
    assert "审计日志完整" in act(at, "校验审计日志")
    actions = set(at.dataframe[0].value["操作"])
    assert "发起预警" in actions and "登录" in actions          # actions by name, never as codes
    reviewer = open_page(login("reviewer"), "audit-log")
    assert "无权执行此操作" in texts(reviewer) and not reviewer.dataframe


def test_profile_upload_checks_size_format_and_content(seeded, monkeypatch):
    monkeypatch.setenv("YUQING_CONSOLE_PROFILE_MAX_BYTES", "2048")
    at = open_page(login("admin"), "admin")
    uploader = at.file_uploader(key="settings.profile_upload")
    uploader.upload("big.toml", b"# x\n" * 1000, "application/toml")
    assert "超过上限" in act(at, "校验并保存")
    at.file_uploader(key="settings.profile_upload").upload("bad.toml", b"[county\nname = 1", "application/toml")
    said = act(at, "校验并保存")
    assert "配置文件有误" in said and "line" in said
    good = ('[county]\nname = "渠县"\naliases = ["渠县"]\ncontext_terms = ["渠县"]\n'
            '[[schools]]\nid = "test-school"\nname = "测试学校"\n')
    at.file_uploader(key="settings.profile_upload").upload("ok.toml", good.encode("utf-8"), "application/toml")
    said = act(at, "校验并保存")
    assert "已保存到" in said and "学校 1 所" in said
    saved = seeded.data_dir / "profile.toml"
    assert saved.read_text(encoding="utf-8") == good              # the shipped profile is left alone
    assert any(e.action == "profile.update" for e in data.workflow().audit.entries(limit=None))


def test_only_the_administrator_may_change_the_profile(seeded):
    at = open_page(login("reviewer"), "admin")
    good = '[county]\nname = "渠县"\n[[schools]]\nid = "s"\nname = "某校"\n'
    at.file_uploader(key="settings.profile_upload").upload("ok.toml", good.encode("utf-8"), "application/toml")
    assert "无权执行此操作" in act(at, "校验并保存")
    assert not (seeded.data_dir / "profile.toml").exists()


def test_administrator_adds_a_user_who_can_then_log_in(seeded):
    at = open_page(login("admin"), "admin")
    at.text_input(key="settings.new_username").input("wangwu")
    at.text_input(key="settings.new_name").input("王五")
    at.selectbox(key="settings.new_role").set_value("monitor")
    at.text_input(key="settings.new_password").input("a-long-password")
    assert "已新增用户 wangwu" in act(at, "新增")
    users = next(d.value for d in at.dataframe if "用户名" in d.value.columns)
    assert "王五" in set(users["姓名"])
    newcomer = login("wangwu", "a-long-password")
    assert [t.value for t in newcomer.title] == ["总览"]


def test_an_edited_audit_entry_is_named_by_the_verification(seeded):
    import sqlite3

    with sqlite3.connect(seeded.data_dir / "state.db") as db:       # someone edits the log behind our back
        db.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
    at = open_page(login("leader"), "audit-log")
    said = act(at, "校验审计日志")
    assert "审计日志被改动" in said and "第 2 条" in said
