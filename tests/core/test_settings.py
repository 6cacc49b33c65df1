"""Settings: defaults < config file < YUQING_* environment < command line, and every one documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import SETTINGS, load_settings, parse_overrides

README = Path(__file__).resolve().parents[2] / "README.md"


def write_config(tmp_path, text: str) -> Path:
    path = tmp_path / "yuqing.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_overrides_the_one_below(tmp_path):
    config = write_config(tmp_path, 'retention_days = 30\nes_timeout = 9.5\nstore = "elasticsearch"\n'
                                    '[yuqing]\nes_index_prefix = "county"\n')
    environ = {"YUQING_ES_TIMEOUT": "7", "YUQING_STORE": "sqlite"}
    settings = load_settings(config, environ=environ, overrides=parse_overrides(["store=elasticsearch"]))
    assert settings.data_dir == "var" and settings.origin("data_dir") == "default"
    assert settings.retention_days == 30 and settings.origin("retention_days") == str(config)
    assert settings.es_index_prefix == "county"
    assert settings.es_timeout == 7.0 and settings.origin("es_timeout") == "YUQING_ES_TIMEOUT"
    assert settings.store == "elasticsearch" and settings.origin("store") == "command line"


def test_the_config_file_comes_from_yuqing_config_or_the_working_folder(tmp_path, monkeypatch):
    config = write_config(tmp_path, "retention_days = 12\n")
    assert load_settings(environ={"YUQING_CONFIG": str(config)}).retention_days == 12
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).retention_days == 12
    monkeypatch.chdir(tmp_path.parent)
    assert load_settings(environ={}).retention_days == 365


@pytest.mark.parametrize("environ,words", [({"YUQING_RETENTION_DAYS": "a year"}, ["retention_days",
                                                                                   "YUQING_RETENTION_DAYS"]),
                                           ({"YUQING_ES_TIMEOUT": "fast"}, ["es_timeout", "float"])])
def test_a_value_of_the_wrong_type_names_the_setting_and_where_it_came_from(environ, words):
    with pytest.raises(ConfigurationError) as caught:
        load_settings(environ=environ)
    assert all(word in str(caught.value) for word in words)


def test_config_file_mistakes_name_the_file(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_settings(write_config(tmp_path, "retension_days = 3\n"), environ={})
    assert "retension_days" in str(caught.value) and "yuqing.toml" in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(write_config(tmp_path, "store = \n"), environ={})
    assert "not valid TOML" in str(caught.value)
    with pytest.raises(ConfigurationError):
        load_settings(tmp_path / "missing.toml", environ={})


@pytest.mark.parametrize("pairs", [["store"], ["=sqlite"], ["no_such_setting=1"]])
def test_bad_set_flags_are_refused(pairs):
    with pytest.raises(ConfigurationError):
        parse_overrides(pairs)


def test_replace_coerces_and_marks_the_origin():
    settings = load_settings(environ={}).replace(retention_days="45")
    assert settings.retention_days == 45 and settings.origin("retention_days") == "code"


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"`([a-z][a-z0-9_]*)`", README.read_text(encoding="utf-8")))
    missing = [s.name for s in SETTINGS if s.name not in documented]
    assert not missing, f"settings missing from README.md (write each name in backticks): {missing}"
