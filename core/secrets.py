"""What a secret is, and how one is shown: the one place that decides (settings output, logs, errors,
stored publication locations and audit entries all go through here).

Secrets are: the values of the settings named in ``SECRET_SETTINGS``; the password of any URL
(``scheme://user:password@host``); every query value of a URL (chat robots carry their key there:
``?key=``, ``?access_token=``); and long token-like path segments (Feishu robots and many relays carry
theirs in the path: ``/hook/<token>``). A masked URL keeps its scheme, host, port and the readable part
of its path, so a person can still tell which receiver is meant.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Iterable

MASK = "***"
# Settings whose whole value is a secret.
SECRET_SETTINGS = frozenset({"smtp_password", "webhook_secret", "audit_hmac_key"})
# Settings that hold URLs (or 'kind=url' lists) whose credentials, keys and tokens are masked.
URL_SETTINGS = frozenset({"es_url", "state_db_url", "crawl_proxy", "webhook_url", "notify_webhooks",
                          "crawl_base_url", "publish_base_url"})
# A path segment this long made of token characters is taken for a key (a word-like path such as
# /cgi-bin/webhook/send or /api/v1/releases stays readable).
_TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-=.~%+]{16,}$")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}，。；]+")
# requests/urllib3 messages name the path and query apart from the host: "... with url: /send?key=..."
_BARE_PATH = re.compile(r"(?<![\w/])(/[^\s'\"<>()]*\?[^\s'\"<>()]+)")


def mask_url(url: str) -> str:
    """``url`` with its password, query values and token-like path segments replaced by ``***``."""
    text = str(url or "")
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return _mask_path_and_query(text)
    userinfo, at, host_port = parts.netloc.rpartition("@")
    name, colon, _ = userinfo.partition(":")
    user = (f"{name}:{MASK}@" if colon else f"{MASK}@") if at else ""
    return f"{parts.scheme}://{user}{host_port}" + _mask_path_and_query(
        urllib.parse.urlunsplit(("", "", parts.path, parts.query, "")))


def _mask_path_and_query(text: str) -> str:
    path, sep, query = text.partition("?")
    path = "/".join(MASK if _TOKEN_SEGMENT.match(segment) else segment for segment in path.split("/"))
    if not sep:
        return path
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    return path + "?" + "&".join(f"{name}={MASK}" if eq else name for name, eq, _ in pairs)


def url_secrets(url: str) -> list[str]:
    """The secret parts of one URL (password, query values, token-like path segments), for ``mask_text``
    on messages that quote the URL in pieces (a driver naming only the path it failed on)."""
    try:
        parts = urllib.parse.urlsplit(str(url or ""))
    except ValueError:
        return []
    found = [parts.password or ""] + [v for _, v in urllib.parse.parse_qsl(parts.query)]
    found += [segment for segment in parts.path.split("/") if _TOKEN_SEGMENT.match(segment)]
    return [f for f in found if f and len(f) >= 4]


def mask_text(text: Any, secrets: Iterable[str] = ()) -> str:
    """``text`` (an error message, a log line) with every URL in it masked and every known secret value
    replaced by ``***``."""
    result = str(text)
    for secret in sorted({str(s) for s in secrets if s and len(str(s)) >= 4}, key=len, reverse=True):
        result = result.replace(secret, MASK)
    result = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), result)
    return _BARE_PATH.sub(lambda m: _mask_path_and_query(m.group(1)), result)


def mask_setting(name: str, value: Any) -> Any:
    """A setting's value as it may be shown: secrets as ``***`` (empty stays empty, so a reader sees it is
    unset), URLs masked, other values unchanged."""
    if name in SECRET_SETTINGS:
        return MASK if value else value
    if name in URL_SETTINGS:
        if isinstance(value, (list, tuple)):
            return [_mask_entry(str(v)) for v in value]
        return mask_url(value) if value else value
    return value


def _mask_entry(entry: str) -> str:
    """A 'kind=url' entry of a list setting, its URL masked."""
    kind, sep, url = entry.partition("=")
    if sep and "://" in url:
        return f"{kind}={mask_url(url.strip())}"
    return mask_url(entry)


def secret_values(values: dict[str, Any]) -> list[str]:
    """The literal secrets among resolved settings (for ``mask_text``): the secret settings' values and
    the passwords and query values inside URL settings."""
    found = [str(values[name]) for name in SECRET_SETTINGS if values.get(name)]
    for name in URL_SETTINGS:
        value = values.get(name)
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            if not item:
                continue
            url = str(item).partition("=")[2] if "=" in str(item).split("://")[0] else str(item)
            found += url_secrets(url)
    return [f for f in found if f and len(f) >= 4]
