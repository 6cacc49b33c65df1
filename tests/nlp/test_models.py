"""Model folders: manifest checks with errors that name the file or version, and the train/eval CLI."""

from __future__ import annotations

import json
import re

import pytest

from core.errors import ConfigurationError, VersionMismatch
from infra.cli import main
from nlp.classifiers import load_classifier
from nlp.models import read_manifest, shipped_model_dir
from nlp.training.classical import fit_classical
from nlp.training.data import Example
from nlp.training.evaluate import score

LAST_LINE = re.compile(r"^accuracy=\d\.\d{3} macro_f1=\d\.\d{3} n=\d+$")
POSITIVE = ["老师认真负责，孩子很喜欢上学", "学校环境很好，食堂饭菜也干净", "感谢老师的耐心，家长很满意", "活动办得很棒，点赞",
            "孩子进步很大，谢谢班主任", "校园漂亮，老师热情，值得推荐", "今天运动会很开心，大家都很棒", "服务周到，非常满意"]
NEGATIVE = ["食堂饭菜太难吃了，很失望", "学校乱收费，家长很气愤", "老师态度恶劣，孩子不想上学", "门口太乱了，没人管，真糟糕",
            "宿舍又脏又臭，太差了", "作业太多，孩子累坏了，很烦", "投诉了也没人理，气死了", "校车超载，太危险，很愤怒"]


@pytest.fixture()
def tiny_tsv(tmp_path):
    path = tmp_path / "tiny.tsv"
    rows = [(1, t) for t in POSITIVE] * 3 + [(0, t) for t in NEGATIVE] * 3
    path.write_text("label\ttext\n" + "".join(f"{label}\t{text}{i}\n" for i, (label, text) in enumerate(rows)),
                    encoding="utf-8")
    return path


def test_shipped_models_load_and_record_name_and_version():
    for task in ("sentiment", "rumour"):
        classifier = load_classifier(shipped_model_dir(task), task)
        assert classifier.manifest.task == task and "@" in classifier.manifest.label
        assert classifier.manifest.metrics["dev"]["n"] > 100


# Probabilities the shipped classical models gave for these posts when their TF-IDF was computed by hand;
# scikit-learn's TfidfTransformer over the stored idf must give the same. Sentiment: recorded again for
# sentiment-charngram-lr@2026.12.02.0922 (new weights: ChnSentiCorp reviews added to the training rows).
RECORDED = {
    "sentiment": [0.9156983494758606, 0.037756145000457764, 0.3226923942565918],
    "rumour": [0.444929301738739, 0.41567814350128174, 0.6062421798706055],
}
RECORDED_TEXTS = ["老师们辛苦了，孩子进步很大，非常感谢学校！", "太差劲了，学校根本不管，气死人，恶心",
                  "网传渠县二中食堂三名学生中毒死亡，大家转起来"]


@pytest.mark.parametrize("task", sorted(RECORDED))
def test_shipped_classical_models_give_the_probabilities_they_always_gave(task):
    proba = load_classifier(shipped_model_dir(task), task).predict_proba(RECORDED_TEXTS)
    assert proba == pytest.approx(RECORDED[task], abs=1e-6)


def test_a_trained_classical_model_predicts_the_same_after_saving_and_loading(tmp_path):
    rows = [Example(1, t) for t in POSITIVE] + [Example(0, t) for t in NEGATIVE]
    trained = fit_classical("sentiment", rows)
    trained.save(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({**trained.manifest.__dict__, "files": ["weights.npz"],
                                                        "training_data": []}), encoding="utf-8")
    texts = ["老师很好，谢谢", "食堂太差了", ""]
    assert load_classifier(tmp_path, "sentiment").predict_proba(texts) == pytest.approx(trained.predict_proba(texts),
                                                                                         abs=1e-6)
    assert trained.predict_proba(["孩子进步很大，谢谢班主任"])[0] > 0.5 > trained.predict_proba(["宿舍又脏又臭，太差了"])[0]


def test_figures_are_accuracy_and_the_mean_f1_of_both_labels():
    half = score([1, 1, 0, 0], [0.9, 0.2, 0.1, 0.8])
    assert (half.accuracy, half.macro_f1, half.f1_by_label, half.n) == (0.5, 0.5, (0.5, 0.5), 4)
    one_sided = score([1, 1, 0], [0.9, 0.9, 0.9])          # label 0 is never guessed
    assert one_sided.accuracy == pytest.approx(2 / 3) and one_sided.f1_by_label == pytest.approx((0.0, 0.8))
    assert one_sided.macro_f1 == pytest.approx(0.4) and one_sided.line() == "accuracy=0.667 macro_f1=0.400 n=3"
    assert score([], []).n == 0


