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

One concern a module:

* :mod:`briefgen.ingest.fetch_policy` — what may be fetched: :class:`FetchPolicy`,
  :func:`blocked_reason`, the redirect and read limits;
* :mod:`briefgen.ingest.fetch_transport` — the network seam: httpcore's network
  backend, which opens sockets to checked addresses only and clamps every read,
  write and handshake to the deadline;
* this module — :func:`fetch_page`: the GET itself, following and checking each
  redirect, reading the body within the size cap and the deadline.

The policy's names are importable from here too (``from briefgen.ingest.fetch
import FetchPolicy``), as they were when this was one module.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from briefgen.errors import BlockedURLError, FetchError
from briefgen.ingest.fetch_policy import (
    MAX_REDIRECTS,
    OPT_IN,
    READ_TIMEOUT,
    Classifier,
    FetchPolicy,
    IPAddress,
    Resolver,
    Target,
    blocked_reason,
    system_resolve,
)
from briefgen.ingest.fetch_transport import Deadline, PinnedBackend, PinnedTransport

__all__ = [
    "DEFAULT_USER_AGENT", "FETCH_TIMEOUT", "MAX_FETCH_BYTES", "MAX_REDIRECTS", "OPT_IN", "READ_TIMEOUT",
    "Classifier", "FetchPolicy", "IPAddress", "Page", "Resolver", "Target", "blocked_reason", "fetch_page",
    "system_resolve",
]

DEFAULT_USER_AGENT = "briefgen (+https://example.invalid/briefgen)"
FETCH_TIMEOUT = 20.0
"""Seconds one whole fetch may take (``Settings.fetch_timeout``, ``LoadOptions.fetch_timeout``)."""
MAX_FETCH_BYTES = 5_000_000
"""The largest page body read, counted after decompression (``Settings.max_fetch_bytes``)."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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
    timeout: float = FETCH_TIMEOUT,
    max_bytes: int = MAX_FETCH_BYTES,
    user_agent: str = DEFAULT_USER_AGENT,
    read_timeout: float = READ_TIMEOUT,
) -> Page:
    """GET ``url`` under ``policy`` within ``timeout`` seconds overall (see module docs).

    Raises :class:`BlockedURLError` for a refused URL or redirect hop, and
    :class:`FetchError` for everything else (HTTP error, too large, too many
    redirects, deadline), each naming ``url`` and what to do.
    """
    policy = policy or FetchPolicy()
    deadline = Deadline(timeout, read_timeout)
    backend = PinnedBackend(deadline)
    current: httpx.URL | str = url
    try:
        with httpx.Client(
            transport=PinnedTransport(backend),
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


def _read_body(response: httpx.Response, *, max_bytes: int, deadline: Deadline, source: str) -> bytes:
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
