"""A worker killed (SIGKILL) in the middle of enrichment resumes: no post is enriched twice or skipped; a worker
stopped (SIGTERM) in the middle finishes its batch, hands the rest back and exits cleanly."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from core.post import Post

SCHOOLS = ["渠县中学", "渠县第二中学", "渠县实验小学", "渠县第三中学", "渠县文化街小学"]
TEMPLATES = [
    "{school}门口放学时车太多，家长说孩子过马路很危险，希望交警来管一管。第{n}条",
    "网传{school}食堂饭菜有异味，有学生吃了肚子疼，学校还没回应。第{n}条",
    "{school}今天举行了运动会，孩子们玩得很开心，老师辛苦了。第{n}条",
    "听说{school}有学生在厕所被几个高年级的欺负，家长很着急。第{n}条",
    "{school}的晚自习到十点，孩子回家太晚了，能不能调整一下时间。第{n}条",
]


def synthetic_posts(count: int, now: datetime) -> list[Post]:
    posts = []
    for n in range(count):
        school = SCHOOLS[n % len(SCHOOLS)]
        text = TEMPLATES[(n // len(SCHOOLS)) % len(TEMPLATES)].format(school=school, n=n)
        published = now - timedelta(hours=30) + timedelta(minutes=n)
        posts.append(Post(id=f"weibo:{900000 + n}", source="weibo-search", platform="weibo",
                          url=f"https://m.weibo.cn/detail/{900000 + n}", published_at=published,
                          fetched_at=published + timedelta(minutes=2), text=text, author=f"网友{n % 97}"))
    return posts


def enriched_at(store) -> dict[str, datetime]:
    """Every enriched post's id and the time its enrichment was written."""
    return {p.id: p.enrichment.enriched_at for p in store.get_many([f"weibo:{900000 + n}" for n in range(TOTAL)])
            if p.enrichment is not None}


TOTAL = 900


@pytest.mark.slow
def test_a_worker_killed_or_stopped_mid_enrichment_resumes_without_enriching_any_post_twice(deployment):
    deployment.set(enrich_batch_size=30)
    store = deployment.open_posts()
    store.upsert_many(synthetic_posts(TOTAL, datetime.now(timezone.utc)))

    first = deployment.start_worker()
    deployment.wait_until(lambda: len(enriched_at(store)) >= 60, 120, "the first batches", first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = enriched_at(store)
    assert 0 < len(before) < TOTAL, "the kill must land in the middle of enrichment"

    second = deployment.start_worker()
    deployment.wait_until(lambda: len(before) + 60 <= len(enriched_at(store)) <= TOTAL - 200, 120,
                          "enrichment under way again", second)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    handed_back = TOTAL - len(enriched_at(store))
    assert handed_back > 0                                   # it stopped after its batch, not after everything
    assert {j.job_id: j for j in deployment.status().jobs}["enrich"].outcome == "interrupted"

    third = deployment.start_worker()
    deployment.wait_until(lambda: len(enriched_at(store)) == TOTAL, 180, "every post enriched", third)
    after = enriched_at(store)
    # Posts enriched before the kill kept their enrichment: nobody enriched them again.
    assert {pid: after[pid] for pid in before} == before
    # Every post is in exactly one event, and each event counts it once.
    with deployment.runtime() as runtime:
        events = runtime.events.list_events(limit=10_000)
    membership = Counter(pid for event in events for pid in event.post_ids)
    assert all(count == 1 for count in membership.values())
    in_events = {p.id for p in store.get_many(list(after)) if p.enrichment.event_id}
    assert set(membership) == in_events
    store.close()
