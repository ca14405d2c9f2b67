"""How briefgen talks HTTP to a model server: the SDK client, its transport, what is worth a retry.

Kept apart from :mod:`briefgen.llm.client` (what a call means: schemas, re-asks, usage, failures)
because it is the part a slow or odd server exercises: refused connections, Retry-After, proxies
on loopback, the HTTP client under the SDK.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import openai
from openai.types.chat import ChatCompletion
from tenacity import wait_exponential_jitter

from briefgen.config import Provider
from briefgen.llm.answers import mend_raw_controls

_TRANSIENT = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
)


def refused(exc: BaseException) -> bool:
    """The connection failed (refused, no route, bad host) rather than timed out. The aiohttp transport
    reports a refused connection as a connect *timeout* (aiohttp's ClientConnectorError is mapped
    through its ClientConnectionError parent); the OSError under it tells them apart."""
    seen: BaseException | None = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, OSError) and not isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409, 429) or isinstance(exc, _TRANSIENT):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


class WaitRetryAfter:
    """Exponential backoff with jitter, but never sooner than the server's Retry-After."""

    def __init__(self, initial: float = 1.0, maximum: float = 30.0) -> None:
        self._fallback = wait_exponential_jitter(initial=initial, max=maximum)
        self._max = maximum

    def __call__(self, retry_state: Any) -> float:
        wait = float(self._fallback(retry_state))
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        response = getattr(exc, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        if header:
            try:
                wait = max(wait, min(float(header), self._max))
            except ValueError:
                pass
        return wait


def is_loopback(base_url: str | None) -> bool:
    host = (urlparse(base_url).hostname or "") if base_url else ""
    return host in {"localhost", "::1"} or host.startswith("127.")


def build_openai_client(provider: Provider, *, max_retries: int = 0) -> openai.AsyncOpenAI:
    """The raw async client. Transport retries are ours (tenacity), so the SDK's are off.

    A server on loopback (the local runtime, a llama.cpp or Ollama on this
    machine) is reached directly: with HTTP_PROXY set, the client would
    otherwise send 127.0.0.1 requests to the proxy.
    """
    loopback = is_loopback(provider.base_url)
    # Plain http on loopback never uses TLS: skip loading the CA bundle (~35 ms a client).
    plain = {"verify": False} if loopback and urlparse(provider.base_url or "").scheme == "http" else {}
    http_client: Any = None
    if provider.http_transport == "aiohttp":
        # The SDK's own aiohttp transport: under many calls at once httpx's connection pool re-checks
        # every idle connection with a syscall per request; 57 -> 50 ms of CPU a brief at 32 briefs
        # in flight (bench/concurrency.py, 250 ms server). Proxies from the environment as httpx does.
        http_client = openai.DefaultAioHttpClient(trust_env=not loopback, **plain)
    elif loopback:
        http_client = openai.DefaultAsyncHttpxClient(trust_env=False, **plain)
    return openai.AsyncOpenAI(
        api_key=provider.api_key or "not-needed",
        base_url=provider.base_url,
        timeout=provider.timeout,
        max_retries=max_retries,
        http_client=http_client,
    )


_REQUEST_OPTIONS = {"extra_headers": "headers", "extra_query": "params", "timeout": "timeout"}


def chat_completion(client: openai.AsyncOpenAI) -> Callable[..., Awaitable[ChatCompletion]]:
    """``client.chat.completions.create`` without its request-body transform, for instructor to wrap.

    ``create`` walks every message and the tool schema through the SDK's TypedDict transform
    (aliases, date formats), which the chat completion parameters do not use: 1.1 ms of CPU a call
    out of 2.3, the largest single cost of a brief in a batch (bench/overhead.py, issue 12). The body
    goes through ``client.post``, the SDK's own request path (headers, retries off, errors, parsing),
    byte for byte what ``create`` sends (the recorded cassettes match on the body). An answer whose
    JSON holds a raw line break inside a string comes back mended (:func:`~briefgen.llm.answers.mend_raw_controls`).
    """

    async def create(**params: Any) -> ChatCompletion:
        options: dict[str, Any] = {_REQUEST_OPTIONS[k]: params.pop(k) for k in list(params) if k in _REQUEST_OPTIONS}
        extra_body = params.pop("extra_body", None) or {}
        body = {k: v for k, v in params.items() if not isinstance(v, (openai.NotGiven, openai.Omit))}
        if extra_body:
            options["extra_json"] = extra_body
        completion = await client.post("/chat/completions", body=body, cast_to=ChatCompletion, options=options)
        # a raw line break inside a JSON string is mended here, before instructor parses (no re-ask for it)
        return mend_raw_controls(completion)

    return create
