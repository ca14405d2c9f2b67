"""Measured figures: which quantity each figure of an English text measures, and about whom.

The reader behind number conflicts (:mod:`briefgen.conflicts`). It reads a verified claim's
text and, because the model extracts only a few claims per article, every English sentence of
the articles too (:func:`sentence_reports`): a figure is paired with its nearest measure word
("694 ... dead", "a 6.4-magnitude aftershock"), and its subject is the name nearest before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from briefgen.brief import Article
from briefgen.ingest.scripts import latin_language
from briefgen.merge import VerifiedClaim
from briefgen.verify import QuoteMatch, extract_numbers, named_parties
from briefgen.verify.words import stem

# Words that name a measured quantity, folded to one form per quantity ("died", "killed", "death
# toll" are one). Myanmar cluster, live run: death tolls 144 / 694 / 1,644, injured 730 / 1,670 and an
# aftershock of 6.4 / 6.7 were separate points and no conflict. Stems, as content_words gives them.
MEASURES: dict[str, str] = {
    "die": "dead", "dead": "dead", "death": "dead", "kill": "dead", "fatal": "dead", "toll": "dead",
    "injur": "injured", "injuri": "injured", "wound": "injured", "hurt": "injured",
    "miss": "missing", "magnitud": "magnitude", "aftershock": "aftershock", "turnout": "turnout",
    "vote": "vote share", "share": "vote share", "seat": "seats", "evacu": "evacuated",
    "displac": "displaced", "arrest": "arrested",
}
SCALES = frozenset(["magnitude", "aftershock"])
"""Measures read on a scale, not counted: a figure of one is written in digits and is at most 10
(Myanmar cluster: "at least 14 aftershocks", "Two significant aftershocks" are counts)."""
_SPELLED = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                      "twelve"])
# A figure followed by one of these measures the unit, never a nearby measure word (Myanmar
# cluster: "followed 11 minutes later by a 6.4-magnitude aftershock" read as an aftershock of 11).
_UNITS = frozenset(stem(w) for w in [
    "second", "minute", "hour", "day", "week", "month", "year", "km", "kilometre", "kilometer", "mile", "metre",
    "meter", "inhabitant", "resident", "am", "pm", "gmt", "utc"])
# Units that are a measure themselves, for the figure right before them only (Myanmar cluster: the
# collapsed Bangkok tower had "33-story" in one outlet, "30-storey" in another).
_UNIT_MEASURES = {stem(w): "storeys" for w in ["storey", "story", "floor"]}
_ACROSS_WINDOW = 4
"""A figure with "across" this close after it is a total over places, no figure of any one of them
(Myanmar cluster: "killing more than 150 people across Myanmar and Thailand" beside Myanmar's 694 dead)."""
MEASURE_WINDOW = 12
"""Words between a figure and its measure word at most ("has surged to 694" after "The death toll")."""

# Forecasts are measures of their own: "the USGS projected deaths could exceed 10,000" beside "144 dead"
# is no disagreement (Myanmar cluster, live run: it was one side of a 'death toll' conflict), but two
# forecasts can disagree (a red alert of 10,000 deaths vs an orange one of 100 to 1,000).
_FORECAST = re.compile(r"\b(?:project\w*|forecast\w*|estimat\w*|predict\w*|could|may|might|expected|likely)\b",
                       re.IGNORECASE)
_TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][\w'’-]*")
_JOINS = frozenset(["and", "or", "to", "-", "–"])

FORECAST_WINDOW = 8
"""A figure with a forecast word this many words before it is a forecast ("could surpass 10,000")."""


def measured_figures(text: str) -> dict[str, float]:
    """Each measure the text gives a figure for: every figure (not a year) is paired with the nearest
    measure word, nearest pairs first, each used once ("7.7-magnitude ... death toll ... 694, with
    1,670 injured" → magnitude 7.7, dead 694, injured 1,670); a forecast figure ("could surpass
    10,000") measures "forecast dead"; a magnitude next to "aftershock" is the aftershock's."""
    return dict(_measured_figures(text))


def _figure_value(word: str) -> float | None:
    """The figure one token states, or None.

    "7,7" is a decimal comma (Spanish page, live run: "magnitude: 7 / 7.7"); "three" is a figure
    too, or its measure goes to the next number ("three people were killed and at least 80 people
    remain trapped" read as 80 dead, Myanmar cluster, live run).
    """
    if not (word[0].isdigit() or word.lower() in _SPELLED):
        return None
    values = extract_numbers(word.rstrip("%"))  # "7,7" too: extract_numbers reads a decimal comma
    return next(iter(values)) if len(values) == 1 else None


def _joined(words: list[str], i: int) -> bool:
    """The figure at ``i`` is one end of a range or list ("between magnitudes 3 and 5", "measuring
    4.9 and 6.7", "100 to 1,000"): no single figure of its measure (Myanmar cluster: two
    aftershocks of 4.9 and 6.7 read as an aftershock of 4.9 against the USGS's 6.4)."""
    after = i + 2 < len(words) and words[i + 1].lower() in _JOINS and _figure_value(words[i + 2]) is not None
    before = i >= 2 and words[i - 1].lower() in _JOINS and _figure_value(words[i - 2]) is not None
    return after or before


@lru_cache(maxsize=4096)
def _measured_figures(text: str) -> tuple[tuple[str, float], ...]:
    # cached: number_conflicts compares every pair of claims, and reads each claim's figures again per measure
    words = _TOKEN.findall(text)
    figures_at = []
    measures_at = []
    for i, word in enumerate(words):
        value = _figure_value(word)
        after = stem(words[i + 1].lower().split("-")[0]) if i + 1 < len(words) else ""
        if value is not None and not (1900 <= value <= 2100 and value == int(value)):
            if after in _UNIT_MEASURES and not _joined(words, i):
                measures_at.append((i + 1, _UNIT_MEASURES[after]))  # nearest of all: it is the next word
            forecast = any(_FORECAST.fullmatch(w) for w in words[max(0, i - FORECAST_WINDOW) : i])
            spread = "across" in (w.lower() for w in words[i + 1 : i + 1 + _ACROSS_WINDOW])
            figures_at.append((i, value, forecast, after in _UNITS or spread or _joined(words, i), word[0].isdigit()))
        for part in word.lower().split("-"):
            measure = MEASURES.get(stem(part))
            if measure is not None:
                measures_at.append((i, measure))
    aftershock_at = [j for j, measure in measures_at if measure == "aftershock"]
    pairs = []
    for i, value, forecast, skipped, digits in figures_at:
        for j, measure in measures_at:
            if abs(i - j) > MEASURE_WINDOW:
                continue
            if measure == "magnitude" and any(abs(k - j) <= 4 for k in aftershock_at):
                measure = "aftershock"  # "a 6.4-magnitude aftershock", "the strongest aftershock was a magnitude 6.7"
            if measure in SCALES and not (digits and value <= 10):
                continue
            pairs.append((abs(i - j), i, j, value, f"forecast {measure}" if forecast else measure, skipped))
    found: dict[str, float] = {}
    used: set[int] = set()
    for _distance, i, j, value, measure, skipped in sorted(pairs):
        if i in used or j in used or measure in found:
            continue
        used.update((i, j))
        if not skipped:  # a unit's figure or a range's end takes its measure word away, but states no figure of it
            found[measure] = value
    return tuple(found.items())


# Dates are no subject: "Myanmar’s death toll from Friday’s powerful earthquake reached 1,644" is Myanmar's.
_DATE_NAMES = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
                         "february", "march", "april", "may", "june", "july", "august", "september", "october",
                         "november", "december"])


