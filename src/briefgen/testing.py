"""Test doubles that speak the real protocol: an OpenAI-compatible server on loopback.

Used by briefgen's own tests and benchmarks, and useful in yours: point
``base_url`` at a :class:`FakeOpenAIServer` and the whole stack runs for
real (openai client, instructor, retries, HTTP) against answers you control.

Two sources of answers:

* **recorded** — :meth:`FakeOpenAIServer.from_cassette` loads a vcrpy
  cassette recorded from a real model and answers each request with the
  response recorded for the same request body;
* **crafted** — :class:`CraftedReply` objects queued with
  :meth:`FakeOpenAIServer.queue`, for faults a real model will not produce
  on demand (HTTP 429 with ``Retry-After``, 500, slow answers, malformed or
  cut-off JSON). Tests that use them say so in their names.
  :func:`crafted_answer` (``FakeOpenAIServer(fallback=crafted_answer)``)
  answers any briefgen request with a hand-made answer that always passes
  verification, for tests about everything around the model.

The Batch API is served too (``/v1/files``, ``/v1/batches``; see
:mod:`briefgen.testing_batches`): :attr:`FakeOpenAIServer.batch_api` plans
status sequences (validating → in_progress → completed, expired, failed,
cancelled) and per-line errors, and answers each batch line as a live
request would be answered.

The server binds 127.0.0.1 only and stops with its context manager.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from briefgen.testing_batches import FakeBatches


@dataclass
class CraftedReply:
    """A hand-made HTTP answer, for fault tests (never presented as a recording)."""

    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0

    def payload(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode()
        if isinstance(self.body, str):
            return self.body.encode()
        return self.body


def tool_call_completion(arguments: str | dict[str, Any], *, name: str = "Extraction", model: str = "crafted",
                         prompt_tokens: int = 100, completion_tokens: int = 50,
                         finish_reason: str = "tool_calls") -> dict[str, Any]:
    """A chat.completion body carrying one tool call (instructor's TOOLS mode), for crafted replies."""
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    return {
        "id": "chatcmpl-crafted",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "call_0", "type": "function", "function": {"name": name, "arguments": arguments}}
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _user_message(request: dict[str, Any]) -> str:
    """The first user message: the prompt (re-asks append theirs after it)."""
    return next((m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"), "")


def crafted_article_text(request: dict[str, Any]) -> str:
    """The article an extraction request carries (between ``<article>`` tags), or ``""``."""
    found = re.search(r"<article>\n(.*)\n</article>", _user_message(request), re.DOTALL)
    return found.group(1) if found else ""


def _claims_allowed(request: dict[str, Any]) -> int:
    """``maxItems`` of the claims list in the request's tool schema (6 when it has none)."""
    for tool in request.get("tools") or []:
        claims = tool.get("function", {}).get("parameters", {}).get("properties", {}).get("claims", {})
        return int(claims.get("maxItems", 6))
    return 6


def _clip(sentence: str, limit: int = 200) -> str:
    """At most ``limit`` characters, cut between words: half a word is no word of the article."""
    return sentence if len(sentence) <= limit else sentence[: limit + 1].rsplit(" ", 1)[0]


def crafted_answer(request: dict[str, Any], *, claims: int | None = 3, headline: str | None = None) -> CraftedReply:
    """A hand-made answer to either briefgen call that always passes verification (NOT a recording).

    Extraction: the article's first ``claims`` sentences of five words or more,
    each as claim and as quote (``claims=None``: as many as the request's schema
    allows); a very short article is quoted whole. Picks (an article in another
    language): the numbers of those sentences. Synthesis: the first point's
    own first ten words as headline (or ``headline``), the point as lede. Use it
    where a test is about briefgen's behaviour around the model, never about
    what a model would say.
    """
    tools = request.get("tools") or []
    name = tools[0]["function"]["name"] if tools else "Extraction"
    if name == "Synthesis":
        points = re.findall(r"^\d+\. (.+)$", _user_message(request), re.MULTILINE)
        first = points[0] if points else "Crafted brief"
        # the first point's own words, unaltered: the headline is held to the points' words
        title = headline or " ".join(first.split()[:10]).rstrip(".,;:—-– ")
        return CraftedReply(body=tool_call_completion({"headline": title, "lede": first[:400]}, name="Synthesis"))
    if name == "Picks":  # an article in another language: its first numbered sentences of five words or more
        numbered = re.findall(r"^\[(\d+)\] (.+)$", _user_message(request), re.MULTILINE)
        picks = [int(n) for n, sentence in numbered if len(sentence.split()) >= 5][: claims or 3] or [1]
        return CraftedReply(body=tool_call_completion({"sentences": picks}, name="Picks"))
    text = crafted_article_text(request)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]
    items = [{"claim": _clip(s), "quote": _clip(s)} for s in sentences[: claims or _claims_allowed(request)]]
    if not items:  # a very short article: quote what there is
        items = [{"claim": _clip(text.strip()), "quote": _clip(text.strip())}]
    return CraftedReply(body=tool_call_completion({"claims": items}, name="Extraction"))


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when a batch opens dozens at once.
    request_queue_size = 1024


@dataclass
class RecordedReply:
    status: int
    headers: dict[str, str]
    body: bytes


def canonical_body(body: bytes | str | None) -> bytes:
    """A request body as canonical JSON (sorted keys), so key order never decides a match."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    try:
        return json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return raw


def load_cassette(path: Path) -> dict[bytes, deque[RecordedReply]]:
    """Chat-completion interactions of a vcrpy cassette, keyed by canonical request body."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    table: dict[bytes, deque[RecordedReply]] = {}
    for interaction in data.get("interactions", []):
        request, response = interaction["request"], interaction["response"]
        key = canonical_body(request.get("body"))
        raw = response["body"]["string"]
        raw_bytes = raw.encode() if isinstance(raw, str) else raw
        headers = {k: v[0] if isinstance(v, list) else v for k, v in (response.get("headers") or {}).items()}
        headers = {k: v for k, v in headers.items() if k.lower() not in {"content-length", "transfer-encoding", "content-encoding"}}
        table.setdefault(key, deque()).append(RecordedReply(response["status"]["code"], headers, raw_bytes))
    return table


class FakeOpenAIServer:
    """A threaded OpenAI-compatible HTTP server on 127.0.0.1 (see module docs)."""

    def __init__(
        self,
        *,
        recorded: dict[bytes, deque[RecordedReply]] | None = None,
        latency_s: float = 0.0,
        model_id: str = "fake-model",
        fallback: Callable[[dict[str, Any]], CraftedReply] | None = None,
    ) -> None:
        self.recorded = recorded or {}
        self.latency_s = latency_s
        self.model_id = model_id
        self.fallback = fallback
        self.crafted: deque[CraftedReply] = deque()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self.batch_api = FakeBatches(self._answer_now)
        """Files and batches (see :mod:`briefgen.testing_batches`)."""

    @classmethod
    def from_cassette(cls, path: str | Path, **kwargs: Any) -> FakeOpenAIServer:
        return cls(recorded=load_cassette(Path(path)), **kwargs)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def queue(self, *replies: CraftedReply) -> None:
        """Answer the next requests with these crafted replies, in order."""
        with self._lock:
            self.crafted.extend(replies)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, body: bytes) -> CraftedReply | RecordedReply:
        with self._lock:
            try:
                parsed = json.loads(body or b"{}")
            except json.JSONDecodeError:
                parsed = {}
            self.requests.append(parsed)
            if self.crafted:
                return self.crafted.popleft()
            replies = self.recorded.get(canonical_body(body))
            if replies:
                reply = replies[0]
                if len(replies) > 1:
                    replies.popleft()  # several recordings of one body play in order; the last repeats
                return reply
        if self.fallback is not None:
            return self.fallback(parsed)
        return CraftedReply(
            status=500,
            body={"error": {"message": "FakeOpenAIServer: no recorded or queued answer for this request", "type": "fake"}},
        )

    def _answer_now(self, body: bytes) -> tuple[int, bytes]:
        """One batch line's answer: as a live request would get it, without the latency."""
        reply = self._answer(body)
        return reply.status, reply.payload() if isinstance(reply, CraftedReply) else reply.body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, each answer waited for the
            # client's delayed ACK (~40 ms on Linux loopback).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                headers = {"content-type": "application/json", **headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send_routed(self, routed: tuple[int, Any]) -> None:
                status, body = routed
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                headers = {"content-type": "application/octet-stream"} if isinstance(body, bytes) else {}
                try:
                    self._send(status, headers, payload)
                except (BrokenPipeError, ConnectionResetError):  # the client was killed (resume tests)
                    pass

            def do_GET(self) -> None:  # http.server's naming
                url = urlsplit(self.path)
                routed = server.batch_api.route_get(url.path.rstrip("/"), dict(parse_qsl(url.query)))
                if routed is not None:
                    self._send_routed(routed)
                elif self.path.rstrip("/").endswith("/models"):
                    body = {"object": "list", "data": [{"id": server.model_id, "object": "model", "owned_by": "fake"}]}
                    self._send(200, {}, json.dumps(body).encode())
                else:
                    self._send(404, {}, b'{"error": {"message": "not found"}}')

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                path = urlsplit(self.path).path.rstrip("/")
                if not path.endswith("/chat/completions"):
                    routed = server.batch_api.route_post(path, self.headers.get("content-type") or "", body)
                    if routed is not None:
                        self._send_routed(routed)
                        return
                reply = server._answer(body)
                delay = server.latency_s + (reply.delay_s if isinstance(reply, CraftedReply) else 0.0)
                if delay:
                    time.sleep(delay)
                payload = reply.payload() if isinstance(reply, CraftedReply) else reply.body
                try:
                    self._send(reply.status, dict(reply.headers), payload)
                except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout tests)
                    pass

        return Handler
