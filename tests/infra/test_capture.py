"""Headless Chromium captures a post's page (rendered HTML and a PNG screenshot) from a real local web
server; addresses that are no web pages, and pages that do not answer, are named with the reason."""

from __future__ import annotations

import http.server
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from infra.capture import ChromiumCapturer

CHROMIUM = Path("/usr/bin/chromium")
PAGE = "<html><head><meta charset='utf-8'></head><body><h1>渠县二中网传打架</h1><p id='js'></p>" \
       "<script>document.getElementById('js').textContent='脚本渲染的内容'</script></body></html>"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.encode("utf-8") if self.path == "/post/1" else b"missing"
        self.send_response(200 if self.path == "/post/1" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_page_is_captured_as_seen_and_failures_say_why(site):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (infra/browser.sh installs it)")
    at = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    results = ChromiumCapturer(CHROMIUM, lambda: at, timeout_s=10).capture(
        [f"{site}/post/1", f"{site}/gone", "javascript:alert(1)"])
    page = results[f"{site}/post/1"]
    assert page.png.startswith(b"\x89PNG") and page.captured_at == at and "Chromium" in page.method
    assert "脚本渲染的内容" in page.html.decode("utf-8")            # the DOM as rendered, not the raw payload
    assert "HTTP 404" in results[f"{site}/gone"]
    assert "仅截取 http/https" in results["javascript:alert(1)"]
