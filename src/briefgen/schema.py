"""The schemas the *model* fills, with validators that check them against the source.

They are deliberately smaller than the public :class:`~briefgen.models.Brief`:
a claim and a quote per fact, a headline and a lede. Every string and list has
a maximum length because llama.cpp turns the JSON schema into a grammar, and
without bounds a small model can emit list items until ``max_tokens``.

Validation errors are worded for the model: instructor feeds them back in a
re-ask, so they say exactly which claim failed and what to do instead.
Passing ``{"lenient": True}`` in the validation context skips the checks;
the pipeline uses that to salvage the valid claims of a last failed attempt.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, create_model, model_validator

from briefgen.models import Article
from briefgen.verify import check_numbers, format_number, locate_quote


class ExtractedClaim(BaseModel):
    claim: str = Field(max_length=240, description="One self-contained factual sentence (max 30 words).")
    quote: str = Field(max_length=320, description="The article's exact words that state the claim.")


def supporting_text(article: Article, start: int, end: int) -> str:
    """The full sentences a span touches: a claim may use numbers from the rest of its sentence."""
    touched = [s for s in article.sentences if s.start < end and s.end > start]
    if not touched:
        return article.text[start:end]
    return article.text[touched[0].start : touched[-1].end]


def claim_problem(claim: ExtractedClaim, article: Article) -> str | None:
    """Why ``claim`` fails verification against ``article`` (None when it passes)."""
    match = locate_quote(claim.quote, article)
    if match is None:
        short = claim.quote if len(claim.quote) <= 90 else claim.quote[:87] + "..."
        return (
            f'the quote "{short}" is not in the article. Copy the exact words of one '
            "article sentence that states this claim, or drop the claim."
        )
    support = supporting_text(article, match.start, match.end)
    numbers = check_numbers(claim.claim, support)
    if not numbers.ok:
        missing = ", ".join(format_number(v) for v in sorted(numbers.missing))
        return (
            f"the claim states {missing}, but its quote does not. Use the number exactly "
            "as the quoted sentence gives it, or quote the sentence that states it."
        )
    return None


class Extraction(BaseModel):
    claims: list[ExtractedClaim] = Field(
        min_length=1, max_length=12, description="Key claims, most important first."
    )

    @model_validator(mode="after")
    def _verify_against_article(self, info: ValidationInfo) -> Extraction:
        context: dict[str, Any] = info.context or {}
        article = context.get("article")
        if article is None or context.get("lenient"):
            return self
        limit = context.get("max_claims")
        if limit is not None and len(self.claims) > limit:
            self.claims = self.claims[:limit]
        problems = [
            f"claims[{i}]: {problem}"
            for i, claim in enumerate(self.claims)
            if (problem := claim_problem(claim, article)) is not None
        ]
        if not self.claims:
            problems.append("no claims were given; extract at least one claim with its quote")
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
    def _numbers_from_points(self, info: ValidationInfo) -> Synthesis:
        context: dict[str, Any] = info.context or {}
        points_text = context.get("points_text")
        if points_text is None or context.get("lenient"):
            return self
        problems = []
        for name in ("headline", "lede"):
            numbers = check_numbers(getattr(self, name), points_text)
            if not numbers.ok:
                missing = ", ".join(format_number(v) for v in sorted(numbers.missing))
                problems.append(f"the {name} states {missing}, which no point states; use the points' numbers")
        if problems:
            raise ValueError("; ".join(problems))
        return self
