"""Numbers: what small models get wrong and what readers act on.

Every number in a claim must appear in its cited sentences (``1,000`` =
``1000`` = ``one thousand`` = ``one-thousand``), or be a sum of numbers there
(``6,000`` = ``1,000 + 5,000``, reported as derived). Rate moves are read in
percentage points whatever their form: "a quarter of a percentage point" =
"quarter-point" = "0.25 percentage points" = "25 basis points" (0.25).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SPELLED_NUMBERS = frozenset(_UNITS)
"""The number words the reader knows ("one" ... "nineteen", "twenty" ... "ninety"), for other readers."""
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}
# Fractions of a point, as rate decisions are reported (Fed cluster, live run: "cut its key interest rate
# by a quarter of a percentage point" beside "by 0.25 percentage points" read as no shared figure, so the
# two reports of one cut were two points).
_POINT_FRACTION = re.compile(
    r"\b(?:(?:a|one)[\s-]+)?(quarter|half)(?:[\s-]+of)?(?:[\s-]+an?)?(?:[\s-]+percentage)?[\s-]+points?\b",
    re.IGNORECASE,
)
# 100 basis points make a percentage point: "25 basis points" is also 0.25
_BASIS_POINTS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[\s-]+basis[\s-]+points?\b", re.IGNORECASE)
# "one" as a pronoun, not a count: "one that struck a note of warning" (Fed, live run), "one another"
_PRONOUN_ONE = re.compile(r"\bone\s+(?:that|which|who|another)\b", re.IGNORECASE)
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD = "|".join(sorted([*_UNITS, *_SCALES], key=len, reverse=True))
_WORD_NUMBER = re.compile(rf"\b(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*\b", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b", re.IGNORECASE)
# A comma before three digits groups thousands (1,000); before one or two it is a decimal comma, as
# German, Spanish and Portuguese pages write them (German cluster, live run: "16,4 Prozent" was read as
# 16 and 4, so a point saying 16,4 cited a sentence saying "16 Prozent" as the same figure).
_DIGITS = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+|,\d{1,2}(?!\d))?(?:\s*(million|billion|thousand|bn|m|k)\b)?"
    r"(?:st|nd|rd|th)?",
    re.IGNORECASE,
)


def _word_value(phrase: str) -> float | None:
    total = 0.0
    current = 0.0
    seen = False
    for token in re.split(r"[\s-]+", phrase.lower()):
        if token == "and" or not token:
            continue
        if token in _UNITS:
            current += _UNITS[token]
            seen = True
        elif token in _SCALES:
            if token == "hundred":
                current = (current or 1) * 100
            else:
                total += (current or 1) * _SCALES[token]
                current = 0
            seen = True
    return total + current if seen else None


def extract_numbers(text: str) -> set[float]:
    """Every number stated in ``text``, as values: digits, words and ordinals.

    Bare plural scale words ("thousands of troops") are not numbers.
    """
    return set(_numbers_in(text))


@lru_cache(maxsize=8192)
def _numbers_in(text: str) -> frozenset[float]:
    # cached: the headline and the lede are each checked against all the points' text, and every
    # claim against its sentence several times (grounding, attribution, repair, merging)
    values: set[float] = set()
    for match in _DIGITS.finditer(text):
        if _BASIS_POINTS.match(text, match.start()):
            continue  # read below, in percentage points
        value = float(match.group(1).replace(",", "") + (match.group(2) or "").replace(",", "."))
        scale = (match.group(3) or "").lower()
        value *= {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}.get(scale, 1)
        values.add(value)
    for match in _POINT_FRACTION.finditer(text):
        values.add({"quarter": 0.25, "half": 0.5}[match.group(1).lower()])
    for match in _BASIS_POINTS.finditer(text):
        values.add(float(match.group(1)) / 100)
    pronouns = {m.start() for m in _PRONOUN_ONE.finditer(text)}
    for match in _WORD_NUMBER.finditer(text):
        phrase = match.group(0)
        end = match.end()
        if match.start() in pronouns and phrase.lower() == "one":
            continue
        if phrase.lower() in _SCALES and text[end : end + 1].lower() == "s":
            continue  # "thousands", "millions"
        if phrase.lower() in _SCALES and text[: match.start()].rstrip()[-1:].isdigit():
            continue  # the scale of a digit number ("1.5 million"), already counted
        value = _word_value(phrase)
        if value is not None:
            values.add(value)
    for match in _ORDINAL.finditer(text):
        values.add(float(_ORDINALS[match.group(1).lower()]))
    return frozenset(values)


def format_number(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


@dataclass(frozen=True)
class NumberCheck:
    missing: frozenset[float]
    derived: frozenset[float]

    @property
    def ok(self) -> bool:
        return not self.missing


def check_numbers(claim: str, supporting: str, *, max_terms: int = 3) -> NumberCheck:
    """Every number in ``claim`` must be in ``supporting`` or a sum of 2..max_terms of them."""
    claimed = extract_numbers(claim)
    available = extract_numbers(supporting)
    missing: set[float] = set()
    derived: set[float] = set()
    for value in claimed - available:
        if _is_sum(value, available, max_terms):
            derived.add(value)
        else:
            missing.add(value)
    return NumberCheck(frozenset(missing), frozenset(derived))


def _is_sum(value: float, parts: set[float], max_terms: int) -> bool:
    candidates = sorted(p for p in parts if 0 < p < value)
    for n in range(2, max_terms + 1):
        for combo in itertools.combinations(candidates, n):
            if abs(sum(combo) - value) < 1e-9:
                return True
    return False


_YEAR = re.compile(r"^(?:19|20)\d\d$")


def is_year(value: float) -> bool:
    """Whether a figure reads as a year (a whole number from 1900 to 2100): a date, not a count to
    compare, merge on or ask a claim to keep."""
    return 1900 <= value <= 2100 and value == int(value)


def left_out_numbers(claim: str, supporting: str) -> list[str]:
    """Figures written in digits in ``supporting`` that ``claim`` does not state, as written there.

    These are what a point must carry: Fed cluster, live run, "The Fed cut interest rates."
    cited "...by a quarter of a percentage point on Wednesday, moving its benchmark range to
    4.00%–4.25%" and the range was only in the quote. Years are left out (a claim about this
    week's news need not repeat 2025); spelled-out numbers too (small counts, "two weeks").
    """
    stated = extract_numbers(claim)
    found: list[str] = []
    for match in _DIGITS.finditer(supporting):
        surface = match.group(0).strip()
        if _YEAR.match(surface) or not (values := extract_numbers(surface)) or values <= stated:
            continue
        end = match.end()
        surface += "%" if supporting[end : end + 1] == "%" else ""
        if surface not in found:
            found.append(surface)
    return found
