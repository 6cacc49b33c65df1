"""Sentiment in three classes (负面 / 中性 / 正面): the neutral model beside the polarity model, our labels of
real posts, and the figures `yuqing train neutral` / `yuqing eval sentiment3` print."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.errors import InvalidInput
from core.vocabulary import SENTIMENTS
from infra.cli import main
from nlp.pipeline import load_pipeline
from nlp.training.labelled_refs import text_hash
from nlp.training.sentiment_labels import load_sentiment_labelled, read_sentiment_labels

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
LAST_LINE = re.compile(r"^accuracy=(\d\.\d{3}) macro_f1=(\d\.\d{3}) n=(\d+)$")

NOTICE = "渠县教育局通知：本周五全县中小学放假一天，下周一正常上课。"
QUESTION = "请问渠县三中今年的分数线是多少？"
POISONING = "渠县实验小学食堂发生集体食物中毒，30多名学生送医，家长们非常愤怒！"
THANKS = "感谢渠县中学的老师们，孩子考上了重点大学，太开心了！"


def test_a_notice_and_a_question_read_neutral_an_incident_negative_and_thanks_positive(pipeline):
    labels = [r.label for r in pipeline.sentiment.score_many([NOTICE, QUESTION, POISONING, THANKS])]
    assert labels == ["neutral", "neutral", "negative", "positive"]
    assert "neutral=neutral-charngram-lr@" in pipeline.model_version      # every enriched post records it


def test_the_neutral_model_moves_posts_towards_neutral_but_never_flips_their_polarity(profile):
    with_neutral = load_pipeline(profile).sentiment
    alone = load_pipeline(profile, neutral_dir="off").sentiment
    assert alone.neutral is None and "neutral=" not in load_pipeline(profile, neutral_dir="off").model_version
    texts = [NOTICE, QUESTION, POISONING, THANKS, "学校门口的路太堵了", "孩子们在运动会上拿了第一名，棒！",
             "校车司机酒驾被查", "今天天气不错", "这事到底怎么回事？"]
    three, two = with_neutral.scores(texts), alone.scores(texts)
    assert np.all((three >= 0.5) == (two >= 0.5))                   # the binary figures stay the polarity model's
    assert np.all(np.abs(three - 0.5) <= np.abs(two - 0.5) + 1e-9)
    assert two.tolist() == pytest.approx(alone.classifier.predict_proba(texts).tolist(), abs=1e-4)


def test_the_labels_file_names_real_posts_in_all_three_classes():
    rows = read_sentiment_labels()
    counts = Counter(label for _, _, label in rows)
    assert set(counts) == set(SENTIMENTS) and min(counts.values()) >= 100 and len(rows) >= 600
    assert len({ref for ref, _, _ in rows}) == len(rows)
    assert all(re.fullmatch(r"[0-9a-f]{16}", digest) for _, digest, _ in rows)


def test_a_bad_labels_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "labels.tsv"
    bad.write_text("ref\ttext_sha256\tlabel\nweibo_events#1\t0123456789abcdef\tangry\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 2"):
        read_sentiment_labels(bad)
    bad.write_text("ref\tlabel\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="first line"):
        read_sentiment_labels(bad)


def test_a_labelled_row_whose_text_changed_is_left_out(tmp_path):
    data = tmp_path / "data" / "rumour"
    data.mkdir(parents=True)
    (data / "posts.tsv").write_text("label\ttext\n0\t学校通知明天放假\n1\t气死了\n", encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text("ref\ttext_sha256\tlabel\n"
                      f"rumour/posts.tsv#1\t{text_hash('学校通知明天放假')}\tneutral\n"
                      f"rumour/posts.tsv#2\t{text_hash('开心')}\tnegative\n", encoding="utf-8")
    found, left_out = load_sentiment_labelled(tmp_path / "data", labels)
    assert [(e.text, e.label) for e in found] == [("学校通知明天放假", "neutral")]
    assert left_out == ["rumour/posts.tsv#2"]


@pytest.mark.skipif(not (SHARED / "weibo_events").is_dir(), reason="the shared data folder is not here")
def test_train_neutral_writes_a_model_that_beats_the_polarity_model_alone_on_held_out_posts(tmp_path, capsys):
    out = tmp_path / "neutral"
    assert main(["train", "neutral", "--data", str(SHARED), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert (out / "manifest.json").is_file() and (out / "README.md").is_file()
    alone = next(line for line in printed if line.startswith("polarity model alone"))
    trained = LAST_LINE.match(printed[-1])
    assert trained and float(trained[2]) > float(re.search(r"macro_f1=(\d\.\d{3})", alone)[1])
    assert any(line.startswith("中性 neutral") for line in printed)
    # The shipped model measures the same way through `yuqing eval sentiment3`, on the same held-out posts.
    assert main(["eval", "sentiment3", "--data", str(SHARED)]) == 0
    shipped = LAST_LINE.match(capsys.readouterr().out.strip().splitlines()[-1])
    assert shipped and float(shipped[2]) >= 0.58 and shipped[3] == trained[3]


def test_train_sentiment_can_add_our_labelled_polar_posts_counted_ten_times(tmp_path, capsys):
    data = tmp_path / "data" / "rumour"
    data.mkdir(parents=True)
    texts = ["学校通知明天放假", "气死了学校不管", "感谢老师太好了", "食堂饭菜发霉家长愤怒", "孩子获奖真开心"]
    (data / "posts.tsv").write_text("label\ttext\n" + "".join(f"0\t{t}\n" for t in texts), encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    classes = ["neutral", "negative", "positive", "negative", "positive"]
    labels.write_text("ref\ttext_sha256\tlabel\n" + "".join(
        f"rumour/posts.tsv#{i}\t{text_hash(t)}\t{c}\n" for i, (t, c) in enumerate(zip(texts, classes), start=1)),
        encoding="utf-8")
    base = tmp_path / "base.tsv"
    base.write_text("label\ttext\n" + "".join(f"{i % 2}\t{'好开心' if i % 2 else '真难过'}{i}\n" for i in range(40)),
                    encoding="utf-8")
    out = tmp_path / "model"
    assert main(["train", "sentiment", "--data", str(base), "--labelled-posts", str(tmp_path / "data"),
                 "--labels", str(labels), "--out", str(out)]) == 0
    examples, _ = load_sentiment_labelled(tmp_path / "data", labels)
    added = sum(1 for e in examples if not e.held_out and e.label != "neutral")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    base_train = manifest["metrics"]["train_rows"] - 10 * added
    assert added >= 1 and 0 < base_train < 40
    assert any("our polar posts" in name for name in manifest["training_data"])
    assert main(["train", "rumour", "--data", str(base), "--labelled-posts", str(tmp_path / "data"),
                 "--out", str(tmp_path / "rumour")]) == 2
    assert "yuqing train sentiment" in capsys.readouterr().out