def test_missing_folder_or_file_names_the_path(tmp_path):
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_classifier(tmp_path / "nowhere", "sentiment")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigurationError, match="manifest.json is missing"):
        load_classifier(tmp_path / "empty", "sentiment")


def test_other_format_version_or_task_or_missing_weights_says_what_is_expected(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    manifest = json.loads((shipped_model_dir("sentiment") / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}), encoding="utf-8")
    with pytest.raises(VersionMismatch, match="format version 99.*reads format version 1"):
        load_classifier(folder, "sentiment")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="weights.npz is missing"):
        read_manifest(folder, "sentiment")
    with pytest.raises(ConfigurationError, match="holds a sentiment model, not a rumour model"):
        read_manifest(folder, "rumour")


def test_cli_trains_and_evaluates_a_classical_model(tmp_path, tiny_tsv, capsys):
    out = tmp_path / "sent"
    assert main(["train", "sentiment", "--data", str(tiny_tsv), "--out", str(out)]) == 0
    assert main(["eval", "sentiment", "--model", str(out), "--data", str(tiny_tsv)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert LAST_LINE.match(last), last
    assert float(last.split()[0].split("=")[1]) >= 0.9     # it learned its own training rows


def test_cli_eval_held_out_scores_the_dev_split_only(tiny_tsv, capsys):
    assert main(["eval", "sentiment", "--held-out", "--data", str(tiny_tsv)]) == 0
    output = capsys.readouterr().out
    n = int(output.strip().splitlines()[-1].split("n=")[1])
    assert "(dev split)" in output and 0 < n < 48


def test_cli_eval_without_model_uses_the_shipped_default(tiny_tsv, capsys):
    assert main(["eval", "sentiment", "--data", str(tiny_tsv)]) == 0
    output = capsys.readouterr().out
    assert "nlp/models/sentiment" in output and LAST_LINE.match(output.strip().splitlines()[-1])


def test_cli_eval_rumour_also_says_what_the_enrichment_flags_before_any_reaction(tmp_path, capsys):
    data = tmp_path / "rumours.tsv"
    data.write_text("label\ttext\n1\t紧急扩散！网传某校食堂毒死三个学生，学校封锁消息掩盖真相\n"
                    "0\t教育局发布：全县中小学秋季学期开学工作有序进行\n", encoding="utf-8")
    assert main(["eval", "rumour", "--data", str(data)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    before = next(line for line in lines if line.startswith("risk a post gets before any reaction"))
    assert "flagged from 0.5" in before and before.endswith("n=2")
    assert LAST_LINE.match(lines[-1])                       # the model's own figure stays the last line


def test_cli_rejects_a_bad_data_file_naming_the_line(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("label\ttext\n1\tok\nmaybe\tbad row\n", encoding="utf-8")
    assert main(["train", "rumour", "--data", str(bad), "--out", str(tmp_path / "m")]) == 1
    assert "line 3" in capsys.readouterr().err


@pytest.mark.slow
def test_transformer_trains_from_scratch_then_fine_tunes_from_that_checkpoint(tmp_path, tiny_tsv, capsys):
    scratch, tuned = tmp_path / "scratch", tmp_path / "tuned"
    assert main(["train", "sentiment", "--kind", "transformer", "--epochs", "1", "--data", str(tiny_tsv),
                 "--out", str(scratch)]) == 0
    assert read_manifest(scratch, "sentiment").name == "sentiment-bert-small"
    assert main(["train", "sentiment", "--base", str(scratch), "--epochs", "1", "--data", str(tiny_tsv),
                 "--out", str(tuned)]) == 0
    assert read_manifest(tuned, "sentiment").config["base"] == str(scratch)
    assert main(["eval", "sentiment", "--model", str(tuned), "--data", str(tiny_tsv)]) == 0
    assert LAST_LINE.match(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.slow
def test_shipped_transformer_models_classify_out_of_the_box():
    for task in ("sentiment", "rumour"):
        classifier = load_classifier(shipped_model_dir(task, "transformer"), task)
        proba = classifier.predict_proba(["渠县二中食堂饭菜很好，谢谢老师", "", "😀😀"])
        assert len(proba) == 3 and all(0.0 <= p <= 1.0 for p in proba) and proba[1] == proba[2] == 0.5
