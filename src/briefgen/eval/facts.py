"""FACTS.md: what a good brief of a cluster contains, parsed into a :class:`FactSheet`.

The format is described in :mod:`briefgen.eval`; the parser is forgiving
(sections are found by keyword) and lists the lines it could not read in
:attr:`FactSheet.problems` instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

FACTS_FILE = "FACTS.md"


@dataclass
class Fact:
    text: str
    pattern: str
    files: list[str]
    note: str = ""

    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


@dataclass
class ConflictSpec:
    text: str
    label: str
    keys: list[str]


@dataclass
class StaleSpec:
    file: str
    text: str


@dataclass
class FactSheet:
    facts: list[Fact] = field(default_factory=list)
    conflicts: list[ConflictSpec] = field(default_factory=list)
    stale: list[StaleSpec] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# File ids are 000-099 (the clusters' file prefixes). Any 3-digit number was an id before, so
# conflict keys such as the death tolls 144 and 694 were dropped; "000, 001" kept "000," as a key.
_FILE_ID = re.compile(r"(?<![\w.,])(0\d\d)(?!\d|,\d)")
_STALE_WORDS = re.compile(
    r"\b(stale|outdated|different event|earlier,? (?:different )?(?:event|article|report)s?|"
    r"set (?:it |them )?apart|is from \d{1,2} \w+ \d{4}|is dated)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
# Capitalised words that are not names, when they start a key phrase.
_NOT_NAMES = frozenset(
    ["A", "An", "The", "This", "That", "These", "Those", "It", "Its", "Ukraine's", "Unverified", "Date", "Attribution", "Moscow's", "Pyongyang's"]
)


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        heading = re.match(r"^#{2,6}\s+(.*)$", line)
        if heading:
            current = heading.group(1).strip().lower()
            sections.setdefault(current, [])
        else:
            sections[current].append(line)
    return sections


def _bullets(lines: Sequence[str]) -> list[str]:
    """Bullet items, with wrapped continuation lines joined on."""
    items: list[str] = []
    for line in lines:
        if re.match(r"^\s*[-*]\s+", line):
            items.append(re.sub(r"^\s*[-*]\s+", "", line).strip())
        elif items and line.strip() and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
    return items


def parse_files(field_text: str) -> list[str]:
    """``"000, 001, 002 (003 paraphrases it)"`` → ``["000", "001", "002"]``."""
    without_comments = re.sub(r"\([^)]*\)", " ", field_text)
    return [token for token in re.split(r"[\s,;]+", without_comments) if re.fullmatch(r"[\w.-]+", token)]


def parse_fact(line: str) -> Fact:
    parts = line.split(" | ")
    if len(parts) < 3:
        raise ValueError(f"expected 'fact | regex | files', got: {line!r}")
    text, files_field = parts[0].strip(), parts[-1].strip()
    pattern = " | ".join(parts[1:-1]).strip()
    re.compile(pattern, re.IGNORECASE)  # fail here, naming the line, rather than mid-scoring
    note = " ".join(re.findall(r"\(([^)]*)\)", files_field))
    return Fact(text=text, pattern=pattern, files=parse_files(files_field), note=note)


def conflict_keys(text: str) -> list[str]:
    """The numbers and names a conflict bullet hinges on (what a brief must mention)."""
    body = text.split(":", 1)[1] if re.match(r"^[\w ]{1,30}:", text) else text
    body = _FILE_ID.sub(" ", body)
    keys: list[str] = []
    for number in re.findall(r"\d[\d,.]*\d|\d", body):
        keys.append(number.strip(".,"))
    for quoted in _QUOTED.findall(body):
        keys.append((quoted[0] or quoted[1]).strip())
    unquoted = _QUOTED.sub(" ", body)
    for name in re.findall(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", unquoted):
        words = [w for w in name.split() if w not in _NOT_NAMES]
        if words:
            keys.append(" ".join(words).removesuffix("'s").removesuffix("’s"))
    return list(dict.fromkeys(k for k in keys if k))


def _stale_ids(text: str) -> list[str]:
    ids: list[str] = []
    for sentence in re.split(r"(?<=[.;])\s+", text):
        if _STALE_WORDS.search(sentence):
            ids.extend(_FILE_ID.findall(sentence))
    return list(dict.fromkeys(ids))


def parse_facts(text: str) -> FactSheet:
    """Parse a FACTS.md (see module docs); unparseable lines are listed in ``problems``."""
    sheet = FactSheet()
    for title, lines in _sections(text).items():
        if not title:
            continue
        if "stale" in title:
            for item in _bullets(lines):
                for file_id in _FILE_ID.findall(item.split(":", 1)[0]) or _FILE_ID.findall(item)[:1]:
                    sheet.stale.append(StaleSpec(file=file_id, text=item))
        elif "boilerplate" in title:
            body = "\n".join(lines)
            for quoted in _QUOTED.findall(body):
                value = (quoted[0] or quoted[1]).strip().rstrip("…").rstrip(".").strip()
                if value:
                    sheet.boilerplate.append(value)
        elif "conflict" in title or "caution" in title:
            for item in _bullets(lines):
                stale = _stale_ids(item)
                if stale:
                    sheet.stale.extend(StaleSpec(file=f, text=item) for f in stale if f not in {s.file for s in sheet.stale})
                    continue
                label = item.split(":", 1)[0].strip() if re.match(r"^[\w ]{1,30}:", item) else ""
                sheet.conflicts.append(ConflictSpec(text=item, label=label, keys=conflict_keys(item)))
        elif "fact" in title:
            for item in _bullets(lines):
                try:
                    sheet.facts.append(parse_fact(item))
                except (ValueError, re.error) as exc:
                    sheet.problems.append(f"{title}: {exc}")
    return sheet


def matches_file(article_id: str, file_id: str) -> bool:
    """``"000"`` names article ``000_c48e...`` (a prefix) or the file stem itself."""
    return article_id == file_id or article_id.startswith(file_id)
