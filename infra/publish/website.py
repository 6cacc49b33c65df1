"""The official-website channel: each release becomes a static HTML page in a folder, with an index page
and an RSS 2.0 feed (``rss.xml``) rebuilt on every publication.

Pages are rendered by Jinja2 templates (``templates/*.html.j2``) with autoescape on, and the feed is built
with ElementTree, so release text (``<``, ``&``, quotes, anything) is always text, never markup, and both
stay well-formed. Files are written atomically (temporary file, then rename) so a web server never serves
half a page."""

from __future__ import annotations

import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core.clock import CHINA_TZ
from core.errors import StorageUnavailable
from core.text import xml_safe
from core.workflow.channels import OutgoingRelease

FEED_ITEMS = 50
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
PUBLIC_FILE, PUBLIC_DIR = 0o644, 0o755
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def _write(path: Path, data: str | bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        data = data.encode("utf-8")
    temporary.write_bytes(data)
    # Published pages are public by nature: readable by the web server whatever the process's umask (077).
    os.chmod(temporary, PUBLIC_FILE)
    os.replace(temporary, path)


def paragraphs(body: str) -> list[list[str]]:
    """The lines of each paragraph of a plain-text body (blank lines separate paragraphs)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    return [block.splitlines() for block in blocks]


def rss_feed(entries: list[dict], base_url: str, title: str) -> bytes:
    """An RSS 2.0 document of the newest ``FEED_ITEMS`` entries (as ``_index_entries`` keeps them)."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", title), ("link", base_url), ("description", title), ("language", "zh-cn")):
        ET.SubElement(channel, tag).text = xml_safe(text)
    for entry in entries[:FEED_ITEMS]:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = xml_safe(entry["title"])
        ET.SubElement(item, "link").text = xml_safe(urljoin(base_url, entry["link"]))
        ET.SubElement(item, "guid", isPermaLink="false").text = xml_safe(entry["id"])
        ET.SubElement(item, "pubDate").text = format_datetime(datetime.fromisoformat(entry["published_at"]))
        ET.SubElement(item, "description").text = xml_safe(entry["summary"])
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


class WebsiteChannel:
    """Publishes to ``folder``; ``base_url`` is where that folder is served (for RSS links)."""

    name = "website"

    def __init__(self, folder: Path | str, base_url: str = "http://localhost:8080/", site_title: str = ""):
        self.folder = Path(folder)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.site_title = site_title
        self._lock = threading.Lock()

    def publish(self, release: OutgoingRelease) -> str:
        name = _SAFE_ID.sub("_", release.release_id) + ".html"
        site_title = self.site_title or f"{release.publisher} 信息发布"
        try:
            with self._lock:
                (self.folder / "releases").mkdir(parents=True, exist_ok=True)
                for folder in (self.folder, self.folder / "releases"):
                    os.chmod(folder, PUBLIC_DIR)
                page = self.folder / "releases" / name
                _write(page, self._page(release))
                entries = self._index_entries(release, f"releases/{name}")
                _write(self.folder / "index.html",
                       _TEMPLATES.get_template("index.html.j2").render(site_title=site_title, entries=entries))
                _write(self.folder / "rss.xml", rss_feed(entries, self.base_url, site_title))
        except OSError as error:
            raise StorageUnavailable(f"官网发布目录 {self.folder} 无法写入：{error.strerror}") from error
        return str(page)

    @staticmethod
    def _page(release: OutgoingRelease) -> str:
        return _TEMPLATES.get_template("release.html.j2").render(
            title=xml_safe(release.title), publisher=xml_safe(release.publisher),
            first_release_id=xml_safe(release.first_release_id),
            when=release.published_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
            paragraphs=paragraphs(xml_safe(release.body)))

    def _index_entries(self, release: OutgoingRelease, link: str) -> list[dict]:
        """The list of published releases (newest first), kept as JSON beside the pages."""
        path = self.folder / "releases.json"
        try:
            entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        except json.JSONDecodeError:
            entries = []                 # a damaged list is rebuilt from this release on
        entries = [e for e in entries if e.get("id") != release.release_id]
        entries.insert(0, {"id": release.release_id, "title": xml_safe(release.title), "link": link,
                           "published_at": release.published_at.isoformat(),
                           "summary": xml_safe(release.body).strip()[:200]})
        _write(path, json.dumps(entries, ensure_ascii=False, indent=1))
        return entries
