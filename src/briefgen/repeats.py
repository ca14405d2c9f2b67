"""Repeats: two points that state one fact in other words, and which of them a brief keeps.

Merging (:mod:`briefgen.merge`) joins claims only where every member's sentence states the
point's text, so two reports of one fact in different words can stay two points. Live runs:
"North Korea will send thousands of military construction workers and deminers to ... Russia's
Kursk region" beside "North Korea will send thousands of its military workers to Russia's Kursk
region to help with rebuilding efforts ..." (seeds@10); "The Fed is now penciling in just two rate
cuts in 2025, down from the four ..." beside "... projecting only two additional rate cuts instead
of the previously anticipated four" (fed@7). Neither sentence states the other's text, so neither
may be cited for the other: the brief keeps one point and moves the other out as a
:class:`~briefgen.brief.RejectedClaim` (stage ``"merge"``) naming the point it repeats.

A point is a repeat only when it says nothing the kept one lacks (:func:`adds_nothing`: every
number, every name; or, given ``known``, nothing the kept points lack between them) and the two are
one fact by general signals (:func:`repeats`), read on the claim or on its whole sentence
(:func:`sentence_repeats`). Where one of the two is in another language than English, or both tell
the story's event itself, :mod:`briefgen.events` reads them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from briefgen.brief import RejectedClaim
from briefgen.verify import (
    attribution_phrase,
    content_words,
    extract_numbers,
    is_year,
    language_code,
    named_parties,
    unsupported_words,
)
from briefgen.verify.names import common_opening
from briefgen.verify.support import SYNONYMS
from briefgen.verify.words import WEEKDAYS

if TYPE_CHECKING:
    from briefgen.merge import VerifiedClaim

# Words reports use for one outcome, for grouping only (the verifier keeps its own stricter
# table: a claim still uses its own sentence's words). Live runs: "The Fed lowered its benchmark
# interest rate by 25 basis points." and "The Fed cut interest rates." were two points; so were
# "CDU won the election" and "CDU/CSU coalition wins Germany's election" (wins/won/victory).
MERGE_SYNONYMS: tuple[frozenset[str], ...] = (
    *SYNONYMS,
    frozenset({"win", "won", "victori", "winner"}),
    frozenset({"cut", "lower", "reduc", "slash", "trim"}),
    frozenset({"rais", "hike", "increas"}),
    frozenset({"elect", "poll", "vote"}),
    # Iberian@11: "Power outages are reported from the whole of Spain and Portugal." beside "A major
    # blackout hit Spain and Portugal, leaving millions of people without electricity."
    frozenset({"blackout", "outag"}),
    frozenset({"electr", "power"}),
    frozenset({"convict", "guilti"}),  # "was convicted" = "was found guilty"
)
_FACT_FORM = {word: min(group) for group in MERGE_SYNONYMS for word in group}


@lru_cache(maxsize=4096)
def fact_words(text: str) -> frozenset[str]:
    """Content-word stems of ``text`` with the words of one outcome folded to one form."""
    return frozenset(_FACT_FORM.get(word, word) for word in content_words(text))


def figures(claim: VerifiedClaim) -> frozenset[float]:
    """Numbers that can disagree between reports: not years, not small whole counts ("two weeks"),
    but decimals (magnitude 6.4 vs 6.7, 28.5 % vs 28.6 %) and anything from 10 up."""
    return frozenset(n for n in claim.numbers
                     if (n >= 10 or n != int(n)) and not is_year(n))


REPEAT_WORDS = 4
REPEAT_SHARE = 0.4
"""Without a shared figure, a repeat shares a named party and at least :data:`REPEAT_WORDS` of its
statement words, :data:`REPEAT_SHARE` of them or more, with the kept point. Six live runs
(seeds@10, myanmar@8, german@7, fed@7, iberian@6, valencia@6), every pair of points that adds
nothing: the repeats share 5 of 12 (North Korea sends thousands of workers to Kursk) and 5 of 11
(the USGS alert of "high casualties and extensive damage"); the nearest distinct facts share 4 of
12 ("North Korea will send ... workers" inside the United States' "deeply concerning" point, 0.33),
3 of 10 (sappers demining in Kursk beside "operations against Ukraine") and 2 of 3 ("The death
toll in Myanmar is unknown." beside "... has surged to 694")."""

FIGURE_WORDS = 2
"""With a shared figure (or the same two or more counts) the bar is two shared statement words:
"A 7.7-magnitude earthquake centered in Myanmar reverberated across Southeast Asia on Friday" in
"A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, killing more than 150 ..."
(3 words), the Fed's two rate cuts instead of four (rate, cut)."""

_TRAILING_SOURCE = re.compile(r",\s*([^,]{2,60}?)\s+(?:says|said|reports|reported|told)\W*$")


def _credited(claim: VerifiedClaim) -> frozenset[str]:
    """Who the claim credits ("..., NBC News reports."): a source, not a party of the fact."""
    phrases = [attribution_phrase(claim.support) or ""]
    trailing = _TRAILING_SOURCE.search(claim.text)
    if trailing:
        phrases.append(trailing.group(1))
    return frozenset(name for phrase in phrases for name in named_parties(phrase))


def own_names(claim: VerifiedClaim) -> tuple[str, ...]:
    """The parties and places ``claim`` names: not its credited source, nor a first word its article
    never capitalises inside a sentence ("Despite this, the central bank ...": not a name; "Mandalay
    is Myanmar's second-largest city" is, the article writes "in Mandalay"), nor a day of the week
    (:data:`~briefgen.verify.words.WEEKDAYS`: German@13, session 21, "German opposition leader Friedrich Merz
    won an easy victory in Sunday's national election" added only "Sunday" to the kept points)."""
    credited = _credited(claim)
    opening = common_opening(claim.text, claim.article.text)
    return tuple(name for name in named_parties(claim.text) if name not in credited and name != opening
                 and re.sub(r"['’]s$", "", name).lower() not in WEEKDAYS)


def adds_nothing(repeat: VerifiedClaim, kept: VerifiedClaim) -> bool:
    """Every number (years and small counts too) and every name of ``repeat`` is in ``kept``'s text,
    so dropping it loses neither a figure nor a party."""
    return repeat.numbers <= kept.numbers and not any(unsupported_words(name, kept.text) for name in own_names(repeat))


def statement_words(claim: VerifiedClaim) -> frozenset[str]:
    """What the claim says of its parties: its fact words but those of the names it gives."""
    names = {stem for name in named_parties(claim.text) for stem in content_words(name)}
    return frozenset(w for w in fact_words(claim.text) if w not in names)


def in_english(claim: VerifiedClaim) -> bool:
    # the stop words are English ones: a German or Spanish sentence shares "die", "de", "el" with any other
    return language_code(claim.article.language or "en") == "en"


def repeats(repeat: VerifiedClaim, kept: VerifiedClaim, *, known: VerifiedClaim | None = None) -> bool:
    """Whether ``repeat`` states ``kept``'s fact in other words, adding nothing (:func:`adds_nothing`).

    One fact: a shared figure or the same counts (two or more), or a shared named party, as the
    anchor; then shared statement words, :data:`FIGURE_WORDS` with a figure, else
    :data:`REPEAT_WORDS` and :data:`REPEAT_SHARE` of the repeat's, or :data:`REPEAT_WORDS` and an
    amount in words that a figure of ``kept`` can be (:func:`vague_amount`: "thousands" and 5,000). ``known`` (by default ``kept``) is
    what the repeat must add nothing to: the brief's points so far, for :func:`says_nothing_new`.
    """
    if not (in_english(repeat) and in_english(kept)) or not adds_nothing(repeat, known or kept):
        return False
    words = statement_words(repeat)
    shared = len(words & fact_words(kept.text))
    counts = {n for n in repeat.numbers & kept.numbers if not is_year(n)}
    if (figures(repeat) & figures(kept)) or len(counts) >= 2:
        return shared >= FIGURE_WORDS
    names = {w for name in own_names(repeat) for w in content_words(name)}
    if not names & content_words(kept.text) or shared < REPEAT_WORDS:
        return False
    return shared >= REPEAT_SHARE * len(words) or vague_amount(repeat.text, kept.numbers)


VAGUE_AMOUNTS: dict[str, tuple[float, float]] = {
    "dozens": (24, 199), "hundreds": (200, 1999), "thousands": (2_000, 999_999), "millions": (2e6, 999e6),
}
"""Words that give an amount without a figure, and the figures each can stand for. Seeds@17, live run
(session 21): "North Korea will send thousands of its military workers to Russia's Kursk region to help
with rebuilding efforts ..." beside the kept "Kim Jong Un decided to send 1,000 sappers ... and 5,000
military construction workers to restore infrastructure there": 4 of the repeat's 14 statement words
are the kept point's, too few of them for two sentences without a figure, but "thousands" is the 5,000."""
_VAGUE = re.compile(rf"\b({'|'.join(VAGUE_AMOUNTS)})\b", re.IGNORECASE)


def vague_amount(text: str, numbers: frozenset[float]) -> bool:
    """``text`` gives an amount in words (:data:`VAGUE_AMOUNTS`) that one of ``numbers`` can be."""
    return any(low <= n <= high for word in _VAGUE.findall(text) for low, high in [VAGUE_AMOUNTS[word.lower()]]
               for n in numbers)


def sentence_repeats(repeat: VerifiedClaim, kept: VerifiedClaim, *, known: VerifiedClaim | None = None) -> bool:
    """Whether ``repeat``'s whole sentence states ``kept``'s fact (:func:`repeats`), while the claim, a
    clause of it, adds nothing to ``kept``. The model shortens a sentence to its vaguest clause and drops
    the figures that tie it to the point it repeats. Fed cluster, live run (session 19): "The central bank
    hinted at a more cautious approach for 2025." from "... projecting only two additional rate cuts
    instead of the previously anticipated four", beside the kept "The Fed is now penciling in just two
    rate cuts in 2025, down from the four it had forecasted in September."."""
    if repeat.support.strip() == repeat.text.strip() or not adds_nothing(repeat, known or kept):
        return False
    if not (repeat.numbers & kept.numbers or statement_words(repeat) & fact_words(kept.text)):
        # the claim is another clause of the sentence, with a fact of its own: "A high-rise building
        # collapsed." beside "... killing more than 150 people across Myanmar and Thailand" (one sentence)
        return False
    sentence = replace(repeat, text=repeat.support, numbers=frozenset(extract_numbers(repeat.support)))
    return repeats(sentence, kept, known=known)


def rejected_repeats(claims: list[VerifiedClaim], point: str) -> list[RejectedClaim]:
    """The claims of a point left out as a repeat of ``point``, each with its own sentence."""
    shown = point if len(point) <= 90 else point[:87].rstrip() + "..."
    return [RejectedClaim(article_id=c.article.id, claim=c.text, quote=c.citation.quote,
                          reason=f'repeats point "{shown}" in other words', stage="merge") for c in claims]
