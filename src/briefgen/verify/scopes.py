"""Scopes: the clauses of a text, and the words each marker in them governs.

A "not", "will" or "may" bears on the next few content words of its clause only:
"did not say how many were injured, but confirmed 144 deaths" negates "injured", not
"confirmed". :mod:`~briefgen.verify.support` compares these scopes between a claim and
its sentences; the doer and number-role checks split text into the same clauses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from briefgen.verify.markers import NEGATIONS
from briefgen.verify.words import _is_content, _prepare, stem, tokens

# Words governed by a marker: the next few content words after it. Three is what
# "will send 1,000 sappers" / "did not mention the dispatch" need, measured on the seeds.
_SCOPE = 3


# A marker governs words up to the end of its clause: "did not say how many were injured,
# but confirmed 144 deaths" negates "injured", not "confirmed".
_CLAUSE = re.compile(r"[;:()\[\]\"]|,(?=\s)|\s(?:but|while|whereas|although|though|yet)\s")


@lru_cache(maxsize=8192)
def _clauses(text: str) -> tuple[str, ...]:
    # cached: every claim checked against a sentence re-reads its clauses for each kind of marker
    return tuple(" ".join(tokens(part)) for part in _CLAUSE.split(_prepare(text)))


def _scoped(words: list[str], index: int, language: str) -> set[str]:
    """Stems of the next few content words after ``words[index]`` (what a marker governs)."""
    out: set[str] = set()
    for word in words[index + 1 :]:
        if len(out) >= _SCOPE:
            break
        if _is_content(word):
            out.add(stem(word, language))
    return out


@lru_cache(maxsize=16384)
def _scope_sets(text: str, language: str, pattern: re.Pattern[str] | None) -> tuple[frozenset[str], ...]:
    """:func:`_scopes` for the markers of ``pattern`` (None: a negation), cached: a sentence is
    checked against every claim that cites it, and each check reads it for four kinds of marker."""
    marker = _negation_marker if pattern is None else _pattern_marker(pattern)
    return tuple(frozenset(found) for found in _scopes(text, language, marker))


def _scopes(text: str, language: str, is_marker: Callable[[list[str], int], int]) -> tuple[set[str], set[str], set[str]]:
    """(stems inside some marker's scope, stems that also occur outside every scope, the first
    stem of each scope: the verb the marker governs).

    ``is_marker(words, i)`` returns how many words a marker starting at ``i`` spans (0: none).
    A word only counts as governed when no occurrence of it is free: pooled support
    (a headline checked against all points) may say "would pay for new schools" in one
    point and "approved a new budget" in another.
    """
    governed: set[str] = set()
    seen_free: set[str] = set()
    heads: set[str] = set()
    for clause in _clauses(text):
        words = clause.split()
        inside: set[int] = set()
        i = 0
        while i < len(words):
            span = is_marker(words, i)
            if span:
                count = 0
                for j in range(i + span, len(words)):
                    if count >= _SCOPE:
                        break
                    if _is_content(words[j]):
                        if count == 0:
                            heads.add(stem(words[j], language))
                        inside.add(j)
                        count += 1
                i += span
            else:
                i += 1
        for j, word in enumerate(words):
            if _is_content(word):
                (governed if j in inside else seen_free).add(stem(word, language))
    return governed, seen_free, heads


def _negation_marker(words: list[str], i: int) -> int:
    return 1 if words[i] in NEGATIONS else 0


def _pattern_marker(pattern: re.Pattern[str]) -> Callable[[list[str], int], int]:
    # The clause is joined once and matched from each word's offset, not re-joined from every word
    # (quadratic in the clause's length). Same matches: the patterns' lookbehind sees the space
    # before a word as it would see the start of the string.
    joined: list[Any] = [None, "", []]  # the words last seen, their text, each word's offset in it

    def marker(words: list[str], i: int) -> int:
        if joined[0] is not words:
            offsets, at = [], 0
            for word in words:
                offsets.append(at)
                at += len(word) + 1
            joined[:] = [words, " ".join(words), offsets]
        match = pattern.match(joined[1], joined[2][i])
        return len(match.group(0).split()) if match else 0
    return marker


def _negated(text: str, language: str) -> frozenset[str]:
    governed, free, _ = _scope_sets(text, language, None)
    return governed - free


def _marked(text: str, pattern: re.Pattern[str], language: str) -> frozenset[str]:
    """Stems governed by a marker of ``pattern`` (multi-word markers allowed) and never free."""
    governed, free, _ = _scope_sets(text, language, pattern)
    return governed - free


def _governed(text: str, pattern: re.Pattern[str] | None, language: str, *, heads: bool = False) -> frozenset[str]:
    """Stems inside the scope of a marker of ``pattern`` (None: a negation) anywhere in ``text``;
    with ``heads``, only the first word of each scope (the verb: "will *approve* a budget")."""
    governed, _, first = _scope_sets(text, language, pattern)
    return first if heads else governed


def _has(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.search(" ".join(tokens(text))) is not None


def _has_negation(text: str) -> bool:
    return any(w in NEGATIONS for w in tokens(text))


def _marker_text(text: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(" ".join(tokens(text)))
    return f'"{match.group(0)}"' if match else "a marker"
