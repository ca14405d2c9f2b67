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
validators through :data:`briefgen.llm.schemas.VALIDATION_CONTEXT`, not through
instructor's ``context=``: instructor renders every message as a Jinja
template when given a context, so an article containing ``{{ 7*7 }}`` would
reach the model as ``49`` and one containing ``{%`` would crash the call.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
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
from instructor.v2.core.function_calls import ResponseSchema, response_schema
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from briefgen._text import first_line
from briefgen.brief import CallUsage
from briefgen.config import Provider
from briefgen.errors import (
    BudgetExceededError,
    IncompleteOutputError,
    ModelDeadlineError,
    ModelError,
    ModelOutputError,
    ModelUnavailableError,
)
from briefgen.llm import answers
from briefgen.llm.schemas import VALIDATION_CONTEXT
from briefgen.llm.transport import (
    WaitRetryAfter,
    build_openai_client,
    chat_completion,
    is_transient,
    refused,
)

T = TypeVar("T", bound=BaseModel)

raw_json = answers.raw_json  # the pipeline reads a completion's JSON through this module

_MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}

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


@lru_cache(maxsize=256)
def _schema_model(response_model: type[T]) -> type[T]:
    """``response_model`` wrapped as instructor wraps it for a call (the same class, schema and request
    body), once: instructor makes a new class per call, so its schema cache, keyed by class, never hit."""
    plain = isinstance(response_model, type) and issubclass(response_model, BaseModel)
    return response_schema(response_model) if plain and not issubclass(response_model, ResponseSchema) else response_model


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
        mode = _MODES[provider.mode]
        self.instructor = instructor.AsyncInstructor(
            client=self.raw, create=instructor.patch(create=chat_completion(self.raw), mode=mode), mode=mode
        )
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
            tokens.append((answers.prompt_tokens(response), answers.completion_tokens(response)))

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
                    wait=WaitRetryAfter(),
                    retry=retry_if_exception(is_transient),
                    reraise=True,
                ):
                    with attempt:
                        tries = attempt.retry_state.attempt_number
                        try:
                            value = await self.instructor.chat.completions.create(
                                model=self.provider.model,
                                response_model=_schema_model(response_model),
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
                                raise cause from cause.__cause__  # transport trouble: tenacity decides (transport.refused reads the cause)
                            failure = answers.output_failure(exc, completions, tokens, max_tokens)
                            if isinstance(exc, TokenBudgetError):
                                failure = type(failure)(f"{failure} (re-asks stopped: the brief's token budget "
                                                        f"of {meter.budget:,} is spent)")
                        except IncompleteOutputException as exc:  # finish_reason "length": never re-asked
                            failure = answers.output_failure(exc, completions, tokens, max_tokens)
        except TimeoutError as exc:
            if not deadline.expired():  # some layer below timed out on its own
                failure = ModelUnavailableError(
                    f"{self._where()} timed out ({exc.__class__.__name__}: {first_line(str(exc), 200)}); "
                    "raise timeout= or use a faster model"
                )
            else:
                answered = f", {answers.count(len(completions), 'answer')}, none usable" if completions else ""
                failure = ModelDeadlineError(
                    f"no usable answer from {self._where()} within call_deadline={self.provider.call_deadline:g}s "
                    f"({answers.count(tries, 'try', 'tries')}{answered}); raise call_deadline "
                    "(BRIEFGEN_CALL_DEADLINE) or use a faster model"
                )
        except openai.APIError as exc:
            failure = self._transport_failure(exc, tries)
        except InstructorError as exc:  # any other instructor exception: named, never a bare traceback
            failure = ModelOutputError(
                f"instructor could not complete the call ({exc.__class__.__name__}: {first_line(str(exc), 200)}); "
                "check the model and mode (BRIEFGEN_MODE)"
            )
        except (ValidationError, json.JSONDecodeError) as exc:  # parse failures outside the retry loop
            failure = answers.output_failure(exc, completions, tokens, max_tokens)
        finally:
            VALIDATION_CONTEXT.reset(token)
        if value is None and failure is None:
            failure = ModelOutputError("the model returned nothing; use a stronger model")
        usage = self._usage(purpose, tokens, time.perf_counter() - started)
        meter.spent += usage.prompt_tokens + usage.completion_tokens
        last_json = None
        if value is None and completions and not isinstance(failure, IncompleteOutputError):
            last_json = answers.raw_json(completions[-1])
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
        detail = answers.api_message(exc)
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
        if isinstance(exc, openai.APITimeoutError) and not refused(exc):
            return ModelUnavailableError(
                f"{where} did not answer within {self.provider.timeout:g}s ({answers.count(tries, 'try', 'tries')}); "
                "raise timeout= or use a faster model"
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelUnavailableError(
                f"cannot reach {where}{after} (APIConnectionError); is the server running?"
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
