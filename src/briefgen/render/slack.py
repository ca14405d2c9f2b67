"""Slack Block Kit: a brief as one message that always fits Slack's limits.

Slack refuses a message with more than 50 blocks or a section text over
3,000 characters, and collapses long messages behind "Show more", so a brief
is laid out against a budget (blocks and characters, well under the 40,000
Slack allows). When everything does not fit, the least important lines are
left out, in this order of keeping: the top three points and conflicts,
the sources, the other points and conflicts, background. A note at the end
says what was left out and links ``full_url`` (the bot uploads the full
HTML brief and passes its link).

Citations are numbered by source: ``[2]`` is the second entry of the
Sources list and links to that article's URL, with a text fragment
(``#:~:text=``) so browsers that support it scroll to the verified quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as _pct

from briefgen.brief import Brief, Citation, Conflict, Point

MAX_BLOCKS = 50
"""Slack's hard limit on blocks per message."""
MAX_SECTION_CHARS = 3000
"""Slack's hard limit on a section block's text."""
MAX_MESSAGE_CHARS = 12_000
"""Our budget for a message's text: Slack allows 40,000, but long messages collapse."""
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000
MAX_URL_CHARS = 1500
MAX_REFS_PER_LINE = 8

Block = dict[str, Any]


# --- text helpers -------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup (``& < >``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, or the bare label when the URL cannot be linked safely."""
    if not url or len(url) > MAX_URL_CHARS or any(c.isspace() for c in url):
        return label
    if not url.startswith(("http://", "https://")):
        return label
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe}|{label}>"


def _fragment_part(words: list[str]) -> str:
    # Text fragments reserve '-', ',' and '&'; quote() leaves '-' alone.
    return _pct(" ".join(words), safe="").replace("-", "%2D")


def quote_url(url: str | None, quote: str) -> str | None:
    """``url`` with a ``#:~:text=`` fragment that highlights ``quote`` where browsers support it."""
    if not url or "#" in url:
        return url
    words = quote.split()
    if words:
        words[-1] = words[-1].rstrip(".,;:")  # sentence punctuation may differ on the page
    if not words or not words[-1]:
        return url
    if len(words) <= 8:
        fragment = _fragment_part(words)
    else:
        fragment = f"{_fragment_part(words[:4])},{_fragment_part(words[-4:])}"
    return f"{url}#:~:text={fragment}"


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def fallback_text(brief: Brief) -> str:
    """The notification text of the message (shown where blocks are not)."""
    return clip(f"{brief.headline} — {brief.lede}", 300)


# --- the parts of a brief -------------------------------------------------------


class _Refs:
    """Numbers sources in the order of ``brief.sources``; ``[n]`` links to source n."""

    def __init__(self, brief: Brief) -> None:
        self.brief = brief
        self.number = {s.id: i for i, s in enumerate(brief.sources, 1)}
        self.url = {s.id: s.url for s in brief.sources}

    def refs(self, citations: Iterable[Citation]) -> str:
        first: dict[str, Citation] = {}
        for citation in citations:
            first.setdefault(citation.article_id, citation)
        ordered = sorted(first.values(), key=lambda c: self.number.get(c.article_id, len(self.number) + 1))
        shown = ordered[:MAX_REFS_PER_LINE]
        parts = []
        for citation in shown:
            n = self.number.get(citation.article_id)
            label = f"[{n}]" if n is not None else f"[{escape(citation.article_id)}]"
            parts.append(link(quote_url(self.url.get(citation.article_id), citation.quote), label))
        extra = len(first) - len(shown)
        return "".join(parts) + (f" +{extra}" if extra > 0 else "")

    def name(self, article_id: str) -> str:
        for source in self.brief.sources:
            if source.id == article_id:
                return escape(source.outlet or source.id)
        return escape(article_id)


def _bounded(line: str, plain: str) -> str:
    """``line`` if it fits one section, else its link-free ``plain`` form, clipped."""
    return line if len(line) <= MAX_SECTION_CHARS - 200 else clip(plain, MAX_SECTION_CHARS - 200)


def point_line(point: Point, refs: _Refs) -> str:
    text = escape(clip(point.text, 600))
    support = f" _({point.outlets} outlets)_" if point.outlets > 1 else ""
    return _bounded(f"• {text} {refs.refs(point.citations)}{support}", f"• {text}{support}")


