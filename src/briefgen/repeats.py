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
number, every name) and the two are one fact by general signals (:func:`repeats`), read on the claim
or on its whole sentence (:func:`sentence_repeats`); or when it states a kept point's fact and the
kept points give every number and name it has between them (:func:`says_nothing_new`). Where one of the
two is in another language than English, a figure within rounding and an outcome said in a word of
each language (:func:`repeats_across`) stand in for the shared words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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
from briefgen.verify.support import SYNONYMS

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
    is Myanmar's second-largest city" is, the article writes "in Mandalay")."""
    credited = _credited(claim)
    first = re.match(r"\W*([\w'’-]+)", claim.text)
    out = []
    for name in named_parties(claim.text):
        if name in credited:
            continue
        if first and name == first.group(1) and not re.search(rf"[\w,;:] {re.escape(name)}\b", claim.article.text):
            continue
        out.append(name)
    return tuple(out)


def adds_nothing(repeat: VerifiedClaim, kept: VerifiedClaim) -> bool:
    """Every number (years and small counts too) and every name of ``repeat`` is in ``kept``'s text,
    so dropping it loses neither a figure nor a party."""
    return repeat.numbers <= kept.numbers and not any(unsupported_words(name, kept.text) for name in own_names(repeat))


def statement_words(claim: VerifiedClaim) -> frozenset[str]:
    """What the claim says of its parties: its fact words but those of the names it gives."""
    names = {stem for name in named_parties(claim.text) for stem in content_words(name)}
    return frozenset(w for w in fact_words(claim.text) if w not in names)


def _english(claim: VerifiedClaim) -> bool:
    # the stop words are English ones: a German or Spanish sentence shares "die", "de", "el" with any other
    return language_code(claim.article.language or "en") == "en"


def repeats(repeat: VerifiedClaim, kept: VerifiedClaim, *, known: VerifiedClaim | None = None) -> bool:
    """Whether ``repeat`` states ``kept``'s fact in other words, adding nothing (:func:`adds_nothing`).

    One fact: a shared figure or the same counts (two or more), or a shared named party, as the
    anchor; then shared statement words, :data:`FIGURE_WORDS` with a figure, else
    :data:`REPEAT_WORDS` and :data:`REPEAT_SHARE` of the repeat's. ``known`` (by default ``kept``) is
    what the repeat must add nothing to: the brief's points so far, for :func:`says_nothing_new`.
    """
    if not (_english(repeat) and _english(kept)) or not adds_nothing(repeat, known or kept):
        return False
    words = statement_words(repeat)
    shared = len(words & fact_words(kept.text))
    counts = {n for n in repeat.numbers & kept.numbers if not is_year(n)}
    if (figures(repeat) & figures(kept)) or len(counts) >= 2:
        return shared >= FIGURE_WORDS
    names = {w for name in own_names(repeat) for w in content_words(name)}
    return bool(names & content_words(kept.text)) and shared >= REPEAT_WORDS and shared >= REPEAT_SHARE * len(words)


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


def says_nothing_new(repeat: VerifiedClaim, kept: Sequence[VerifiedClaim]) -> VerifiedClaim | None:
    """The kept point whose fact ``repeat`` states (:func:`repeats`, :func:`sentence_repeats`) while every
    number and name it gives is in one kept point or another; None when it adds something. Fed cluster,
    live run (session 19): "In delivering the 25 basis point cut, the Fed indicated it was likely to cut
    only twice more in 2025 ..." told the kept "... reducing its benchmark rate by 0.25 percentage points
    ..." and "The Fed is now penciling in just two rate cuts in 2025 ..." again, one half each."""
    if not kept:
        return None
    known = replace(kept[0], text="\n".join(k.text for k in kept),
                    numbers=frozenset(n for k in kept for n in k.numbers))
    return next((k for k in kept if repeats(repeat, k, known=known) or sentence_repeats(repeat, k, known=known)
                 or event_repeats(repeat, k, known=known)), None)


