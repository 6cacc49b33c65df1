"""The leaders' message board (领导留言板): a JSON list per forum and a JSON detail per message, where
parents' complaints about schools appear, later with the official reply.

Options: ``fid`` (a forum id or a list of them), ``host`` (default ``https://liuyan.people.com.cn``),
``max_pages``. A message whose state changes (e.g. 已回复 with the reply) is updated, not duplicated.
"""

from __future__ import annotations

import json
from typing import Iterator

from crawlers.items import PostItem
from crawlers.normalise import parse_cn_time
from crawlers.spiders.base import SourceSpider


class GovBoardSpider(SourceSpider):
    name = "gov_board"
    platform = "gov_board"

    def start_requests(self) -> Iterator:
        host = str(self.options.get("host", "https://liuyan.people.com.cn")).rstrip("/")
        for fid in self.option_list("fid"):
            yield self._list(host, str(fid), 1)

    def _list(self, host: str, fid: str, page: int):
        return self.fetch(f"{host}/v1/threads/list/df?fid={fid}&page={page}", self.parse_list,
                          host=host, fid=fid, page=page)

    def _json(self, response) -> dict | None:
        try:
            data = json.loads(response.text)
        except ValueError as error:
            self.note_error(f"JSON 格式错误（{error.msg}，第 {error.pos} 字符）", response.url)
            return None
        if not isinstance(data, dict) or data.get("result") != "success":
            self.note_error(f"留言板返回失败：{(data or {}).get('resultMsg', '无说明')}", response.url)
            return None
        return data.get("responseData") or {}

    def parse_list(self, response, host: str, fid: str, page: int) -> Iterator:
        data = self._json(response)
        if data is None:
            return
        rows = [row for row in data.get("list") or [] if isinstance(row, dict) and row.get("tid")]
        self.note_items(len(rows))
        ids = [f"gov_board:{row['tid']}" for row in rows]
        times = [parse_cn_time(row["dateline"], self.clock.now()) for row in rows if row.get("dateline")]
        for row in rows:
            yield self.fetch(f"{host}/v1/threads/content?tid={row['tid']}", self.parse_detail, fid=fid)
        if self.keep_paging(response, page, ids, times, bool(data.get("hasMore"))):
            yield self._list(host, fid, page + 1)

    def parse_detail(self, response, fid: str) -> Iterator[PostItem]:
        data = self._json(response)
        if data is None:
            return
        tid = str(data.get("tid") or "")
        reply = data.get("reply") or None
        revision = f"{data.get('stateInfo', '')}|{(reply or {}).get('content', '')}"
        yield PostItem(native_id=tid, platform="gov_board",
                       url=f"https://liuyan.people.com.cn/threads/content?tid={tid}",
                       published_at=data.get("dateline"), title=data.get("threadTitle", ""),
                       text=data.get("threadContent") or data.get("subject") or "", author=data.get("nickName", ""),
                       comments=1 if reply else 0, raw={**data, "fid": fid, "revision": revision}, page=data)
