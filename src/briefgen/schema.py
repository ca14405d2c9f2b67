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

import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, create_model, model_validator

from briefgen.models import Article
from briefgen.verify import QuoteMatch, check_numbers, format_number, locate_quote, normalize

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


def supporting_text(article: Article, start: int, end: int, *, context: int = 0) -> str:
    """The full sentences a span touches (plus ``context`` sentences either side).

    A claim may use numbers from the rest of its sentence; for the word-overlap
    check one neighbour either side is allowed, because claims often
    summarise a sentence together with the next one.
    """
    touched = [i for i, s in enumerate(article.sentences) if s.start < end and s.end > start]
    if not touched:
        return article.text[start:end]
    first = max(touched[0] - context, 0)
    last = min(touched[-1] + context, len(article.sentences) - 1)
    return article.text[article.sentences[first].start : article.sentences[last].end]


_JSON_LEAK = re.compile(r'"\s*,\s*"?(?:quote|claim)"?\s*:.*$|["\\]+\s*,?\s*$', re.DOTALL)


def clean_claim(text: str) -> str:
    """Strip JSON the model leaked into the string and mark a claim cut off by the length bound."""
    text = _JSON_LEAK.sub("", text).strip()
    if len(text) >= CLAIM_MAX_CHARS - 1:
        text = text[: text.rfind(" ")].rstrip(",;:") + "…" if " " in text else text
    return text


_STOP = frozenset(
    ["the", "a", "an", "of", "to", "in", "on", "at", "for", "and", "or", "but", "by", "with", "from", "as", "that", "this", "these", "those", "is", "are", "was", "were", "be", "been", "will", "would", "has", "have", "had", "it", "its", "their", "his", "her", "they", "he", "she", "said", "says", "also", "than", "into", "over", "about", "after", "before", "per", "which", "who", "what", "when", "where", "while", "there", "not"]
)


def _stem(word: str) -> str:
    """A deliberately crude suffix fold (visits/visiting/visited → visit); enough for overlap."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """Lower-cased content words with a crude suffix fold; numbers without separators.

    Cached: merging compares every pair of claims, and this is a per-character loop.
    """
    words = re.findall(r"[\w$][\w,.'’-]*", normalize(text))
    out = set()
    for word in words:
        word = word.strip(".,'’-")
        if re.fullmatch(r"[\d,.$]+", word):
            out.add(word.replace(",", "").replace("$", ""))
        elif len(word) > 2 and word not in _STOP:
            out.add(_stem(word))
    return frozenset(out)


def support_share(claim: str, support: str) -> float:
    """Share of the claim's content words found in the supporting sentences."""
    words = content_words(claim)
    if not words:
        return 0.0
    return len(words & content_words(support)) / len(words)


MIN_SUPPORT = 0.5

# Short names that sources spell out. Only these aliases are accepted: any other
# name in a claim must appear in the quoted sentence or a neighbour.
_ALIASES: dict[str, tuple[str, ...]] = {
    "us": ("u.s.", "united states", "america", "washington"),
    "u.s.": ("us", "united states", "america", "washington"),
    "un": ("u.n.", "united nations", "unsc"),
    "u.n.": ("un", "united nations", "unsc"),
    "uk": ("u.k.", "britain", "united kingdom"),
    "eu": ("european union",),
}
_NAME = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z][\w’'-]*")
_NOT_NAMES = _STOP | {"some", "most", "many", "experts", "officials", "according", "both", "all", "it's"}


def unsupported_names(claim: str, support: str) -> list[str]:
    """Capitalised names and acronyms in ``claim`` that ``support`` never mentions.

    A claim like "North Korea supports US weapons programs" passes a word-overlap
    test against a sentence about *Pyongyang's* weapons; naming a party the
    source does not name is the error that matters most in a news brief.
    """
    haystack = " " + normalize(support) + " "
    missing: list[str] = []
    for match in _NAME.finditer(claim):
        name = re.sub(r"['’]s$", "", match.group(0)).strip("-’'")
        key = name.lower()
        if len(key) < 2 or key in _NOT_NAMES:
            continue
        forms = (key, *_ALIASES.get(key, ()))
        found = False
        for form in forms:
            if len(form) <= 4 or "." in form:
                found = re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", haystack) is not None
            else:
                found = form[: max(4, len(form) - 2)] in haystack  # Korea/Korean, Russia/Russian
            if found:
                break
        if not found and name not in missing:
            missing.append(name)
    return missing


@dataclass(frozen=True)
class Resolution:
    """Where a claim is grounded, or why it is not."""

    match: QuoteMatch | None
    problem: str | None
    via: str = "quote"  # "quote", or "claim" when the claim itself is verbatim article text


def resolve_claim(claim: ExtractedClaim, article: Article) -> Resolution:
    """Ground a claim in the article: its quote if that supports it, else the claim's own words.

    Small models often pair a good claim with the neighbouring sentence as
    its quote, or copy a sentence as the claim. A claim that is itself
    article text is grounded where it occurs; otherwise the quote must be in
    the article, share at least half of the claim's content words, and
    contain every number the claim states.
    """
    text = clean_claim(claim.claim)
    match = locate_quote(claim.quote, article)
    problem: str | None = None
    if match is not None:
        support = supporting_text(article, match.start, match.end)
        wide = supporting_text(article, match.start, match.end, context=1)
        names = unsupported_names(text, wide)
        if support_share(text, wide) < MIN_SUPPORT:
            problem = (
                "the quote does not state this claim (they share few words). Quote the article "
                "sentence that says it, or drop the claim."
            )
        elif names:
            problem = (
                f"the claim names {', '.join(names)}, which its quote does not mention. Name only "
                "who and what the quoted sentence names."
            )
        else:
            numbers = check_numbers(text, support)
            if numbers.ok:
                return Resolution(match, None, "quote")
            missing = ", ".join(format_number(v) for v in sorted(numbers.missing))
            problem = (
                f"the claim states {missing}, but its quote does not. Use the number exactly "
                "as the quoted sentence gives it, or quote the sentence that states it."
            )
    else:
        short = claim.quote if len(claim.quote) <= 90 else claim.quote[:87] + "..."
        problem = (
            f'the quote "{short}" is not in the article. Copy the exact words of one '
            "article sentence that states this claim, or drop the claim."
        )
    own = locate_quote(text, article)
    if own is not None and check_numbers(text, supporting_text(article, own.start, own.end)).ok:
        return Resolution(own, None, "claim")
    return Resolution(None, problem)


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
    def _numbers_from_points(self, info: ValidationInfo) -> Synthesis:
        context = _context(info)
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
