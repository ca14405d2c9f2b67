"""Fetching one web page under one policy, for every surface (library, CLI, Slack bot, ``verify``).

briefgen fetches links that other people choose: a Slack user, a brief passed
to ``briefgen verify``, a batch of URLs. Fetched from inside your network, a
link to ``http://169.254.169.254/`` (cloud metadata), ``http://localhost:8080/``
or an intranet host would have its text quoted back to whoever asked. So,
unless :attr:`FetchPolicy.allow_private` is set (``Settings.allow_private_urls``,
``--allow-private-urls``, ``BRIEFGEN_ALLOW_PRIVATE_URLS=1``):

* only ``http`` and ``https`` URLs are fetched;
* a host that is, or resolves to, a loopback, private, link-local, multicast,
  unspecified or reserved address (IPv4 or IPv6, IPv4 embedded in IPv6, and
  every spelling the resolver accepts, such as ``2852039166``, ``0x7f.1`` or
  ``017700000001``) is refused with :class:`~briefgen.errors.BlockedURLError`
  (dotted octal such as ``0251.0376.0251.0376`` is not even a valid URL to httpx);
* redirects are followed here, at most :data:`MAX_REDIRECTS`, and every hop is
  checked the same way before anything connects to it;
* the host is resolved once and the connection goes to the address that was
  checked (the Host header, TLS SNI and the certificate check still use the
  name), so a DNS answer that changes between the check and the connection
  ("DNS rebinding") cannot redirect the fetch. For the same reason proxy
  variables (``HTTP_PROXY``...) are not used: a proxy would resolve the name again.

The whole fetch (name lookups, redirects, TLS and the streamed body) must end
within one overall deadline, ``fetch_timeout`` seconds, and no single read may
wait longer than :data:`READ_TIMEOUT`: a server that drips one byte a second
fails at the deadline instead of holding a CLI run or a bot worker forever.

The seam is httpcore's network backend: :class:`_PinnedBackend` is the only
thing that opens sockets, and it opens them to checked addresses only, with
every read, write and handshake clamped to the deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpcore
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
DEFAULT_USER_AGENT = "briefgen (+https://example.invalid/briefgen)"
OPT_IN = "to fetch intranet pages on purpose, set allow_private_urls (--allow-private-urls, BRIEFGEN_ALLOW_PRIVATE_URLS=1)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
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


# --- the network seam ---------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float, read_timeout: float) -> None:
        self.seconds = seconds
        self.read_timeout = read_timeout
        self.ends = time.monotonic() + seconds

    @property
    def left(self) -> float:
        return self.ends - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.left <= 0

    def clamp(self, timeout: float | None, error: type[Exception]) -> float:
        """The time one socket operation may take: its own timeout, never past the deadline."""
        left = self.left
        if left <= 0:
            raise error(f"the overall deadline of {self.seconds:g}s passed")
        return min(left, self.read_timeout if timeout is None else timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the deadline (a dripping server cannot
    reset a per-read timeout forever)."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # server_hostname is the URL's name (httpcore passes the origin host), so SNI and the
        # certificate check are for the name even though the socket went to a pinned address.
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._deadline.clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the policy checked for that host."""

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline
        self._pins: dict[tuple[str, int], tuple[str, ...]] = {}
        self._system = httpcore.SyncBackend()

    def pin(self, target: Target) -> None:
        self._pins[(target.host, target.port)] = target.addresses

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self._pins.get((host, port))
        if not addresses:  # fail closed: nothing unchecked is ever connected to
            raise httpcore.ConnectError(f"{host}:{port} was not checked by the fetch policy")
        error: Exception | None = None
        for address in addresses:
            try:
                # An IP literal: the system backend connects to it without another lookup.
                stream = self._system.connect_tcp(address.split("%", 1)[0], port,
                                                  self._deadline.clamp(timeout, httpcore.ConnectTimeout),
                                                  local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, max(self._deadline.left, 0.0)))


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request/response mapping, exception mapping) over a connection
    pool that uses :class:`_PinnedBackend`. ``HTTPTransport`` takes no network backend, and
    its only state is ``_pool``, so the pool is built here instead of in ``__init__``."""

    def __init__(self, backend: _PinnedBackend) -> None:
        # No super().__init__(): it would build a second pool for nothing. The SSL context is
        # httpx's (CA bundle, SSL_CERT_FILE), prepared even for http:// since most redirect to https://.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend,
                                             max_connections=4, max_keepalive_connections=2)


# --- fetching -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A fetched page: the URL it ended at, its content type and its (decoded) body."""

    url: str
    content_type: str
    data: bytes
    redirects: int = 0


def fetch_page(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    user_agent: str = DEFAULT_USER_AGENT,
    read_timeout: float = READ_TIMEOUT,
) -> Page:
    """GET ``url`` under ``policy`` within ``timeout`` seconds overall (see module docs).

    Raises :class:`BlockedURLError` for a refused URL or redirect hop, and
    :class:`FetchError` for everything else (HTTP error, too large, too many
    redirects, deadline), each naming ``url`` and what to do.
    """
    policy = policy or FetchPolicy()
    deadline = _Deadline(timeout, read_timeout)
    backend = _PinnedBackend(deadline)
    current: httpx.URL | str = url
    try:
        with httpx.Client(
            transport=_PinnedTransport(backend),
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(read_timeout),
            follow_redirects=False,  # followed below, so that every hop is checked
            trust_env=False,  # a proxy would resolve the name again, outside the policy
        ) as client:
            for hop in range(policy.max_redirects + 1):
                try:
                    target = policy.check(current, source=url, timeout=max(deadline.left, 0.0))
                except FetchError as exc:
                    if deadline.passed and not isinstance(exc, BlockedURLError):  # the lookup used it up
                        raise _late(url, timeout) from exc
                    raise
                backend.pin(target)
                with client.stream("GET", target.url) as response:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = _join(target.url, location, source=url)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}", source=url)
                    data = _read_body(response, max_bytes=max_bytes, deadline=deadline, source=url)
                    return Page(str(target.url), response.headers.get("content-type", ""), data, hop)
    except httpx.TimeoutException as exc:
        if deadline.passed:
            raise _late(url, timeout) from exc
        raise FetchError(f"the server did not answer for {read_timeout:g}s; try again later", source=url) from exc
    except httpx.HTTPError as exc:
        if deadline.passed:
            raise _late(url, timeout) from exc
        raise FetchError(f"could not fetch ({exc.__class__.__name__}: {exc})", source=url) from exc
    raise FetchError(f"more than {policy.max_redirects} redirects; pass the page's final URL", source=url)


def _join(base: httpx.URL, location: str, *, source: str) -> httpx.URL:
    try:
        return base.join(location)
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise FetchError(f"redirected to an invalid URL {location!r} ({exc})", source=source) from None


def _read_body(response: httpx.Response, *, max_bytes: int, deadline: _Deadline, source: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"page is larger than {max_bytes:,} bytes; save the text and pass the file",
                             source=source)
        chunks.append(chunk)
        if deadline.passed:  # data kept coming, just too slowly
            raise _late(source, deadline.seconds)
    return b"".join(chunks)


def _late(url: str, seconds: float) -> FetchError:
    return FetchError(
        f"did not finish within {seconds:g}s (fetch_timeout); the server is too slow, save the page and pass the file",
        source=url,
    )
