"""The generic webhook channel: each published release is POSTed as JSON to a URL the user configures
(a relay to the Weibo / WeChat official accounts). With a secret, the body is signed:
``X-Yuqing-Signature: sha256=<hex HMAC-SHA256 of the body>``.

The POST is sent once, to that URL only: a redirect is a failure (following it would re-post the signed
body to whatever host the answer names), and ``timeout`` is a deadline for the whole exchange, not for each
read (a receiver dripping its answer byte by byte cannot hold the publication). The URL's token never
appears in a location, an error or a log (``core.secrets.mask_url``)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
import urllib.parse

from core.errors import ConfigurationError, StorageUnavailable
from core.secrets import mask_text, mask_url, url_secrets
from core.workflow.channels import OutgoingRelease

ANSWER_MAX_BYTES = 64 * 1024            # the receiver's answer is read (and discarded) up to this much


def payload(release: OutgoingRelease) -> dict:
    """The JSON document a receiver gets."""
    return {"type": "release.published", "release_id": release.release_id, "alert_id": release.alert_id,
            "template": release.template, "title": release.title, "body": release.body,
            "version": release.version, "published_at": release.published_at.isoformat(),
            "publisher": release.publisher, "follows": release.first_release_id or None}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    name = "webhook"

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"setting 'webhook_url' {mask_url(url)!r} is not an http(s) URL")
        self.url, self.secret, self.timeout = url, secret, float(timeout)
        self.shown = mask_url(url)                # what messages and records name

    def publish(self, release: OutgoingRelease) -> str:
        body = json.dumps(payload(release), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "yuqing-publisher"}
        if self.secret:
            headers["X-Yuqing-Signature"] = signature(self.secret, body)
        status = post_within(self.url, body, headers, self.timeout, self.shown)
        if 300 <= status < 400:
            raise StorageUnavailable(f"Webhook {self.shown} 返回重定向 HTTP {status}；为防止签名内容被转发到其他地址，"
                                     "系统不跟随重定向。请把 webhook_url 设为接收端的最终地址。")
        if not 200 <= status < 300:
            raise StorageUnavailable(f"Webhook {self.shown} 返回 HTTP {status}，发布未被接收。")
        return f"{self.shown} (HTTP {status})"


def post_within(url: str, body: bytes, headers: dict[str, str], deadline_s: float, shown: str) -> int:
    """POST ``body`` to ``url`` once (no redirect followed) and return the HTTP status; StorageUnavailable
    when the whole exchange takes longer than ``deadline_s`` or fails."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=deadline_s)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    outcome: dict[str, object] = {}

    def exchange() -> None:
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(ANSWER_MAX_BYTES)
            outcome["status"] = response.status
        except (OSError, http.client.HTTPException) as error:
            outcome["error"] = error

    started = time.monotonic()
    worker = threading.Thread(target=exchange, name="webhook-post", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        _abort(connection)
        worker.join(1.0)
        raise StorageUnavailable(f"Webhook {shown} 在 {deadline_s:g} 秒内未完成应答（webhook_timeout），发布记为失败。")
    connection.close()
    if "error" in outcome:
        error = outcome["error"]
        raise StorageUnavailable(f"Webhook {shown} 无法连接：{error.__class__.__name__}"
                                 f"（{mask_text(error, url_secrets(url))[:200]}，用时 {time.monotonic() - started:.1f} 秒）。"
                                 "请检查 webhook_url 设置和接收端是否在线。") from None
    return int(outcome["status"])


def _abort(connection: http.client.HTTPConnection) -> None:
    """End a stalled exchange from outside its thread: shutting the socket down wakes the blocked read."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    connection.close()
