"""The leaders' message board (人民网领导留言板, liuyan.people.com.cn), where parents' complaints about schools
appear, later with the official reply.

The board's web page reads a signed JSON API, and so does this spider:

- every call is a POST of ``{"appCode", "token", "signature", "param"}`` where ``param`` is the call's
  parameters as compact JSON text and ``signature = md5(path + param + md5(appCode)[:16])`` (lower-case hex);
- the list of a forum: ``/v1/threads/list/df`` with ``{"fid", "showUnAnswer": 1, "typeId": 5, "lastItem",
  "position": 0, "rows", "orderType": 2}``, answered in ``resultData.data[]`` (``tid``, ``subject``,
  ``content``, ``nickName``, ``createDateline`` in Unix seconds, ``stateInfo``, ``typeName``, ``domainName``)
  and paged by ``lastItem``: the cursor the answer gives (``resultData.lastItem``), else the last row's tid;
- a message: ``/v1/threads/content`` with ``{"tid", "fromTrash": 0}``, answered in ``resultData.contentList[]``,
  where ``dataType`` 1 is the citizen's message and 4 an official reply (``content``, ``organization``,
  ``dateline``).

Options: ``fid`` (a forum id or a list of them), ``host`` (default ``https://liuyan.people.com.cn``),
``app_code`` (default the web page's), ``rows`` (per list page, default 10), ``max_pages``. A message whose
state changes (e.g. 已回复 with the reply) is updated, not duplicated. An answer without ``resultData.data``
or ``contentList`` is format drift (格式异常), not "no messages".
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Iterator

import scrapy

from crawlers.items import PostItem
from crawlers.spiders.base import SourceSpider

WEB_APP_CODE = "PC42ce3bfa4980a9"       # the code the board's own web page sends
LIST_PATH = "/v1/threads/list/df"
CONTENT_PATH = "/v1/threads/content"
MESSAGE, OFFICIAL_REPLY = 1, 4          # dataType of contentList entries
_OK_CODES = ("", "200", "0")


def compact(param: dict) -> str:
    """The parameters as the web page serialises them: JSON without spaces, keys in the order given."""
    return json.dumps(param, ensure_ascii=False, separators=(",", ":"))


def signature(path: str, param_text: str, app_code: str = WEB_APP_CODE) -> str:
    """md5(path + param + md5(appCode)[:16]), as the board's web page signs every call."""
    key = hashlib.md5(app_code.encode("utf-8")).hexdigest()[:16]
    return hashlib.md5(f"{path}{param_text}{key}".encode("utf-8")).hexdigest()


def signed_body(path: str, param: dict, app_code: str = WEB_APP_CODE) -> dict:
    text = compact(param)
    return {"appCode": app_code, "token": "", "signature": signature(path, text, app_code), "param": text}


class GovBoardSpider(SourceSpider):
    name = "gov_board"
    platform = "gov_board"

    def start_requests(self) -> Iterator:
        self.host = str(self.options.get("host", "https://liuyan.people.com.cn")).rstrip("/")
        self.app_code = str(self.options.get("app_code") or WEB_APP_CODE)
        self.rows = int(self.options.get("rows") or 10)
        for fid in self.option_list("fid"):
            yield self._list(str(fid), "", 1)

    def _post(self, path: str, param: dict, callback, **cb_kwargs) -> scrapy.Request:
        body = json.dumps(signed_body(path, param, self.app_code), ensure_ascii=False)
        return scrapy.Request(self.rewriter.to_fetch(f"{self.host}{path}"), method="POST", body=body.encode("utf-8"),
                              headers={"Content-Type": "application/json;charset=UTF-8",
                                       "Referer": f"{self.host}/threads/list"},
                              callback=callback, cb_kwargs=cb_kwargs)

    def _list(self, fid: str, last_item: str, page: int) -> scrapy.Request:
        param = {"fid": fid, "showUnAnswer": 1, "typeId": 5, "lastItem": last_item, "position": 0,
                 "rows": self.rows, "orderType": 2}
        return self._post(LIST_PATH, param, self.parse_list, fid=fid, page=page)

    def _result(self, response, key: str):
        """``resultData[key]`` of an answer; None (with the reason recorded) when there is none."""
        try:
            data = json.loads(response.text)
        except ValueError as error:
            self.note_error(f"JSON 格式错误（{error.msg}，第 {error.pos} 字符）", response.url)
            return None
        code = str(data.get("resultCode", "")) if isinstance(data, dict) else ""
        if isinstance(data, dict) and code not in _OK_CODES:
            self.note_error(f"留言板返回失败（{code}）：{data.get('resultMsg') or '无说明'}", response.url)
            return None
        result = data.get("resultData") if isinstance(data, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get(key), list):
            self.note_drift(f"留言板答复中没有 resultData.{key}（接口格式可能已改变）", response)
            return None
        return result

    def parse_list(self, response, fid: str, page: int) -> Iterator:
        result = self._result(response, "data")
        if result is None:
            return
        rows = [row for row in result["data"] if isinstance(row, dict) and row.get("tid")]
        self.note_items(len(rows))
        if not result["data"]:
            self.note_empty()                   # the forum has no messages (yet): the known structure, empty
        ids = [f"gov_board:{row['tid']}" for row in rows]
        times = [self._time(row.get("createDateline") or row.get("dateline")) for row in rows]
        for row in rows:
            yield self._post(CONTENT_PATH, {"tid": str(row["tid"]), "fromTrash": 0}, self.parse_detail, fid=fid,
                             row=row)
        cursor = str(result.get("lastItem") or (rows[-1]["tid"] if rows else ""))
        if self.keep_paging(response, page, ids, [t for t in times if t], len(rows) >= self.rows and bool(cursor)):
            yield self._list(fid, cursor, page + 1)

    @staticmethod
    def _time(value) -> datetime | None:
        try:
            return datetime.fromtimestamp(float(value), timezone.utc) if value not in (None, "") else None
        except (TypeError, ValueError, OverflowError):
            return None

    def parse_detail(self, response, fid: str, row: dict) -> Iterator[PostItem]:
        result = self._result(response, "contentList")
        if result is None:
            return
        entries = [e for e in result["contentList"] if isinstance(e, dict)]
        message = next((e for e in entries if e.get("dataType") == MESSAGE), {})
        replies = [e for e in entries if e.get("dataType") == OFFICIAL_REPLY]
        tid = str(row["tid"])
        state = str(message.get("stateInfo") or row.get("stateInfo") or "")
        revision = f"{state}|{'|'.join(str(r.get('content', '')) for r in replies)}"
        yield PostItem(native_id=tid, platform="gov_board",
                       url=f"https://liuyan.people.com.cn/threads/content?tid={tid}",
                       published_at=row.get("createDateline") or message.get("dateline") or row.get("dateline"),
                       title=str(message.get("subject") or row.get("subject") or ""),
                       text=str(message.get("content") or row.get("content") or ""),
                       author=str(message.get("nickName") or row.get("nickName") or ""), comments=len(replies),
                       raw={"tid": tid, "fid": fid, "stateInfo": state, "typeName": row.get("typeName", ""),
                            "domainName": row.get("domainName", ""), "revision": revision,
                            "replies": [{"organization": r.get("organization", ""), "dateline": r.get("dateline"),
                                         "content": r.get("content", "")} for r in replies]},
                       page=result)
