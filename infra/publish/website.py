"""The official-website channel: each release becomes a static HTML page in a folder, with an index page
and an RSS 2.0 feed (``rss.xml``) rebuilt on every publication. Release text is escaped, never trusted as
HTML. Files are written atomically (temporary file, then rename) so a web server never serves half a page."""

from __future__ import annotations

import html
import json
import os
import re
import threading
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin
from xml.sax.saxutils import escape as xml_escape

from core.clock import CHINA_TZ
from core.errors import StorageUnavailable
from core.workflow.channels import OutgoingRelease

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><article><h1>{title}</h1>
<p class="meta">{publisher} · {when}{follow}</p>
{paragraphs}
</article><p><a href="../index.html">返回信息发布列表</a></p></body></html>
"""
_INDEX = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{publisher} 信息发布</title>
<link rel="alternate" type="application/rss+xml" href="rss.xml" title="RSS"></head>
<body><h1>{publisher} 信息发布</h1><ul>
{items}
</ul></body></html>
"""
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def paragraphs(body: str) -> str:
    """Escaped ``<p>`` paragraphs of a plain-text body (blank lines separate paragraphs)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    return "\n".join("<p>" + "<br>".join(html.escape(line) for line in b.splitlines()) + "</p>" for b in blocks)


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
        try:
            with self._lock:
                (self.folder / "releases").mkdir(parents=True, exist_ok=True)
                page = self.folder / "releases" / name
                _write(page, self._page(release))
                entries = self._index_entries(release, f"releases/{name}")
                _write(self.folder / "index.html", self._index(entries, release.publisher))
                _write(self.folder / "rss.xml", self._rss(entries, release.publisher))
        except OSError as error:
            raise StorageUnavailable(f"官网发布目录 {self.folder} 无法写入：{error.strerror}") from error
        return str(page)

    def _page(self, release: OutgoingRelease) -> str:
        when = release.published_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        follow = f" · 续发（首发：{html.escape(release.first_release_id)}）" if release.first_release_id else ""
        return _PAGE.format(title=html.escape(release.title), publisher=html.escape(release.publisher), when=when,
                            follow=follow, paragraphs=paragraphs(release.body))

    def _index_entries(self, release: OutgoingRelease, link: str) -> list[dict]:
        """The list of published releases (newest first), kept as JSON beside the pages."""
        path = self.folder / "releases.json"
        try:
            entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        except json.JSONDecodeError:
            entries = []                 # a damaged list is rebuilt from this release on
        entries = [e for e in entries if e.get("id") != release.release_id]
        entries.insert(0, {"id": release.release_id, "title": release.title, "link": link,
                           "published_at": release.published_at.isoformat(),
                           "summary": release.body.strip()[:200]})
        _write(path, json.dumps(entries, ensure_ascii=False, indent=1))
        return entries

    def _index(self, entries: list[dict], publisher: str) -> str:
        items = "\n".join(f'<li><a href="{html.escape(e["link"])}">{html.escape(e["title"])}</a> '
                          f'{html.escape(e["published_at"][:16].replace("T", " "))}</li>' for e in entries)
        return _INDEX.format(publisher=html.escape(self.site_title or publisher), items=items)

    def _rss(self, entries: list[dict], publisher: str) -> str:
        from datetime import datetime

        items = []
        for e in entries[:50]:
            link = urljoin(self.base_url, e["link"])
            when = format_datetime(datetime.fromisoformat(e["published_at"]))
            items.append(f"<item><title>{xml_escape(e['title'])}</title><link>{xml_escape(link)}</link>"
                         f"<guid isPermaLink=\"false\">{xml_escape(e['id'])}</guid><pubDate>{when}</pubDate>"
                         f"<description>{xml_escape(e['summary'])}</description></item>")
        title = xml_escape(self.site_title or f"{publisher} 信息发布")
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{title}</title><link>{xml_escape(self.base_url)}</link>"
                f"<description>{title}</description><language>zh-cn</language>\n"
                + "\n".join(items) + "\n</channel></rss>\n")
