"""Plain text out of scraped HTML: the one implementation the crawlers and the analysers share.

``strip_html`` promises: scripts, styles and comments are dropped; every other piece of text is kept in
document order; block boundaries (paragraphs, line breaks, list items, table rows, headings, divisions)
become line breaks; entities are decoded once; runs of spaces become one space and blank lines disappear.
Text without markup passes through with only its spaces tidied. It never raises, and its cost grows linearly
with the input: libxml2's HTML parser reads it in one pass and the tree is walked without recursion.

Two rules for hostile characters (crawled text and typed text carry control characters, lone surrogates from
broken emoji, and noncharacters; one of them makes python-docx and every XML writer refuse the whole document):

- ``clean_text`` is the rule for what enters the store: posts where they are normalised and ingested, and text
  people type into the workflow. Control characters other than tab and line break are dropped (a carriage
  return becomes a line break), and so are lone surrogates and the noncharacters U+FFFE/U+FFFF.
- ``xml_safe`` is the rule for every writer of XML or DOCX (reports, evidence summaries, the RSS feed, the
  release pages): whatever XML 1.0 cannot carry is left out, so rows stored before ``clean_text`` existed, or
  text from anywhere else, can never break a document.
"""

from __future__ import annotations

import html
import re

from lxml import etree

__all__ = ["clean_text", "strip_html", "xml_safe"]

# Elements whose start and end are line breaks in the text a reader sees.
_BLOCKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                     "section", "article", "header", "footer", "ul", "ol", "table", "title"})
# Table cells sit side by side: a space keeps their words apart.
_CELLS = frozenset({"td", "th"})
_UNREAD = ("script", "style")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")
# The store rule: C0 controls but tab/line feed (CR is turned into LF first), DEL, C1 controls, lone surrogates
# and the two noncharacters of the BMP's last row.
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The writer rule: exactly what XML 1.0's Char production excludes (tab, LF and CR are allowed there).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Blank text is kept (spaces between inline elements separate words). The markup is handed over as UTF-8 bytes with the encoding fixed, so that an encoding named inside it
# (<meta charset=gbk>, an XML declaration) cannot change how the text already decoded is read.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                           recover=True, huge_tree=True, default_doctype=False)


def strip_html(text: str) -> str:
    """The text a reader sees in an HTML fragment or page (see the module docstring); '' for empty input."""
    if not text:
        return ""
    if "<" in text:
        text = _visible_text(text)
    elif "&" in text:
        text = html.unescape(text)
    return _tidy(text)


def clean_text(text: str) -> str:
    """``text`` as it may be stored: line breaks unified to LF, every other control character, lone surrogate
    and noncharacter removed; '' for None or empty input. Idempotent."""
    if not text:
        return ""
    text = str(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSTORABLE.sub("", text)


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry left out (what python-docx, lxml and ElementTree
    refuse or write unreadably); '' for None or empty input."""
    if not text:
        return ""
    return _NOT_XML.sub("", str(text))


def _visible_text(markup: str) -> str:
    # A lone surrogate (a broken emoji from a JSON feed) has no UTF-8 form: it becomes "?".
    root = etree.fromstring(markup.encode("utf-8", "replace"), _PARSER)
    if root is None:          # nothing but comments or blanks
        return ""
    etree.strip_elements(root, *_UNREAD, with_tail=False)
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        edge = "\n" if element.tag in _BLOCKS else " " if element.tag in _CELLS else ""
        parts.append(edge)
        if event == "start":
            if element.text:
                parts.append(element.text)
        else:
            if element.tail and element is not root:
                parts.append(element.tail)
    return "".join(parts)


def _tidy(text: str) -> str:
    text = clean_text(_SPACES.sub(" ", text))
    if "\n" in text:
        text = _BLANK_LINES.sub("\n", text)
    return text.strip()
