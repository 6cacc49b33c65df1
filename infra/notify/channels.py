"""Notification channels: SMTP e-mail and group-chat webhooks in the JSON shapes of WeCom (企业微信),
DingTalk (钉钉) and Feishu (飞书) group robots, plus a plain JSON webhook.

A channel's ``send(address, title, body, trigger_id)`` returns when the message was accepted and raises
``ChannelError`` with a sentence otherwise (the notifier retries it with back-off).
"""

from __future__ import annotations

import hashlib
import ipaddress
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol, Sequence

import requests

from core.errors import ConfigurationError
from core.secrets import mask_text, mask_url, url_secrets

WEBHOOK_KINDS = ("wecom", "dingtalk", "feishu", "json")
TIMEOUT_S = 10


class ChannelError(Exception):
    """A message was not accepted; the text says by whom and why."""


class Channel(Protocol):
    name: str

    def send(self, address: str, title: str, body: str, trigger_id: str) -> None:
        ...


class EmailChannel:
    """One e-mail per recipient through an SMTP server (STARTTLS or SSL, optional login; plain only to a
    relay on this host, ``tls='none'``, so that a login and the mail never cross the network in clear).

    The Message-ID is derived from the trigger and recipient, so a mail server that sees one twice can
    tell it is the same notification."""

    name = "email"

    def __init__(self, host: str, port: int = 25, *, user: str = "", password: str = "",
                 sender: str = "yuqing@localhost", tls: str = "starttls"):
        if tls not in ("none", "starttls", "ssl"):
            raise ConfigurationError(f"setting 'smtp_tls' is {tls!r}; use 'starttls', 'ssl' or (for a relay on "
                                     "this host only) 'none'")
        if tls == "none" and not is_loopback(host):
            raise ConfigurationError(f"setting 'smtp_tls' is 'none' but smtp_host {host!r} is not on this host: mail "
                                     "and the SMTP login would cross the network unencrypted; use 'starttls' or "
                                     "'ssl' (plain SMTP is only for a local relay such as 127.0.0.1)")
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.tls = sender, tls

    def send(self, address: str, title: str, body: str, trigger_id: str) -> None:
        message = EmailMessage()
        message["Subject"] = title
        message["From"] = self.sender
        message["To"] = address
        message["Date"] = formatdate(localtime=False)
        digest = hashlib.sha256(f"{trigger_id}|{address}".encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@yuqing>"
        message["X-Yuqing-Trigger"] = trigger_id
        message.set_content(body, charset="utf-8")
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelError(f"SMTP {self.host}:{self.port} did not accept the mail to {address}: "
                               f"{mask_text(_describe(error), [self.password])}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
        if self.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


class WebhookChannel:
    """A group robot's webhook; ``address`` is its URL."""

    def __init__(self, kind: str, name: str | None = None):
        if kind not in WEBHOOK_KINDS:
            raise ConfigurationError(f"setting 'notify_webhooks': unknown webhook kind {kind!r}; "
                                     f"use one of {', '.join(WEBHOOK_KINDS)}")
        self.kind = kind
        self.name = name or kind

    def payload(self, title: str, body: str, trigger_id: str) -> dict[str, Any]:
        """The JSON body in the robot's own shape."""
        text = f"{title}\n{body}"
        if self.kind == "wecom":
            return {"msgtype": "text", "text": {"content": text}}
        if self.kind == "dingtalk":
            return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{body}"}}
        if self.kind == "feishu":
            return {"msg_type": "text", "content": {"text": text}}
        return {"trigger_id": trigger_id, "title": title, "body": body}

    def send(self, address: str, title: str, body: str, trigger_id: str) -> None:
        try:
            # Never follow a redirect: the message would go wherever the answer points.
            response = requests.post(address, json=self.payload(title, body, trigger_id), timeout=TIMEOUT_S,
                                     allow_redirects=False)
        except requests.RequestException as error:
            raise ChannelError(f"{self.name} webhook {_host(address)} unreachable: "
                               f"{mask_text(_describe(error), url_secrets(address))}") from None
        if not 200 <= response.status_code < 300:
            raise ChannelError(f"{self.name} webhook {_host(address)} answered HTTP {response.status_code}")
        self._check_answer(response, address)

    def _check_answer(self, response: requests.Response, address: str) -> None:
        # The robots answer HTTP 200 with an error code in the body (e.g. a wrong key or a keyword rule).
        if self.kind == "json":
            return
        try:
            answer = response.json()
        except ValueError:
            raise ChannelError(f"{self.name} webhook {_host(address)} answered something that is not JSON") from None
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code not in (0, "0", None):
            message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
            raise ChannelError(f"{self.name} webhook {_host(address)} refused the message: {code} {message}")


def _host(url: str) -> str:
    # Never log a webhook's full URL: its query string or path holds the robot's secret key.
    return mask_url(url)


def _describe(error: BaseException) -> str:
    # Driver errors name the URL they failed on (requests: "... with url: /send?key=..."): masked.
    return mask_text(str(error) or type(error).__name__)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (a local relay)."""
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def parse_webhooks(entries: Sequence[str]) -> list[tuple[WebhookChannel, str]]:
    """The group-chat webhooks of the `notify_webhooks` setting ('kind=url' entries), each with its URL; a
    second webhook of one kind is named kind#2, and so on."""
    webhooks: list[tuple[WebhookChannel, str]] = []
    counts: dict[str, int] = {}
    for entry in entries:
        kind, sep, url = str(entry).partition("=")
        kind, url = kind.strip(), url.strip()
        if not sep or not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"setting 'notify_webhooks': {entry!r} should be kind=http(s)://url")
        counts[kind] = counts.get(kind, 0) + 1
        name = kind if counts[kind] == 1 else f"{kind}#{counts[kind]}"
        webhooks.append((WebhookChannel(kind, name), url))
    return webhooks
