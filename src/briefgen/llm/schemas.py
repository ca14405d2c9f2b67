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
from typing import Annotated, Any, ClassVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    model_validator,
)

from briefgen.brief import Article, Sentence
from briefgen.verify import (
    QuoteMatch,
    claim_problems,
    complete_attribution,
    content_words,
    is_instruction,
    locate_quote,
    may_hold_instruction,
    sentence_span,
    summary_problems,
)

CLAIM_MAX_CHARS = 300

VALIDATION_CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("briefgen_validation_context", default=None)
"""What the validators check against, set by :mod:`briefgen.llm` around one model call."""


def _context(info: ValidationInfo) -> dict[str, Any]:
    """Explicit pydantic context first (tests, salvage), else the call's context variable."""
    return info.context or VALIDATION_CONTEXT.get() or {}


OPENING_MAX_CHARS = 60
"""How much of its sentence the model copies to point at it. Copying whole sentences was
~40 % of the model's output on the seeds (extract v3); code widens an opening to the whole
sentence, so the quote a reader sees is unchanged. The bound is in the JSON schema only
(llama.cpp's grammar stops the string there); a longer quote from a model without a
grammar is still located, so it is not refused."""


def _without_titles(schema: dict[str, Any]) -> None:
    """Drop pydantic's "title" keys from a model's fields: the tool schema is re-sent with every call
    and llama.cpp's grammar ignores them. The model's own title stays: instructor names the tool by it."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


LEAN_SCHEMA = ConfigDict(json_schema_extra=_without_titles)


class ExtractedClaim(BaseModel):
    model_config = LEAN_SCHEMA

    # The claim comes first. With the opening first (live seeds run, extract v4 draft) the
    # grammar cut the opening at its bound mid-sentence and the model went on copying the
    # sentence into the claim ("construction workers and deminers to support...").
    claim: str = Field(max_length=CLAIM_MAX_CHARS, description="One fact of the article, as one short sentence.")
    quote: str = Field(
        validation_alias=AliasChoices("opening", "quote"),
        serialization_alias="opening",
        description="The first words of the ONE article sentence that states it, copied exactly.",
        json_schema_extra={"maxLength": OPENING_MAX_CHARS},
    )


class StatedClaim(BaseModel):
    # A claim with no pointer: code finds the sentence that states it (a comment, not a docstring:
    # pydantic would send a docstring to the model in the tool schema). Measured on the six final
    # live runs of extract v4 (bench/results/live, 118 claims from English articles): all 108 that
    # were grounded were grounded on the same sentence with the opening removed, and 7 of the 10 that
    # failed were paired with the same sentence for the sentence repair. For an article in another
    # language the opening was the only link (20 of 28 failures), and the model often translated
    # it (Myanmar, live v5 run: all four claims of the Spanish page lost): those articles get their
    # sentences picked by number instead (extract.pick_claims).
    model_config = LEAN_SCHEMA

    claim: str = Field(max_length=CLAIM_MAX_CHARS, description="One fact of the article, as one short sentence.")
    quote: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        # extract v7: the model writes each claim as a bare JSON string (see STATED_CLAIM_SCHEMA)
        return {"claim": data} if isinstance(data, str) else data


STATED_CLAIM_SCHEMA = {"type": "string", "maxLength": CLAIM_MAX_CHARS}
"""What the model writes for one claim: a bare string. Live seeds run of extract v6: 918 output tokens,
of which ``{"claim": "`` and ``"}, `` around each of the 25 claims (~6 tokens each, Qwen tokenizer) were
a sixth; as strings the claims are read into :class:`StatedClaim` all the same."""


DraftClaim = ExtractedClaim | StatedClaim
"""A claim as the model drafted it, with or without the opening of its sentence."""


_JSON_LEAK = re.compile(r'"\s*,\s*"?(?:quote|claim)"?\s*:.*$|["\\]+\s*,?\s*$', re.DOTALL)


_CLAUSE_END = re.compile(r"[;.!?](?=\s)|\s[–—]\s")
"""Where a claim cut off by the length bound may end whole: a semicolon, a full stop, a dash between spaces."""


def clean_claim(text: str) -> str:
    """Strip JSON the model leaked into the string; a claim cut off by the length bound ends at its last
    whole clause (from half its length), else at a word, marked "…". German@14, live run (session 21): a
    point and the lede ended "... poses challenges in the European Union and in the relationship with the
    United…"; the clause before its semicolon states the result whole."""
    text = _JSON_LEAK.sub("", text).strip()
    if len(text) >= CLAIM_MAX_CHARS - 1:
        ends = [m.start() for m in _CLAUSE_END.finditer(text) if m.start() >= len(text) // 2]
        if ends:
            return text[: ends[-1]].rstrip(" ,;:") + "."
        text = text[: text.rfind(" ")].rstrip(",;:") + "…" if " " in text else text
    return text


@dataclass(frozen=True)
class Resolution:
    """Where a claim is grounded, or why it is not."""

    match: QuoteMatch | None
    problem: str | None
    via: str = "quote"  # "quote"; "claim" when the claim itself is verbatim article text; "search"
    text: str | None = None  # the claim as shipped, when code completed it from its sentence
    sentence: tuple[int, int] | None = None  # for a failed claim: the sentence it is about (pointed at, or nearest), if any


def resolve_claim(claim: DraftClaim, article: Article) -> Resolution:
    """Ground a claim in whole sentences of the article, or say why it cannot be.

    The quote is located (exact, normalised or fuzzy), widened to the whole
    sentences it covers (one paragraph, never across a break), and the claim
    must say only what those sentences say (:func:`briefgen.verify.support_problems`
    and the number check). Small models sometimes copy a sentence as the claim
    itself: a claim that is verbatim article text is grounded where it occurs,
    under the same rules. Last, the claim is tried against the sentences that share
    most of its words (:func:`find_supporting_sentence`), because the model's pointer
    is its weakest part.
    """
    text = clean_claim(claim.claim)
    match = locate_quote(claim.quote, article) if claim.quote else None
    pointed: tuple[int, int] | None = None  # the whole sentence(s) the quote points at
    if match is not None:
        resolution = ground_in(text, match, article)
        if resolution.match is not None:
            return resolution
        problem = resolution.problem
        pointed = resolution.sentence
    elif not claim.quote:
        problem = None  # no pointer: the sentence sharing most of its words says why, below
    else:
        short = claim.quote if len(claim.quote) <= 90 else claim.quote[:87] + "..."
        problem = (
            f'the opening "{short}" is not in the article. Copy the exact first words of one '
            "article sentence that states this claim, or drop the claim."
        )
    own = locate_quote(text, article)
    if own is not None and own.kind != "fuzzy":
        grounded = ground_in(text, own, article, via="claim")
        if grounded.match is not None:
            return grounded
    found = find_supporting_sentence(text, article)
    if found is not None:
        return found
    if pointed is None:  # no pointer, or one that found nothing: the sentence most like the claim
        pointed = nearest_sentence(text, article)
    if problem is None:
        problem = (ground_in(text, QuoteMatch(*pointed, "found", 100.0), article).problem if pointed else None) or (
            "no sentence of the article states it. Say it with the words of ONE article sentence, or drop the claim.")
    return Resolution(None, problem, sentence=pointed)


SEARCH_SHARE = 0.6
"""Share of a claim's content words a sentence must hold to be tried as its support."""


def find_supporting_sentence(text: str, article: Article, *, tries: int = 4) -> Resolution | None:
    """The sentence of ``article`` that states ``text`` under the same rules, when the model pointed elsewhere.

    The 1.5B model's most common rejection in the live runs of the dev clusters was a right claim
    paired with the wrong sentence (often the one before or after). The claim is tried against the
    ``tries`` sentences sharing most of its content words (at least :data:`SEARCH_SHARE` of them);
    the first that passes every rule is cited. Sentences addressed to a model are never tried.
    """
    count, ranked = sentences_by_shared_words(text, article)
    if count < 2:
        return None
    for shared, start, end in ranked[:tries]:
        if shared < SEARCH_SHARE * count:
            break
        grounded = ground_in(text, QuoteMatch(start, end, "found", 100.0), article, via="search")
        if grounded.match is not None:
            return grounded
    return None


def sentences_by_shared_words(text: str, article: Article) -> tuple[int, list[tuple[int, int, int]]]:
    """(how many content words ``text`` has, every citable sentence of ``article`` as (content words
    shared with ``text``, start, end), most shared first, article order among equals).

    Sentences addressed to a model are left out: they are never citable.
    """
    language = article.language or "en"
    words = content_words(text, language)
    ranked = [(len(words & content_words(sentence.text, language)), sentence.start, sentence.end)
              for sentence in citable_sentences(article)]
    return len(words), sorted(ranked, key=lambda item: -item[0])


def citable_sentences(article: Article) -> list[Sentence]:
    """The sentences of ``article`` a claim may cite: every one but those addressed to a model."""
    screened = may_hold_instruction(article.text)
    return [s for s in article.sentences if not (screened and is_instruction(s.text))]


def nearest_sentence(text: str, article: Article) -> tuple[int, int] | None:
    """The sentence sharing most of the claim's words (more than half), the one it is most likely about."""
    count, ranked = sentences_by_shared_words(text, article)
    if ranked and ranked[0][0] > count / 2:
        return ranked[0][1], ranked[0][2]
    return None


def ground_in(text: str, match: QuoteMatch, article: Article, *, via: str = "quote") -> Resolution:
    """``text`` checked against the whole sentences ``match`` covers (its attribution completed if that is all it lacks)."""
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
        return Resolution(None, " ".join(problems), sentence=(span.start, span.end))
    return Resolution(QuoteMatch(span.start, span.end, match.kind, match.score), None, via)


def claim_problem(claim: DraftClaim, article: Article) -> str | None:
    """Why ``claim`` fails verification against ``article`` (None when it passes)."""
    return resolve_claim(claim, article).problem


class Extraction(BaseModel):
    """The key facts of one article."""  # the tool's description (instructor's default is 17 words)

    model_config = LEAN_SCHEMA

    claims: list[ExtractedClaim] | list[StatedClaim] = Field(
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

    The model writes the claims alone (:class:`StatedClaim`); code finds their sentences.

    ``min_claims`` (at most 3, and never more than the article has sentences)
    keeps small models from stopping after one claim on a rich article.
    The class keeps the name ``Extraction`` because instructor uses it as the tool name.
    """
    min_claims = max(1, min(min_claims, max_claims))
    return create_model(
        "Extraction",
        __base__=Extraction,
        __doc__=Extraction.__doc__,
        claims=(
            list[Annotated[StatedClaim, WithJsonSchema(STATED_CLAIM_SCHEMA)]],
            Field(min_length=min_claims, max_length=max_claims, description="Key claims, most important first."),
        ),
    )


class Picks(BaseModel):
    """The key sentences of one article, by number."""

    model_config = LEAN_SCHEMA

    sentences: list[int] = Field(description="Sentence numbers, most important first.")


@lru_cache(maxsize=64)
def picks_model(count: int, max_picks: int) -> type[Picks]:
    """``Picks`` bounded to numbers 1..``count`` and at most ``max_picks`` of them, in the JSON schema
    only (llama.cpp's grammar stops the model there); a model without a grammar that names a number
    past the end, or too many, is not re-asked for it: code ignores what is out of range."""
    return create_model(
        "Picks",
        __base__=Picks,
        __doc__=Picks.__doc__,
        sentences=(list[Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": max(1, count)})]],
                   Field(min_length=1, json_schema_extra={"maxItems": max(1, max_picks)},
                         description="Sentence numbers, most important first.")),
    )


class Synthesis(BaseModel):
    """The headline and lede of the brief."""

    model_config = LEAN_SCHEMA

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
                                                    aliases_from=support,
                                                    points=context.get("point_supports", ()))]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Repair(BaseModel):
    """The fixed claims."""

    model_config = LEAN_SCHEMA

    claims: list[str] = Field(description="One fixed claim per item, in the items' order; an empty string drops it.")


@lru_cache(maxsize=32)
def repair_model(items: int) -> type[Repair]:
    """``Repair`` with exactly ``items`` claims, each bounded, so the grammar stops the model there."""
    return create_model(
        "Repair",
        __base__=Repair,
        __doc__=Repair.__doc__,
        claims=(
            list[Annotated[str, Field(max_length=CLAIM_MAX_CHARS)]],
            Field(min_length=items, max_length=items,
                  description="One fixed claim per item, in the items' order; an empty string drops it."),
        ),
    )