def conflict_line(conflict: Conflict, refs: _Refs) -> str:
    topic = escape(clip(conflict.topic, 300))
    if conflict.kind == "disputed" and conflict.sides:
        side = conflict.sides[0]
        label = escape(clip(side.label, 80))
        return _bounded(f"• *Caveat* ({label}): “{topic}” {refs.refs(side.citations)}", f"• *Caveat* ({label}): “{topic}”")
    kind = "Credited differently" if conflict.kind == "attribution" else "Numbers differ"
    sides = "; ".join(f"{escape(clip(s.label, 80))} {refs.refs(s.citations)}" for s in conflict.sides)
    plain = "; ".join(escape(clip(s.label, 80)) for s in conflict.sides)
    return _bounded(f"• *{kind}* — {topic}: {sides}", f"• *{kind}* — {topic}: {plain}")


def source_line(brief: Brief, index: int) -> str:
    source = brief.sources[index]
    outlet = escape(clip(source.outlet or source.id, 80))
    date = source.published.isoformat() if source.published else "undated"
    title = escape(clip(source.title, 160)) if source.title else None
    if source.url:
        shown = title or escape(clip(source.url, 80))
        what = link(source.url, shown)
    else:
        what = title or "no link"
    stale = " · :warning: _stale_" if source.stale else ""
    return f"[{index + 1}] *{outlet}* · {date} · {what}{stale}"


# --- layout ---------------------------------------------------------------------


@dataclass
class _Group:
    """A titled list of lines shown as one or more section blocks."""

    key: str
    title: str
    lines: list[str]
    noun: str  # for the trim note: "point", "conflict"...


@dataclass
class SlackMessage:
    """A laid-out brief: ``blocks`` to post, ``text`` for notifications, what was left out."""

    blocks: list[Block]
    text: str
    omitted: dict[str, int] = field(default_factory=dict)

    @property
    def trimmed(self) -> bool:
        return any(self.omitted.values())


def _sections(title: str, lines: list[str]) -> list[Block]:
    """Pack ``lines`` under a bold title into sections of at most MAX_SECTION_CHARS."""
    blocks: list[Block] = []
    current = f"*{title}*"
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            blocks.append({"type": "section", "text": mrkdwn(current)})
            current = line
        else:
            current = f"{current}\n{line}"
    blocks.append({"type": "section", "text": mrkdwn(current)})
    return blocks


def _context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(text, MAX_CONTEXT_CHARS))]}


