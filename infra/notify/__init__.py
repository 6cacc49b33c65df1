"""Notifications: channels (SMTP e-mail, WeCom / DingTalk / Feishu / JSON webhooks), routing by role, a
sent-ledger that never notifies one trigger twice, retry with back-off, failures the console can read."""

from infra.notify.channels import ChannelError, EmailChannel, WebhookChannel
from infra.notify.ledger import STATUS_NAMES, Delivery, Ledger, read_deliveries
from infra.notify.notifier import (DEFAULT_ROUTES, TRIGGER_KINDS, Contact, Notifier, RoundReport, Trigger,
                                   open_notifier)

__all__ = ["ChannelError", "EmailChannel", "WebhookChannel", "STATUS_NAMES", "Delivery", "Ledger",
           "read_deliveries", "DEFAULT_ROUTES", "TRIGGER_KINDS", "Contact", "Notifier", "RoundReport", "Trigger",
           "open_notifier"]
