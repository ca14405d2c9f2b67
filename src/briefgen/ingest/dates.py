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
