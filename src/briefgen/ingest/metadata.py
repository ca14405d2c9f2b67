"""Outlet names from what a scraped page says about itself.

Without HTML metadata the outlet is only visible in the page's own furniture:
a broadcast sign-off ("Rosyn Park, KBS World Radio News."), a story-level
copyright line ("Copyright 2025 NPR"), a "connect with the X Daily" prompt,
or a byline e-mail domain. We read those signals, in that order, from the raw
text, because cleaning removes most of them. No list of known outlets is
involved, so unknown outlets work the same way.
"""

from __future__ import annotations

import re

_PUBLICATION_WORD = r"(?:News|Radio|Times|Post|Daily|Herald|Journal|Gazette|Tribune|Press|Telegraph|Guardian|Review|Agency|Network|Broadcasting)"
_NAME = r"[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,5}"

_SIGN_OFF = re.compile(rf",\s+({_NAME}\s+{_PUBLICATION_WORD})\.?\s*$", re.MULTILINE)
_COPYRIGHT = re.compile(rf"(?:copyright|©)\s*\d{{4}}\s+({_NAME})", re.IGNORECASE)
_WITH_THE = re.compile(rf"\bwith the\s+({_NAME}\s+{_PUBLICATION_WORD})\b")
_EMAIL_DOMAIN = re.compile(r"@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b", re.IGNORECASE)


def guess_outlet(raw: str) -> str | None:
    """Best guess at the publishing outlet of a scraped page, or None."""
    sign_offs = _SIGN_OFF.findall(raw)
    if sign_offs:
        return sign_offs[-1].strip()
    copyrights = _COPYRIGHT.findall(raw)
    if copyrights:
        return copyrights[-1].strip().rstrip("]").strip()
    with_the = _WITH_THE.findall(raw)
    if with_the:
        return with_the[-1].strip()
    domains = _EMAIL_DOMAIN.findall(raw)
    if domains:
        return domains[-1].lower()
    return None
