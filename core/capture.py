"""Capturing a post's page as it was seen (网页原貌取证): the HTML a browser ended up with and a screenshot,
taken when a case is escalated, with the time and the method. The escalation service asks a ``PageCapturer``
(infra/capture.py drives headless Chromium) and files each capture with the case as an attachment, so the
evidence pack carries it with its SHA-256, its capture time and the person who opened the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence


@dataclass(frozen=True)
class CapturedPage:
    url: str
    html: bytes                         # the page's DOM as the browser rendered it (UTF-8)
    png: bytes                          # a screenshot of the page (PNG)
    captured_at: datetime
    method: str                         # e.g. "无头浏览器 Chromium 120 截取"


class PageCapturer(Protocol):
    def capture(self, urls: Sequence[str]) -> dict[str, CapturedPage | str]:
        """Each URL's capture, or a sentence saying why it could not be captured (Chinese)."""
        ...
