"""The simulated web: one local HTTP server that serves a scenario in the formats of all five kinds of source.

Paths start with the real site's host, so a profile's real URLs crawl the simulated web once their scheme
and host are replaced by the server's address (``https://m.weibo.cn/api/...`` becomes
``http://127.0.0.1:PORT/m.weibo.cn/api/...``; see ``crawl_base_url``). A post is shown only once the drill
clock has passed its time. Faults from the scenario or from ``POST /_simweb/faults`` are injected before
routing. It also answers requests sent to it as an HTTP proxy (absolute URLs), which the tests use to check
that proxy credentials are sent.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from dataclasses import asdict
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from core.clock import Clock, ManualClock, ScaledClock
from crawlers.spiders.gov_board import signature as board_signature
from infra.simweb import render, tieba, weibo
from infra.simweb.scenario import FAULT_KINDS, Fault, Scenario

log = logging.getLogger(__name__)

_CAPTCHA = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
            "<div class=\"captcha\">请输入验证码以继续访问<img src=\"/captcha.png\"><input name=\"captcha\"></div>"
            "</body></html>")
_LOGIN = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>新浪通行证</title></head><body>"
          "<form action=\"/sso/login\">请登录后继续 用户名<input name=\"username\"> 密码<input type=\"password\">"
          "</form></body></html>")
_NOT_FOUND = (404, "text/html; charset=utf-8", "<html><body><h1>404 Not Found</h1></body></html>")
_NEWS_LIST = re.compile(r"^(?:xwzx|system/more/dzxw)/index(?:_(\d+))?\.html$")
_NEWS_ARTICLE = re.compile(r"^(?:xwzx/\d{6}/t\d{8}_|system/\d{8}/)(\d+)\.html$")


class _Server(ThreadingHTTPServer):
    # The default listen backlog of 5 overflows when a crawler opens dozens of connections at once; the
    # kernel then drops the SYNs and the crawler waits a second or more for each retry.
    request_queue_size = 256


class SimWeb:
    """Serve ``scenario`` on ``host:port`` (0 = any free port). ``at_min`` freezes the clock at that drill
    minute (tests); otherwise drill time starts at ``origin`` (default: the scenario's start) and runs
    ``speed`` times faster than life."""

    def __init__(self, scenario: Scenario, *, host: str = "127.0.0.1", port: int = 0, speed: float | None = None,
                 origin: datetime | None = None, at_min: float | None = None):
        self.scenario = scenario
        self.faults: list[Fault] = list(scenario.faults)
        self._fault_hits: dict[int, int] = {}
        self.requests: deque[dict] = deque(maxlen=5000)
        self._lock = threading.Lock()
        self.speed = float(speed or scenario.speed)
        self.clock: Clock
        self._frozen_wall = time.time()
        if at_min is not None:
            self.clock = ManualClock(scenario.start + timedelta(minutes=at_min))
        else:
            self.clock = ScaledClock(origin or scenario.start, self.speed)
        self._httpd = _Server((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SimWeb":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="simweb", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def now(self) -> datetime:
        return self.clock.now()

    def minute(self) -> float:
        return (self.now() - self.scenario.start).total_seconds() / 60

    def set_minute(self, at_min: float) -> None:
        """Freeze the drill clock at a minute of the scenario (later posts stay hidden)."""
        self.clock = ManualClock(self.scenario.start + timedelta(minutes=at_min))
        self._frozen_wall = time.time()

    def clock_settings(self) -> dict[str, object]:
        """The yuqing settings (clock_origin, clock_speed, clock_wall_origin) that give a crawler this clock."""
        if isinstance(self.clock, ScaledClock):
            return {"clock_origin": self.clock.origin.isoformat(), "clock_speed": self.clock.speed,
                    "clock_wall_origin": self.clock.wall_origin}
        # Frozen here; a crawler's clock runs on from the moment of freezing, so its runs stay in order.
        return {"clock_origin": self.now().isoformat(), "clock_speed": 1.0, "clock_wall_origin": self._frozen_wall}

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()
            self._fault_hits.clear()

    def fault_for(self, path: str, page: int) -> Fault | None:
        """The first active fault whose ``match`` is in this request's path and query (as sent, URL-encoded),
        counting it against ``times``."""
        minute = self.minute()
        with self._lock:
            for index, fault in enumerate(self.faults):
                if fault.match not in path or not fault.from_min <= minute < fault.until_min:
                    continue
                if fault.kind == "empty_page" and fault.page != page:
                    continue
                hits = self._fault_hits.get(index, 0)
                if fault.times and hits >= fault.times:
                    continue
                self._fault_hits[index] = hits + 1
                return fault
        return None

    def route(self, path: str, query: dict[str, str]) -> render.Page:
        """Answer one request for ``/<host>/<rest>`` from the scenario at the current drill time."""
        host, _, rest = path.lstrip("/").partition("/")
        now, sc = self.now(), self.scenario
        page = _int(query.get("page"), 1)
        if host == "m.weibo.cn":
            return _weibo(sc, now, rest, query, page)
        if host == "tieba.baidu.com":
            return _tieba(sc, now, rest, query)
        if host == "liuyan.people.com.cn":
            if rest.startswith("v1/") and query.get("signature") != board_signature(
                    f"/{rest}", query.get("param_text", ""), query.get("appCode", "")):
                return 200, render.JSON, json.dumps({"resultCode": "403", "resultMsg": "签名错误", "resultData": None},
                                                    ensure_ascii=False)
            if rest == "v1/threads/list/df":
                return render.board_list(sc, now, str(query.get("fid", "")), str(query.get("lastItem") or ""),
                                         _int(str(query.get("rows", "")), render.PAGE_SIZE))
            if rest == "v1/threads/content":
                return render.board_detail(sc, now, str(query.get("tid", "")))
            if rest == "threads/content":
                return render.board_page(sc, now, query.get("tid", ""))
        if host == "passport.weibo.com":
            return 200, render.HTML, _LOGIN
        if rest.endswith((".xml", ".atom")):
            return render.feed(sc, now, f"{host}/{rest}")
        listing = _NEWS_LIST.match(rest)
        if listing:
            return render.news_list(sc, now, host, int(listing.group(1) or 1))
        article = _NEWS_ARTICLE.match(rest)
        if article:
            return render.news_article(sc, now, host, article.group(1))
        return _NOT_FOUND

    def info(self) -> dict:
        return {"scenario": self.scenario.id, "title": self.scenario.title, "url": self.url,
                "now": self.now().isoformat(), "minute": round(self.minute(), 3), **self.clock_settings(),
                "faults": [asdict(f) for f in self.faults]}


def _weibo(sc: Scenario, now: datetime, rest: str, query: dict[str, str], page: int) -> render.Page:
    if rest == "api/container/getIndex":
        return weibo.index(sc, now, query.get("containerid", ""), page, query.get("since_id", ""))
    if rest == "statuses/extend":
        return weibo.extend(sc, now, query.get("id", ""))
    if rest == "comments/hotflow":
        return weibo.hotflow(sc, now, query.get("id") or query.get("mid", ""), query.get("max_id", ""))
    if rest == "api/statuses/repostTimeline":
        return weibo.repost_timeline(sc, now, query.get("id", ""), page)
    return _NOT_FOUND


def _tieba(sc: Scenario, now: datetime, rest: str, query: dict[str, str]) -> render.Page:
    if rest == "f":
        return tieba.thread_list(sc, now, query.get("kw", ""), _int(query.get("pn"), 0))
    if rest == "p/totalComment":
        return tieba.total_comment(sc, now, query.get("tid", ""), _int(query.get("pn"), 1))
    if rest.startswith("p/") and rest[2:].isdigit():
        return tieba.thread_page(sc, now, rest[2:], _int(query.get("pn"), 1))
    return _NOT_FOUND


def _changed_layout(path: str) -> tuple[str, str]:
    """A site after a redesign: a well-formed 200 answer in a structure none of the spiders knows."""
    if "m.weibo.cn" in path or "liuyan.people.com.cn" in path:
        return render.JSON, json.dumps({"ok": 1, "resultCode": "200", "resultData": {"records": []},
                                        "data": {"items": [{"type": "new_card", "text": "改版后的内容"}]}},
                                       ensure_ascii=False)
    if path.endswith((".xml", ".atom")):
        return render.HTML, ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>栏目已迁移</title></head>'
                             '<body><div class="notice">本订阅已停止更新，请访问新版网站。</div></body></html>')
    return render.HTML, ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>新版页面</title></head><body>'
                         '<div id="app" data-v-3f2a><section class="feed-v2"><div class="card">改版后的内容</div>'
                         '</section></div></body></html>')


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _page_number(rest: str, query: dict[str, str]) -> int:
    if "pn" in query:
        return _int(query["pn"], 0) // render.TIEBA_PN_STEP + 1
    listing = re.search(r"index_(\d+)\.html$", rest)
    if listing:
        return int(listing.group(1))
    return _int(query.get("page"), 1)


def _handler_for(web: SimWeb) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "simweb/1.0"

        def log_message(self, format: str, *args) -> None:      # noqa: A002 - the base class's name
            log.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def _answer(self) -> None:
            target = urlsplit(self.path)            # an absolute URL when we are used as a proxy
            path = target.path
            query = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
            if self.command == "POST" and not path.startswith("/_simweb/"):
                query = {**query, **self._signed_call()}
            web.requests.append({"path": path, "query": query, "method": self.command,
                                 "cookie": self.headers.get("Cookie", ""),
                                 "proxy_authorization": self.headers.get("Proxy-Authorization", ""),
                                 "user_agent": self.headers.get("User-Agent", ""),
                                 "via_proxy": bool(target.netloc)})
            if path.startswith("/_simweb/"):
                return self._admin(path[len("/_simweb/"):])
            if path == "/robots.txt":
                return self._send(200, "text/plain; charset=utf-8", "User-agent: *\nDisallow: /_simweb/\n")
            fault = web.fault_for(f"{path}?{target.query}", _page_number(path, query))
            if fault is not None and fault.kind != "empty_page":
                return self._fault(fault, path, query)
            if fault is not None:
                query = {**query, "page": "1000000", "pn": str(1000000 * render.TIEBA_PN_STEP), "since_id": "0"}
                path = re.sub(r"index(_\d+)?\.html$", "index_1000000.html", path)
            status, kind, body = web.route(path, query)
            self._send(status, kind, body)

        def _fault(self, fault: Fault, path: str, query: dict[str, str]) -> None:
            if fault.kind in ("block_403", "block_418"):
                code = 403 if fault.kind == "block_403" else 418
                return self._send(code, render.HTML, "<html><body><h1>访问被拒绝</h1>您的访问频率过高。</body></html>")
            if fault.kind == "captcha":
                return self._send(200, render.HTML, _CAPTCHA)
            if fault.kind == "login":
                return self._send(302, render.HTML, "", {"Location": "/passport.weibo.com/visitor/visitor?entry=mweibo"})
            if fault.kind == "rate_limit":
                return self._send(429, render.HTML, "<html><body>请求过于频繁</body></html>", {"Retry-After": "1"})
            if fault.kind == "server_error":
                return self._send(503, render.HTML, "<html><body>Service Unavailable</body></html>")
            if fault.kind == "layout_changed":
                return self._send(200, *_changed_layout(path))
            status, kind, body = web.route(path, query)
            if fault.kind == "malformed_json":
                return self._send(status, kind, body[: max(len(body) // 2, 1)])
            # gbk: the page in GBK, declared only in its <meta> (as many county sites still do)
            body = body.replace('charset="utf-8"', 'charset="gbk"').replace('charset="UTF-8"', 'charset="gbk"')
            return self._send(status, "text/html", body, encoding="gbk")

        def _signed_call(self) -> dict:
            """The message board's signed JSON body: its envelope and its ``param`` text's fields."""
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                param = json.loads(body.get("param") or "{}")
            except (ValueError, AttributeError):
                return {}
            return {**(param if isinstance(param, dict) else {}), "param_text": str(body.get("param") or ""),
                    "signature": str(body.get("signature") or ""), "appCode": str(body.get("appCode") or "")}

        def _admin(self, what: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}") if length else {}
            if what == "faults" and self.command == "POST":
                if payload.get("kind") not in FAULT_KINDS:
                    return self._send(400, render.JSON, json.dumps({"error": f"kind must be one of {FAULT_KINDS}"}))
                web.add_fault(Fault(**payload))
            elif what == "faults" and self.command == "DELETE":
                web.clear_faults()
            elif what == "clock" and self.command == "POST":
                web.set_minute(float(payload["at_min"]))
            elif what == "requests":
                return self._send(200, render.JSON, json.dumps(list(web.requests), ensure_ascii=False))
            elif what != "info":
                return self._send(404, render.JSON, json.dumps({"error": f"unknown admin path {what}"}))
            self._send(200, render.JSON, json.dumps(web.info(), ensure_ascii=False))

        def _send(self, status: int, kind: str, body: str, headers: dict[str, str] | None = None,
                  encoding: str = "utf-8") -> None:
            data = body.encode(encoding, errors="replace")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler
