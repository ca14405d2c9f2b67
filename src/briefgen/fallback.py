"""What a brief says when the model's headline and lede fail their checks: made from the points.

The 1.5B default model's headline fails in most live runs (13 of 16 recorded); the reader then sees
these, so they are chosen, not just taken: the most supported point that reads as a headline, and
a lede that goes on from it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from briefgen.brief import Point
from briefgen.verify import names_someone


def as_sentence(text: str) -> str:
    """A point's text ending in a full stop, so points joined into a lede read as sentences. A stop
    inside a closing quotation mark ends it too (Myanmar, live run: 'the disaster is likely widespread.”.' was shipped)."""
    text = text.strip()
    return text if text.rstrip("\"'”’»)")[-1:] in ".!?…" else text + "."


HEADLINE_WORDS = 30
"""Longest point taken whole as a fallback headline while a shorter one of the top three exists."""
_CONNECTIVE = re.compile(r"^(?:additionally|also|meanwhile|moreover|furthermore|in addition|however|but|and)\s*,?\s+",
                         re.IGNORECASE)


_PLACE_ADVERB = re.compile(
    # "there"/"here" as a place (not "there were ..."); it leans back unless a name comes before it
    r"\b(?:there|here)\b(?!\s+(?:is|are|was|were|has|have|had|will|would|may|might|could|remain|seem)\b)",
    re.IGNORECASE,
)
_OPENING_PRONOUN = re.compile(r"^(?:this|these|that|those|it|they|dies|esto|eso|isso|isto|cela|ceci|ciò)\b",
                              re.IGNORECASE)  # and the pronouns of the other languages read (not "das", "este": articles too)
# what someone said of something named before: boeing-machinists-strike-2024@1 (live, session 21) was headed
# "IAM District 751 president Jon Holden said this was a defining moment tonight"
_REPORTED_PRONOUN = re.compile(r"\b(?:said|says|say|added|adds)\s+(?:this|these)\s+(?:was|is|were|are|has|had|will|would)\b",
                               re.IGNORECASE)


def leans_on_context(text: str) -> bool:
    """Whether a point only makes sense after the sentence before it in its article. Valencia, live run:
    the fallback lede "Officials say at least 92 deaths have been confirmed there, ..." followed a
    headline about Spain's 158 dead; "there" was the province of Valencia, named a sentence earlier."""
    if _OPENING_PRONOUN.match(text) or _REPORTED_PRONOUN.search(text):
        return True
    place = _PLACE_ADVERB.search(text)
    # seeds: "... 5,000 military construction workers to restore infrastructure there" names Kursk first
    return place is not None and not any(w[:1].isupper() for w in text[: place.start()].split()[1:])


def _standalone_first(points: Sequence[Point]) -> list[Point]:
    return sorted(points, key=lambda p: leans_on_context(p.text))


def _names_its_subject(point: Point) -> bool:
    """Whether a point names who or what it is about, judged against its own quotes. Valencia, live run
    (session 19): "62 dead according to the latest official figure." headed the brief; the town, Paiporta,
    is named a sentence earlier in its article, and the reader of a headline sees no sentence before it."""
    return names_someone(point.text, " ".join(c.quote for c in point.citations))


def fallback_headline_point(points: Sequence[Point]) -> Point:
    """The point a failed headline falls back to: the first of the top three (the most outlets, then
    the most echoed; one that names its subject and leans on no unseen sentence first) of at most
    :data:`HEADLINE_WORDS` words that leans on no unseen sentence and is no quotation, else the shortest such
    point (else the shortest). Live runs:
    "the shortest of the top three" made "Additionally, the Fed is now penciling in just two rate
    cuts in 2025, ..." the Fed brief's headline over the rate cut four outlets reported."""
    top = sorted(_standalone_first(points[:3]), key=lambda p: not _names_its_subject(p))
    standalone = [p for p in top if not leans_on_context(p.text)]
    told = [p for p in standalone if not _QUOTATION.search(p.text)]
    # Boeing@1 (fresh cluster, live run, session 21): of the top three, the one within 30 words leaned on its
    # article ("... said this was a defining moment tonight"), and then another was a quotation ("You stood
    # strong and you stood tall and you won."); the vote that ended the strike, 32 words, heads it
    return (next((p for p in told if len(p.text.split()) <= HEADLINE_WORDS), None)
            or min(told or standalone or top, key=lambda p: len(p.text.split())))


_QUOTATION = re.compile(r"(?:^|[\s(:,])[\"“‘'](?:[^\s\"“”‘’']+\s+){3,}[^\"“”‘’']*?[\"”’'](?=$|[\s.,;:!?)])")
"""Four or more words in quotation marks: what someone said, no headline of what happened."""


def headline_of(text: str) -> str:
    """A point's text as a headline: no closing stop, no opening connective ("Additionally, ...")."""
    text = text.strip().rstrip(".")
    bare = _CONNECTIVE.sub("", text, count=1)
    return bare[:1].upper() + bare[1:] if bare != text and bare else text


FALLBACK_LEDE_WORDS = 60
"""The synthesis prompt's lede length: "one or two sentences, at most 60 words"."""


def fallback_lede_of(headline: Point, points: Sequence[Point]) -> str:
    """The lede when the model's failed: the next top points, not the headline's again (live runs,
    seeds and Myanmar: the lede began with the headline word for word), none that leans on a sentence
    the reader does not see (:func:`leans_on_context`), as many as fit in
    :data:`FALLBACK_LEDE_WORDS` and at least one; the headline's own point when it is the only one."""
    others = [p for p in points[:3] if p is not headline and not leans_on_context(p.text)] or [headline]
    chosen = [others[0]]
    for point in others[1:]:
        if sum(len(p.text.split()) for p in [*chosen, point]) > FALLBACK_LEDE_WORDS:
            break
        chosen.append(point)
    return " ".join(as_sentence(p.text) for p in chosen)


def in_other_language(point: Point, foreign: Collection[str]) -> bool:
    """Every article ``point`` cites is in another language than the brief's (ids in ``foreign``)."""
    return bool(point.articles) and set(point.articles) <= set(foreign)


def readable_first(points: Sequence[Point], foreign: Collection[str]) -> list[Point]:
    """``points`` with those :func:`in_other_language` moved after the rest, each group in its own order
    (German cluster, live run: an English brief opened with four German sentences, the points of
    three German pages that two outlets shared)."""
    return sorted(points, key=lambda p: in_other_language(p, foreign))
