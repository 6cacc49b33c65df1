"""`yuqing init / status / search / settings` against each backend, as an operator runs them."""

from __future__ import annotations

import json

import pytest

from core.settings import load_settings
from infra.cli import main
from infra.state import open_state_database
from infra.storage import open_post_store
from tests.storage.conftest import BACKENDS
from tests.storage.posts import POSTS


@pytest.fixture(params=BACKENDS)
def cli_args(request, tmp_path, monkeypatch):
    """The --set flags that point the CLI at an empty store of one backend."""
    for name in ("YUQING_STORE", "YUQING_ES_URL", "YUQING_ES_INDEX_PREFIX", "YUQING_SQLITE_PATH", "YUQING_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    args = ["--set", f"data_dir={tmp_path / 'var'}", "--set", f"store={request.param}"]
    if request.param == "elasticsearch":
        args += ["--set", f"es_url={request.getfixturevalue('es_url')}", "--set", f"es_index_prefix=cli{id(args)}"]
    yield args
    if request.param == "elasticsearch":
        store = _open(args)
        store.client.indices.delete(index=f"{store.alias}-*", ignore_unavailable=True)
        store.client.indices.delete_index_template(name=store.alias)
        store.close()


def _settings(args):
    pairs = dict(a.split("=", 1) for a in args[1::2])
    return load_settings(environ={}, overrides=pairs)


def _open(args):
    """The store the CLI opens for these flags, opened the way the runtime does."""
    settings = _settings(args)
    return open_post_store(settings.store, sqlite_file=settings.sqlite_file, es_url=settings.es_url,
                           es_index_prefix=settings.es_index_prefix, es_timeout=settings.es_timeout)


def test_init_then_status_shows_the_posts_per_platform(cli_args, capsys):
    assert main([*cli_args, "init"]) == 0
    assert "0 posts" in capsys.readouterr().out
    store = _open(cli_args)
    store.upsert_many(POSTS)
    store.close()
    assert main([*cli_args, "status", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["posts"] == len(POSTS) and summary["unenriched"] == 2
    assert summary["per_platform"]["weibo"] == 6
    assert list(summary["per_school"])[0] == "渠县中学"      # quxian-zhongxue, by its name


def test_search_prints_the_matching_posts_newest_first(cli_args, capsys):
    main([*cli_args, "init"])
    store = _open(cli_args)
    store.upsert_many(POSTS)
    store.close()
    capsys.readouterr()
    assert main([*cli_args, "search", "食堂", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "3 posts match"
    assert "rss:9001" in out[1] and "weibo:5003" in out[2] and len(out) == 3


def test_an_unreachable_elasticsearch_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    open_state_database(f"sqlite:///{tmp_path / 'var' / 'state.db'}").close()   # a deployment that has run before
    code = main(["--set", "store=elasticsearch", "--set", "es_url=http://127.0.0.1:9", "--set", "es_timeout=1",
                 "status"])
    err = capsys.readouterr().err
    assert code == 1 and "http://127.0.0.1:9" in err and "Traceback" not in err


def test_settings_lists_every_setting_with_its_origin(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YUQING_RETENTION_DAYS", "90")
    assert main(["--set", "es_timeout=2.5", "settings"]) == 0
    out = capsys.readouterr().out
    assert "retention_days = 90  [YUQING_RETENTION_DAYS" in out
    assert "es_timeout = 2.5  [command line" in out
    assert "store = 'sqlite'  [default" in out
