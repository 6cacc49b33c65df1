"""The crowd rumour model (source + reactions), its JSON-lines evaluation, and the incident model's labels."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.vocabulary import INCIDENT_TYPES
from infra.cli import main
from nlp.crowd import Reaction, crowd_rumour_score
from nlp.incident_model import shipped_incident_model
from nlp.rumour import RumourScorer
from nlp.training.cascades import read_jsonl
from nlp.training.incident import cross_validate, split_labelled
from nlp.training.incident_data import LABELS_FILE, LabelledPost, load_labelled, read_labels

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
LAST_LINE = re.compile(r"^accuracy=\d\.\d{3} macro_f1=\d\.\d{3} n=\d+$")
SOURCE = "网传渠县二中有学生被打死了，学校封锁消息，大家扩散"
DOUBT = ["假的吧，求证", "官方已经辟谣了，别转了", "造谣的人该抓", "真的假的？有出处吗", "谣言，别信"]
GRIEF = ["太可怕了，愿孩子安息", "心疼孩子", "严惩凶手", "家长该多痛心啊", "学校要负责任"]


def test_doubting_reactions_raise_the_rumour_score_and_are_named():
    doubted = crowd_rumour_score(SOURCE, [Reaction(t, 60.0 * i) for i, t in enumerate(DOUBT)])
    mourned = crowd_rumour_score(SOURCE, [(t, 60.0 * i) for i, t in enumerate(GRIEF)])
    assert doubted.score > mourned.score and doubted.reactions == 5
    assert any(c.startswith("评论辟谣") for c in doubted.cues) and not mourned.cues


def test_the_score_is_updated_as_reactions_arrive_and_reads_the_source_alone_without_them():
    scorer = RumourScorer(None)
    alone = scorer.score_with_reactions(SOURCE, [])
    assert alone == scorer.score_many([SOURCE])[0]
    later = scorer.score_with_reactions(SOURCE, [(t, 30.0) for t in DOUBT])
    assert later.score != alone.score and any("评论质疑" in c for c in later.cues)


def test_a_cover_up_claim_is_a_rumour_cue_and_an_own_notice_is_not():
    scorer = RumourScorer(None)
    claim, notice = scorer.score_many([
        "网传渠县二中有人捅死三个初三学生，官方通报轻描淡写，还封锁媒体，掩盖真相",
        "渠县城南幼儿园紧急通知：关于网曝我园幼儿受伤的情况说明。我园高度重视，特此说明。"])
    assert claim.score >= 0.5 > 0.2 > notice.score
    assert not any(c.startswith(("网传", "要求扩散转发")) for c in notice.cues)


def _jsonl(tmp_path, lines) -> Path:
    path = tmp_path / "cascades.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def test_eval_rumour_reads_json_lines_and_prints_every_checkpoint(tmp_path, capsys):
    lines = [{"label": 1, "text": SOURCE, "reactions": [{"text": t, "t": 100 * i} for i, t in enumerate(DOUBT)]},
             {"label": 0, "text": "渠县二中举行运动会，学生积极参加", "reactions": [{"text": t, "t": 5000} for t in GRIEF]}]
    assert main(["eval", "rumour", "--data", str(_jsonl(tmp_path, lines))]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in out[1:4]] == ["仅原帖 source only", "前10条反应 first 10 reactions",
                                                         "首小时 first hour"]
    assert LAST_LINE.match(out[-1]) and out[-1].endswith("n=2")


def test_a_bad_json_line_is_named_with_what_to_fix(tmp_path):
    path = _jsonl(tmp_path, [{"label": 1, "text": "x", "reactions": [{"text": "y", "t": "soon"}]}])
    with pytest.raises(InvalidInput, match=r"line 1: a reaction's \"t\" must be seconds"):
        read_jsonl(path)
    path.write_text('{"label": 2, "text": "x"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 1"):
        read_jsonl(path)


def test_the_labels_name_known_types_and_cover_every_learned_type():
    rows = read_labels(LABELS_FILE)
    assert len(rows) >= 600
    assert {t for _, _, types in rows for t in types} <= set(INCIDENT_TYPES)
    assert sum(1 for _, _, types in rows if not types) >= 200          # hard negatives and non-incidents
    model = shipped_incident_model()
    assert {"violence", "sexual_misconduct", "exams"} <= set(model.learned)


def test_a_changed_row_of_the_data_is_left_out_not_trained_on(tmp_path):
    folder = tmp_path / "data" / "rumour"
    folder.mkdir(parents=True)
    (folder / "posts.tsv").write_text("label\ttext\n0\t渠县二中学生打架\n0\t渠县一小食堂饭菜变质\n", encoding="utf-8")
    digest = hashlib.sha256("渠县二中学生打架".encode()).hexdigest()[:16]
    labels = tmp_path / "labels.tsv"
    labels.write_text(f"ref\ttext_sha256\ttypes\nrumour/posts.tsv#1\t{digest}\tviolence\n"
                      f"rumour/posts.tsv#2\t{digest}\tfood_safety\n", encoding="utf-8")
    posts, left_out = load_labelled(tmp_path / "data", labels)
    assert [p.types for p in posts] == [("violence",)] and left_out == ["rumour/posts.tsv#2"]


@pytest.mark.skipif(not (SHARED / "weibo_events").is_dir(), reason="the shared data folder is not here")
def test_eval_incident_reports_every_type_on_the_held_out_part_and_cross_validates_on_request(capsys):
    assert main(["eval", "incident", "--data", str(SHARED), "--folds", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    figure_lines = [i for i, line in enumerate(out)
                    if re.match(r"^macro_f1=\d\.\d{3} precision=\d\.\d{3} recall=\d\.\d{3} n=\d+$", line)]
    assert len(figure_lines) == 2 and figure_lines[-1] == len(out) - 1      # the last line is the held-out part's
    assert any(line.startswith("cross-validation of the recipe") for line in out)
    assert sum(1 for line in out if line.startswith("暴力冲突 violence")) == 2
    cross_validated, held_out = (int(out[i].rsplit("n=", 1)[1]) for i in figure_lines)
    assert cross_validated > 2 * held_out                  # every training post typed once, by a model blind to it


def test_cross_validation_types_every_training_post_once_with_a_model_that_never_saw_its_story():
    stories = [("渠县{}中几名学生在宿舍霸凌同学{}", ("bullying",)), ("渠县{}中考试作弊被查处{}", ("exams",)),
               ("渠县{}中学生在操场打架{}", ("violence",)), ("渠县{}中今天开运动会{}", ())]
    posts = [LabelledPost(f"x#{k}", template.format(k % 9 + 1, "！" * (k % 7)) + f"第{k}条", types)
             for k in range(160) for template, types in [stories[k % 4]]]
    figures = cross_validate(posts, folds=4)
    assert figures.n == len(split_labelled(posts)[0])
    assert {f.kind for f in figures.by_type if f.support} == {"bullying", "exams", "violence"}
    with pytest.raises(InvalidInput, match="at least 2 folds"):
        cross_validate(posts, folds=1)
