"""The network seam of a fetch: sockets opened only to checked addresses, every operation within one deadline.

httpcore's network backend is the seam. :class:`PinnedBackend` is the only thing
that opens sockets for a fetch, and it opens them only to the addresses the
policy checked for that host (:meth:`PinnedBackend.pin`), so a DNS answer that
changes after the check cannot move the connection. Each read, write and TLS
handshake is clamped to the fetch's :class:`Deadline`, so a server that drips
one byte a second fails at the deadline instead of resetting a per-read timeout
forever. :class:`PinnedTransport` is httpx's own transport over that backend.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from briefgen.ingest.fetch_policy import Target


class Deadline:
    """One fetch's overall deadline, and the per-operation timeout that applies within it."""

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

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
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


class PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the policy checked for that host."""

    def __init__(self, deadline: Deadline) -> None:
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


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request/response mapping, exception mapping) over a connection
    pool that uses :class:`PinnedBackend`. ``HTTPTransport`` takes no network backend, and
    its only state is ``_pool``, so the pool is built here instead of in ``__init__``."""

    def __init__(self, backend: PinnedBackend) -> None:
        # No super().__init__(): it would build a second pool for nothing. The SSL context is
        # httpx's (CA bundle, SSL_CERT_FILE), prepared even for http:// since most redirect to https://.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend,
                                             max_connections=4, max_keepalive_connections=2)
