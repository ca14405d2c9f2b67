"""Boilerplate removal for scraped article text.

Scraped pages carry share prompts, radio-player text, weather banners,
captions printed twice, bylines and copyright lines. None of it is news, and
every line of it that reaches the model is a line the model may quote. The
rules here are deliberately structural rather than a list of outlets:

1. *Prose only.* A body line must read like prose: end with sentence
   punctuation (or be long) and have several words. Menus, banners, player
   timers, tags and sub-heads fail this test. Words are counted per script
   (:func:`briefgen.ingest.scripts.word_units`): Chinese and Japanese put no
   spaces between words, so their characters are counted instead, and the
   sentence marks include ``。！？`` (CJK), ``؟`` (Arabic), ``।`` (Devanagari).
   Thai has no sentence mark, so a Thai line passes on length alone; a CJK
   line without a closing mark must be very long, because CJK prose always
   closes its sentences and its menus and headlines never do.
2. *Known prose-shaped boilerplate* (comment and login prompts, donation
   appeals, copyright and photo-credit lines, bylines) is matched by pattern.
3. *Captions.* A line printed twice verbatim is a caption (pages print them
   under the photo and again in the alt text): every copy is dropped. A line
   ending in a photo credit such as ``[AP/YONHAP]`` is dropped too.

HTML goes through trafilatura first (:mod:`briefgen.ingest.loader`); these
rules then run on its output as well, because captions survive extraction.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from briefgen.ingest.scripts import dominant_script, word_units

# Prose-shaped lines that are still boilerplate. Matched case-insensitively
# against a whole stripped line.
BOILERPLATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(log ?in|sign ?in|sign up|subscribe)\b.*",
        r"^to (write|post|leave) (a )?comments?\b.*",
        r"^help us keep .*",
        r"^(please )?(support|donate|make a contribution)\b.*",
        r"^(share|tweet|email|print)( this)?( article| story)?[.!]?$",
        r"^(©|\(c\)|copyright)\s*\d{4}.*",
        r"^\[?copyright\b.*\]?$",
        r"^all rights reserved.*",
        r"^-?\s*advertisement\s*-?$",
        r"^by [A-Z][\w.'’ -]+(\[[^\]]*@[^\]]*\]|\S+@\S+).*$",
        r"^.*\S+@\S+\.\w+\]?$",
        r"^(photo|image|video)\s*:.*",
        r"^(in this photo|this photo|the content of this image)\b.*",
        r"^(independent journalists were not given access)\b.*",
        r"^read more\b.*",
        r"^related (article|stories|story)s?\b.*",
        # calls to the reader to go elsewhere (Fed cluster, live run: "For more details, visit the
        # official Federal Reserve press release here." became a point)
        r"^(?=.{0,160}$)(for (more|further) (details|information|info)[,:]?\s*)?(please )?"
        r"(visit|click|see|go to|follow)\b.*\b(here|link|website|page|release)\W*$",
        r"^click here\b.*",
    )
)

# A trailing photo credit, e.g. "... on June 11. [AP/YONHAP]".
PHOTO_CREDIT = re.compile(r"\[(?:[A-Z][A-Za-z]*[ ,/&]*){1,4}\]\s*$")

# Missing spaces between sentences, as in "...United States.Rosyn Park reports."
# Scrapers that join paragraphs drop the newline; the segmenter then sees one
# enormous sentence. Lower-case letter or closing quote, sentence mark, capital.
_GLUED_SENTENCE = re.compile(r"(?<=[a-z0-9”\"’)\]][.!?])(?=[A-Z][a-z])")
_GLUED_ABBREV = re.compile(r"(?<=\b[A-Z]\.[A-Z]\.)(?=[A-Z][a-z])")
# Broadcast-transcript speaker labels at the start of a sentence.
_SPEAKER_LABEL = re.compile(r"(?:(?<=^)|(?<=[.!?] ))(Anchor|Reporter|Host|Correspondent):\s*", re.MULTILINE)
# Leading "date 2025-06-18 Photo : YONHAP News" style banners fused into text.
_LEADING_BANNER = re.compile(
    r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*(photo\s*:\s*[^\n]*?news)?\s*", re.IGNORECASE
)

# Sentence marks of the scripts we read: Latin/Cyrillic/Greek, CJK full-width
# and half-width, Arabic/Urdu, Devanagari danda, Ethiopic, Burmese, Khmer,
# Armenian, and the Greek question mark. Closing quotes/brackets may follow.
SENTENCE_MARKS = ".!?…。！？｡؟۔।॥።။។։\u037e"
CLOSERS = "”\"’')]」』）》〉】〕»›"
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}][{re.escape(CLOSERS)}]*$")
# A CJK paragraph that is one quotation closes with the bracket, not a mark:
# 松野官房長官:「……お答えをしているところであります」
_CJK_QUOTE_END = re.compile(r"[」』]$")
# An unpunctuated CJK line is prose only past this many word units (~120
# characters): shorter ones are headlines, menus and datelines.
CJK_UNPUNCTUATED_MIN_UNITS = 60
# Navigation: "Home > World > Asia", "News | Photos | Video", or list bullets.
_NAV = re.compile(r"(?:\s[|>»]\s.*){2,}")
_BULLET = re.compile(r"^[-•*»·・]\s")


@dataclass
class CleanResult:
    """Cleaned text plus what was removed, so callers can report it."""

    text: str
    title: str | None = None
    dropped: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    """For each character of ``text``, its offset in the raw input: citations are shown and
    re-checked in the text the user gave, not in this cleaned copy."""


def _is_prose(line: str) -> bool:
    units = word_units(line)
    script = dominant_script(line)
    if _SENTENCE_END.search(line) or (script == "cjk" and _CJK_QUOTE_END.search(line)):
        return units >= 6
    if script == "cjk":
        return units >= CJK_UNPUNCTUATED_MIN_UNITS
    return units >= 25


def _menu_like(line: str) -> bool:
    """Navigation rather than a headline: breadcrumbs, ``|`` separated links, a
    bulleted list item, or (CJK) a row of short space-separated link labels
    such as ``洛阳网首页 新闻 县区 百姓呼声``."""
    if _NAV.search(line) or _BULLET.match(line):
        return True
    tokens = line.split()
    if len(tokens) >= 4 and dominant_script(line) == "cjk":
        return sorted(len(t) for t in tokens)[len(tokens) // 2] <= 4
    return False


def _is_boilerplate(line: str) -> bool:
    return any(p.match(line) for p in BOILERPLATE_PATTERNS) or bool(PHOTO_CREDIT.search(line))


_DATEISH = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}, \d{4})\b",
    re.IGNORECASE,
)


def _shouting(line: str) -> bool:
    """All capitals, as banners are. ``str.isupper`` alone is true for a Chinese
    or Korean headline that holds one acronym, so most letters must be cased."""
    letters = [c for c in line if c.isalpha()]
    cased = sum(1 for c in letters if c.lower() != c.upper())
    return line.isupper() and cased * 2 >= len(letters)


def _title_candidate(line: str) -> bool:
    """A headline: several words, no closing full stop, not shouting, not a date banner, not a menu."""
    return (
        5 <= word_units(line) <= 30
        and not _SENTENCE_END.search(line)
        and not _shouting(line)
        and not _DATEISH.search(line)
        and not _is_boilerplate(line)
        and not _menu_like(line)
    )


def normalize_spacing(text: str) -> str:
    """Repair glued sentences and strip speaker labels (see module docs)."""
    return _normalize_with_map(text, list(range(len(text))))[0]


def _normalize_with_map(text: str, where: list[int]) -> tuple[str, list[int]]:
    """:func:`normalize_spacing` that carries each character's offset in the raw input along."""
    for pattern, replacement in ((_LEADING_BANNER, ""), (_GLUED_SENTENCE, " "), (_GLUED_ABBREV, " "),
                                 (_SPEAKER_LABEL, "")):
        text, where = _sub_with_map(pattern, replacement, text, where)
    return text, where