def event_repeats(repeat: VerifiedClaim, kept: VerifiedClaim, *, known: VerifiedClaim | None = None) -> bool:
    """Whether ``repeat`` tells again that the story's event happened, as ``kept`` does: it opens on an
    outcome of :data:`OUTCOMES` ("A strong earthquake struck ...", "A major blackout hit ...") as ``kept``
    does, both say the same outcomes, it is in ``kept``'s language, names a party or place ``kept`` names,
    and adds nothing (:func:`adds_nothing`, to ``known``). Live runs (session 19): iberian@11 "A major blackout hit
    Spain and Portugal, leaving millions of people without electricity." beside "A massive blackout ...
    left Spain, Portugal, and parts of southern France without power on Monday ..."; myanmar@12 "A
    strong earthquake struck near central Myanmar's Mandalay city on Friday morning." beside "A powerful
    7.7-magnitude earthquake struck Southeast Asia on Friday, killing more than 150 people across Myanmar
    and Thailand ...". Opening on the outcome keeps out what is said *of* it ("Authorities do not rule
    out 'any possibility' on the causes of the blackout"); the same outcomes keep out the blackout beside
    power being restored after it ("A energia elétrica está sendo parcialmente restaurada ... após o
    apagão geral", iberian@11)."""
    said = outcomes(repeat.text)
    if not said or said != outcomes(kept.text) or not _same_language(repeat, kept):
        return False
    if not (_opens_on_outcome(repeat) and _opens_on_outcome(kept)):
        return False
    names = own_names(repeat)
    return (any(not unsupported_words(name, kept.text) for name in names)
            and adds_nothing(repeat, known or kept))


def _opens_on_outcome(claim: VerifiedClaim) -> bool:
    return bool(outcomes(" ".join(re.findall(r"[^\W\d_]+", claim.text)[:OPENING_WORDS])))


OPENING_WORDS = 4
"""Words (digits aside) within which a claim names its outcome to be about the event itself: "A powerful
7.7-magnitude earthquake", "Un apagón masivo", "Power outages are ..."."""


def rejected_repeats(claims: list[VerifiedClaim], point: str) -> list[RejectedClaim]:
    """The claims of a point left out as a repeat of ``point``, each with its own sentence."""
    shown = point if len(point) <= 90 else point[:87].rstrip() + "..."
    return [RejectedClaim(article_id=c.article.id, claim=c.text, quote=c.citation.quote,
                          reason=f'repeats point "{shown}" in other words', stage="merge") for c in claims]


# --- one fact in two languages ------------------------------------------------------------------
#
# The rule above reads English words; a German, Spanish or Portuguese sentence shares no words with an
# English one. Live runs (German@10, Iberian@9): "Die Union hat die Bundestagswahl 2025 mit 28,6 Prozent
# der Stimmen gewonnen." beside "German conservatives won the national election with 28.5% of the vote.";
# "... podría demorar entre seis y diez horas." beside "... pode levar de 6 horas a 10 horas.". What they
# share is a figure (within rounding) and the outcome, said in a word of each language: that is
# what :func:`repeats_across` reads.

OUTCOMES: dict[str, tuple[str, ...]] = {
    # concept: folded word openings in en, de, es, pt, fr, it. Kept to outcomes seen in the live runs:
    # each one added lets two reports of different facts with one such word be taken for one.
    "win": ("win", "won", "victor", "gewonn", "gewinn", "sieg", "gano", "gana", "ganad", "venceu", "venc",
            "vitori", "ganh", "gagn", "remport", "vinc", "vins", "vittori"),
    "blackout": ("blackout", "outage", "apagon", "apagao", "stromausfall", "panne"),
    "quake": ("earthquake", "quake", "terremot", "sismo", "seism", "erdbeb"),
    "restore": ("restor", "restaur", "recover", "restabelec", "restablec", "reestablec", "recuper", "wiederherstell",
                "retabl", "ripristin"),
    "hours": ("hour", "hora", "stunde", "heure"),
}
_OUTCOME_OF = sorted(((opening, concept) for concept, openings in OUTCOMES.items() for opening in openings),
                     key=lambda pair: -len(pair[0]))

