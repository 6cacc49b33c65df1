"""Pre-training: the corpus a user's files become, and `yuqing pretrain` run, resumed and fine-tuned from."""

from __future__ import annotations

import gzip
import json

import pytest

from infra.cli import main
from nlp.classifiers import OnnxClassifier, load_classifier
from nlp.models import shipped_model_dir
from nlp.training.corpus import build_corpus, pretraining_text, read_lines
from nlp.training.data import in_dev

# Our own posts, written for these tests.
POSTS = ["渠县二中今天开运动会，同学们都很开心", "学校门口的路又堵了，接孩子太难了", "食堂新换了厨师，饭菜好吃多了",
         "听说三中要搬到新校区，有没有家长知道消息", "教育局发布了暑期安全提醒，请家长注意防溺水",
         "孩子说老师讲课很有意思，作业也不多", "校车今天晚点半小时，家长们在群里问情况",
         "期末考试成绩出来了，班上进步很大", "图书馆周末开放，欢迎同学们来借书", "下雨天操场积水严重，希望学校修一修"]


def _cascade_file(path, texts):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("event_id\tpost_id\ttext\n")
        handle.writelines(f"1\t{i}\t{text}\n" for i, text in enumerate(texts))


def test_corpus_drops_bare_reposts_duplicates_quoted_chains_and_dev_texts(tmp_path):
    source = tmp_path / "cascades.tsv.gz"
    posts = [f"{p}，第{i}次" for i in range(6) for p in POSTS]
    _cascade_file(source, [*posts, "转发微博", "转发微博。", "Repost", "[哈哈][哈哈]", posts[0], posts[1],
                           f"{posts[2]}//@某用户:{posts[3]}", "好"])
    stats = build_corpus([source], tmp_path / "corpus.txt", tmp_path / "heldout.txt")
    kept, heldout = read_lines(tmp_path / "corpus.txt"), read_lines(tmp_path / "heldout.txt")
    assert stats.bare_reposts == 4 and stats.duplicates == 3 and stats.too_short == 1
    assert len(kept) == len(set(kept)) == stats.kept and not any("//@" in t or "转发微博" in t for t in kept)
    assert not any(in_dev(t) for t in kept) and heldout and all(in_dev(t) for t in heldout)
    assert stats.kept + stats.dev_texts == len(posts)


def test_pretraining_text_is_what_the_classifiers_read():
    assert pretraining_text("太好了[哈哈] http://t.cn/abc //@路人:转发") == "太好了"
    assert pretraining_text("轉發微博") == "" and pretraining_text("  ") == ""


def test_pretrain_rejects_a_file_without_a_text_column(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tbody\n1\t你好\n", encoding="utf-8")
    assert main(["pretrain", "--data", str(bad), "--out", str(tmp_path / "pt")]) == 1
    assert "'text' column" in capsys.readouterr().err


@pytest.mark.slow
def test_pretrain_resumes_and_the_base_fine_tunes_into_an_onnx_classifier(tmp_path, capsys):
    source, out = tmp_path / "cascades.tsv.gz", tmp_path / "pt"
    _cascade_file(source, [f"{p}，{i}号" for i in range(30) for p in POSTS])
    common = ["pretrain", "--out", str(out), "--batch-size", "8", "--save-every", "2", "--eval-every", "3",
              "--no-progress"]
    assert main([*common, "--data", str(source), "--steps", "4"]) == 0
    first = json.loads((out / "base" / "pretrain.json").read_text(encoding="utf-8"))
    assert main([*common, "--steps", "6"]) == 0                  # resumes: no --data needed
    figures = json.loads((out / "base" / "pretrain.json").read_text(encoding="utf-8"))
    assert first["step"] == 4 and figures["step"] == 6 and figures["tokens"] > first["tokens"] > 0
    assert "tokens/s" in capsys.readouterr().out
    base = out / "base"
    assert (base / "README.md").is_file() and (base / "model.safetensors").stat().st_size < 20_000_000
    labelled = tmp_path / "labelled.tsv"
    labelled.write_text("label\ttext\n" + "".join(f"{i % 2}\t{p}{i}\n" for i, p in enumerate(POSTS * 4)),
                        encoding="utf-8")
    model = tmp_path / "tuned"
    assert main(["train", "sentiment", "--base", str(base), "--epochs", "1", "--data", str(labelled),
                 "--out", str(model)]) == 0
    classifier = load_classifier(model, "sentiment")
    assert isinstance(classifier, OnnxClassifier) and classifier.predict_proba(["老师很好"]).shape == (1,)


def test_distant_labels_come_from_the_posts_own_emoticons_which_are_removed(tmp_path, capsys):
    source = tmp_path / "cascades.tsv.gz"
    happy = [f"{p}[哈哈]" for p in POSTS[:5]]
    angry = [f"[怒]{p}" for p in POSTS[5:]]
    _cascade_file(source, [*happy, *angry, "[哈哈][怒]渠县二中到底怎么了", "没有表情的一句话而已",
                           "我也这么想//@别人:真好[哈哈]", happy[0]])
    out = tmp_path / "distant.tsv"
    assert main(["distant-labels", "--data", str(source), "--out", str(out)]) == 0
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    # The text as the classifiers read it (NFKC turns the full-width comma into ",").
    expected = {("1", pretraining_text(p)) for p in POSTS[:5]} | {("0", pretraining_text(p)) for p in POSTS[5:]}
    assert {tuple(r) for r in rows} == {e for e in expected if not in_dev(e[1])}
    assert "mixed" in capsys.readouterr().out


def test_the_shipped_encoder_is_small_and_says_how_it_was_made():
    folder = shipped_model_dir("encoder-bert-tiny")
    figures = json.loads((folder / "pretrain.json").read_text(encoding="utf-8"))
    assert sum(f.stat().st_size for f in folder.iterdir()) < 20_000_000
    assert figures["step"] > 0 and figures["tokens"] > 0 and figures["corpus"]["kept"] > 0
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "tokens/s" in card and "masked-token accuracy" in card and (folder / "loss.png").is_file()
