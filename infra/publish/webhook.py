"""The generic webhook channel: each published release is POSTed as JSON to a URL the user configures
(a relay to the Weibo / WeChat official accounts). With a secret, the body is signed:
``X-Yuqing-Signature: sha256=<hex HMAC-SHA256 of the body>``."""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from core.errors import StorageUnavailable
from core.workflow.channels import OutgoingRelease


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
        self.url, self.secret, self.timeout = url, secret, timeout

    def publish(self, release: OutgoingRelease) -> str:
        body = json.dumps(payload(release), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "yuqing-publisher"}
        if self.secret:
            headers["X-Yuqing-Signature"] = signature(self.secret, body)
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise StorageUnavailable(f"Webhook {self.url} 无法连接：{error.__class__.__name__}。请检查 webhook_url "
                                     "设置和接收端是否在线。") from error
        if not 200 <= response.status_code < 300:
            raise StorageUnavailable(f"Webhook {self.url} 返回 HTTP {response.status_code}，发布未被接收。")
        return f"{self.url} (HTTP {response.status_code})"
