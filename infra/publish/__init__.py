"""Channel adapters for publishing releases: the official website (static HTML + RSS written to a folder)
and a generic JSON webhook (for the Weibo / WeChat accounts a user configures)."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from core.workflow.channels import Channel
from infra.publish.webhook import WebhookChannel
from infra.publish.website import WebsiteChannel


def publish_dir(settings: Settings) -> Path:
    return Path(settings.publish_dir) if settings.publish_dir else settings.data_path / "published"


def channels_from_settings(settings: Settings) -> list[Channel]:
    """The website channel (always) and the webhook channel (when ``webhook_url`` is set)."""
    channels: list[Channel] = [WebsiteChannel(publish_dir(settings), settings.publish_base_url)]
    if settings.webhook_url:
        channels.append(WebhookChannel(settings.webhook_url, settings.webhook_secret, settings.webhook_timeout))
    return channels
