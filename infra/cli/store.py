"""``yuqing init``, ``yuqing status``, ``yuqing settings``, ``yuqing search``: the store and the settings."""

from __future__ import annotations

import json

from core.settings import SETTINGS, Settings
from core.storage import PostQuery
from infra.storage import open_post_store


def register(subparsers) -> None:
    init = subparsers.add_parser("init", help="create the data folder and initialise the configured store")
    init.set_defaults(func=run_init)

    status = subparsers.add_parser("status", help="show the store: backend, post counts, per platform, enrichment")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(func=run_status)

    show = subparsers.add_parser("settings", help="list every setting with its value, origin and help")
    show.set_defaults(func=run_settings)

    search = subparsers.add_parser("search", help="full-text search of the stored posts (Chinese)")
    search.add_argument("text", nargs="?", help="words to search for")
    search.add_argument("--platform", action="append", default=[], help="only this platform; repeatable")
    search.add_argument("--school", action="append", default=[], help="only posts about this school id")
    search.add_argument("--limit", type=int, default=10, help="how many posts to show (default 10)")
    search.add_argument("--sort", choices=("time", "relevance"), default="time", help="order of results")
    search.set_defaults(func=run_search)


def run_init(args, settings: Settings) -> int:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    store = open_post_store(settings)
    try:
        print(f"store ready: {settings.store} ({_where(settings)}), {store.count()} posts")
    finally:
        store.close()
    return 0


def _where(settings: Settings) -> str:
    from infra.storage import sqlite_path

    return str(sqlite_path(settings)) if settings.store == "sqlite" else settings.es_url


def store_summary(settings: Settings) -> dict:
    store = open_post_store(settings)
    try:
        everything = PostQuery()
        return {
            "store": settings.store,
            "location": _where(settings),
            "posts": store.count(everything),
            "unenriched": _unenriched(store),
            "per_platform": {b.key: b.count for b in store.aggregate(everything, "platform")},
            "per_school": {b.key: b.count for b in store.aggregate(everything, "school")[:10]},
        }
    finally:
        store.close()


def _unenriched(store) -> int:
    # Both shipped backends count without reading; another PostStore is counted by iterating.
    counter = getattr(store, "count_unenriched", None)
    return counter() if counter else sum(len(batch) for batch in store.iter_unenriched())


def run_status(args, settings: Settings) -> int:
    summary = store_summary(settings)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(f"store:      {summary['store']} ({summary['location']})")
    print(f"posts:      {summary['posts']} ({summary['unenriched']} not yet enriched)")
    from infra.cli.worker import worker_line  # the worker's heartbeat, shown beside the store (issue 6)
    print(worker_line(settings))
    for platform, count in summary["per_platform"].items():
        print(f"  {platform:<12} {count}")
    if summary["per_school"]:
        print("most mentioned schools:")
        for school, count in summary["per_school"].items():
            print(f"  {school:<24} {count}")
    return 0


def run_settings(args, settings: Settings) -> int:
    for s in SETTINGS:
        print(f"{s.name} = {settings[s.name]!r}  [{settings.origin(s.name)}; env {s.env_var}]")
        print(f"    {s.help}")
    return 0


def run_search(args, settings: Settings) -> int:
    store = open_post_store(settings)
    try:
        query = PostQuery(text=args.text, platforms=tuple(args.platform), schools=tuple(args.school))
        page = store.search(query, sort=args.sort, limit=args.limit)
        print(f"{page.total} posts match")
        for post in page.posts:
            when = post.published_at.isoformat(timespec="minutes")
            print(f"{when}  {post.platform:<9} {post.id}  {(post.title or post.text)[:60]}")
    finally:
        store.close()
    return 0
