"""Channel adapters for publishing releases: the official website (static HTML + RSS written to a folder)
and a generic JSON webhook (for the Weibo / WeChat accounts a user configures)."""

from __future__ import annotations

from pathlib import Path

from core.workflow.channels import Channel
from infra.publish.webhook import WebhookChannel
from infra.publish.website import WebsiteChannel


def build_channels(publish_dir: Path, base_url: str, *, webhook_url: str = "", webhook_secret: str = "",
                   webhook_timeout: float = 5.0) -> list[Channel]:
    """The website channel writing to ``publish_dir`` (served at ``base_url``), always; the webhook channel
    when ``webhook_url`` is set."""
    channels: list[Channel] = [WebsiteChannel(publish_dir, base_url)]
    if webhook_url:
        channels.append(WebhookChannel(webhook_url, webhook_secret, webhook_timeout))
    return channels
