"""Altair charts for the pages, built from store buckets and event timelines (times shown in China time)."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping, Sequence

import altair as alt
import pandas as pd

from core.clock import CHINA_TZ
from core.event import TimelinePoint
from core.storage import Bucket
from core.vocabulary import unknown


def _local(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(CHINA_TZ).replace(tzinfo=None)


def time_frame(buckets: Sequence[Bucket]) -> pd.DataFrame:
    """A frame of (时间, 数量) from hour/day buckets."""
    return pd.DataFrame({"时间": [_local(b.key) for b in buckets], "数量": [b.count for b in buckets]})


def label_frame(buckets: Sequence[Bucket], names: Mapping[str, str] | None = None,
                column: str = "类别") -> pd.DataFrame:
    """A frame of (column, 数量) with keys turned into names (``未知（key）`` for a key ``names`` lacks)."""
    names = names or {}
    return pd.DataFrame({column: [names.get(b.key, unknown(b.key)) for b in buckets],
                         "数量": [b.count for b in buckets]})


def trend(buckets: Sequence[Bucket], title: str = "信息量趋势", hourly: bool = False) -> alt.Chart:
    """A line of posts per time bucket (axis labelled by hour or by day)."""
    axis = alt.Axis(format="%H:%M" if hourly else "%m-%d", title="时间")
    return (alt.Chart(time_frame(buckets), title=title)
            .mark_line(point=True)
            .encode(x=alt.X("时间:T", axis=axis), y=alt.Y("数量:Q", title="条数"),
                    tooltip=[alt.Tooltip("时间:T", format="%m-%d %H:%M"), "数量:Q"]))


def bars(buckets: Sequence[Bucket], names: Mapping[str, str] | None = None, column: str = "类别",
         title: str = "") -> alt.Chart:
    """Horizontal bars, largest first."""
    frame = label_frame(buckets, names, column)
    return (alt.Chart(frame, title=title)
            .mark_bar()
            .encode(y=alt.Y(f"{column}:N", sort="-x", title=None), x=alt.X("数量:Q", title="条数"),
                    tooltip=[f"{column}:N", "数量:Q"]))


def donut(buckets: Sequence[Bucket], names: Mapping[str, str] | None = None, column: str = "类别",
          title: str = "", colours: Mapping[str, str] | None = None) -> alt.Chart:
    """Shares of a whole; ``colours`` maps names to colours (e.g. negative in red)."""
    frame = label_frame(buckets, names, column)
    scale = alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Undefined
    return (alt.Chart(frame, title=title)
            .mark_arc(innerRadius=40)
            .encode(theta=alt.Theta("数量:Q"), color=alt.Color(f"{column}:N", title=column, scale=scale),
                    tooltip=[f"{column}:N", "数量:Q"]))


def timeline(points: Iterable[TimelinePoint], title: str = "事件时间线") -> alt.Chart:
    """Posts first seen per bucket of an event, with the running total."""
    rows = sorted(points, key=lambda p: p.at)
    total, frame_rows = 0, []
    for point in rows:
        total += point.posts
        frame_rows.append({"时间": point.at.astimezone(CHINA_TZ).replace(tzinfo=None), "新增": point.posts,
                           "累计": total})
    frame = pd.DataFrame(frame_rows, columns=["时间", "新增", "累计"])
    base = alt.Chart(frame, title=title).encode(x=alt.X("时间:T", axis=alt.Axis(format="%m-%d %H:%M", title="时间")))
    new = base.mark_bar(opacity=0.6).encode(y=alt.Y("新增:Q", title="新增条数"))
    running = base.mark_line(color="#d62728", point=True).encode(y=alt.Y("累计:Q", title="累计条数"))
    return alt.layer(new, running).resolve_scale(y="independent")
