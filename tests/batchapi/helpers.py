"""Shared pieces of the batch-path tests: stories, settings, a crafted server.

Every model answer here is crafted (:func:`briefgen.testing.crafted_answer`:
the article's own sentences quoted back), NOT a recording: these tests are
about the batch machinery — rounds, state, resume, failures — not about what
a model would say.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from briefgen.batchapi import BatchOptions, BatchRun, run_batch
from briefgen.config import Settings
from briefgen.testing import FakeOpenAIServer, crafted_answer

MODEL = "gpt-4.1-mini"  # priced in PRICES, so costs are compared
TEXT = ("The {name} committee approved a plan for {n} new buses on Monday. "
        "The plan for {name} will cost {n} million euros over three years, officials said. "
        "Critics in {name} said the money should go to trains instead of buses.")


def stories(count: int, *, articles: int = 2) -> list[list[str]]:
    return [[TEXT.format(name=f"town{i}x{a}", n=10 + i + a) for a in range(articles)] for i in range(count)]


def crafted_server(**kwargs: Any) -> FakeOpenAIServer:
    kwargs.setdefault("fallback", crafted_answer)
    return FakeOpenAIServer(model_id=MODEL, **kwargs)


def settings_for(server: FakeOpenAIServer, **overrides: Any) -> Settings:
    overrides.setdefault("transport_retries", 0)
    return Settings.resolve(env={}, base_url=server.base_url, model=MODEL, api_key="test-key", **overrides)


def run(items: list[list[str]], settings: Settings, state: Path | None, *, via: str = "batch-api",
        **options: Any) -> BatchRun:
    options.setdefault("poll_interval", 0.01)
    return asyncio.run(run_batch(items, settings, via=via, options=BatchOptions(state_dir=state, **options)))