@lru_cache(maxsize=4096)
def figure_subject(text: str, value: float) -> str | None:
    """The name nearest before the figure ``value`` in ``text`` (not the text's first word), folded.

    German cluster, live run of the final code: "The CDU-CSU won 28.5 percent of the vote ...
    Alice Weidel's AfD reached a record 20.5 percent" beside "The far-right AfD doubled its vote
    share to 20.8%" was a 'vote share: 20.8 / 28.5' conflict: both claims name the AfD, but 28.5 is
    the CDU-CSU's. Two figures with different subjects are different quantities.
    """
    words = _TOKEN.findall(text)
    for i, word in enumerate(words):
        if _figure_value(word) != value:
            continue
        for j in range(i - 1, max(0, i - MEASURE_WINDOW) - 1, -1):
            name = re.sub(r"['’]s$", "", words[j]).lower()
            if j > 0 and words[j][0].isupper() and _is_name(words[j]) and name not in _DATE_NAMES:
                return name
        return None
    return None


def same_subject(x: str | None, y: str | None) -> bool:
    """Unknown subjects may be either; "CDU-CSU" and "CDU/CSU" (read as "csu") are one party."""
    return x is None or y is None or bool(set(re.split(r"[-/]", x)) & set(re.split(r"[-/]", y)))


def _is_name(word: str) -> bool:
    return bool(named_parties(word))


# Whom a sentence credits is not where its figure is: "The earthquake of magnitude 7.5 took place at
# 11.50 am local time, according to India’s National Center for Seismology" is about no other place
# than the USGS's 7.7 (Myanmar cluster: the two sentences named no place in common).
_CREDIT = re.compile(r"(?:,\s*)?\baccording to\b[^,;.]*|,\s*[^,;]*\b(?:said|says|reported|reports)\b[^;]*$")


@lru_cache(maxsize=4096)
def places_in(text: str) -> frozenset[str]:
    """The parties ``text`` is about, folded, without the source it credits; "CDU-CSU" is the CDU and the CSU."""
    # "Myanmar's" and "Myanmar" are one place (live run: 144 and 694 dead were two conflicts)
    about = _CREDIT.sub("", text)
    names = (part for word in named_parties(about) for part in re.sub(r"['’]s$", "", word).lower().split("-"))
    return frozenset(name for name in names if name and name not in _DATE_NAMES)


# A figure whose place is named in another sentence ("At least 40 people died in this town alone",
# "92 deaths have been confirmed there", Valencia cluster) has no subject a reader can tell from the
# quote: such sentences are not read on their own (an existential "there are" is no place).
_ELSEWHERE = re.compile(
    r"\b(?:this|that|the same) (?:town|city|village|region|province|state|area|country|district|municipality)\b"
    r"|\balone\b|\bthere\b(?!\s+(?:is|are|was|were|have|has|had|will|would|may|might|could|seems?|appears?)\b)",
    re.IGNORECASE,
)


def sentence_reports(articles: Sequence[Article]) -> list[VerifiedClaim]:
    """Every English sentence of ``articles`` that gives a measured figure, as a claim of its own
    whole sentence (its citation is the sentence verbatim, built as a claim's citation is)."""
    reports = []
    for article in articles:
        if (article.language or "en") != "en":
            continue  # the measure words are English (German cluster: "Die" read as "died")
        for sentence in article.sentences:
            text = article.text[sentence.start : sentence.end]
            if not _measured_figures(text) or _ELSEWHERE.search(text) or latin_language(text) != "en":
                continue  # one English page quoting a Spanish sentence (Iberian cluster: "La magnitud del apagón")
            match = QuoteMatch(sentence.start, sentence.end, "exact", 100.0)
            reports.append(VerifiedClaim.at(article, text, match, rank=1000 + sentence.index))
    return reports