NUMBER_WORDS: dict[str, float] = {
    # small numbers spelled out in es/pt/de/fr/it ("entre seis y diez horas"): extract_numbers reads English
    # not "un"/"um"/"uno"/"ein", which are articles too ("Um apagão massivo ...")
    "dos": 2, "dois": 2, "duas": 2, "zwei": 2, "deux": 2,
    "tres": 3, "três": 3, "drei": 3, "trois": 3, "cuatro": 4, "quatro": 4, "vier": 4, "quatre": 4,
    "quattro": 4, "cinco": 5, "fünf": 5, "cinq": 5, "cinque": 5, "seis": 6, "sechs": 6,
    "siete": 7, "sete": 7, "sieben": 7, "sept": 7, "sette": 7, "ocho": 8, "oito": 8, "acht": 8, "huit": 8,
    "otto": 8, "nueve": 9, "nove": 9, "neun": 9, "neuf": 9, "diez": 10, "dez": 10, "zehn": 10, "dix": 10,
    "dieci": 10,
}


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def outcomes(text: str) -> frozenset[str]:
    """The outcomes of :data:`OUTCOMES` that ``text`` says, in whatever language."""
    words = [_folded(w) for w in re.findall(r"[^\W\d_]+", text)]
    return frozenset(next((c for o, c in _OUTCOME_OF if w.startswith(o)), "") for w in words) - {""}


def _stated_numbers(claim: VerifiedClaim) -> frozenset[float]:
    """The claim's numbers but years, with small numbers spelled out in its own language."""
    spelled = {NUMBER_WORDS[w.lower()] for w in re.findall(r"[^\W\d_]+", claim.text)
               if w.lower() in NUMBER_WORDS and not _english(claim)}
    return frozenset(n for n in claim.numbers | spelled if not is_year(n))


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def near(a: float, b: float) -> bool:
    """One figure as two reports give it: equal, the finer one rounded to the coarser's places (28.6 and
    29), or one unit apart in the last place (28.5 and 28.6: a count and a projection, which the
    number conflicts show side by side)."""
    places = max(_decimals(a), _decimals(b))
    if abs(a - b) <= 10 ** -places + 1e-9:
        return True
    coarse = min(_decimals(a), _decimals(b))
    return round(a, coarse) == round(b, coarse) and max(a, b) >= 10


_NAME_RUN = re.compile(r"[A-Z][\w’'./-]*(?:\s+[A-Z][\w’'./-]*)+")
_ACRONYM = re.compile(r"\b[\w/-]*[A-Z][\w/-]*[A-Z][\w/-]*\b")


def _plain(text: str) -> str:
    return re.sub(r"[-/]", " ", _folded(text))


def cross_names(claim: VerifiedClaim) -> tuple[str, ...]:
    """Names a claim gives that read alike in any language: acronyms (CDU/CSU, REN) and runs of two or
    more capitalised words (Friedrich Merz, Red Eléctrica) past its first word. Not single capitalised
    words: a German sentence capitalises every noun ("Prozent", "Stimmen")."""
    text = claim.text
    body = text[len(m.group(0)):] if (m := re.match(r"\W*[\w’'-]+", text)) else text
    runs = [r.group(0) for r in _NAME_RUN.finditer(body)]
    return tuple(dict.fromkeys([*runs, *(a.group(0) for a in _ACRONYM.finditer(text))]))


def _named_in(name: str, claim: VerifiedClaim, kept: VerifiedClaim) -> bool:
    """``name`` is in ``kept``'s text, or the claim gives it in brackets after a word ``kept`` says
    ("... einem Sieg für die Union (CDU/CSU)" beside "Die Union hat ... gewonnen")."""
    haystack = f" {_plain(kept.text)} "
    if f" {_plain(name)} " in haystack:
        return True
    before = re.search(rf"([\w’'-]+)\s*\(\s*{re.escape(name)}\s*\)", claim.text)
    return before is not None and f" {_plain(before.group(1))} " in haystack


