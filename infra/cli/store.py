"""``yuqing init``, ``yuqing status``, ``yuqing settings``, ``yuqing search``, ``yuqing reindex``: the stores
and the settings."""

from __future__ import annotations

import json

from core.clock import CHINA_TZ
from core.settings import SETTINGS
from core.secrets import mask_setting, mask_url
from core.storage import PostQuery
from core.vocabulary import name_of, platform_name, unknown
from infra.runtime import Runtime


def register(subparsers) -> None:
    init = subparsers.add_parser("init", help="create the data folder, the state database and the post store")
    init.set_defaults(func=run_init)

    status = subparsers.add_parser("status", help="show the stores: post counts per platform and school, "
                                                  "enrichment backlog, the worker")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(func=run_status, reads_only=True)

    show = subparsers.add_parser("settings", help="list every setting with its value, origin and help")
    show.set_defaults(func=run_settings)

    search = subparsers.add_parser("search", help="full-text search of the stored posts (Chinese)")
    search.add_argument("text", nargs="?", help="words to search for")
    search.add_argument("--platform", action="append", default=[], help="only this platform; repeatable")
    search.add_argument("--school", action="append", default=[], help="only posts about this school id")
    search.add_argument("--limit", type=int, default=10, help="how many posts to show (default 10)")
    search.add_argument("--sort", choices=("time", "relevance"), default="time", help="order of results")
    search.set_defaults(func=run_search)

    reindex = subparsers.add_parser("reindex", help="re-segment every stored post with the county profile's "
                                                    "dictionary (after the profile's schools or terms changed)")
    reindex.set_defaults(func=run_reindex)


def _where(runtime: Runtime) -> str:
    settings = runtime.settings
    return str(settings.sqlite_file) if settings.store == "sqlite" else mask_url(settings.es_url)


def run_init(args, runtime: Runtime) -> int:
    runtime.settings.data_path.mkdir(parents=True, exist_ok=True)
    print(f"state database ready: {runtime.state.describe()}")
    print(f"post store ready: {runtime.settings.store} ({_where(runtime)}), {runtime.posts.count()} posts")
    return 0


def store_summary(runtime: Runtime) -> dict:
    store, everything = runtime.posts, PostQuery()
    names = runtime.school_names
    return {
        "store": runtime.settings.store,
        "location": _where(runtime),
        "posts": store.count(everything),
        "unenriched": _unenriched(store),
        "needs_reindex": bool(getattr(store, "needs_reindex", False)),
        "per_platform": {b.key: b.count for b in store.aggregate(everything, "platform")},
        # A school the profile does not name shows as 未知（id）, never as a bare id.
        "per_school": {names.get(b.key) or unknown(b.key): b.count
                       for b in store.aggregate(everything, "school")[:10]},
    }


def _unenriched(store) -> int:
    # Both shipped backends count without reading; another PostStore is counted by iterating.
    counter = getattr(store, "count_unenriched", None)
    return counter() if counter else sum(len(batch) for batch in store.iter_unenriched())


def worker_line(runtime: Runtime) -> str:
    """One line: the worker's state and last heartbeat (read from the state database, wherever it runs)."""
    status = runtime.state.worker_status.read()
    failing = sum(1 for job in status.jobs if job.outcome in ("error", "timeout"))
    beat = status.beat_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if status.beat_at else "—"
    return (f"后台任务 worker: {name_of('worker_state', status.state)}，最近心跳 {beat}"
            + (f"，{failing} 项任务出错（见 `yuqing worker-status`）" if failing else ""))


def run_status(args, runtime: Runtime) -> int:
    summary = store_summary(runtime)
    if args.json:
        summary["worker"] = runtime.state.worker_status.read().state
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(f"帖文存储 store: {summary['store']} ({summary['location']})")
    print(f"帖文 posts: {summary['posts']} 条（待研判 {summary['unenriched']} 条）")
    if summary["needs_reindex"]:
        print("注意：帖文索引用的是另一版分词词典，请运行 `yuqing reindex`（学校名检索才准确）")
    print(worker_line(runtime))
    for platform, count in summary["per_platform"].items():
        print(f"  {platform_name(platform):<8} {count}")
    if summary["per_school"]:
        print("提及最多的学校 most mentioned schools:")
        for school, count in summary["per_school"].items():
            print(f"  {school:<16} {count}")
    return 0


def run_settings(args, runtime: Runtime) -> int:
    settings = runtime.settings
    for s in SETTINGS:
        # Secrets and the credentials, keys and tokens in URLs are shown masked (core.secrets decides).
        print(f"{s.name} = {mask_setting(s.name, settings[s.name])!r}  [{settings.origin(s.name)}; env {s.env_var}]")
        print(f"    {s.help}")
    return 0


def run_search(args, runtime: Runtime) -> int:
    query = PostQuery(text=args.text, platforms=tuple(args.platform), schools=tuple(args.school))
    page = runtime.posts.search(query, sort=args.sort, limit=args.limit)
    print(f"{page.total} posts match")
    for post in page.posts:
        when = post.published_at.astimezone(CHINA_TZ).isoformat(timespec="minutes")
        print(f"{when}  {platform_name(post.platform):<6} {post.id}  {(post.title or post.text)[:60]}")
    return 0


def run_reindex(args, runtime: Runtime) -> int:
    store = runtime.posts
    done = store.reindex(progress=lambda count: print(f"  {count} posts re-segmented", flush=True))
    print(f"reindexed {done} posts with the dictionary {runtime.segmenter_version}")
    return 0
