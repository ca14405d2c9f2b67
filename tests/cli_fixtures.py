"""Crafted model answers and loopback web pages for the CLI tests.

The answers here are hand-made (crafted), NOT recordings of a model: the CLI
tests are about the command line — inputs, options, formats, exit codes,
batch resume — so the model is stood in for by a
:class:`~briefgen.testing.FakeOpenAIServer` whose fallback quotes the first
sentences of whatever article the request carries. Every quote is therefore
verbatim article text and passes verification, deterministically.

Run ``python -m tests.cli_fixtures`` to get the same crafted server on a port
for trying the CLI by hand (``--base-url`` is printed).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from briefgen.testing import CraftedReply, FakeOpenAIServer, tool_call_completion

CRAFTED_MODEL = "fake-model"


def _message(request: dict[str, Any], role: str) -> str:
    return next((m.get("content") or "" for m in request.get("messages", []) if m.get("role") == role), "")


def crafted_article_text(request: dict[str, Any]) -> str:
    found = re.search(r"<article>\n(.*)\n</article>", _message(request, "user"), re.DOTALL)
    return found.group(1) if found else ""


def crafted_answer(request: dict[str, Any], *, claims: int = 3) -> CraftedReply:
    """Extraction: the article's first sentences as claim and quote. Synthesis: the first point."""
    tools = request.get("tools") or []
    name = tools[0]["function"]["name"] if tools else "Extraction"
    if name == "Synthesis":
        points = re.findall(r"^\d+\. (.+)$", _message(request, "user"), re.MULTILINE)
        first = points[0] if points else "Crafted brief"
        # the first point's own words, unaltered: the headline is held to the points' words
        headline = " ".join(first.split()[:10]).rstrip(".,;:—-– ")
        body = tool_call_completion({"headline": headline, "lede": first[:400]}, name="Synthesis",
                                    prompt_tokens=200, completion_tokens=40)
        return CraftedReply(body=body)
    text = crafted_article_text(request)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]
    items = [{"claim": s[:200], "quote": s[:200]} for s in sentences[:claims]]
    if not items:  # a very short article: quote what there is
        items = [{"claim": text.strip()[:200], "quote": text.strip()[:200]}]
    return CraftedReply(body=tool_call_completion({"claims": items}, name="Extraction",
                                                  prompt_tokens=300 + len(text) // 4, completion_tokens=80))


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