def _sub_with_map(pattern: re.Pattern[str], replacement: str, text: str,
                  where: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_where: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(text[last : match.start()])
        out_where.extend(where[last : match.start()])
        if replacement:
            # an inserted space (between glued sentences) has no character of its own in the input:
            # it points at the next one; sentence spans never start or end on it
            anchor = where[match.start()] if match.start() < len(where) else (where[-1] + 1 if where else 0)
            out.append(replacement)
            out_where.extend([anchor] * len(replacement))
        last = match.end()
    out.append(text[last:])
    out_where.extend(where[last:])
    return "".join(out), out_where


_LINE = re.compile(r"[^\r\n]*")
_RUN = re.compile(r"\S+")


def _lines_with_offsets(raw: str) -> list[tuple[str, list[int]]]:
    """Each non-empty line with whitespace runs folded to one space, and each character's offset in ``raw``."""
    lines: list[tuple[str, list[int]]] = []
    for line in _LINE.finditer(raw):
        folded = " ".join(line.group(0).split())
        if not folded:
            continue
        lead = line.group(0).find(folded)
        if lead >= 0:
            # Most lines have single spaces between words: the folded line is a slice of the raw one,
            # its offsets one range (a per-word loop was a third of a warm ingest, bench/overhead.py).
            lines.append((folded, list(range(line.start() + lead, line.start() + lead + len(folded)))))
            continue
        pieces: list[str] = []
        where: list[int] = []
        for run in _RUN.finditer(line.group(0)):
            if pieces:
                pieces.append(" ")
                where.append(line.start() + run.start() - 1)
            pieces.append(run.group(0))
            where.extend(range(line.start() + run.start(), line.start() + run.end()))
        if pieces:
            lines.append(("".join(pieces), where))
    return lines


def clean_text(raw: str, *, title: str | None = None) -> CleanResult:
    """Return the article body of ``raw`` as paragraphs separated by blank lines.

    ``title``, when known (from HTML metadata), is removed from the body; when
    unknown, the first headline-shaped line is taken as the title. The result
    maps every character back to ``raw`` (:attr:`CleanResult.offsets`).
    """
    lines = _lines_with_offsets(raw)  # str.split() semantics: no-break spaces and \r are whitespace too
    counts = Counter(line for line, _ in lines)
    dropped: list[str] = []
    kept: list[str] = []
    offsets: list[int] = []
    for line, where in lines:
        if title is None and _title_candidate(line):
            title = line
            continue
        if title is not None and line == title:
            continue
        if counts[line] > 1 and word_units(line) >= 8:
            dropped.append(line)  # a caption printed twice: drop every copy
            continue
        if _is_boilerplate(line) or not _is_prose(line):
            dropped.append(line)
            continue
        text, text_where = _normalize_with_map(line, where)
        if kept:
            offsets.extend([offsets[-1] + 1, offsets[-1] + 1])  # the blank line between paragraphs
        kept.append(text)
        offsets.extend(text_where)
    return CleanResult(text="\n\n".join(kept), title=title, dropped=dropped, offsets=offsets)
