"""The model seam: one OpenAI-protocol client, wrapped by instructor, for every provider.

OpenAI, Ollama, vLLM, llama.cpp and the bundled local server differ only in
base URL, key, model id and which instructor mode they accept, so a provider
is data (:class:`~briefgen.config.Provider`), not a subclass.

Two kinds of retry, kept apart on purpose:

* *transport* retries (HTTP 429, 5xx, timeouts, dropped connections) are
  tenacity's, with exponential backoff that honours ``Retry-After``;
* *validation* re-asks are instructor's: a schema or citation check failed,
  and the error goes back to the model, bounded by ``max_retries`` and the
  brief's token budget.

Every raw completion, including failed attempts, is captured through
instructor hooks so usage and cost count what was really spent.

The validation context (the article a claim must be found in) reaches the
validators through :data:`briefgen.schema.VALIDATION_CONTEXT`, not through
instructor's ``context=``: instructor renders every message as a Jinja
template when given a context, so an article containing ``{{ 7*7 }}`` would
reach the model as ``49`` and one containing ``{%`` would crash the call.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlparse

import instructor
import openai
from instructor.core.exceptions import InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from briefgen.config import Provider
from briefgen.schema import VALIDATION_CONTEXT
from briefgen.errors import (
    BudgetExceededError,
    ModelUnavailableError,
)
from briefgen.models import CallUsage

T = TypeVar("T", bound=BaseModel)

_MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}

_TRANSIENT = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409, 429) or isinstance(exc, _TRANSIENT):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


class _WaitRetryAfter:
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


@dataclass
class CallResult(Generic[T]):
    """Outcome of one logical call: the value, or the last raw output for salvage."""

    value: T | None
    usage: CallUsage
    error: str | None = None
    raw_json: dict[str, Any] | None = None
    completions: list[Any] = field(default_factory=list)


@dataclass
class TokenMeter:
    """Tokens spent so far by one brief; shared by its calls to enforce the budget."""

    budget: int
    spent: int = 0

    @property
    def left(self) -> int:
        return max(self.budget - self.spent, 0)


def _is_loopback(base_url: str | None) -> bool:
    host = (urlparse(base_url).hostname or "") if base_url else ""
    return host in {"localhost", "::1"} or host.startswith("127.")


def build_openai_client(provider: Provider, *, max_retries: int = 0) -> openai.AsyncOpenAI:
    """The raw async client. Transport retries are ours (tenacity), so the SDK's are off.

    A server on loopback (the local runtime, a llama.cpp or Ollama on this
    machine) is reached directly: with HTTP_PROXY set, the client would
    otherwise send 127.0.0.1 requests to the proxy.
    """
    http_client = None
    if _is_loopback(provider.base_url):
        # Plain http on loopback never uses TLS: skip loading the CA bundle (~35 ms a client).
        plain = urlparse(provider.base_url or "").scheme == "http"
        http_client = openai.DefaultAsyncHttpxClient(trust_env=False, **({"verify": False} if plain else {}))
    return openai.AsyncOpenAI(
        api_key=provider.api_key or "not-needed",
        base_url=provider.base_url,
        timeout=provider.timeout,
        max_retries=max_retries,
        http_client=http_client,
    )


class ModelClient:
    """Structured calls to one provider, with usage accounting and both kinds of retry."""

    def __init__(
        self,
        provider: Provider,
        *,
        client: openai.AsyncOpenAI | None = None,
        transport_retries: int = 3,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.provider = provider
        self.raw = client or build_openai_client(provider)
        self.instructor = instructor.from_openai(self.raw, mode=_MODES[provider.mode])
        self.transport_retries = transport_retries
        self.temperature = temperature
        self.seed = seed

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        purpose: str,
        context: dict[str, Any],
        max_tokens: int,
        max_retries: int,
        meter: TokenMeter,
    ) -> CallResult[T]:
        """Ask for ``response_model``; never raises for bad output, only for unusable providers.

        Output that still fails validation after the re-asks comes back with
        ``value=None`` and the last attempt's JSON in ``raw_json``, so the
        caller can keep what was valid in it and report the rest.
        """
        if meter.left <= 0:
            raise BudgetExceededError(
                f"{purpose}: the brief's token budget ({meter.budget:,}) is spent; "
                "raise token_budget or use fewer articles"
            )
        completions: list[Any] = []
        hooks = Hooks()
        hooks.on("completion:response", completions.append)
        extra: dict[str, Any] = {}
        if self.seed is not None:
            extra["seed"] = self.seed
        started = time.perf_counter()
        value: T | None = None
        error: str | None = None
        token = VALIDATION_CONTEXT.set(context)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.transport_retries + 1),
                wait=_WaitRetryAfter(),
                retry=retry_if_exception(_is_transient),
                reraise=True,
            ):
                with attempt:
                    try:
                        value = await self.instructor.chat.completions.create(
                            model=self.provider.model,
                            response_model=response_model,
                            messages=messages,  # type: ignore[arg-type]
                            max_retries=max_retries,
                            hooks=hooks,
                            max_tokens=max_tokens,
                            temperature=self.temperature,
                            token_budget=max(meter.left, 1),
                            **extra,
                        )
                    except InstructorRetryException as exc:
                        cause = exc.__cause__
                        if isinstance(cause, openai.APIError):
                            raise cause from None  # transport/API trouble: tenacity decides
                        error = _first_line(str(cause or exc))
        except openai.AuthenticationError as exc:
            raise ModelUnavailableError(
                f"{self._where()} rejected the API key (HTTP 401); check OPENAI_API_KEY or --api-key"
            ) from exc
        except openai.NotFoundError as exc:
            raise ModelUnavailableError(
                f"{self._where()} does not know model {self.provider.model!r} (HTTP 404); "
                "pick another with model=/--model"
            ) from exc
        except openai.APITimeoutError as exc:
            raise ModelUnavailableError(
                f"{self._where()} did not answer within {self.provider.timeout:g}s "
                f"({self.transport_retries + 1} tries); raise timeout= or use a faster model"
            ) from exc
        except openai.APIConnectionError as exc:
            raise ModelUnavailableError(
                f"cannot reach {self._where()} after {self.transport_retries + 1} tries "
                f"({exc.__class__.__name__}); is the server running?"
            ) from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailableError(
                f"{self._where()} answered HTTP {exc.status_code} after "
                f"{self.transport_retries + 1} tries: {_first_line(str(exc))}"
            ) from exc
        except (ValidationError, json.JSONDecodeError) as exc:  # parse failures outside the retry loop
            error = _first_line(str(exc))
        finally:
            VALIDATION_CONTEXT.reset(token)
        usage = self._usage(purpose, completions, time.perf_counter() - started)
        meter.spent += usage.prompt_tokens + usage.completion_tokens
        last_json = None
        if value is None:
            last = completions[-1] if completions else None
            if last is not None and _truncated(last, max_tokens):
                error = (
                    f"output was cut off at max_tokens={max_tokens} "
                    f"({_completion_tokens(last)} tokens generated)"
                )
                last_json = None
            else:
                last_json = raw_json(last) if last is not None else None
        return CallResult(value=value, usage=usage, error=error, raw_json=last_json, completions=completions)

    def _where(self) -> str:
        return self.provider.host or "the OpenAI API"

    def _usage(self, purpose: str, completions: list[Any], elapsed: float) -> CallUsage:
        prompt = sum(getattr(getattr(c, "usage", None), "prompt_tokens", 0) or 0 for c in completions)
        completion = sum(_completion_tokens(c) for c in completions)
        cost = None
        if self.provider.price is not None:
            cost = (prompt * self.provider.price[0] + completion * self.provider.price[1]) / 1_000_000
        return CallUsage(
            purpose=purpose,
            model=self.provider.model,
            prompt_tokens=prompt,
            completion_tokens=completion,
            attempts=max(len(completions), 1),
            latency_s=round(elapsed, 3),
            cost_usd=cost,
        )

    async def aclose(self) -> None:
        await self.raw.close()


def _completion_tokens(completion: Any) -> int:
    return getattr(getattr(completion, "usage", None), "completion_tokens", 0) or 0


def _truncated(completion: Any, max_tokens: int) -> bool:
    """Cut-off output. llama.cpp reports finish_reason 'tool_calls' even when it ran
    out of tokens, so the token count is checked as well as finish_reason."""
    try:
        finish = completion.choices[0].finish_reason
    except (AttributeError, IndexError):
        finish = None
    return finish == "length" or _completion_tokens(completion) >= max_tokens


def raw_json(completion: Any) -> dict[str, Any] | None:
    """The JSON object a completion carried, from a tool call or the message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    candidates: list[str] = []
    for call in getattr(message, "tool_calls", None) or []:
        candidates.append(call.function.arguments)
    if getattr(message, "content", None):
        text = message.content
        fenced = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.DOTALL)
        candidates.append(fenced.group(1) if fenced else text)
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(data, dict):
            return data
    return None


def _first_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

