"""Reading the embedded post store: which posts a page shows, how many match, and groups (see
``sqlite_sql.Plan``). Callers hold the store's lock and turn ``sqlite3.Error`` into StorageUnavailable."""

from __future__ import annotations

import heapq
import sqlite3
from typing import Any, Callable, Iterable, Sequence

from infra.storage.sqlite_sql import COLUMNS, KEY_SPREAD, Plan, chunks, time_bucket_sql

FIELDS = "SELECT " + ", ".join(f"p.{c}" for c in COLUMNS)
_GROUP_COLUMNS = {"platform": "platform", "source": "source", "sentiment_label": "sentiment_label",
                  "event": "event_id"}
_KEYWORD_TABLES = {"school": ("post_schools", "school"), "incident_type": ("post_incidents", "incident_type")}


def page(con: sqlite3.Connection, plan: Plan, relevance: bool, offset: int, limit: int) -> tuple[list[tuple], int]:
    """The rows (``COLUMNS``) of one page and the number of matches: newest first (ties by id), or by
    relevance (ties newest first, then by id)."""
    if plan.match is None:
        sql = FIELDS + plan.source_sql() + " ORDER BY p.published_us DESC, p.id LIMIT ? OFFSET ?"
        return con.execute(sql, [*plan.source_params(), limit, offset]).fetchall(), count(con, plan)
    if relevance and plan.has_text:
        return _by_relevance(con, plan, offset, limit)
    return _newest(con, plan, offset, limit), count(con, plan)


def _newest(con: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[tuple]:
    """FTS5 hands the matches over newest first (key order), so only the page and the posts before it are
    read; posts of one microsecond then still need ordering by id."""
    if limit == 0:
        return []
    cursor = con.execute("SELECT f.rowid, p.id" + plan.source_sql() + " ORDER BY f.rowid DESC", plan.source_params())
    try:
        leading = _leading(cursor, offset + limit, lambda row: row[0] // KEY_SPREAD)
    finally:
        cursor.close()
    wanted = sorted(leading, key=lambda row: (-(row[0] // KEY_SPREAD), row[1]))[offset:offset + limit]
    return rows_by_key(con, [row[0] for row in wanted])


def _leading(rows: Iterable[tuple], count: int, group: Callable[[tuple], Any]) -> list[tuple]:
    """The first ``count`` rows of a sequence ordered by ``group``, and the rest of the last row's group."""
    taken: list[tuple] = []
    for row in rows:
        if len(taken) >= count and group(row) != group(taken[-1]):
            break
        taken.append(row)
    return taken


def _by_relevance(con: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> tuple[list[tuple], int]:
    """Every match is scored anyway, so one pass gives the count too; ids are read only for the page's
    candidates, to order posts of equal score and time."""
    scored = con.execute(plan.fts_sql("f.rank, f.rowid"), plan.source_params()).fetchall()
    wanted = offset + limit
    if not scored or wanted == 0:
        return [], len(scored)

    def key(row: tuple) -> tuple:
        return row[0], -(row[1] // KEY_SPREAD)
    head = heapq.nsmallest(wanted, scored, key=key)
    last = key(head[-1])
    candidates = {row[1]: row[0] for row in head}
    candidates.update((row[1], row[0]) for row in scored if key(row) == last)
    ids = dict(_ids(con, list(candidates)))
    ordered = sorted(candidates, key=lambda rid: (candidates[rid], -(rid // KEY_SPREAD), ids[rid]))
    return rows_by_key(con, ordered[offset:offset + limit]), len(scored)


def _ids(con: sqlite3.Connection, rids: list[int]) -> Iterable[tuple[int, str]]:
    for part in chunks(rids, 500):
        yield from con.execute(f"SELECT rid, id FROM posts WHERE rid IN ({','.join('?' * len(part))})", part)


def rows_by_key(con: sqlite3.Connection, rids: Sequence[int]) -> list[tuple]:
    found: dict[int, tuple] = {}
    for part in chunks(list(rids), 500):
        for row in con.execute(FIELDS + f" FROM posts p WHERE p.rid IN ({','.join('?' * len(part))})", part):
            found[row[1]] = row
    return [found[rid] for rid in rids if rid in found]


def count(con: sqlite3.Connection, plan: Plan) -> int:
    sql, params = plan.count_sql()
    return con.execute(sql, params).fetchone()[0]


def aggregate(con: sqlite3.Connection, plan: Plan, by: str) -> list[tuple[Any, int]]:
    """(key, count) pairs: time buckets in time order, other groups by count descending, then key."""
    if by in ("hour", "day"):
        bucket = time_bucket_sql(by)
        sql = f"SELECT {bucket} AS b, count(*)" + plan.source_sql() + " GROUP BY b ORDER BY b"
    elif by in _KEYWORD_TABLES:
        table, column = _KEYWORD_TABLES[by]
        sql = (f"SELECT k.{column}, count(*) AS n" + plan.source_sql(join=f" JOIN {table} k ON k.rid = p.rid") +
               f" GROUP BY k.{column} ORDER BY n DESC, k.{column}")
    elif by in _GROUP_COLUMNS:
        column = _GROUP_COLUMNS[by]
        sql = (f"SELECT p.{column}, count(*) AS n" + plan.source_sql(extra=[f"p.{column} IS NOT NULL"]) +
               f" GROUP BY p.{column} ORDER BY n DESC, p.{column}")
    else:
        raise ValueError(f"cannot group posts by {by!r}")
    return con.execute(sql, plan.source_params()).fetchall()
