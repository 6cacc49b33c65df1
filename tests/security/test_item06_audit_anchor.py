"""Item 6: whoever can write the state database can re-compute the audit chain and its head; the signed head
kept outside the database (the anchor file, and the end of every daily report) shows a cut tail, entries
removed and re-chained, and emptied tables."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace

import pytest
from sqlalchemy import delete, insert, update

from core.errors import PermissionDenied
from core.workflow.audit import GENESIS, entry_hash
from infra.cli import main as cli
from infra.state import tables
from infra.state.codec import to_row
from tests.security.desk import AUDIT_KEY, T0, open_case, open_desk


@pytest.fixture
def desk(tmp_path):
    desk = open_desk(tmp_path)
    case = open_case(desk)
    for role in ("monitor", "police_liaison", "reviewer"):              # refusals: audited as denied
        with pytest.raises(PermissionDenied):
            desk.wf.escalations.approve(desk.users[role], case.id)
    desk.wf.escalations.approve(desk.users["leader"], case.id)
    assert desk.wf.audit.verify().ok
    yield desk
    desk.close()


def rewrite_log(desk, entries) -> None:
    """What an insider with write access to the database does: replace the log and its head, consistently."""
    with desk.runtime.state.engine.begin() as conn:
        conn.execute(delete(tables.audit_log))
        for entry in entries:
            conn.execute(insert(tables.audit_log).values(**to_row(entry)))
        last = entries[-1] if entries else None
        conn.execute(update(tables.audit_head).values(seq=last.seq if last else 0, hash=last.hash if last else ""))


def rechained(entries):
    result, prev = [], GENESIS
    for seq, entry in enumerate(entries, start=1):
        digest = entry_hash(seq, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.before,
                            entry.after, entry.detail, prev)
        result.append(replace(entry, seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    return result


def problems(desk) -> str:
    report = desk.wf.audit.verify()
    assert not report.ok
    return "；".join(report.problems)


def test_cutting_the_tail_and_updating_the_head_shows(desk):
    entries = desk.wf.audit.entries(limit=None, newest_first=False)
    rewrite_log(desk, entries[:-3])
    assert "截断" in problems(desk)


def test_removing_the_denied_entries_and_re_chaining_shows(desk):
    entries = desk.wf.audit.entries(limit=None, newest_first=False)
    assert any(e.outcome == "denied" for e in entries)
    rewrite_log(desk, rechained([e for e in entries if e.outcome != "denied"]))
    assert "外部锚点" in problems(desk)


def test_re_chaining_up_to_the_anchored_length_still_shows(desk):
    entries = desk.wf.audit.entries(limit=None, newest_first=False)
    kept = [e for e in entries if e.outcome != "denied"]
    padding = [replace(kept[-1], detail=f"填充 {n}") for n in range(len(entries) - len(kept))]
    rewrite_log(desk, rechained(kept + padding))
    assert "与外部锚点不符" in problems(desk)


def test_emptying_both_tables_shows_and_the_cli_says_so(desk, tmp_path, capsys):
    rewrite_log(desk, [])
    assert "清空" in problems(desk)
    code = cli(["--set", f"data_dir={tmp_path / 'data'}", "--set", f"audit_hmac_key={AUDIT_KEY}",
                "--set", f"audit_anchor_file={tmp_path / 'anchor' / 'audit-heads.jsonl'}", "verify-audit"])
    assert code == 1 and "清空" in capsys.readouterr().out


def test_a_forged_anchor_line_is_reported(desk, tmp_path):
    anchor = tmp_path / "anchor" / "audit-heads.jsonl"
    with anchor.open("a") as handle:                   # an append without the key: it cannot be signed
        handle.write(json.dumps({"seq": 999, "hash": "f" * 64, "at": T0.isoformat(), "mac": "0" * 64}) + "\n")
    assert "签名无效" in problems(desk)


def test_the_daily_report_carries_the_signed_head_and_anchors_it(desk, tmp_path):
    report = desk.wf.reports.daily(desk.users["leader"], T0.date())
    seq, head_hash = desk.runtime.state.workflow_repository().audit_head()
    mac = hmac.new(AUDIT_KEY.encode(), f"yuqing-audit-head:{seq}:{head_hash}".encode(), hashlib.sha256).hexdigest()
    assert f"审计日志共 {seq} 条" in report.markdown and head_hash in report.markdown and mac in report.markdown
    lines = (tmp_path / "anchor" / "audit-heads.jsonl").read_text().splitlines()
    assert json.loads(lines[-1]) | {"at": ""} == {"seq": seq, "hash": head_hash, "mac": mac, "at": "",
                                                  "reason": f"daily report {T0.date().isoformat()}"}
    assert not (tmp_path / "data" / "audit-anchor").exists()          # configured outside the data folder
