"""Crafted model answers on loopback, shared by the tests that drive the model seam.

Every answer here is hand-made (crafted), NOT a recording: a
:class:`~briefgen.testing.FakeOpenAIServer` whose fallback,
:func:`~briefgen.testing.crafted_answer`, quotes the article back, plus the
replies a real model or gateway sends only by accident (prose instead of a tool
call, a refusal, a fault on one article of three). Used by ``test_faults.py``,
``test_api.py`` and ``llm/``; import ``crafted_server`` to get the ``server`` fixture.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from briefgen import Settings
from briefgen.testing import CraftedReply, FakeOpenAIServer, crafted_answer

from .conftest import SEEDS

ID_001, ID_002, ID_003 = "001_34c3b9da6c95dac3", "002_90632c3da004c7e2", "003_e9035b24404bf71a"
ARTICLE = str(SEEDS / f"{ID_003}.txt")
ARTICLE_001 = str(SEEDS / f"{ID_001}.txt")
THREE = [str(SEEDS / f"{i}.txt") for i in (ID_001, ID_002, ID_003)]


@pytest.fixture(name="server")
def crafted_server() -> Iterator[FakeOpenAIServer]:
    """A crafted server that answers every briefgen request with an answer that passes verification."""
    with FakeOpenAIServer(fallback=crafted_answer) as fake:
        yield fake


def settings_for(server: FakeOpenAIServer, **overrides: object) -> Settings:
    """Settings that send every request to ``server`` (and read no environment)."""
    return Settings.resolve(env={}, base_url=server.base_url, model="crafted", api_key="test", **overrides)


def hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``BRIEFGEN_*`` or ``OPENAI_*`` variable of the machine running the tests leaks in."""
    for key in list(os.environ):
        if key.startswith(("BRIEFGEN_", "OPENAI_")):
            monkeypatch.delenv(key, raising=False)


def tool_name(request: dict[str, Any]) -> str:
    """The tool a request asks for: ``Extraction`` or ``Synthesis``."""
    tools = request.get("tools") or []
    return str(tools[0]["function"]["name"]) if tools else ""


def answer_by_article(faults: dict[str, CraftedReply]) -> Callable[[dict[str, Any]], CraftedReply]:
    """A fallback that answers the extraction of the named articles with a fault, the rest normally.

    Requests of one brief run concurrently, so a queue cannot say which article gets a fault.
    """

    # The request names the outlet, not the article id (extract v6): each seed is told by its opening
    # words, as cleaned by the loader, inside the request's <article>.
    openings = {ident: _opening(ident) for ident in faults}

    def answer(request: dict[str, Any]) -> CraftedReply:
        user = str(next((m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"), ""))
        found = next((ident for ident, opening in openings.items() if opening in user), None)
        if tool_name(request) != "Synthesis" and found is not None:
            return faults[found]
        return crafted_answer(request)

    return answer


def _opening(ident: str) -> str:
    """The first 80 characters of seed ``ident`` as the loader cleans it (what an extract request carries)."""
    from briefgen.ingest import load_article

    return load_article(str(SEEDS / f"{ident}.txt")).text[:80]


def text_completion(content: str | None, *, refusal: str | None = None,
                    finish_reason: str = "stop") -> dict[str, Any]:
    """A chat.completion with prose (or a refusal) and no tool call: what a weak or unwilling model sends."""
    return {
        "id": "chatcmpl-crafted", "object": "chat.completion", "created": 0, "model": "crafted",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }
