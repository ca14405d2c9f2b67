"""Serving the Slack bot over HTTP: a WSGI server that stays responsive under a burst.

A deep listen backlog, a bounded pool of request threads that only check,
acknowledge and enqueue, a 503 once too many requests are in hand, and a read
timeout for silent clients. ``briefgen slack --http`` runs it (:mod:`.app`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from socket import SHUT_WR, socket
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from slack_bolt import App

from briefgen.slack.config import DEFAULT_PATH

log = logging.getLogger("briefgen.slack")


LISTEN_BACKLOG = 128
"""Connections the kernel holds until the server accepts them (socketserver's default, 5,
reset most of a burst of 30 ``/brief``)."""
HTTP_WORKERS = 16
"""Threads answering HTTP requests; each request only checks the signature, acks and enqueues."""
HTTP_WAITING = 256
"""Accepted connections waiting for a worker; beyond that a new one is answered 503 at once."""
HTTP_READ_TIMEOUT = 10.0
"""Seconds a client may stay silent mid-request before its connection is closed, so slow
clients cannot hold the workers."""

REFUSED_LINGER = 2.0
"""Seconds a refused connection stays half-open after its 503: closing it at once, with the
request still unread, makes the kernel reset it before the client reads the answer."""

_BUSY_RESPONSE = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n")


class _ThreadingWSGIServer(WSGIServer):
    """A WSGI server with a deep listen backlog and a bounded pool of request threads.

    The accepting thread only hands each connection to the pool, so the kernel's queue
    drains as fast as connections arrive; at most ``workers`` requests run at once, at most
    ``waiting`` more wait in memory, and one more than that is answered 503 instead of
    piling up (a thread per connection, socketserver's way, has no such bound).
    """

    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], handler: type[WSGIRequestHandler], *,
                 workers: int = HTTP_WORKERS, waiting: int = HTTP_WAITING) -> None:
        super().__init__(address, handler)
        self.workers, self.waiting = workers, waiting
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="briefgen-http")
        self._places = threading.BoundedSemaphore(workers + waiting)
        self._refused: deque[tuple[float, socket]] = deque()  # only the serving thread touches it

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._places.acquire(blocking=False):
            log.warning("http: %d requests already in hand; answered a new one 503", self.workers + self.waiting)
            self._refuse(request)
            return
        try:
            self._pool.submit(self._handle, request, client_address)
        except RuntimeError:  # the server is closing
            self._places.release()
            self.shutdown_request(request)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception as exc:  # noqa: BLE001 - one log line per failed request, not a traceback
            self.handle_error_quietly(exc)
        finally:
            self.shutdown_request(request)
            self._places.release()

    def _refuse(self, request: socket) -> None:
        try:
            request.sendall(_BUSY_RESPONSE)  # a few bytes into a fresh socket's buffer: never blocks
            request.shutdown(SHUT_WR)  # the answer, then end-of-stream; the close comes later
        except OSError:
            self.shutdown_request(request)
            return
        if len(self._refused) >= self.waiting + self.workers:  # a flood: stop lingering
            self.close_request(self._refused.popleft()[1])
        self._refused.append((time.monotonic() + REFUSED_LINGER, request))

    def service_actions(self) -> None:  # serve_forever calls this between polls
        now = time.monotonic()
        while self._refused and self._refused[0][0] <= now:
            self.close_request(self._refused.popleft()[1])

    def handle_error_quietly(self, exc: Exception) -> None:
        # socketserver's handle_error prints a traceback; a client that hung up or went
        # silent (HTTP_READ_TIMEOUT) is routine here.
        level = logging.DEBUG if isinstance(exc, (TimeoutError, ConnectionError)) else logging.WARNING
        log.log(level, "http: request failed: %s: %s", type(exc).__name__, exc)

    def server_close(self) -> None:
        super().server_close()
        while self._refused:
            self.close_request(self._refused.popleft()[1])
        self._pool.shutdown(wait=False, cancel_futures=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = HTTP_READ_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:  # one debug line, no query strings
        log.debug("http %s", re.sub(r"\?\S*", "", format % args))


def wsgi_app(app: App, path: str = DEFAULT_PATH) -> Callable[..., Iterable[bytes]]:
    """Slack requests on ``path`` (signature-checked by bolt), ``GET /healthz`` for load balancers."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(app, path=path)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return handler(environ, start_response)

    return application


def make_http_server(app: App, host: str, port: int, path: str = DEFAULT_PATH, *,
                     workers: int = HTTP_WORKERS, waiting: int = HTTP_WAITING) -> WSGIServer:
    """An HTTP server for ``app`` (call ``serve_forever()``; ``port=0`` picks a free one):
    listen backlog :data:`LISTEN_BACKLOG`, ``workers`` request threads, a 503 once
    ``waiting`` more connections wait for one, :data:`HTTP_READ_TIMEOUT` for silent clients."""
    server = _ThreadingWSGIServer((host, port), _QuietHandler, workers=workers, waiting=waiting)
    server.set_app(wsgi_app(app, path))
    return server
