"""``yuqing enrich`` runs the enrichment over the configured store and prints what it did."""

from __future__ import annotations

import json

from infra.cli import main
from infra.state import open_state_database
from infra.storage.sqlite import SqlitePostStore
from nlp.models import read_manifest, shipped_model_dir
from tests.stories import make_post


def test_yuqing_enrich_enriches_the_configured_store_and_saves_events(tmp_path, capsys):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many([make_post("a", "渠县二小食堂的肉有酸味，好几个孩子吃了肚子疼", 0),
                       make_post("b", "网传渠县二小食堂用变质肉，几十个孩子住院", 20),
                       make_post("c", "渠县今天下雪了", 30)])
    store.close()
    argv = ["--set", f"data_dir={tmp_path}", "--set", "store=sqlite", "enrich", "--json"]
    assert main(argv) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["posts"] == 3 and figures["events_created"] == 1
    store = SqlitePostStore(tmp_path / "posts.db")
    try:
        post = store.get("weibo:b")
        assert post.enrichment.schools == ("quxian-erxiao",) and "food_safety" in post.enrichment.incident_types
        assert post.enrichment.model_version == figures["model_version"] and post.enrichment.rumour_cues
        assert store.get("weibo:c").enrichment.event_id is None
    finally:
        store.close()
    state = open_state_database(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert [e.post_ids for e in state.events.list_events()] == [("weibo:a", "weibo:b")]
    finally:
        state.close()
    assert main(argv) == 0                     # a second run finds nothing left to do
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["posts"] == 0


def test_yuqing_enrich_names_a_missing_model_folder(tmp_path, capsys):
    argv = ["--set", f"data_dir={tmp_path}", "--set", f"sentiment_model={tmp_path / 'none'}", "enrich"]
    assert main(argv) == 1
    assert str(tmp_path / "none") in capsys.readouterr().err


def test_yuqing_enrich_rescore_scores_every_post_again_with_the_new_model(tmp_path, capsys):
    store = SqlitePostStore(tmp_path / "posts.db")
    store.upsert_many([make_post("a", "渠县二小食堂的肉有酸味，好几个孩子吃了肚子疼", 0),
                       make_post("b", "渠县二小的老师很负责，孩子进步很大", 20)])
    store.close()
    base = ["--set", f"data_dir={tmp_path}", "--set", "store=sqlite"]
    assert main([*base, "enrich", "--json"]) == 0
    classical = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["model_version"]
    assert main([*base, "enrich", "--rescore", "--json"]) == 0       # same models: every post again all the same
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["posts"] == 2
    transformer = str(shipped_model_dir("sentiment", "transformer"))
    assert main([*base, "--set", f"sentiment_model={transformer}", "enrich", "--rescore"]) == 0
    output = capsys.readouterr()
    assert "enriched 2 posts" in output.out and "研判" in output.err            # the progress bar
    store = SqlitePostStore(tmp_path / "posts.db")
    try:
        versions = {store.get(f"weibo:{i}").enrichment.model_version for i in "ab"}
    finally:
        store.close()
    shipped = read_manifest(transformer)            # the runtime runs its int8 graph, and the post says so
    running = f"{shipped.name}-int8@{shipped.version}"
    assert versions == {classical.replace(read_manifest(shipped_model_dir("sentiment")).label, running)}
    assert "sentiment=sentiment-bert-small-int8@" in versions.pop()
