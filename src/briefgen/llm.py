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

A call never raises for what the model or server did: :meth:`ModelClient.structured`
returns a :class:`CallResult` whose ``failure`` is a named
:class:`~briefgen.errors.ModelError` (``failure.kind`` is the article failure
kind: cut_off, unusable, refused, unavailable, budget, deadline), and the
pipeline records it per article. The whole call — transport retries, backoff
and re-asks — runs under one deadline (``Provider.call_deadline``).

The validation context (the article a claim must be found in) reaches the
validators through :data:`briefgen.schema.VALIDATION_CONTEXT`, not through
instructor's ``context=``: instructor renders every message as a Jinja
template when given a context, so an article containing ``{{ 7*7 }}`` would
reach the model as ``49`` and one containing ``{%`` would crash the call.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlparse

import instructor
import openai
from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
    TokenBudgetError,
)
from instructor.core.hooks import Hooks
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from briefgen.config import Provider
from briefgen.errors import (
    BudgetExceededError,
    IncompleteOutputError,
    ModelDeadlineError,
    ModelError,
    ModelOutputError,
    ModelRefusedError,
    ModelUnavailableError,
)
from briefgen.models import CallUsage
from briefgen.schema import VALIDATION_CONTEXT

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


ABSURD_OUTPUT_CHARS = 200_000
"""An answer this long is no valid answer (12 claims of 620 characters are ~8,000): the server
ignores max_tokens or is broken, and the answer is reported as unusable, not parsed further."""

_DECLINES = re.compile(
    r"^\W*(?:I'?m sorry|I am sorry|sorry\b|I can(?:no|')t|I cannot|I am (?:unable|not able)|I'?m (?:unable|not able)"
    r"|I won'?t|I will not|As an AI\b|I must decline|I'?m afraid I can)",
    re.IGNORECASE,
)


