"""The county profile: the shipped one loads, and a mistake names the file, the line and the field."""

from __future__ import annotations

import pytest

from core.errors import ConfigurationError
from core.profile import DEFAULT_PROFILE, load_profile, parse_profile

GOOD = """\
[county]
name = "渠县"
aliases = ["渠县", "宕渠"]
context_terms = ["渠县"]

[[townships]]
name = "渠江街道"

[[schools]]
id = "quxian-zhongxue"
name = "渠县中学"
township = "渠江街道"
aliases = ["渠中"]

[[schools]]
id = "quxian-erzhong"
name = "渠县第二中学"

[[sources]]
name = "weibo-search"
spider = "weibo"
interval_s = 120
keywords = ["渠县"]
"""


def test_the_shipped_qu_county_profile_loads():
    profile = load_profile()
    assert profile.county == "渠县" and profile.path == DEFAULT_PROFILE
    assert len(profile.schools) >= 5 and profile.school("quxian-zhongxue").name == "渠县中学"
    assert profile.source("weibo-search").spider == "weibo"
    assert all(s.township in {t.name for t in profile.townships} for s in profile.schools if s.township)


def test_a_small_profile_parses_with_its_options():
    profile = parse_profile(GOOD)
    assert [s.id for s in profile.schools] == ["quxian-zhongxue", "quxian-erzhong"]
    assert profile.schools[0].all_names == ("渠县中学", "渠中")
    assert profile.sources[0].options == {"keywords": ["渠县"]} and profile.sources[0].interval_s == 120


@pytest.mark.parametrize("old,new,line,field", [
    ('name = "渠县第二中学"\n', 'name = ""\n', 15, "name"),
    ('id = "quxian-erzhong"', 'id = "quxian-zhongxue"', 15, "id"),
    ('township = "渠江街道"', 'township = "三汇镇"', 9, "township"),
    ("interval_s = 120", "interval_s = 5", 19, "interval_s"),
    ('name = "weibo-search"', 'name = "Weibo Search"', 19, "name"),
    ('aliases = ["渠中"]', 'aliases = "渠中"', 9, "aliases"),
])
def test_a_mistake_names_the_line_and_the_field(tmp_path, old, new, line, field):
    assert old in GOOD
    path = tmp_path / "county.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message and f"line {line}" in message and f"field '{field}'" in message


def test_unreadable_and_invalid_files_are_named(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_profile(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in str(caught.value)
    broken = tmp_path / "broken.toml"
    broken.write_text("[county\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_profile(broken)
    assert "broken.toml" in str(caught.value)
