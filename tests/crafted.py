"""Crafted model answers for fault and surface tests.

These are hand-made responses, NOT recordings: they stand in for a model where
the test is about briefgen's own behaviour (retries, re-asks, truncation,
rendering), never about what a model would say. Recorded conversations live
in tests/cassettes/.
"""

from __future__ import annotations

import re
from typing import Any

from briefgen.testing import CraftedReply, tool_call_completion


def article_text(request: dict[str, Any]) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    found = re.search(r"<article>\n(.*)\n</article>", user, re.DOTALL)
    return found.group(1) if found else user


def crafted_extraction(request: dict[str, Any], *, claims: int = 3) -> CraftedReply:
    """Quote the article's first sentences back as claims (always verifiable)."""
    text = article_text(request)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]
    items = [{"claim": s[:200], "quote": s[:200]} for s in sentences[:claims]]
    return CraftedReply(body=tool_call_completion({"claims": items}, name="Extraction"))


def crafted_synthesis(headline: str = "Crafted headline", lede: str = "Crafted lede.") -> CraftedReply:
    return CraftedReply(body=tool_call_completion({"headline": headline, "lede": lede}, name="Synthesis"))


def crafted_synthesis_from_points(request: dict[str, Any]) -> CraftedReply:
    """A headline and lede made of the first point's own words (they pass the checks against the points)."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    points = [re.sub(r"^\d+\.\s*", "", line) for line in user.split("Points:", 1)[-1].strip().splitlines()]
    first = points[0] if points else "No points"
    headline = " ".join(first.split()[:8]).rstrip(".,;:—-– ")
    return crafted_synthesis(headline, first)


def crafted_fallback(request: dict[str, Any]) -> CraftedReply:
    """Answer whichever call this is: extraction or synthesis."""
    tools = request.get("tools") or []
    name = tools[0]["function"]["name"] if tools else ""
    if name == "Synthesis":
        return crafted_synthesis_from_points(request)
    return crafted_extraction(request)
