"""Number roles: a number in a headline or lede keeps what it counts in the points.

"1,000 People Dead, 694 Injured" was shipped where 694 was a death toll: every number
the number check lets through must still stand next to the same unit words
(:func:`number_role_problems`).
"""

from __future__ import annotations

from briefgen.verify.aliases import _matches
from briefgen.verify.numbers import extract_numbers
from briefgen.verify.problem import Problem
from briefgen.verify.scopes import _clauses
from briefgen.verify.words import _is_content, _is_number, stem

# Words that say whose count a number is not: "694 people dead" is a death toll.
_GENERIC_UNITS = frozenset(["people", "person", "persons", "individual", "individuals", "resident", "residents", "total"])
_ROLE_WINDOW = 4


def _number_neighbours(text: str, language: str) -> list[tuple[float, list[str], list[str], str]]:
    """Each number in ``text`` with the content stems before and after it in its clause,
    and the first word after it as written (for messages)."""
    out: list[tuple[float, list[str], list[str], str]] = []
    for clause in _clauses(text):
        words = clause.split()
        for i, word in enumerate(words):
            if not _is_number(word):
                continue
            before_raw = [w for w in words[:i] if _is_content(w)][-_ROLE_WINDOW:]
            after_raw = [w for w in words[i + 1 :] if _is_content(w) and w not in _GENERIC_UNITS][:_ROLE_WINDOW]
            before = [stem(w, language) for w in before_raw]
            after = [stem(w, language) for w in after_raw]
            for value in extract_numbers(word):
                out.append((value, before, after, after_raw[0] if after_raw else ""))
    return out


def number_role_problems(summary: str, support: str, *, language: str = "en") -> list[Problem]:
    """A number in a headline or lede must keep the role it has in the points.

    "1,000 People Dead, 694 Injured" was shipped where 694 was a death toll: the
    word after a number (its unit: dead, injured, troops) must be next to the
    same number somewhere in the points or their quotes.
    """
    near: dict[float, set[str]] = {}
    for value, before, after, _ in _number_neighbours(support, language):
        near.setdefault(value, set()).update(before, after)
    problems: list[Problem] = []
    for value, before, after, unit_word in _number_neighbours(summary, language):
        if not near.get(value):
            continue  # a number the points lack is the number check's; one they give bare ("6,000 in total") has no role to keep
        if after:
            unit = after[:2]
            if not any(_matches(u, near[value]) for u in unit):
                problems.append(Problem(
                    "role",
                    f"it gives {value:,g} as \"{unit_word}\", but the points use {value:,g} for something "
                    "else; keep each number with what it counts.",
                ))
        elif before and not any(_matches(b, near[value]) for b in before[-2:]):
            problems.append(Problem(
                "role",
                f"it uses {value:,g} in a way the points do not; keep each number with what it counts.",
            ))
    return problems
