"""The fetch policy: which URLs may be fetched, judged before anything connects.

:class:`FetchPolicy` parses a URL, resolves its host once and refuses, with
:class:`~briefgen.errors.BlockedURLError`, anything but a public ``http(s)``
address unless ``allow_private`` is set (the whole rule and why it exists:
:mod:`briefgen.ingest.fetch`). What passes is a :class:`Target` carrying the
addresses that were checked; :mod:`briefgen.ingest.fetch_transport` connects
to those addresses and no others.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from briefgen.errors import BlockedURLError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> addresses`` as strings; raises ``OSError`` when the name does not resolve."""
Classifier = Callable[[IPAddress], "str | None"]
"""Why an address is refused (``"a link-local address"``), or ``None`` when it may be fetched."""

MAX_REDIRECTS = 5
READ_TIMEOUT = 10.0
"""Seconds one connect, read or write may wait, within the overall ``fetch_timeout``."""
OPT_IN = "to fetch intranet pages on purpose, set allow_private_urls (--allow-private-urls, BRIEFGEN_ALLOW_PRIVATE_URLS=1)"

# Names that only ever mean this machine or the local network, whatever DNS says
# (RFC 6761 localhost, mDNS .local, cloud-internal names such as metadata.google.internal).
_PRIVATE_NAMES = ("localhost",)
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def blocked_reason(address: IPAddress) -> str | None:
    """Why the default policy refuses ``address``, or ``None`` for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason is not None:
                return f"an IPv6 form of {inner}, {reason}"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_reserved:  # before is_private, which also covers 240.0.0.0/4
        return "a reserved address"
    if address.is_private:
        return "a private-network address"
    if not address.is_global:  # 100.64.0.0/10 (carrier NAT) and the like
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64), if any:
    such addresses can reach the IPv4 host, so they are judged as that host."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (numeric spellings included)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy: where to connect, and the addresses that were checked."""

    url: httpx.URL
    host: str
    port: int
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class FetchPolicy:
    """What may be fetched. ``resolve`` and ``classify`` are injectable so tests (and
    unusual deployments) can change how names resolve and which addresses count as private."""

    allow_private: bool = False
    resolve: Resolver = field(default=system_resolve)
    classify: Classifier = field(default=blocked_reason)
    max_redirects: int = MAX_REDIRECTS

    def check(self, url: str | httpx.URL, *, source: str | None = None, timeout: float | None = None) -> Target:
        """Parse, resolve once and judge ``url``; raise :class:`BlockedURLError` or :class:`FetchError`.

        ``source`` names the URL the user gave (for a redirect hop); ``timeout``
        bounds the name lookup.
        """
        shown = str(url)
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except (httpx.InvalidURL, UnicodeError, ValueError, TypeError) as exc:
            raise FetchError(f"is not a valid URL ({exc})", source=source or shown) from None
        where = f"redirected to {shown}, which" if source and source != shown else "this URL"
        if parsed.scheme not in ("http", "https"):
            raise BlockedURLError(
                f"refused: {where} uses {parsed.scheme or 'no'}:// and only http:// and https:// pages are fetched",
                source=source or shown,
            )
        host = parsed.raw_host.decode("ascii")
        if not host:
            raise FetchError(f"{where} has no host name", source=source or shown)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        name = host.rstrip(".").lower()
        if not self.allow_private and (name in _PRIVATE_NAMES or name.endswith(_PRIVATE_SUFFIXES)):
            raise BlockedURLError(f"refused: {where} names {host}, a private host; {OPT_IN}", source=source or shown)
        addresses = self._addresses(host, port, source=source or shown, timeout=timeout)
        if not self.allow_private:
            for text in addresses:
                reason = self.classify(_parse_ip(text))
                if reason is not None:
                    shown_host = host if host == text else f"{host} ({text})"
                    raise BlockedURLError(
                        f"refused: {where} points at {shown_host}, {reason}; {OPT_IN}", source=source or shown
                    )
        return Target(parsed, host, port, addresses)

    def refusal(self, url: str) -> BlockedURLError | None:
        """The refusal ``url`` would get, or ``None`` (also when it does not resolve: the fetch
        reports that). For a fast early answer, e.g. the Slack bot's; :func:`fetch_page` still
        checks every hop."""
        try:
            self.check(url, timeout=READ_TIMEOUT)
        except BlockedURLError as exc:
            return exc
        except FetchError:
            return None
        return None

    def _addresses(self, host: str, port: int, *, source: str, timeout: float | None) -> tuple[str, ...]:
        literal = _literal_ip(host)
        if literal is not None:
            return (literal,)
        try:
            found = _within(timeout, lambda: list(self.resolve(host, port)))
        except TimeoutError:
            raise FetchError(f"could not fetch: looking up {host} took longer than {timeout:g}s",
                             source=source) from None
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"could not fetch: {host} does not resolve ({exc})", source=source) from None
        if not found:
            raise FetchError(f"could not fetch: {host} does not resolve", source=source)
        for text in found:
            try:
                _parse_ip(text)
            except ValueError:  # a custom resolver's mistake must not become an internal error
                raise FetchError(f"could not fetch: {host} resolved to {text!r}, which is not an IP address",
                                 source=source) from None
        return tuple(dict.fromkeys(found))


def _literal_ip(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


def _parse_ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])  # getaddrinfo may add an IPv6 scope


T = TypeVar("T")


def _within(timeout: float | None, call: Callable[[], T]) -> T:
    """``call()``, abandoned after ``timeout`` seconds: ``getaddrinfo`` has no timeout of its own,
    and a stuck resolver must not outlive the fetch deadline (the thread finishes on its own)."""
    if timeout is None:
        return call()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="briefgen-resolve", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        raise TimeoutError
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
