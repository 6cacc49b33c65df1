"""Item 9: secrets stay secret. `yuqing settings` shows them masked; the publish webhook's token never
reaches the stored publication, the audit log or an error; notification errors name no robot key."""

from __future__ import annotations

import pytest

from infra.cli import main
from infra.notify.channels import ChannelError, WebhookChannel as RobotChannel
from infra.publish.webhook import WebhookChannel
from tests.security.conftest import answer, approved_release, users_of

SECRETS = {
    "YUQING_ES_URL": ("http://elastic:Es-Pass-4242@127.0.0.1:9200", "Es-Pass-4242"),
    "YUQING_SMTP_PASSWORD": ("Smtp-Pass-4242", "Smtp-Pass-4242"),
    "YUQING_WEBHOOK_SECRET": ("Hmac-Secret-4242", "Hmac-Secret-4242"),
    "YUQING_WEBHOOK_URL": ("https://relay.example.cn/hook?token=Relay-Token-4242", "Relay-Token-4242"),
    "YUQING_CRAWL_PROXY": ("http://crawler:Proxy-Pass-4242@10.0.0.2:3128", "Proxy-Pass-4242"),
    "YUQING_NOTIFY_WEBHOOKS": ("wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=Wecom-Key-4242,"
                               "feishu=https://open.feishu.cn/open-apis/bot/v2/hook/Feishu-Token-0123456789",
                               "Wecom-Key-4242"),
    "YUQING_STATE_DB_URL": (None, None),
}


def test_yuqing_settings_shows_no_secret(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    for variable, (value, _) in SECRETS.items():
        if value:
            monkeypatch.setenv(variable, value)
    assert main(["settings"]) == 0
    shown = capsys.readouterr().out
    for _, secret in SECRETS.values():
        if secret:
            assert secret not in shown
    assert "Feishu-Token-0123456789" not in shown
    assert "smtp_password = '***'" in shown and "http://elastic:***@127.0.0.1:9200" in shown
    assert "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***" in shown      # which robot is still readable


def test_the_publish_webhooks_token_is_not_stored_audited_or_shown(make_workflow, servers):
    receiver = servers(answer(200))
    channel = WebhookChannel(receiver.url("/hook?token=Relay-Token-4242"), "Hmac-Secret-4242", 2.0)
    wf = make_workflow(channels=[channel])
    users = users_of(wf)
    release = approved_release(wf, users)
    records = wf.releases.publish(users["spokesperson"], release.id)
    assert receiver.hits and receiver.hits[0][1] == "/hook?token=Relay-Token-4242"     # it was really sent
    assert records[0].ok and "Relay-Token-4242" not in records[0].location
    assert "token=***" in records[0].location
    stored = wf.releases.publications(users["monitor"], release.id)        # what every role is shown
    audit = [repr(e) for e in wf.audit.entries(limit=None)]
    assert not any("Relay-Token-4242" in text for text in audit + [repr(r) for r in stored])


def test_a_failing_publish_webhook_names_no_token(make_workflow, servers):
    receiver = servers(answer(500))
    wf = make_workflow(channels=[WebhookChannel(receiver.url("/hook/Relay-Token-0123456789abcdef"), "", 2.0)])
    users = users_of(wf)
    records = wf.releases.publish(users["spokesperson"], approved_release(wf, users).id)
    assert not records[0].ok and "HTTP 500" in records[0].error
    assert "Relay-Token-0123456789abcdef" not in records[0].error + records[0].location
    assert not any("Relay-Token" in repr(e) for e in wf.audit.entries(limit=None))


@pytest.mark.parametrize("url,key", [
    ("http://127.0.0.1:9/cgi-bin/webhook/send?key=Wecom-Key-4242", "Wecom-Key-4242"),
    ("http://127.0.0.1:9/robot/send?access_token=Ding-Token-4242", "Ding-Token-4242"),
    ("http://127.0.0.1:9/open-apis/bot/v2/hook/Feishu-Token-0123456789", "Feishu-Token-0123456789"),
])
def test_notification_errors_carry_no_robot_key(url, key):
    with pytest.raises(ChannelError) as error:
        RobotChannel("wecom").send(url, "标题", "正文", "trigger-1")
    assert key not in str(error.value) and "127.0.0.1" in str(error.value)

