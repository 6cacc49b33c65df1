"""What a source may fetch: its own hosts, over http(s), never an address inside our network.

A page is hostile input: a link on it, a next-page href or a redirect can point anywhere, including the
cloud metadata address (169.254.169.254), the loopback interface or a database on the internal network, and
whatever the crawler fetched would be stored as a post readable by every role. Every request of a crawl is
therefore checked here (``crawlers.middlewares.FetchPolicyMiddleware`` sees start requests, followed links,
next pages and redirect targets alike):

- the scheme is http or https (``allow_schemes`` in the source's options adds others);
- the host (and port) is one of the source's own: the hosts of its start URLs, plus the profile option
  ``allowed_hosts`` (``"example.cn"`` exactly, ``".example.cn"`` for it and every subdomain);
- the address is public: IP literals in any spelling (``127.1``, ``2130706433``, ``0177.0.0.1``, ``0x7f.1``,
  ``[::1]``, ``[::ffff:10.0.0.1]``) and, when the crawler connects to the host itself, every address the
  host resolves to must not be private, loopback, link-local, multicast, reserved or unspecified, unless the
  source's option ``allow_private_addresses = true`` says it lives on such a network (tests and a county
  intranet board; the shipped profile never does).

A name is resolved once per crawl, when it is first checked; Twisted resolves it again when it connects, so a
name whose DNS answer changes in between (DNS rebinding) is not caught here: the network's egress rules are the
second line. When the crawl fetches through ``crawl_base_url`` (the simulated web) the connection goes to that configured
address, not to the public host, so the public host is checked as written and not resolved.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import urlsplit

from core.errors import ConfigurationError

_DEFAULT_PORTS = {"http": 80, "https": 443}
Resolver = Callable[[str], list[str]]


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (empty when it does not resolve)."""
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError, OSError):
        return []


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host name spells, in any form a URL parser or the C library accepts: dotted,
    shortened (``127.1``), decimal (``2130706433``), octal (``0177.0.0.1``), hex (``0x7f000001``), IPv6 with
    or without brackets; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))     # the libc spellings getaddrinfo would accept
    except (OSError, ValueError):
        return None


def internal_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address is inside a network (Chinese, for the crawl record), or '' for a public address."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    for test, words in ((address.is_loopback, "本机回环地址"), (address.is_link_local, "链路本地地址（含云元数据地址）"),
                        (address.is_private, "内网地址"), (address.is_multicast, "组播地址"),
                        (address.is_unspecified, "未指定地址"), (address.is_reserved, "保留地址")):
        if test:
            return f"{words} {address}"
    return ""


def host_port(url: str) -> tuple[str, str, int | None]:
    """The scheme, lower-case host and port (the scheme's default when none is written) of a URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower().rstrip("."), port


@dataclass
class FetchPolicy:
    """The hosts, schemes and networks one source may fetch from. ``refusal(url)`` says why not, or ''."""

    hosts: set[tuple[str, int | None]] = field(default_factory=set)    # (host, port) of the start URLs
    domains: tuple[str, ...] = ()                                       # ".example.cn": the domain and below
    schemes: frozenset[str] = frozenset({"http", "https"})
    allow_private: bool = False
    resolver: Resolver = resolve_host
    # One lookup per host and crawl: the check runs in the reactor's thread, where a lookup blocks.
    _resolved: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_options(cls, source_name: str, options: dict, resolver: Resolver = resolve_host) -> "FetchPolicy":
        """The policy of a source from its profile options (``allowed_hosts``, ``allow_schemes``,
        ``allow_private_addresses``); a ConfigurationError names a malformed option."""
        def names(option: str) -> list[str]:
            value = options.get(option, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigurationError(f"source '{source_name}': option '{option}' must be a list of names")
            return [v.strip().lower() for v in value]

        private = options.get("allow_private_addresses", False)
        if not isinstance(private, bool):
            raise ConfigurationError(f"source '{source_name}': option 'allow_private_addresses' must be true or false")
        policy = cls(schemes=frozenset({"http", "https", *names("allow_schemes")}), allow_private=private,
                     resolver=resolver)
        for name in names("allowed_hosts"):
            if name.startswith("."):
                policy.domains += (name,)
            else:
                policy.hosts.add((name, None))
        return policy

    def admit_start(self, url: str) -> None:
        """A start URL's host becomes one of the source's own hosts."""
        _, host, port = host_port(url)
        if host:
            self.hosts.add((host, port))

    def own_host(self, host: str, port: int | None) -> bool:
        if (host, port) in self.hosts or (host, None) in self.hosts:
            return True
        return any(host == d[1:] or host.endswith(d) for d in self.domains)

    def refusal(self, url: str, resolve: bool = True) -> str:
        """Why ``url`` must not be fetched (Chinese, for the crawl record), or '' when it may be.
        ``resolve``: the crawler connects to this host itself, so check what its name resolves to."""
        scheme, host, port = host_port(url)
        if scheme not in self.schemes:
            return f"拒绝非 http(s) 地址（{scheme or '无协议'}）"
        if not host:
            return "拒绝没有主机名的地址"
        if not self.own_host(host, port):
            return f"拒绝站外地址（{host}{f':{port}' if port else ''} 不是本信息源的站点）"
        if self.allow_private:
            return ""
        return self.network_refusal(host, resolve)

    def network_refusal(self, host: str, resolve: bool) -> str:
        literal = literal_address(host)
        if literal is None and resolve and host not in self._resolved:
            self._resolved[host] = self.resolver(host)
        addresses: Iterable = [literal] if literal else (
            (ipaddress.ip_address(a.split("%", 1)[0]) for a in self._resolved[host]) if resolve else ())
        for address in addresses:
            reason = internal_reason(address)
            if reason:
                return f"拒绝访问内部网络（{host} → {reason}）"
        return ""
