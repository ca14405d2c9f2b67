"""The model seam (briefgen/llm/client.py): transport retries, the call deadline, token counting, and
the one line each HTTP-level fault becomes.

Every answer is CRAFTED by hand and served over real HTTP on loopback by
:class:`~briefgen.testing.FakeOpenAIServer`, so the openai client, instructor
and tenacity all run for real. Most tests go through :func:`briefgen.summarize`,
as a user meets these faults; the ones at the end call :class:`ModelClient`
directly, for what only the client can show (one call's usage, the budget).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import BaseModel

import briefgen
from briefgen import Settings
from briefgen.config import Provider
from briefgen.errors import BudgetExceededError, ModelDeadlineError, ModelUnavailableError
from briefgen.llm.client import ModelClient, TokenMeter
from briefgen.testing import CraftedReply, FakeOpenAIServer, tool_call_completion

from ..crafted import ARTICLE, crafted_server, hermetic, settings_for  # noqa: F401 - crafted_server: the `server` fixture


def test_crafted_429_with_retry_after_is_retried(server: FakeOpenAIServer) -> None:
    server.queue(CraftedReply(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after": "0.2"}))
    brief = briefgen.summarize(ARTICLE, settings=settings_for(server))
    assert brief.points
    assert len(server.requests) == 3


def test_crafted_500_every_time_is_a_clear_error(server: FakeOpenAIServer) -> None:
    failure = CraftedReply(status=500, body={"error": {"message": "boom"}})
    server.queue(*[failure] * 3)
    with pytest.raises(ModelUnavailableError, match="HTTP 500 after 3 tries"):
        briefgen.summarize(ARTICLE, settings=settings_for(server, transport_retries=2))


def test_crafted_timeout_names_the_limit(server: FakeOpenAIServer) -> None:
    server.queue(CraftedReply(delay_s=1.5, body=tool_call_completion({"claims": []})))
    with pytest.raises(ModelUnavailableError, match="did not answer within 0.3s"):
        briefgen.summarize(ARTICLE, settings=settings_for(server, timeout=0.3, transport_retries=0))


def test_retry_after_of_an_hour_is_capped() -> None:
    """429 with Retry-After: 3600 must not park a brief for an hour: the wait is capped at 30 s."""
    from types import SimpleNamespace

    import httpx
    import openai

    from briefgen.llm.transport import WaitRetryAfter as _WaitRetryAfter

    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(429, headers={"retry-after": "3600"}, request=request)
    error = openai.RateLimitError("slow down", response=response, body=None)
    state = SimpleNamespace(attempt_number=1, outcome=SimpleNamespace(exception=lambda: error))
    wait = _WaitRetryAfter()(state)
    assert 1.0 <= wait <= 30.0


def test_silent_server_gives_a_deadline_error_quickly(server: FakeOpenAIServer) -> None:
    """A server that never answers used to cost 4 x 300 s before any message; now call_deadline bounds it."""
    server.fallback = lambda request: CraftedReply(delay_s=5.0, body=tool_call_completion({"claims": []}))
    started = time.monotonic()
    with pytest.raises(ModelDeadlineError, match=r"within call_deadline=0.6s \(1 try\)"):
        briefgen.summarize(ARTICLE, settings=settings_for(server, call_deadline=0.6))
    assert time.monotonic() - started < 3.0


def test_crafted_401_says_to_check_the_key(server: FakeOpenAIServer) -> None:
    server.queue(CraftedReply(status=401, body={"error": {"message": "bad key"}}))
    with pytest.raises(ModelUnavailableError, match="rejected the API key"):
        briefgen.summarize(ARTICLE, settings=settings_for(server))


@pytest.mark.parametrize("status", [400, 403, 404])
def test_crafted_400_403_404_are_not_retried_nor_said_to_be(server: FakeOpenAIServer, status: int) -> None:
    """The message used to say "after 4 tries" after the one try these statuses get."""
    server.queue(CraftedReply(status=status, body={"error": {"message": "model not allowed for this key"}}))
    with pytest.raises(ModelUnavailableError) as info:
        briefgen.summarize(ARTICLE, settings=settings_for(server))
    message = str(info.value)
    assert f"(HTTP {status}): model not allowed for this key" in message
    assert "tries" not in message and "after" not in message
    assert len(server.requests) == 1


def test_crafted_401_names_briefgen_api_key_when_it_came_from_there(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch)
    monkeypatch.setenv("BRIEFGEN_BASE_URL", server.base_url)
    monkeypatch.setenv("BRIEFGEN_API_KEY", "vllm-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-unrelated")
    server.queue(CraftedReply(status=401, body={"error": {"message": "bad key"}}))
    with pytest.raises(ModelUnavailableError) as info:
        briefgen.summarize(ARTICLE, model="crafted")
    message = str(info.value)
    assert "rejected the API key (HTTP 401); check BRIEFGEN_API_KEY" in message
    assert "OPENAI_API_KEY" not in message
    assert server.requests  # the request went to BRIEFGEN_BASE_URL, not to OpenAI


def test_crafted_401_with_no_key_says_to_set_one(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch)
    server.queue(CraftedReply(status=401, body={"error": {"message": "key required"}}))
    with pytest.raises(ModelUnavailableError, match="no API key was sent; set BRIEFGEN_API_KEY"):
        briefgen.summarize(ARTICLE, settings=Settings.resolve(env={}, base_url=server.base_url, model="crafted"))


@pytest.mark.parametrize("via", ["base_url", "client"])
def test_messages_name_the_server_by_its_host_not_as_openai(server: FakeOpenAIServer, via: str) -> None:
    """A client= pointed at another server used to be called "the OpenAI API"."""
    import openai

    server.queue(*[CraftedReply(status=500, body={"error": {"message": "boom"}})] * 2)
    with pytest.raises(ModelUnavailableError) as info:
        if via == "client":
            client = openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)
            briefgen.summarize(ARTICLE, client=client, settings=Settings.resolve(env={}, model="crafted",
                                                                                 transport_retries=1))
        else:
            briefgen.summarize(ARTICLE, settings=settings_for(server, transport_retries=1))
    host = server.base_url.split("/")[2]
    assert str(info.value).startswith(f"{host} answered HTTP 500 after 2 tries: boom")
    assert "OpenAI" not in str(info.value)


def test_connection_refused_counts_the_tries_really_made() -> None:
    settings = Settings.resolve(env={}, base_url="http://127.0.0.1:9/v1", model="crafted", transport_retries=0)
    with pytest.raises(ModelUnavailableError) as info:
        briefgen.summarize(ARTICLE, settings=settings)
    assert str(info.value) == "cannot reach 127.0.0.1:9 (APIConnectionError); is the server running?"


def test_loopback_servers_bypass_http_proxy(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    brief = briefgen.summarize(ARTICLE, settings=settings_for(server))
    assert brief.points  # reached 127.0.0.1 directly, not through the (unreachable) proxy


def test_template_syntax_in_an_article_reaches_the_model_verbatim(server: FakeOpenAIServer) -> None:
    """instructor renders messages as Jinja when given context=; briefgen must not pass it."""
    text = (
        "The council said the formula {{ 7*7 }} appeared on the ballot by mistake on Monday. "
        "Officials added that a stray {% tag was printed in the second edition of the leaflet."
    )
    brief = briefgen.summarize(text, settings=settings_for(server))
    user = next(m["content"] for m in server.requests[0]["messages"] if m["role"] == "user")
    assert "{{ 7*7 }}" in user and "{% tag" in user
    assert brief.points


# --- one call, through ModelClient itself ----------------------------------------------------------


class Answer(BaseModel):
    """A stand-in response model: the client does not care what it asks for."""

    words: list[str]


def _provider(server: FakeOpenAIServer, **overrides: object) -> Provider:
    values: dict[str, object] = {"kind": "base_url", "model": "crafted", "base_url": server.base_url,
                                 "api_key": "test", "mode": "tools", "reason": "a crafted server",
                                 "timeout": 5.0, "call_deadline": 10.0, **overrides}
    return Provider(**values)  # type: ignore[arg-type]


def _ask(client: ModelClient, meter: TokenMeter, *, max_retries: int = 1):  # type: ignore[no-untyped-def]
    async def call():  # type: ignore[no-untyped-def]
        try:
            return await client.structured(Answer, [{"role": "user", "content": "Say two words."}], purpose="test",
                                           context={}, max_tokens=256, max_retries=max_retries, meter=meter)
        finally:
            await client.aclose()

    return asyncio.run(call())


def _answer(words: object, **kwargs: object) -> CraftedReply:
    return CraftedReply(body=tool_call_completion({"words": words}, name="Answer", **kwargs))  # type: ignore[arg-type]


def test_one_call_counts_each_answer_once_prices_it_and_charges_the_meter(server: FakeOpenAIServer) -> None:
    """A 429, an answer that fails validation, then a valid one: two answers, each counted once."""
    server.queue(CraftedReply(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after": "0"}),
                 _answer("not a list", prompt_tokens=100, completion_tokens=50),
                 _answer(["two", "words"], prompt_tokens=120, completion_tokens=30))
    meter = TokenMeter(budget=10_000)
    result = _ask(ModelClient(_provider(server, price=(0.4, 1.6)), transport_retries=1), meter)
    assert result.failure is None, result.failure
    assert result.value is not None and result.value.words == ["two", "words"]
    usage = result.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.attempts) == (220, 80, 2)
    assert usage.cost_usd == pytest.approx((220 * 0.4 + 80 * 1.6) / 1e6)
    assert meter.spent == 300
    assert len(server.requests) == 3


def test_a_spent_budget_sends_nothing_and_says_which_setting_to_raise(server: FakeOpenAIServer) -> None:
    result = _ask(ModelClient(_provider(server)), TokenMeter(budget=1000, spent=1000))
    assert result.value is None and result.usage is None
    assert isinstance(result.failure, BudgetExceededError) and result.failure.kind == "budget"
    assert "token budget (1,000)" in str(result.failure) and "raise token_budget" in str(result.failure)
    assert server.requests == []


def test_the_call_deadline_bounds_the_backoff_between_retries_too(server: FakeOpenAIServer) -> None:
    """Five retries of a 500 with backoff would take ~30 s; the deadline ends the call during the first wait."""
    server.fallback = lambda request: CraftedReply(status=500, body={"error": {"message": "boom"}})
    started = time.monotonic()
    result = _ask(ModelClient(_provider(server, call_deadline=0.5), transport_retries=5), TokenMeter(budget=10_000))
    assert isinstance(result.failure, ModelDeadlineError) and result.failure.kind == "deadline"
    assert "within call_deadline=0.5s (1 try)" in str(result.failure)
    assert time.monotonic() - started < 3.0
    assert len(server.requests) == 1
