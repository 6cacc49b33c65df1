"""Scenarios built from real cascades at run time: the builder reads the data set's format (here a small
cascade file of our own in that format), relocates only place and school names, keeps relative times
(compressed when long), turns bare reposts into copies, adds a third of distractors, and the result loads as
a scenario of the simulated web."""

from __future__ import annotations

import csv
import gzip

import pytest

from core.errors import ConfigurationError
from infra.simweb.real import Cascade, Incident, RealScenario, build_real, drill_minute
from infra.simweb.scenario import load_scenario

HEADER = ["event_id", "event_label", "post_id", "parent_id", "t", "user", "followers", "verified", "verified_type",
          "user_created_at", "reposts", "comments", "likes", "text"]
SOURCE_T = 1_400_000_000
SPEC = RealScenario(
    "real-test", "测试", "测试场景",
    (Incident("evt-a", "某地中学学生打架", "quxian-erzhong", ("violence",),
              (Cascade("100", (("甲省乙市某中学", "渠县第二中学"), ("乙市", "渠县"))),)),),
    (Cascade("200", (), 5, ("violence",)),))


def write_cascades(folder) -> None:
    rows = [["100", "1", "100", "", SOURCE_T, "u1", 10, "False", -1, 0, 5, 3, 1, "甲省乙市某中学发生学生打架，一名学生受伤"],
            ["100", "1", "101", "100", SOURCE_T + 60, "u2", 1, "False", -1, 0, 0, 0, 0, "乙市的学校怎么管的，必须严查到底！！"],
            ["100", "1", "102", "100", SOURCE_T + 3 * 3600, "u3", 1, "False", -1, 0, 0, 0, 0, "转发微博"],
            ["100", "1", "103", "101", SOURCE_T + 90, "u4", 1, "False", -1, 0, 0, 0, 0, "真的假的？乙市教育局出来说句话吧"],
            ["200", "0", "200", "", SOURCE_T - 99999, "u5", 1, "False", -1, 0, 0, 0, 0, "外省某法院二中院今天宣判一起案件"],
            ["200", "0", "201", "200", SOURCE_T - 99000, "u6", 1, "False", -1, 0, 0, 0, 0, "支持依法判决，正义也许迟到但不会缺席"],
            ["300", "0", "300", "", SOURCE_T, "u7", 1, "False", -1, 0, 0, 0, 0, "不在任何场景里"]]
    with gzip.open(folder / "cascades.tsv.gz", "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(HEADER)
        writer.writerows(rows)


def test_a_real_scenario_is_relocated_timed_and_loads(tmp_path):
    write_cascades(tmp_path)
    [path] = build_real(tmp_path, tmp_path / "out", (SPEC,))
    scenario = load_scenario(path)
    by_text = {p.text: p for p in scenario.posts}
    source = by_text["渠县第二中学发生学生打架，一名学生受伤"]
    assert source.event == "evt-a" and source.schools == ("quxian-erzhong",) and source.at_min == 0
    assert scenario.events[0].rumour is True and source.rumour is True
    reaction = by_text["渠县的学校怎么管的，必须严查到底！！"]
    assert reaction.repost_of == source.key and reaction.at_min == 1.0 and not scenario.is_copy(reaction)
    bare = by_text["转发微博"]
    assert scenario.is_copy(bare) and bare.at_min == 120 + 60 / 6      # three hours after: compressed
    negatives = [p for p in scenario.posts if not p.event]
    assert negatives and all(not p.schools and "hard_negative" in p.tags for p in negatives)
    distractor = by_text["外省某法院二中院今天宣判一起案件"]
    assert distractor.at_min == 5                                         # distractors keep their own words
    # typed as our guidelines read the post, though no incident of ours; its reactions carry no type
    assert distractor.incident_types == ("violence",) and not distractor.event and not distractor.schools
    assert by_text["支持依法判决，正义也许迟到但不会缺席"].incident_types == ()


def test_missing_data_says_where_to_put_it(tmp_path):
    with pytest.raises(ConfigurationError, match="weibo_events"):
        build_real(tmp_path, tmp_path / "out", (SPEC,))


def test_long_delays_are_compressed_within_twelve_hours():
    assert drill_minute(60 * 60) == 60 and drill_minute(7 * 24 * 3600) == 720
