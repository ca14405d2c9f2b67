"""Publication dates from what scraped pages show.

Scraped text rarely carries structured metadata, but pages print dates in a
few recognisable places: a labelled field (``date 2025-06-18``), a banner
line holding only a date (``Tuesday, October 22, 2024``), or a full date in a
dateline or photo caption near the top. We try them in that order of trust
and return ``None`` rather than guess a year from "Tuesday" or "June 11".
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from dateutil import parser as date_parser

MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_MDY = rf"{_WEEKDAY}{MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}"
_DMY = rf"\d{{1,2}}\s+{MONTHS}\.?,?\s+\d{{4}}"
_ISO = r"\d{4}-\d{2}-\d{2}"

_LABELLED = re.compile(rf"\b(?:date|published|posted|updated)\s*:?\s*({_ISO}|{_MDY}|{_DMY})", re.IGNORECASE)
_BANNER_LINE = re.compile(rf"^\s*({_ISO}|{_MDY}|{_DMY})\s*$", re.IGNORECASE | re.MULTILINE)
_ANYWHERE = re.compile(rf"\b({_ISO}|{_MDY}|{_DMY})\b", re.IGNORECASE)


def _parse(value: str) -> date | None:
    try:
        parsed = date_parser.parse(value, fuzzy=True, default=None)  # type: ignore[arg-type]
    except (ValueError, OverflowError, TypeError):
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.date()


def find_published_date(raw: str, *, search_chars: int = 4000) -> date | None:
    """The most trustworthy full date printed in the first ``search_chars`` of ``raw``."""
    head = raw[:search_chars]
    for pattern in (_LABELLED, _BANNER_LINE, _ANYWHERE):
        for match in pattern.finditer(head):
            found = _parse(match.group(1))
            if found:
                return found
    return None


# A wire dateline opening a sentence: "July 5 (UPI) -- ", "(AP) — ", "WASHINGTON – ", "PYONGYANG, North
# Korea — ". It stays in the quote (the sentence as given) but is no part of what a point says, nor a
# place its figures are about (Texas floods, live run: the points opened "July 5 (UPI) -- The death toll
# ...", and "UPI" was read as the place of the missing girls).
_AGENCY = r"\([A-Z][\w.]{1,12}\)"
_DATELINE = re.compile(
    rf"^\s*(?P<line>(?:(?i:{MONTHS})\.?\s+\d{{1,2}}\s+)?{_AGENCY}"  # "July 5 (UPI)", "(AP)"
    r"|(?:[A-Z]{5,}|[A-Z]{2,}(?:[ .'’-][A-Z]{2,})+)"  # "WASHINGTON", "LOS ANGELES"
    r"(?:,\s*[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,3})?"  # ", North Korea"
    rf"(?:\s*{_AGENCY})?)"  # "NEW YORK (Reuters)"
    r"\s*(?P<dash>--|—|–|-)\s+(?=[A-Z\"“])"
)


def drop_dateline(text: str) -> str:
    """``text`` without a wire dateline at its start (:data:`_DATELINE`); a plain hyphen ends one only
    after an agency's name in brackets ("NEW YORK (Reuters) - ")."""
    match = _DATELINE.match(text)
    if match is None or (match.group("dash") == "-" and not match.group("line").endswith(")")):
        return text
    return text[match.end():]


_DAY_OF_MONTH = re.compile(rf"\b{MONTHS}\.?\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+{MONTHS}\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def days_of_month(text: str) -> frozenset[float]:
    """The days of a month ``text`` gives in English ("December 18", "18 December"): dates, not figures.
    Cached: merging asks it of the same point for every member, and again per union it tries."""
    return frozenset(float(d) for m in _DAY_OF_MONTH.finditer(text) for d in m.groups() if d)


# Month names of the other languages pages come in (es, pt, de, fr, it), folded to lower case: a day of the
# month is a date, not a figure to compare ("este 28 de abril" beside "on Monday", Iberian cluster).
FOREIGN_MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    "januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|dezember|"
    "janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
)
_FOREIGN_DAY = re.compile(rf"\b(\d{{1,2}})\.?\s+(?:de\s+)?(?:{FOREIGN_MONTHS})\b", re.IGNORECASE)


def foreign_days_of_month(text: str) -> frozenset[float]:
    """The days of a month ``text`` gives in another language ("28 de abril", "28. April", "28 avril")."""
    return frozenset(float(m.group(1)) for m in _FOREIGN_DAY.finditer(text))
