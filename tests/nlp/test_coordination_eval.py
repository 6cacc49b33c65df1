"""``yuqing eval hype`` and ``yuqing hype build-eval`` on cascade files we write ourselves."""

from __future__ import annotations

import gzip
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from nlp.coordination.cascades import COLUMNS
from tests.nlp.coordination_cases import crew, institutions, organic


def _row(post, coordinated: int | None = None) -> str:
    cells = [post.event_id, "0", post.post_id, post.parent_id or "", str(int(post.at)), post.account,
             str(post.followers or 0), str(post.verified), str(post.verified_type or -1),
             str(int(post.account_created or 0)), "0", "0", "0", post.text]
    return "\t".join(cells + ([] if coordinated is None else [str(coordinated)]))


def _write(path: Path, labelled, with_label: bool = True) -> Path:
    header = list(COLUMNS) + (["coordinated"] if with_label else [])
    lines = ["\t".join(header)] + [_row(p, c if with_label else None) for p, c in labelled]
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    else:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _yuqing(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli", "--set", f"data_dir={cwd}", "--set", "store=sqlite", *args],
                          capture_output=True, text=True, timeout=300)


def _events():
    """Three organic events, one with a crew and one with institutions reposting a notice."""
    labelled = []
    for event_id in ("ev-1", "ev-2", "ev-3"):
        labelled += [(replace(p, event_id=event_id, post_id=f"{event_id}-{p.post_id}",
                              parent_id=p.parent_id and f"{event_id}-{p.parent_id}"), 0) for p in organic(event_id)]
    labelled += [(replace(p, post_id=f"ev-1-{p.post_id}", parent_id=f"ev-1-{p.parent_id}"), 1) for p in crew("ev-1")]
    labelled += [(replace(p, post_id=f"ev-2-{p.post_id}", parent_id=f"ev-2-{p.parent_id}"), 0)
                 for p in institutions("ev-2")]
    return labelled


def test_eval_hype_prints_account_precision_and_recall_last(tmp_path):
    data = _write(tmp_path / "cascades.tsv", _events())
    done = _yuqing("eval", "hype", "--data", str(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "precision=1.000 recall=1.000 n=213"     # 3 × 61 people, a crew of 10, 20 institutions
    assert "organic_events=2 above_line=0" in done.stdout
    assert "campaign_events=1 alerted=1" in done.stdout


def test_eval_hype_counts_a_missed_crew_against_recall(tmp_path):
    # The crew's posts spread over three days in distinct words: nothing ties them together any more.
    hidden = [(replace(p, at=p.at + n * 86400 / 3, text=f"我觉得这件事{n}号说法不太对劲，大家再看看{n * 7}"), 1)
              for n, p in enumerate(crew("ev-1"))]
    data = _write(tmp_path / "cascades.tsv", [e for e in _events() if e[1] == 0] + hidden)
    done = _yuqing("eval", "hype", "--data", str(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("precision=1.000 recall=0.000")


def test_a_cascade_file_without_the_cascade_columns_is_refused_with_what_to_fix(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("label\ttext\n1\t学校出事了\n", encoding="utf-8")
    done = _yuqing("eval", "hype", "--data", str(bad), cwd=tmp_path)
    assert done.returncode == 1
    assert "lacks the columns event_id, post_id, parent_id, t, user" in done.stderr


def test_a_bad_row_is_refused_with_its_line_number(tmp_path):
    data = _write(tmp_path / "cascades.tsv", _events()[:5])
    text = data.read_text(encoding="utf-8").splitlines()
    cells = text[3].split("\t")
    cells[4] = "yesterday"
    text[3] = "\t".join(cells)
    data.write_text("\n".join(text) + "\n", encoding="utf-8")
    done = _yuqing("eval", "hype", "--data", str(data), cwd=tmp_path)
    assert done.returncode == 1 and "line 4" in done.stderr


def test_build_eval_injects_campaigns_into_organic_cascades(tmp_path):
    organic_events = []
    for n in range(12):
        organic_events += [(replace(p, event_id=f"e{n}", post_id=f"e{n}-{p.post_id}",
                                    parent_id=p.parent_id and f"e{n}-{p.parent_id}"), 0) for p in organic(f"e{n}", 20)]
    source = _write(tmp_path / "cascades.tsv.gz", organic_events, with_label=False)
    out = tmp_path / "eval.tsv"
    done = _yuqing("hype", "build-eval", "--cascades", str(source), "--out", str(out), "--split", "dev",
                   "--events", "12", "--seed", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    header, body = rows[0], rows[1:]
    assert header[-1] == "coordinated" and "shape" in header
    campaign = [r for r in body if r[-1] == "1"]
    assert campaign and len({r[header.index("user")] for r in campaign}) >= 8
    assert len(body) > len(organic_events)
    scored = _yuqing("eval", "hype", "--data", str(out), cwd=tmp_path)
    assert scored.returncode == 0 and scored.stdout.strip().splitlines()[-1].startswith("precision=")
