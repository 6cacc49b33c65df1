"""Notifications: channels (SMTP e-mail, WeCom / DingTalk / Feishu / JSON webhooks), routing by role, retry with
back-off, over the sent-ledger of the state database (``core.notifications.DeliveryLedger``), which never
notifies one trigger twice and keeps failures for the console."""

from infra.notify.channels import ChannelError, EmailChannel, WebhookChannel
from infra.notify.notifier import DEFAULT_ROUTES, Notifier, NotifyConfig, build_notifier

__all__ = ["ChannelError", "EmailChannel", "WebhookChannel", "DEFAULT_ROUTES", "Notifier", "NotifyConfig",
           "build_notifier"]
