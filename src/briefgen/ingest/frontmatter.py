"""Front matter: ``url:``, ``source:``, ``title:``, ``date:`` lines at the top of a saved page.

People who save pages as text files keep where they came from in a few
``key: value`` lines above the article (optionally between ``---`` lines, as
in Markdown front matter). Those lines say who published the article and
when, which the outlet counts and the "credited differently" conflicts need;
left in the text they would be cited as if they were reporting.

Only a block at the very top counts, every line of it must be ``key: value``
with a known key, and it ends at the first blank line (or the closing
``---``). Anything else is article text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil import parser as dateparser

KEYS: dict[str, str] = {
    "url": "url", "link": "url", "source_url": "url",
    "source": "outlet", "outlet": "outlet", "publisher": "outlet", "site": "outlet", "sitename": "outlet",
    "title": "title", "headline": "title",
    "date": "published", "published": "published", "published_at": "published", "pubdate": "published",
    "author": "author", "byline": "author",
    "language": "language", "lang": "language",
}
"""Accepted keys (case-insensitive) and the field each one fills."""

_LINE = re.compile(r"^\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class FrontMatter:
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: date | None = None
    author: str | None = None
    language: str | None = None


def split_front_matter(raw: str) -> tuple[FrontMatter, str]:
    """The front matter of ``raw`` (empty when there is none) and the text after it."""
    lines = raw.lstrip("\ufeff").split("\n")
    i = 0
    fenced = lines and lines[0].strip() == "---"
    if fenced:
        i = 1
    values: dict[str, str] = {}
    while i < len(lines):
        line = lines[i]
        if fenced and line.strip() == "---":
            i += 1
            break
        if not line.strip():
            if fenced:
                i += 1
                continue
            break
        match = _LINE.match(line)
        if match is None or match.group(1).lower() not in KEYS:
            return FrontMatter(), raw  # not a front-matter block: all of it is article text
        values.setdefault(KEYS[match.group(1).lower()], match.group(2).strip().strip("\"'"))
        i += 1
    if not values:
        return FrontMatter(), raw
    published = None
    if values.get("published"):
        try:
            published = dateparser.parse(values["published"], fuzzy=False).date()
        except (ValueError, OverflowError):
            published = None
    url = values.get("url") if values.get("url", "").startswith(("http://", "https://")) else None
    meta = FrontMatter(
        url=url,
        outlet=values.get("outlet") or None,
        title=values.get("title") or None,
        published=published,
        author=values.get("author") or None,
        language=(values.get("language") or "")[:2].lower() or None,
    )
    return meta, "\n".join(lines[i:])


def outlet_from_url(url: str | None) -> str | None:
    """The site's domain ("apnews.com") when nothing better names the outlet."""
    if not url:
        return None
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").removeprefix("www.")
    return host or None
