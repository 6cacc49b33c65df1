"""Coordination analysis (恶意炒作): the crew is found, the bystanders and institutions are not."""

from __future__ import annotations

from dataclasses import replace

from tests.nlp.coordination_cases import DAY, T0, crew, institutions, organic, source
from nlp.coordination import ALERT_LINE, CascadePost, account_history, analyse_event
from nlp.coordination.text import follows_template, own_wording


def test_own_wording_keeps_only_what_the_account_wrote():
    assert own_wording("真的吗[吃惊]//@甲:学校出事了//@乙:转发微博") == "真的吗"
    assert own_wording("转发微博") == ""
    assert own_wording("#渠县二中# 转发微博 话题详情:http://t.cn/abc") == ""
    assert own_wording("@某某 ，大家看看！！ http://t.cn/x") == "大家看看"
    assert own_wording("凡人甲: 每次看到这种新闻都很难过") == ""        # quoting somebody else


def test_templates_with_one_slot_changed_match_and_different_texts_do_not():
    a = own_wording("扩散！渠县二中老师把学生打成重伤送医，校长到现在还在封锁消息，必须给个说法！")
    b = own_wording("扩散！渠县二中老师把学生打成重伤送医，教育局到现在还在封锁消息，必须给个说法！")
    c = own_wording("我家孩子也在这个学校，刚打电话问了班主任说没事，大家别慌")
    assert follows_template(a, b)
    assert not follows_template(a, c)


def test_organic_spread_is_not_called_a_campaign():
    report = analyse_event(organic(), "ev-hype")
    assert report.flagged == () and report.score == 0
    assert report.posts_analysed == 61


def test_a_crew_posting_one_template_within_minutes_is_flagged_with_its_reasons():
    posts = organic() + crew()
    report = analyse_event(posts, "ev-hype")
    assert report.flagged_accounts == {f"u-crew-{n}" for n in range(10)}
    assert report.score >= ALERT_LINE and report.above_alert_line
    codes = {s.code for s in report.signals}
    assert {"copy_burst", "template_campaign", "new_accounts_acting_together"} <= codes
    burst = next(s for s in report.signals if s.code == "copy_burst")
    assert burst.measurements["largest_burst_accounts"] == 10
    assert any("10 个账号" in reason for reason in report.reasons)
    assert set(report.flagged_post_ids) == {p.post_id for p in crew()}


def test_institutions_reposting_one_notice_are_not_a_campaign():
    report = analyse_event(organic() + institutions(), "ev-hype")
    assert report.flagged == () and report.score < ALERT_LINE


def test_an_aged_crew_filling_a_template_over_a_day_is_still_found():
    slow = crew(size=9, gap=3 * 3600.0, batch=False)
    report = analyse_event(organic() + slow, "ev-hype")
    assert report.flagged_accounts == {p.account for p in slow}


def test_the_same_crew_in_unrelated_events_is_found_through_the_store_history():
    # Two crew members alone in this event are too few for a burst; their copies in two other events tell.
    pair = crew(size=2)
    elsewhere = [replace(p, event_id=e, post_id=f"{e}-{p.post_id}") for e in ("ev-a", "ev-b") for p in pair]
    everything = organic() + pair + elsewhere
    history = account_history(everything, [own_wording(p.text) for p in everything])
    report = analyse_event(organic() + pair, "ev-hype", history)
    assert report.flagged_accounts == {"u-crew-0", "u-crew-1"}
    assert next(s for s in report.signals if s.code == "cross_event").measurements["most_other_events"] == 2


def test_a_share_button_text_posted_everywhere_by_everybody_proves_nothing():
    button = "我在看一个很有意思的帖子，大家也来看看吧"
    posts = [CascadePost(post_id=f"b{n}", account=f"u-b{n}", at=T0 + n * 30, text=button, parent_id=None,
                         event_id=f"ev-{n % 6}") for n in range(60)]
    history = account_history(posts, [own_wording(p.text) for p in posts])
    assert own_wording(button) in history.boilerplate
    report = analyse_event([p for p in posts if p.event_id == "ev-0"], "ev-0", history)
    assert report.flagged == ()


def test_same_text_on_weibo_and_tieba_within_minutes_is_cross_platform():
    team = crew(size=6)
    mixed = [replace(p, platform="tieba" if n % 2 else "weibo") for n, p in enumerate(team)]
    report = analyse_event(organic() + mixed, "ev-hype")
    assert "cross_platform" in {s.code for s in report.signals}
    assert report.flagged_accounts == {p.account for p in mixed}


def test_a_small_seed_account_amplified_by_the_crew_is_flagged_as_the_seed():
    seed = CascadePost(post_id="seed", account="u-seed", at=T0 + 1500, text="二中出大事了，学校还在瞒着，大家帮忙转一下",
                       parent_id=source().post_id, event_id="ev-hype", followers=40, account_created=T0 - 300 * DAY)
    amplifiers = [replace(p, parent_id="seed") for p in crew(size=24, gap=20.0)]
    report = analyse_event(organic() + [seed] + amplifiers, "ev-hype")
    assert "u-seed" in report.flagged_accounts
    assert next(f for f in report.flagged if f.account == "u-seed").signals == ("low_follower_amplified",)


def test_bulk_registered_accounts_posting_together_in_their_own_words_are_found():
    words = ("学校出了人命还想捂盖子", "领导收了钱就不管学生死活", "听说孩子被打成重伤没人管", "官方一直在封锁消息不让说",
             "这种事必须严查到底", "一定要还孩子一个公道", "希望相关部门出来说句话", "这事不能就这么算了吧")
    team = [replace(p, text=words[n]) for n, p in enumerate(crew(size=8, gap=300.0))]
    report = analyse_event(organic() + team, "ev-hype")
    assert report.flagged_accounts == {p.account for p in team}
    assert [s.code for s in report.signals] == ["new_accounts_acting_together"]


def test_aged_accounts_posting_together_in_their_own_words_are_not_enough():
    words = ("学校出了人命还想捂盖子", "领导收了钱就不管学生死活", "听说孩子被打成重伤没人管", "官方一直在封锁消息不让说",
             "这种事必须严查到底", "一定要还孩子一个公道", "希望相关部门出来说句话", "这事不能就这么算了吧")
    team = [replace(p, text=words[n]) for n, p in enumerate(crew(size=8, gap=300.0, batch=False))]
    assert analyse_event(organic() + team, "ev-hype").flagged == ()
