"""The schemas the *model* fills, with validators that check them against the source.

They are deliberately smaller than the public :class:`~briefgen.brief.Brief`:
a claim and a quote per fact, a headline and a lede. Every string and list has
a maximum length because llama.cpp turns the JSON schema into a grammar, and
without bounds a small model can emit list items until ``max_tokens``.

Validation errors are worded for the model: instructor feeds them back in a
re-ask, so they say exactly which claim failed and what to do instead.
Passing ``{"lenient": True}`` in the validation context skips the checks;
the pipeline uses that to salvage the valid claims of a last failed attempt.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, create_model, model_validator

from briefgen.brief import Article
from briefgen.verify import (
    QuoteMatch,
    check_numbers,
    claim_problems,
    complete_attribution,
    format_number,
    locate_quote,
    number_role_problems,
    sentence_span,
    support_problems,
)

CLAIM_MAX_CHARS = 300

VALIDATION_CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("briefgen_validation_context", default=None)
"""What the validators check against, set by :mod:`briefgen.llm` around one model call."""


def _context(info: ValidationInfo) -> dict[str, Any]:
    """Explicit pydantic context first (tests, salvage), else the call's context variable."""
    return info.context or VALIDATION_CONTEXT.get() or {}


class ExtractedClaim(BaseModel):
    # The quote comes first on purpose: a small model that has just copied a
    # sentence writes a claim that matches it far more often than the reverse.
    quote: str = Field(max_length=320, description="One sentence of the article, copied exactly.")
    claim: str = Field(max_length=CLAIM_MAX_CHARS, description="What that sentence states, as one short sentence.")


_JSON_LEAK = re.compile(r'"\s*,\s*"?(?:quote|claim)"?\s*:.*$|["\\]+\s*,?\s*$', re.DOTALL)


def clean_claim(text: str) -> str:
    """Strip JSON the model leaked into the string and mark a claim cut off by the length bound."""
    text = _JSON_LEAK.sub("", text).strip()
    if len(text) >= CLAIM_MAX_CHARS - 1:
        text = text[: text.rfind(" ")].rstrip(",;:") + "…" if " " in text else text
    return text


@dataclass(frozen=True)
class Resolution:
    """Where a claim is grounded, or why it is not."""

    match: QuoteMatch | None
    problem: str | None
    via: str = "quote"  # "quote", or "claim" when the claim itself is verbatim article text
    text: str | None = None  # the claim as shipped, when code completed it from its sentence


def resolve_claim(claim: ExtractedClaim, article: Article) -> Resolution:
    """Ground a claim in whole sentences of the article, or say why it cannot be.

    The quote is located (exact, normalised or fuzzy), widened to the whole
    sentences it covers (one paragraph, never across a break), and the claim
    must say only what those sentences say (:func:`briefgen.verify.support_problems`
    and the number check). Small models sometimes copy a sentence as the claim
    itself: a claim that is verbatim article text is grounded where it occurs,
    under the same rules.
    """
    text = clean_claim(claim.claim)
    match = locate_quote(claim.quote, article)
    if match is not None:
        resolution = _ground(text, match, article)
        if resolution.match is not None:
            return resolution
        problem = resolution.problem
    else:
        short = claim.quote if len(claim.quote) <= 90 else claim.quote[:87] + "..."
        problem = (
            f'the quote "{short}" is not in the article. Copy the exact words of one '
            "article sentence that states this claim, or drop the claim."
        )
    own = locate_quote(text, article)
    if own is not None and own.kind != "fuzzy":
        grounded = _ground(text, own, article, via="claim")
        if grounded.match is not None:
            return grounded
    return Resolution(None, problem)


def _ground(text: str, match: QuoteMatch, article: Article, *, via: str = "quote") -> Resolution:
    span = sentence_span(article, match)
    if span.problem is not None:
        return Resolution(None, span.problem)
    support = article.text[span.start : span.end]
    language = article.language or "en"
    problems = claim_problems(text, support, language=language, article_text=article.text)
    completed = complete_attribution(text, support, language=language, article_text=article.text) if problems else None
    if completed is not None and not claim_problems(completed, support, language=language, article_text=article.text):
        return Resolution(QuoteMatch(span.start, span.end, match.kind, match.score), None, via, completed)
    if problems:
        return Resolution(None, " ".join(problems))
    return Resolution(QuoteMatch(span.start, span.end, match.kind, match.score), None, via)


def claim_problem(claim: ExtractedClaim, article: Article) -> str | None:
    """Why ``claim`` fails verification against ``article`` (None when it passes)."""
    return resolve_claim(claim, article).problem


class Extraction(BaseModel):
    claims: list[ExtractedClaim] = Field(
        min_length=1, max_length=12, description="Key claims, most important first."
    )

    @model_validator(mode="after")
    def _verify_against_article(self, info: ValidationInfo) -> Extraction:
        context = _context(info)
        article = context.get("article")
        if article is None or context.get("lenient"):
            return self
        problems = [
            f"claims[{i}]: {problem}"
            for i, claim in enumerate(self.claims)
            if (problem := claim_problem(claim, article)) is not None
        ]
        if problems:
            raise ValueError(
                "Some claims failed the check against the article text. Fix only these, "
                "keep the other claims as they were:\n- " + "\n- ".join(problems)
            )
        return self


@lru_cache(maxsize=64)
def extraction_model(max_claims: int, min_claims: int = 3) -> type[Extraction]:
    """``Extraction`` with the list bounded by ``max_claims``, so the grammar stops the model there.

    ``min_claims`` (at most 3, and never more than the article has sentences)
    keeps small models from stopping after one claim on a rich article.
    The class keeps the name ``Extraction`` because instructor uses it as the tool name.
    """
    min_claims = max(1, min(min_claims, max_claims))
    return create_model(
        "Extraction",
        __base__=Extraction,
        claims=(
            list[ExtractedClaim],
            Field(min_length=min_claims, max_length=max_claims, description="Key claims, most important first."),
        ),
    )


class Synthesis(BaseModel):
    headline: str = Field(max_length=120, description="At most 12 words, no full stop.")
    lede: str = Field(max_length=450, description="One or two sentences, at most 60 words.")

    @model_validator(mode="after")
    def _only_what_the_points_say(self, info: ValidationInfo) -> Synthesis:
        context = _context(info)
        support = context.get("support_text") or context.get("points_text")
        if support is None or context.get("lenient"):
            return self
        problems = [f"the {name}: {problem}" for name in ("headline", "lede")
                    for problem in summary_problems(getattr(self, name), support,
                                                    language=context.get("language", "en"),
                                                    aliases_from=support)]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def summary_problems(text: str, support: str, *, language: str = "en", aliases_from: str = "") -> list[str]:
    """Why a headline or lede says more than the points (their text and quotes) say.

    Attribution is not required here: the points carry it, and a headline
    cannot hold every "according to".
    """
    problems = [p.message for p in support_problems(
        text, support, language=language, article_text=aliases_from, require_attribution=False,
        source_name="any point",
    )]
    numbers = check_numbers(text, support)
    if not numbers.ok:
        missing = ", ".join(format_number(v) for v in sorted(numbers.missing))
        problems.append(f"it states {missing}, which no point states; use the points' numbers")
    problems.extend(p.message for p in number_role_problems(text, support, language=language))
    return problems
