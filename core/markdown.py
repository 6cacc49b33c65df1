"""Text from the web inside Markdown. Crawled titles and texts reach Markdown that is rendered
(``st.markdown`` in the console, the reports' Markdown download): ``escape_markdown`` makes any text
render as exactly itself — no link, image, heading, HTML or Streamlit directive (``:red[...]``, ``$...$``)
— and ``unescape_markdown`` gives the text back for writers that do not speak Markdown (DOCX).

Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all leaves no
syntax standing. ':', '.' and '@' become character references instead, because GitHub-flavoured autolinks
(http://..., www...., a@b.cn) are recognised on the raw characters and would turn a URL into a live link.
"""

from __future__ import annotations

import re

_PUNCTUATION = frozenset("\\`*_{}[]()#+-!|<>~$=\"'&;/%^?,")
_REFERENCES = {":": "&#58;", ".": "&#46;", "@": "&#64;"}
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-!|<>~$=\"'&;/%^?,])|&#(58|46|64);")


class Verbatim(str):
    """Markdown of our own (a chart's file name) that a template places as it is."""


def escape_markdown(text: object) -> str:
    """Markdown that renders as exactly ``text`` (line breaks kept)."""
    if text is None or text == "":
        return ""
    escaped = "".join(_REFERENCES.get(ch) or ("\\" + ch if ch in _PUNCTUATION else ch) for ch in str(text))
    # A single newline is a space in Markdown; two trailing spaces keep the author's line breaks.
    return "  \n".join(line.strip("\r") for line in escaped.split("\n"))


def unescape_markdown(text: str) -> str:
    """The text ``escape_markdown`` escaped (other Markdown is left as it is)."""
    return _UNESCAPE.sub(lambda m: m.group(1) if m.group(1) is not None else chr(int(m.group(2))), text)


def escape_value(value: object) -> object:
    """A Jinja ``finalize`` for Markdown templates: strings escaped, ``Verbatim`` and non-strings as they are."""
    if isinstance(value, str) and not isinstance(value, Verbatim):
        return escape_markdown(value)
    return value
