from datetime import datetime, timedelta, timezone

from core.post import Post
from core.spread import first_per_platform, repost_chains, top_amplifiers

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)


def _post(pid, platform, author, minutes, parent=None, relation="", reposts=0):
    return Post(id=pid, source=f"{platform}-x", platform=platform, url=f"https://example.cn/{pid}",
                published_at=T0 + timedelta(minutes=minutes), fetched_at=T0 + timedelta(minutes=minutes),
                text="渠县二中", author=author, reposts=reposts, parent_id=parent, relation=relation)


POSTS = [_post("w1", "weibo", "甲", 10, reposts=50), _post("w2", "weibo", "乙", 20, "w1", "repost", reposts=5),
         _post("w3", "weibo", "丙", 30, "w2", "repost"), _post("t1", "tieba", "丁", 5),
         _post("n1", "news", "县报", 40, reposts=80), _post("w4", "weibo", "戊", 25, "w1", "comment")]


def test_first_appearance_per_platform_is_the_earliest_post_there():
    assert [(f.platform, f.post_id) for f in first_per_platform(POSTS)] == [("tieba", "t1"), ("weibo", "w1"),
                                                                           ("news", "n1")]


def test_amplifiers_are_ranked_by_the_reactions_they_drew():
    assert [a.author for a in top_amplifiers(POSTS, limit=2)] == ["县报", "甲"]


def test_repost_chains_follow_parent_ids_depth_first():
    chain = [(link.post_id, link.depth) for link in repost_chains(POSTS)]
    assert chain == [("w1", 0), ("w2", 1), ("w3", 2), ("w4", 1)]


def test_a_cycle_in_web_data_ends():
    looped = [_post("a", "weibo", "甲", 1, "b", "repost"), _post("b", "weibo", "乙", 2, "a", "repost")]
    assert len(repost_chains(looped)) <= 2
