"""Finding the articles in Slack messages: links (Slack's ``<url|label>`` or bare) or pasted text.

Slack writes links in message text as ``<https://example.com/a|label>`` and
escapes ``& < >``; slash commands send them bare unless "escape" is on. Both
are read. Links into Slack itself (message permalinks, files) are skipped:
they need a login, so they can never be fetched as articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

from briefgen.ingest.fetch import FetchPolicy

MIN_TEXT_CHARS = 200
"""Pasted text shorter than this is taken for a mistyped command, not an article."""

_ANGLE = re.compile(r"<([^<>]*)>")
_BARE = re.compile(r"https?://[^\s<>|]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"»”’"


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _usable(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        return False
    host = (parsed.hostname or "").lower()
    return not (host == "slack.com" or host.endswith(".slack.com"))


def _dedupe(urls: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for url in urls:
        seen.setdefault(url, None)
    return list(seen)


def links_in(text: str) -> list[str]:
    """Every fetchable http(s) link in a Slack message text, in order, without repeats."""
    found: list[tuple[int, str]] = []

    def angle(match: re.Match[str]) -> str:
        target = match.group(1).split("|", 1)[0]
        if target.lower().startswith(("http://", "https://")):
            found.append((match.start(), unescape(target)))
        return " " * len(match.group(0))  # keep offsets, so order follows the text

    rest = _ANGLE.sub(angle, text)
    for match in _BARE.finditer(rest):
        found.append((match.start(), unescape(match.group(0)).rstrip(_TRAILING)))
    return _dedupe(url for _, url in sorted(found) if _usable(url))


def is_private_url(url: str, *, policy: FetchPolicy | None = None) -> bool:
    """True when the fetch policy refuses ``url`` (a loopback, private, link-local or reserved
    host, by name or by what it resolves to).

    The bot fetches what anyone in the workspace links, from inside your
    network: without this check ``/brief http://169.254.169.254/...`` or an
    intranet page would be fetched and quoted into the channel. This is the
    bot's fast, early refusal with a friendly reply; what guarantees it is the
    loader, which applies the same policy (:mod:`briefgen.ingest.fetch`) to
    every redirect hop and connects only to the address it checked. A host that
    does not resolve is left to the fetch, which reports it.
    """
    return (policy or FetchPolicy()).refusal(url) is not None


def strip_mentions(text: str) -> str:
    """Message text without ``<@U123>``, ``<#C123|name>`` and ``<!here>`` markup."""
    return re.sub(r"<[@#!][^<>]*>", " ", text).strip()


def articles_in_command(text: str) -> list[str]:
    """What ``/brief`` was given: its links, or else the text itself when it is long enough."""
    urls = links_in(text)
    if urls:
        return urls
    plain = unescape(strip_mentions(text)).strip()
    return [plain] if len(plain) >= MIN_TEXT_CHARS else []


def links_in_messages(messages: Iterable[Mapping[str, Any]], *, skip_bot_id: str | None = None,
                      skip_user_id: str | None = None) -> list[str]:
    """Links of every message in a thread, oldest first, leaving out the bot's own messages."""
    urls: list[str] = []
    for message in messages:
        if skip_bot_id and message.get("bot_id") == skip_bot_id:
            continue
        if skip_user_id and message.get("user") == skip_user_id:
            continue
        urls.extend(links_in(str(message.get("text") or "")))
    return _dedupe(urls)