def _chars(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for element in block.get("elements", []):
            total += len(element.get("text", ""))
    return total


def _trim_note(omitted: dict[str, int], nouns: dict[str, str], full_url: str | None) -> Block:
    parts = []
    for key, count in omitted.items():
        if count:
            noun = nouns[key]
            parts.append(f"{count} {noun}{'' if count == 1 else 's'}")
    what = ", ".join(parts) if parts else "some details"
    more = link(full_url, "Open the full brief") if full_url else "The full brief has everything"
    return _context(f":scissors: Trimmed to fit Slack: {what} not shown. {more}.")


def _footer(brief: Brief) -> Block:
    usage, prov = brief.usage, brief.provenance
    cost = f" · ${usage.cost_usd:.4f}" if usage.cost_usd else ""
    return _context(
        f"{escape(prov.model)} · {usage.total_tokens:,} tokens{cost} · {usage.wall_time_s:.1f}s · "
        f"every point cites a verified quote · briefgen {escape(prov.briefgen_version)}"
    )


def layout(
    brief: Brief,
    *,
    max_blocks: int = MAX_BLOCKS,
    max_chars: int = MAX_MESSAGE_CHARS,
    full_url: str | None = None,
) -> SlackMessage:
    """Lay ``brief`` out as one Slack message within ``max_blocks`` and ``max_chars``."""
    if max_blocks < 3:
        raise ValueError("max_blocks must be at least 3 (headline, lede, note)")
    refs = _Refs(brief)
    head: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(brief.headline, MAX_HEADER_CHARS) or "Brief", "emoji": True}},
        {"type": "section", "text": mrkdwn(escape(clip(brief.lede, MAX_SECTION_CHARS)) or "_(no lede)_")},
    ]
    if brief.single_source:
        head.append(_context(":information_source: Single source: every point rests on one article."))
    head.append({"type": "divider"})

    background_lines = [
        f"• {refs.name(s.article_id)} [{refs.number.get(s.article_id, '?')}]"
        f" ({s.published.isoformat() if s.published else 'undated'}): {escape(clip(s.reason, 300))}"
        for s in brief.stale
    ] + [point_line(p, refs) for p in brief.background]
    groups = [
        _Group("points", "Key points", [point_line(p, refs) for p in brief.points] or ["• _No claim could be verified._"], "point"),
        _Group("conflicts", ":warning: Conflicts and caveats", [conflict_line(c, refs) for c in brief.conflicts], "conflict"),
        _Group("background", ":hourglass: Background (older reporting, not part of this news)", background_lines, "background line"),
        _Group("sources", "Sources", [source_line(brief, i) for i in range(len(brief.sources))], "source"),
    ]
    # What survives trimming first: the top points and conflicts, the sources the [n] refer to,
    # then the remaining points and conflicts, then background.
    keep_order: list[tuple[str, int | None]] = [
        ("points", 3), ("conflicts", 3), ("sources", None), ("points", None), ("conflicts", None), ("background", None),
    ]

    tail: list[Block] = []
    notes = []
    if brief.warnings:
        shown = "; ".join(escape(clip(w, 200)) for w in brief.warnings[:3])
        more = f" (+{len(brief.warnings) - 3} more)" if len(brief.warnings) > 3 else ""
        notes.append(f":warning: {shown}{more}")
    if brief.unverified:
        notes.append(f"_{len(brief.unverified)} claim(s) failed verification against their articles and were left out._")
    if brief.repeats:
        notes.append(f"_{len(brief.repeats)} verified claim(s) repeated a point in other words and were left out._")
    if notes:
        tail.append(_context("\n".join(notes)))
    tail.append(_footer(brief))

    def build(kept: dict[str, int], note: Block | None) -> list[Block]:
        blocks = list(head)
        for group in groups:
            lines = group.lines[: kept[group.key]]
            if lines:
                blocks += _sections(group.title, lines)
        blocks += tail
        if note is not None:
            blocks.append(note)
        return blocks

    everything = {g.key: len(g.lines) for g in groups}
    blocks = build(everything, None)
    if len(blocks) <= max_blocks and _chars(blocks) <= max_chars:
        return SlackMessage(blocks, fallback_text(brief))

    nouns = {g.key: g.noun for g in groups}
    # Reserve room for the note as it will read when the most is left out.
    worst_note = _trim_note(everything, nouns, full_url)
    kept = {g.key: 0 for g in groups}
    by_key = {g.key: g for g in groups}
    full: set[str] = set()  # groups that hit the budget: nothing more of them fits
    for key, upto in keep_order:
        if key in full:
            continue
        for n in range(kept[key] + 1, min(len(by_key[key].lines), upto or len(by_key[key].lines)) + 1):
            kept[key] = n
            trial = build(kept, worst_note)
            if len(trial) > max_blocks or _chars(trial) > max_chars:
                kept[key] = n - 1
                full.add(key)
                break
    omitted = {g.key: len(g.lines) - kept[g.key] for g in groups}
    if by_key["points"].lines == ["• _No claim could be verified._"]:
        omitted["points"] = 0
    blocks = build(kept, _trim_note(omitted, nouns, full_url))
    if len(blocks) > max_blocks:  # only when even the fixed parts do not fit a tiny max_blocks
        blocks = blocks[: max_blocks - 1] + [blocks[-1]]
    return SlackMessage(blocks, fallback_text(brief), omitted)


def render_blocks(
    brief: Brief,
    *,
    max_blocks: int = MAX_BLOCKS,
    full_url: str | None = None,
    max_chars: int = MAX_MESSAGE_CHARS,
) -> list[Block]:
    """The Block Kit blocks of ``brief`` (see :func:`layout`, which also says what was trimmed)."""
    return layout(brief, max_blocks=max_blocks, max_chars=max_chars, full_url=full_url).blocks


__all__ = ["MAX_BLOCKS", "MAX_MESSAGE_CHARS", "MAX_SECTION_CHARS", "SlackMessage", "fallback_text", "layout", "render_blocks"]