def _same_language(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    return language_code(a.article.language or "en") == language_code(b.article.language or "en")


def _shared_noun(repeat: VerifiedClaim, kept: VerifiedClaim) -> bool:
    """A capitalised word past the first that both sentences give as written ("Union", "Bundestagswahl")."""
    words = set(re.findall(r"(?<=\s)[A-Z][\w’'-]+", kept.text))
    return any(w in words for w in re.findall(r"(?<=\s)[A-Z][\w’'-]+", repeat.text))


COVERED_SHARE = 0.5
"""Without a figure, half a sentence's words (of four letters or more; an outcome word counts when the
other says that outcome) are the other's as written. German@10: "Die Bundestagswahl 2025 endete mit
einem Sieg für die Union (CDU/CSU)." has 3 of 6 in "Die CDU/CSU unter Friedrich Merz hat die vorgezogene
Bundestagswahl ... gewonnen"; Iberian@9's "Um apagão massivo ... atribuídas a um fenômeno atmosférico raro"
has 5 of 17 in "A energia elétrica está sendo parcialmente restaurada ... após o apagão geral": another fact."""


def _covered(repeat: VerifiedClaim, kept: VerifiedClaim) -> bool:
    theirs, said = {_folded(w) for w in re.findall(r"[\w/-]+", kept.text)}, outcomes(kept.text)
    words = [_folded(w) for w in re.findall(r"[\w/-]+", repeat.text) if len(w) >= 4 and not w.isdigit()]
    shared = [w for w in words if w in theirs or outcomes(w) & said]
    return bool(words) and len(shared) >= COVERED_SHARE * len(words)


def repeats_across(repeat: VerifiedClaim, kept: VerifiedClaim) -> bool:
    """Whether ``repeat`` states ``kept``'s fact where at least one of them is not in English.

    Every number ``repeat`` states (spelled out too, years aside) is one of ``kept``'s within rounding
    (:func:`near`), and they share one figure (from 10, or a decimal) or two counts; every outcome it
    says (:data:`OUTCOMES`) ``kept`` says, one at least; every name it gives that reads alike in any
    language (:func:`cross_names`) is in ``kept``. Two sentences of one language with no number between
    them may share a capitalised word instead ("Die Bundestagswahl 2025 endete mit einem Sieg für die
    Union (CDU/CSU)." beside "Die Union hat die Bundestagswahl 2025 ... gewonnen."); one that states no
    number may share a party's full name or acronym instead (German@12: "German opposition leader Friedrich
    Merz ... won an easy victory in Sunday's national election" beside "Die CDU/CSU unter Friedrich Merz
    hat die vorgezogene Bundestagswahl am Sonntag mit 28,5% der Stimmen gewonnen"). Otherwise a figure is the anchor, as nothing else
    is shared across languages: "Um apagão massivo ... atribuídas a um fenômeno atmosférico raro" names no
    figure and says what the English blackout points do not; it stays.
    """
    if _english(repeat) and _english(kept):
        return False
    mine, theirs = _stated_numbers(repeat), _stated_numbers(kept)
    if not all(any(near(n, m) for m in theirs) for n in mine):
        return False
    shared = {n for n in mine if any(near(n, m) for m in theirs)}
    if not any(n >= 10 or n != int(n) for n in shared) and len(shared) < 2 and not (
            not mine and (_same_language(repeat, kept) and _shared_noun(repeat, kept) and _covered(repeat, kept)
                          or bool(cross_names(repeat)))):
        return False
    said = outcomes(repeat.text)
    if not said or not said <= outcomes(kept.text):
        return False
    return all(_named_in(name, repeat, kept) for name in cross_names(repeat))
