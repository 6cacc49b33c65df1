"""Channel adapters for publishing releases: the official website (static HTML + RSS written to a folder)
and a generic JSON webhook (for the Weibo / WeChat accounts a user configures)."""

from __future__ import annotations

from core.settings import Settings
from core.workflow.channels import Channel


def channels_from_settings(settings: Settings) -> list[Channel]:
    """The website channel (always) and the webhook channel (when ``webhook_url`` is set)."""
    raise NotImplementedError
