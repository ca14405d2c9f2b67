"""``--dry-run``: what a job will send and cost, live and through the Batch API, before anything is spent.

The pipeline runs as it would (articles loaded, prompts rendered, the very
request bodies built) and stops at the first round, which is counted and
priced; answers already stored in the state folder are replayed, so a dry run
of a half-done job prices only what is left. Later rounds cannot be known
before the answers (re-asks happen only for claims that fail verification),
so they are estimated: one headline call per story (none with the packaged local models,
whose headline is their top point: ``default_headline``).

Tokens are estimated at ~4 characters a token (English text and JSON with
OpenAI's tokenizers; briefgen ships no tokenizer files), and answers at the
median sizes of the recorded seed briefs; an upper bound assumes every answer
runs to ``max_tokens``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai

from briefgen.batchapi.coordinator import BATCH_DISCOUNT, BatchOptions, run_batch
from briefgen.batchapi.engines import DryRun
from briefgen.config import Settings, resolve_provider
from briefgen.ingest import ArticleInput

CHARS_PER_TOKEN = 4.0
TYPICAL_EXTRACT_ANSWER = 250
"""Completion tokens of a typical extraction answer (the recorded seed briefs: 150-370)."""
TYPICAL_HEADLINE_ANSWER = 90
"""Completion tokens of a typical headline answer (the recorded seed briefs: ~85)."""
HEADLINE_PROMPT = 450
"""Prompt tokens of a typical headline request (instructions, schema and ten points)."""
HEADLINE_MAX_TOKENS = 400


@dataclass
class Estimate:
    """The first round counted, the rest estimated (see module docs)."""

    stories: int
    requests: int
    prompt_tokens: int
    typical_completion: int
    max_completion: int
    headline_requests: int
    replayed: int
    finished: int
    model: str
    price: tuple[float, float] | None

    @property
    def total_prompt(self) -> int:
        return self.prompt_tokens + self.headline_requests * HEADLINE_PROMPT

    def cost(self, *, batch: bool, upper: bool = False) -> float | None:
        if self.price is None:
            return None
        completion = self.max_completion if upper else self.typical_completion
        completion += self.headline_requests * (HEADLINE_MAX_TOKENS if upper else TYPICAL_HEADLINE_ANSWER)
        usd = (self.total_prompt * self.price[0] + completion * self.price[1]) / 1_000_000
        return usd * BATCH_DISCOUNT if batch else usd

    def lines(self) -> list[str]:
        out = [f"dry run: {self.stories} stories, nothing sent"]
        if self.finished:
            out.append(f"  {self.finished} stories finish from stored answers ({self.replayed} request(s) replayed, "
                       "no cost)")
        out.append(f"  round 1: {self.requests:,} requests, ~{self.prompt_tokens:,} prompt tokens, answers "
                   f"~{self.typical_completion:,} tokens (at most {self.max_completion:,})")
        out.append(f"  later rounds: {self.headline_requests:,} headline requests (~{HEADLINE_PROMPT} prompt tokens "
                   "each), and re-asks of claims that fail verification (not counted)")
        if self.price is None:
            out.append(f"  cost: unknown for model {self.model!r} (no price recorded; set price= / BRIEFGEN_PRICE)")
            return out
        live, live_max = self.cost(batch=False), self.cost(batch=False, upper=True)
        batch, batch_max = self.cost(batch=True), self.cost(batch=True, upper=True)
        out.append(f"  estimated cost with {self.model} at ${self.price[0]:g} / ${self.price[1]:g} per 1M prompt / "
                   "completion tokens:")
        out.append(f"    --via live       ${live:.4f}  (at most ${live_max:.4f})")
        out.append(f"    --via batch-api  ${batch:.4f}  (at most ${batch_max:.4f}; the Batch API bills half)")
        return out


def request_tokens(body: dict[str, Any]) -> int:
    """A request's prompt tokens, estimated from its messages and tool schemas."""
    messages = body.get("messages") or []
    text = "".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))
    text += json.dumps(body.get("tools") or "")
    return round(len(text) / CHARS_PER_TOKEN)


async def estimate(
    stories: Sequence[Sequence[ArticleInput]],
    settings: Settings,
    *,
    options: BatchOptions | None = None,
    client: openai.AsyncOpenAI | None = None,
) -> Estimate:
    """Count and price the first round of ``stories`` (see module docs); sends and writes nothing."""
    dry = DryRun()
    run = await run_batch(stories, settings, via="batch-api", options=options, client=client, dry_run=dry)
    provider = resolve_provider(settings, has_client=client is not None, start_local=False)
    bodies = [p.body for p in dry.requests]
    waiting = {p.story.index for p in dry.requests}
    finished = sum(r is not None for r in run.results)
    return Estimate(
        stories=len(stories),
        requests=len(bodies),
        prompt_tokens=sum(request_tokens(b) for b in bodies),
        typical_completion=sum(min(TYPICAL_EXTRACT_ANSWER, int(b.get("max_tokens") or TYPICAL_EXTRACT_ANSWER))
                               for b in bodies),
        max_completion=sum(int(b.get("max_tokens") or 0) for b in bodies),
        # the packaged small models take their headline from the points, with no call (default_headline)
        headline_requests=len(waiting) if provider.headline == "model" else 0,
        replayed=run.replayed,
        finished=finished,
        model=provider.model,
        price=provider.price,
    )
