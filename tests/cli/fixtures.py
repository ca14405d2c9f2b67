"""Crafted model answers and loopback web pages for the CLI tests.

The answers here are hand-made (crafted), NOT recordings of a model: the CLI
tests are about the command line — inputs, options, formats, exit codes,
batch resume — so the model is stood in for by a
:class:`~briefgen.testing.FakeOpenAIServer` whose fallback,
:func:`briefgen.testing.crafted_answer`, quotes the first sentences of
whatever article the request carries. Every quote is therefore verbatim
article text and passes verification, deterministically.

Run ``python -m tests.cli.fixtures`` to get the same crafted server on a port
for trying the CLI by hand (``--base-url`` is printed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefgen.testing import FakeOpenAIServer, crafted_answer

CRAFTED_MODEL = "fake-model"


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, keys, proxies or BRIEFGEN_* settings leak into a test."""
    import os

    for key in list(os.environ):
        if key.startswith(("BRIEFGEN_", "OPENAI_")) or key.lower() in {"http_proxy", "https_proxy", "all_proxy"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # a fresh brief cache per test
    monkeypatch.setenv("BRIEFGEN_TRANSPORT_RETRIES", "0")


def crafted_server(**kwargs: Any) -> FakeOpenAIServer:
    """A FakeOpenAIServer answering every request with :func:`crafted_answer`."""
    return FakeOpenAIServer(fallback=crafted_answer, model_id=CRAFTED_MODEL, **kwargs)


# --- loopback web pages for URL inputs -------------------------------------------------

ARTICLE_PAGE = """<!doctype html><html><head><title>Harbour bridge reopens</title>
<meta property="og:site_name" content="Loopback Times"></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened to traffic on Monday after six weeks of repairs, the city council said.</p>
<p>Engineers replaced 40 steel cables and resurfaced the whole deck during the closure.</p>
<p>The council said the repairs cost 12 million euros, two million more than planned.</p>
<p>Commuters had faced detours of up to 30 minutes while the bridge was closed.</p>
</article><footer>Copyright Loopback Times</footer></body></html>"""

EMPTY_PAGE = "<!doctype html><html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"


@contextmanager
def page_server(huge_bytes: int = 6_000_000) -> Iterator[str]:
    """Loopback site: /article (200), /missing (404), /menu (nothing to extract), /huge (over the size cap)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path == "/article":
                self._send(200, ARTICLE_PAGE.encode())
            elif self.path == "/menu":
                self._send(200, EMPTY_PAGE.encode())
            elif self.path == "/huge":
                self._send(200, b"<html><body><p>" + b"word " * (huge_bytes // 5) + b"</p></body></html>")
            else:
                self._send(404, b"<html><body>Not found</body></html>")

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":  # a crafted server for trying the CLI by hand
    import time

    with crafted_server() as fake:
        print(f"crafted model at --base-url {fake.base_url} --model {CRAFTED_MODEL} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
