"""Item 10: credentials and signed bodies go only where they are meant to. SMTP logins need TLS unless the
relay is on this host; the publish webhook posts once (no redirect) within a total deadline; the
Elasticsearch check never carries Basic auth to another host; OIDC needs a verified e-mail."""

from __future__ import annotations

import json
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from elasticsearch import Elasticsearch
from aiosmtpd.smtp import AuthResult

from core.errors import ConfigurationError, PermissionDenied, StorageUnavailable
from core.settings import load_settings
from infra.notify.channels import ChannelError, EmailChannel
from infra.publish.webhook import WebhookChannel
from infra.storage.elasticsearch import server_version, split_credentials
from tests.security.conftest import answer, approved_release, drip, users_of


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.logins, self.messages = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)


@pytest.fixture
def plain_smtp():
    """A real SMTP server that offers AUTH without TLS (as a careless relay does) and no STARTTLS."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=mailbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    yield controller.port, mailbox
    controller.stop()


def test_by_default_smtp_credentials_are_never_sent_without_tls(plain_smtp):
    port, mailbox = plain_smtp
    assert load_settings(environ={}).smtp_tls == "starttls"
    channel = EmailChannel("127.0.0.1", port, user="notify", password="Smtp-Pass-4242")
    with pytest.raises(ChannelError, match="STARTTLS|starttls"):
        channel.send("leader@example.gov.cn", "标题", "正文", "trigger-1")
    assert mailbox.logins == [] and mailbox.messages == []


def test_plain_smtp_is_only_for_a_relay_on_this_host(plain_smtp):
    with pytest.raises(ConfigurationError, match="not on this host"):
        EmailChannel("smtp.example.gov.cn", 25, user="notify", password="x", tls="none")
    port, mailbox = plain_smtp
    EmailChannel("127.0.0.1", port, tls="none").send("leader@example.gov.cn", "标题", "正文", "trigger-1")
    assert len(mailbox.messages) == 1


def test_the_publish_webhook_does_not_follow_a_redirect_with_the_signed_body(make_workflow, servers):
    elsewhere = servers(answer(200))
    redirector = servers(answer(307, headers={"Location": elsewhere.url("/steal")}))
    wf = make_workflow(channels=[WebhookChannel(redirector.url("/hook"), "Hmac-Secret-4242", 2.0)])
    users = users_of(wf)
    records = wf.releases.publish(users["spokesperson"], approved_release(wf, users).id)
    assert not records[0].ok and "重定向" in records[0].error
    assert len(redirector.hits) == 1 and elsewhere.hits == []


def test_the_webhook_timeout_is_a_deadline_for_the_whole_exchange(make_workflow, servers):
    slow = servers(drip)
    wf = make_workflow(channels=[WebhookChannel(slow.url("/hook"), "", 2.0)])
    users = users_of(wf)
    release = approved_release(wf, users)
    started = time.monotonic()
    records = wf.releases.publish(users["spokesperson"], release.id)
    assert time.monotonic() - started < 3.5
    assert not records[0].ok and "2 秒内未完成" in records[0].error


def test_the_elasticsearch_check_never_sends_credentials_to_another_host(servers):
    body = json.dumps({"version": {"number": "9.0.0"}}).encode()
    other = servers(answer(200, body, {"X-Elastic-Product": "Elasticsearch", "Content-Type": "application/json"}))
    redirector = servers(lambda handler: answer(302, b"", {"Location": other.url(handler.path, host="localhost")})(handler))
    url, auth = split_credentials(redirector.url("/").replace("http://", "http://elastic:Es-Pass-4242@").rstrip("/"))
    client = Elasticsearch(url, basic_auth=auth)
    try:
        with pytest.raises(StorageUnavailable, match="302"):
            server_version(client, url, 2.0)
    finally:
        client.close()
    assert redirector.hits and other.hits == []


@pytest.mark.parametrize("claims", [
    {"email": "leader@example.gov.cn"},
    {"email": "leader@example.gov.cn", "email_verified": "false"},
    {"email": "leader@example.gov.cn", "email_verified": 0},
])
def test_an_oidc_identity_without_a_verified_email_is_refused(wf, users, claims):
    with pytest.raises(PermissionDenied, match="未经验证"):
        wf.users.login_oidc(claims)


def test_an_oidc_identity_with_a_verified_email_logs_in(wf, users):
    assert wf.users.login_oidc({"email": "leader@example.gov.cn", "email_verified": "true"}).token
