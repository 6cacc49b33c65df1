"""Reading the embedded post store: which posts a page shows, how many match, and groups (see
``sqlite_sql.Plan``). Callers hold the store's lock and turn ``sqlite3.Error`` into StorageUnavailable."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Iterable, Sequence

from infra.storage.sqlite_sql import COLUMNS, KEY_SPREAD, Plan, chunks, time_bucket_sql

FIELDS = "SELECT " + ", ".join(f"p.{c}" for c in COLUMNS)
_GROUP_COLUMNS = {"platform": "platform", "source": "source", "sentiment_label": "sentiment_label",
                  "event": "event_id"}
_KEYWORD_TABLES = {"school": ("post_schools", "school"), "incident_type": ("post_incidents", "incident_type")}


def page_rows(con: sqlite3.Connection, plan: Plan, relevance: bool, offset: int, limit: int) -> list[tuple]:
    """The rows (``COLUMNS``) of one page: newest first (ties by id), or by relevance (ties newest first)."""
    if plan.match is None:
        sql = FIELDS + plan.source_sql() + " ORDER BY p.published_us DESC, p.id LIMIT ? OFFSET ?"
        return con.execute(sql, [*plan.source_params(), limit, offset]).fetchall()
    if limit == 0:
        return []
    # FTS5 hands the matches over in key order (newest first) or rank order, so only the page and the posts
    # before it are read; posts of one microsecond (or of one score) then still need ordering by id.
    if relevance and plan.has_text:
        sql, group, order = ("SELECT f.rowid, f.rank, p.id" + plan.source_sql() + " ORDER BY f.rank",
                             lambda row: row[1], lambda row: (row[1], -(row[0] // KEY_SPREAD), row[2]))
    else:
        sql, group, order = ("SELECT f.rowid, p.id" + plan.source_sql() + " ORDER BY f.rowid DESC",
                             lambda row: row[0] // KEY_SPREAD, lambda row: (-(row[0] // KEY_SPREAD), row[1]))
    cursor = con.execute(sql, plan.source_params())
    try:
        leading = _leading(cursor, offset + limit, group)
    finally:
        cursor.close()
    wanted = [row[0] for row in sorted(leading, key=order)[offset:offset + limit]]
    return rows_by_key(con, wanted)


def _leading(rows: Iterable[tuple], count: int, group: Callable[[tuple], Any]) -> list[tuple]:
    """The first ``count`` rows of a sequence ordered by ``group``, and the rest of the last row's group."""
    taken: list[tuple] = []
    for row in rows:
        if len(taken) >= count and group(row) != group(taken[-1]):
            break
        taken.append(row)
    return taken


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