@dataclass
class CallResult(Generic[T]):
    """Outcome of one logical call: the value, or why there is none plus the last raw output for salvage.

    ``usage`` is None only when nothing was sent (the brief's budget was already spent).
    ``failure`` is set whenever ``value`` is None; a caller that can salvage part of
    the raw output (the pipeline keeps verified claims of a failed re-ask) may still
    use ``completions``.
    """

    value: T | None
    usage: CallUsage | None
    failure: ModelError | None = None
    raw_json: dict[str, Any] | None = None
    completions: list[Any] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """The failure's one-line message (None when the call succeeded)."""
        return str(self.failure) if self.failure is not None else None


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
        transport_retries: int = 2,
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
        """Ask for ``response_model``; never raises for what the model or the server did.

        Anything short of a valid value comes back as ``value=None`` with a named
        ``failure`` (see the module docs). Output that still fails validation
        after the re-asks keeps the last attempt's JSON in ``raw_json`` and every
        raw completion in ``completions``, so the caller can keep what was valid
        in them and report the rest.
        """
        if meter.left <= 0:
            return CallResult(
                value=None,
                usage=None,
                failure=BudgetExceededError(
                    f"the brief's token budget ({meter.budget:,}) was spent before this call; "
                    "raise token_budget or use fewer articles"
                ),
            )
        completions: list[Any] = []
        tokens: list[tuple[int, int]] = []  # (prompt, completion) of each answer, as it arrived

        def on_response(response: Any) -> None:
            # instructor later rewrites each response's usage to the running total of the call,
            # so the counts are taken now: summing them afterwards would count re-asks twice.
            completions.append(response)
            tokens.append((_prompt_tokens(response), _completion_tokens(response)))

        hooks = Hooks()
        hooks.on("completion:response", on_response)
        extra: dict[str, Any] = {}
        if self.seed is not None:
            extra["seed"] = self.seed
        started = time.perf_counter()
        value: T | None = None
        failure: ModelError | None = None
        tries = 0  # HTTP requests of the first model attempt, as tenacity counted them
        deadline = asyncio.timeout(self.provider.call_deadline)
        token = VALIDATION_CONTEXT.set(context)
        try:
            async with deadline:
                async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(self.transport_retries + 1),
                    wait=_WaitRetryAfter(),
                    retry=retry_if_exception(_is_transient),
                    reraise=True,
                ):
                    with attempt:
                        tries = attempt.retry_state.attempt_number
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
                            failure = _output_failure(exc, completions, tokens, max_tokens)
                            if isinstance(exc, TokenBudgetError):
                                failure = type(failure)(f"{failure} (re-asks stopped: the brief's token budget "
                                                        f"of {meter.budget:,} is spent)")
                        except IncompleteOutputException as exc:  # finish_reason "length": never re-asked
                            failure = _output_failure(exc, completions, tokens, max_tokens)
        except TimeoutError as exc:
            if not deadline.expired():  # some layer below timed out on its own
                failure = ModelUnavailableError(
                    f"{self._where()} timed out ({exc.__class__.__name__}: {_first_line(str(exc), 200)}); "
                    "raise timeout= or use a faster model"
                )
            else:
                answered = f", {_count(len(completions), 'answer')}, none usable" if completions else ""
                failure = ModelDeadlineError(
                    f"no usable answer from {self._where()} within call_deadline={self.provider.call_deadline:g}s "
                    f"({_count(tries, 'try', 'tries')}{answered}); raise call_deadline "
                    "(BRIEFGEN_CALL_DEADLINE) or use a faster model"
                )
        except openai.APIError as exc:
            failure = self._transport_failure(exc, tries)
        except InstructorError as exc:  # any other instructor exception: named, never a bare traceback
            failure = ModelOutputError(
                f"instructor could not complete the call ({exc.__class__.__name__}: {_first_line(str(exc), 200)}); "
                "check the model and mode (BRIEFGEN_MODE)"
            )
        except (ValidationError, json.JSONDecodeError) as exc:  # parse failures outside the retry loop
            failure = _output_failure(exc, completions, tokens, max_tokens)
        finally:
            VALIDATION_CONTEXT.reset(token)
        if value is None and failure is None:
            failure = ModelOutputError("the model returned nothing; use a stronger model")
        usage = self._usage(purpose, tokens, time.perf_counter() - started)
        meter.spent += usage.prompt_tokens + usage.completion_tokens
        last_json = None
        if value is None and completions and not isinstance(failure, IncompleteOutputError):
            last_json = raw_json(completions[-1])
        return CallResult(value=value, usage=usage, failure=failure, raw_json=last_json, completions=completions)

    def _where(self) -> str:
        """The server as messages name it: its host, "the OpenAI API" only for OpenAI itself."""
        url = self.provider.base_url
        if url is None and self.provider.kind == "client":
            url = str(self.raw.base_url)
        host = urlparse(url).netloc if url else ""
        if not host or host == "api.openai.com":
            return "the OpenAI API"
        if self.provider.kind == "local":
            return f"the local model server ({host})"
        return host

    def _key_advice(self) -> str:
        source = self.provider.key_source
        if source == "none":
            return "no API key was sent; set BRIEFGEN_API_KEY (or pass --api-key / api_key=) for this server"
        if source == "api_key argument":
            return "check the key given with --api-key / api_key="
        if source == "the client":
            return "check the api_key of the client you passed"
        return f"check {source}"

    def _transport_failure(self, exc: openai.APIError, tries: int) -> ModelUnavailableError:
        """One line for an HTTP-level failure, counting the tries really made (400/401/403/404 are not retried)."""
        where = self._where()
        after = f" after {tries} tries" if tries > 1 else ""
        detail = _api_message(exc)
        if isinstance(exc, openai.AuthenticationError):
            return ModelUnavailableError(f"{where} rejected the API key (HTTP 401); {self._key_advice()}")
        if isinstance(exc, openai.PermissionDeniedError):
            source = self.provider.key_source
            key = "an API key" if source == "none" else f"the key from {source}"
            return ModelUnavailableError(
                f"{where} refused the request (HTTP 403): {detail}; check that {key} may use model "
                f"{self.provider.model!r}"
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelUnavailableError(
                f"{where} does not know model {self.provider.model!r} (HTTP 404): {detail}; pick another with "
                "model=/--model, and check that the base URL ends in /v1"
            )
        if isinstance(exc, openai.BadRequestError):
            return ModelUnavailableError(
                f"{where} rejected the request (HTTP 400): {detail}; check the model and mode (BRIEFGEN_MODE), "
                "or shorten the articles (max_article_chars)"
            )
        if isinstance(exc, openai.APITimeoutError):
            return ModelUnavailableError(
                f"{where} did not answer within {self.provider.timeout:g}s ({_count(tries, 'try', 'tries')}); "
                "raise timeout= or use a faster model"
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelUnavailableError(
                f"cannot reach {where}{after} ({exc.__class__.__name__}); is the server running?"
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelUnavailableError(f"{where} answered HTTP {exc.status_code}{after}: {detail}")
        return ModelUnavailableError(
            f"{where} sent a reply that is not an OpenAI-protocol answer ({exc.__class__.__name__}: {detail}); "
            "check that the base URL points at an OpenAI-compatible /v1 endpoint"
        )

    def _usage(self, purpose: str, tokens: list[tuple[int, int]], elapsed: float) -> CallUsage:
        prompt = sum(p for p, _ in tokens)
        completion = sum(c for _, c in tokens)
        cost = None
        if self.provider.price is not None:
            cost = (prompt * self.provider.price[0] + completion * self.provider.price[1]) / 1_000_000
        return CallUsage(
            purpose=purpose,
            model=self.provider.model,
            prompt_tokens=prompt,
            completion_tokens=completion,
            attempts=max(len(tokens), 1),
            latency_s=round(elapsed, 3),
            cost_usd=cost,
        )

    async def aclose(self) -> None:
        await self.raw.close()


def _completion_tokens(completion: Any) -> int:
    return getattr(getattr(completion, "usage", None), "completion_tokens", 0) or 0


def _prompt_tokens(completion: Any) -> int:
    return getattr(getattr(completion, "usage", None), "prompt_tokens", 0) or 0


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _api_message(exc: openai.APIError) -> str:
    """The server's own error message (not the SDK's "Error code: 403 - {...}" dump)."""
    body = getattr(exc, "body", None)  # the SDK keeps the "error" object of the JSON body here
    if isinstance(body, dict) and body.get("message"):
        return _first_line(str(body["message"]), 200)
    return _first_line(str(exc), 200)


def _tool_calls(completion: Any) -> list[Any]:
    try:
        return list(getattr(completion.choices[0].message, "tool_calls", None) or [])
    except (AttributeError, IndexError, TypeError):
        return []


def _raw_output(completion: Any) -> str:
    """Everything the model wrote: tool-call arguments and message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    parts = [str(getattr(call.function, "arguments", "") or "") for call in getattr(message, "tool_calls", None) or []]
    parts.append(str(getattr(message, "content", None) or ""))
    return "".join(parts)


def _refusal(completion: Any) -> str | None:
    """The model's refusal: ``message.refusal``, or prose that declines instead of a tool call or JSON."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    refusal = getattr(message, "refusal", None)
    if refusal:
        return str(refusal)
    content = getattr(message, "content", None)
    declines = bool(content) and _DECLINES.search(str(content)) is not None
    if declines and not getattr(message, "tool_calls", None) and raw_json(completion) is None:
        return str(content)
    return None


def _output_failure(
    exc: BaseException, completions: list[Any], tokens: list[tuple[int, int]], max_tokens: int
) -> ModelOutputError:
    """Name what was wrong with the model's last answer: cut off, refused, absurd, shapeless or invalid."""
    last = completions[-1] if completions else getattr(exc, "last_completion", None)
    generated = tokens[-1][1] if tokens else 0
    attempts = _count(max(len(completions), 1), "attempt")
    cause = exc.__cause__ if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None else exc
    if not isinstance(cause, (ValueError, AssertionError, InstructorError)):
        # Not a parse or validation error: a reply shaped in a way nothing expects, or a bug of ours
        # (a validator raising TypeError). Named and kept to this article either way.
        return ModelOutputError(
            f"the answer could not be processed ({cause.__class__.__name__}: {_first_line(str(cause), 200)}); "
            "if the server's reply looks valid, this is a bug in briefgen: please report it"
        )
    if isinstance(exc, IncompleteOutputException) or (last is not None and _truncated(last, generated, max_tokens)):
        return IncompleteOutputError(
            f"the answer was cut off at max_tokens={max_tokens} ({generated:,} tokens generated); the model wrote "
            "too much or looped: use a stronger model or fewer claims (max_claims_per_article)"
        )
    refusal = _refusal(last) if last is not None else None
    if refusal is not None:
        return ModelRefusedError(
            f"the model declined to answer: {_first_line(refusal, 160)!r}; if the article is fine, use another model"
        )
    size = len(_raw_output(last)) if last is not None else 0
    if size > ABSURD_OUTPUT_CHARS:
        return ModelOutputError(
            f"the answer was {size:,} characters long, far beyond any valid answer; the server ignores max_tokens "
            "or is broken"
        )
    if last is not None and raw_json(last) is None:
        what = "no tool call or JSON object"
        if _tool_calls(last):
            what = "a tool call whose arguments are not a JSON object"
        return ModelOutputError(
            f"the model answered with {what} ({attempts}); use a model that supports tool calls, "
            "or another mode (BRIEFGEN_MODE=json or md_json)"
        )
    return ModelOutputError(
        f"the answer did not fit the schema ({attempts}): {_first_line(str(cause), 300)}; use a stronger model"
    )


def _truncated(completion: Any, generated: int, max_tokens: int) -> bool:
    """Cut-off output. llama.cpp reports finish_reason 'tool_calls' even when it ran
    out of tokens, so the answer's own token count (``generated``) is checked as well."""
    try:
        finish = completion.choices[0].finish_reason
    except (AttributeError, IndexError, TypeError):
        finish = None
    return finish == "length" or generated >= max_tokens


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

