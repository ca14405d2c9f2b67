"""The public data model: what goes in (:class:`Article`) and what comes out (:class:`Brief`).

These are the types users keep, serialise and re-check later, so every field
that a downstream check needs (character spans, the exact quote, the sha256
of the text it was checked against) is stored, not recomputed. The schemas the
*model* fills are smaller and live in :mod:`briefgen.llm.schemas`; turning one into
the other is where verification happens (:mod:`briefgen.pipeline`).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field


class Sentence(BaseModel):
    """One sentence of an article's cleaned text, with character offsets into it."""

    model_config = ConfigDict(frozen=True)

    index: int
    start: int
    end: int
    text: str


class Article(BaseModel):
    """A cleaned, segmented article: the unit every citation points into.

    ``text`` is the article *after* boilerplate removal; all character spans
    in a brief index into it, and ``sha256`` fingerprints it so a saved brief
    can later be re-verified against the same text.
    """

    id: str = Field(description="Short stable id used in citations, e.g. '002_90632c3da004c7e2'.")
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: date | None = None
    language: str | None = None
    source: str | None = Field(default=None, description="Where it was loaded from: a path, URL or '<text>'.")
    sentences: list[Sentence] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    original: str | None = Field(
        default=None, repr=False,
        description="The text as the user gave it (a file's decoded text, pasted text, or an HTML page's "
        "main text); citations point into it. None when ``text`` is already that.",
    )
    offsets: list[int] | None = Field(
        default=None, repr=False,
        description="For each character of ``text``, its offset in ``original``.",
    )

    @property
    def given_text(self) -> str:
        """The text the user gave: what a shipped quote can be found in with Ctrl-F."""
        return self.original if self.original is not None else self.text

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """``[start, end)`` of ``text`` as a span of :attr:`given_text` (first to last character)."""
        if self.offsets is None or self.original is None or end <= start:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence containing character ``offset`` (None if outside every sentence)."""
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        return None

    @property
    def label(self) -> str:
        """How the article is named to people: its outlet, else its id."""
        return self.outlet or self.id


MatchKind = Literal["exact", "normalized", "fuzzy", "found"]
"""How the cited sentence was found: the model's quote exactly, after normalising, by a fuzzy
match, or ``found`` by code from the claim's own words when the model pointed at another sentence."""


class Citation(BaseModel):
    """A verified pointer from a claim into an article.

    ``quote`` is always the article's own text at ``[start, end)`` — when the
    model paraphrased slightly and the quote was found by a fuzzy match, the
    shipped quote is the source's wording, never the model's.
    """

    article_id: str
    sentence_index: int | None = Field(description="Index of the first sentence the span touches.")
    start: int
    end: int
    quote: str
    match: MatchKind = "exact"
    score: float = Field(default=100.0, description="Match score 0-100 (100 for exact matches).")


class Point(BaseModel):
    """One claim of the brief with every citation that supports it."""

    text: str
    citations: list[Citation]
    articles: list[str] = Field(description="Ids of the articles cited, in citation order.")
    outlets: int = Field(description="How many distinct outlets support the point.")
    derived_numbers: list[str] = Field(
        default_factory=list,
        description="Numbers in the text that are sums of numbers in the quotes (e.g. 6,000 = 1,000 + 5,000).",
    )


class ConflictSide(BaseModel):
    label: str = Field(description="What this side says or whom it credits, e.g. 'Tass'.")
    citations: list[Citation]


class Conflict(BaseModel):
    """Sources that disagree, or a source that flags a claim as disputed or unverified."""

    kind: Literal["attribution", "number", "disputed"]
    topic: str
    sides: list[ConflictSide]


class StaleArticle(BaseModel):
    article_id: str
    published: date | None
    reference_date: date | None
    days_apart: int | None
    reason: str


class RejectedClaim(BaseModel):
    """A claim the model made that was left out of the brief: it failed verification, or (stage
    ``merge``) it repeats a point in other words."""

    article_id: str | None
    claim: str
    quote: str | None
    reason: str
    stage: Literal["extract", "synthesize", "merge"] = Field(
        default="extract",
        description="extract: failed verification; synthesize: the headline or lede failed it; merge: a "
        "verified claim left out because it repeats a point in other words (the reason names the point).",
    )


FailureKind = Literal["cut_off", "unusable", "refused", "unavailable", "budget", "deadline"]


class ArticleFailure(BaseModel):
    """An article the model gave nothing usable for, after every retry and re-ask.

    The brief goes on with the other articles; a brief with failures is
    *partial*, and a batch records it so (and retries it on the next run).
    """

    article_id: str | None = Field(description="The article, or None for the headline/lede call.")
    stage: Literal["extract", "synthesize"] = "extract"
    kind: FailureKind = Field(
        description="cut_off (max_tokens reached), unusable (no JSON, no tool call, wrong shape), "
        "refused (the model declined), unavailable (server unreachable or erroring), "
        "budget (token budget spent), deadline (the call's overall deadline passed)."
    )
    message: str


class Source(BaseModel):
    id: str
    outlet: str | None
    title: str | None
    url: str | None
    published: date | None
    sha256: str
    chars: int
    stale: bool = False


class CallUsage(BaseModel):
    """Tokens and time of one logical model call (re-asks included)."""

    purpose: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 1
    latency_s: float = 0.0
    cost_usd: float | None = None


class Usage(BaseModel):
    calls: list[CallUsage] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasks: int = 0
    cost_usd: float | None = None
    wall_time_s: float = 0.0


class Provenance(BaseModel):
    model: str
    model_name: str | None = Field(default=None, description="Human name, e.g. from GGUF metadata.")
    provider: str = Field(description="'openai', 'base_url', 'local' or 'client'.")
    provider_host: str | None = None
    prompt_version: str
    briefgen_version: str
    input_sha256: list[str]
    created_at: datetime


class Brief(BaseModel):
    """A short, cited brief of several articles about one story."""

    headline: str
    lede: str
    points: list[Point]
    background: list[Point] = Field(
        default_factory=list, description="Points from stale articles, kept apart from the news."
    )
    conflicts: list[Conflict] = Field(default_factory=list)
    stale: list[StaleArticle] = Field(default_factory=list)
    rejected: list[RejectedClaim] = Field(default_factory=list)
    sources: list[Source]
    single_source: bool = False
    warnings: list[str] = Field(default_factory=list)
    failures: list[ArticleFailure] = Field(
        default_factory=list,
        description="Articles (or the headline call) for which the model gave nothing usable.",
    )
    usage: Usage
    provenance: Provenance

    @property
    def unverified(self) -> list[RejectedClaim]:
        """The rejected claims that failed verification: all but the repeats (stage ``merge``), which
        were verified and left out because a point states their fact already."""
        return [r for r in self.rejected if r.stage != "merge"]

    @property
    def repeats(self) -> list[RejectedClaim]:
        """Verified claims left out because they repeat a point in other words (stage ``merge``)."""
        return [r for r in self.rejected if r.stage == "merge"]

    @property
    def complete(self) -> bool:
        """True when every article's extraction produced a usable answer."""
        return not any(f.stage == "extract" for f in self.failures)

    def citations(self) -> list[Citation]:
        """Every citation the brief ships, in points, background and conflicts."""
        out: list[Citation] = []
        for point in [*self.points, *self.background]:
            out.extend(point.citations)
        for conflict in self.conflicts:
            for side in conflict.sides:
                out.extend(side.citations)
        return out
