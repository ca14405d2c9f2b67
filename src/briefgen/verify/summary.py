"""The headline and lede check: they may say only what the points say, each clause what one point says.

Attribution is not required here (the points carry it), so this is not :func:`support_problems`
alone: it adds the numbers, their roles, and the one-point-per-clause rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefgen.verify.names import sentence_case
from briefgen.verify.numbers import check_numbers, format_number
from briefgen.verify.roles import number_role_problems
from briefgen.verify.support import support_problems, unsupported_words
from briefgen.verify.words import content_words


def summary_problems(text: str, support: str, *, language: str = "en", aliases_from: str = "",
                     points: Sequence[str] = ()) -> list[str]:
    """Why a headline or lede says more than the points (their text and quotes) say.

    Attribution is not required here: the points carry it, and a headline
    cannot hold every "according to". With ``points`` (each point's text and quotes), every clause
    must be said by one point (:func:`clause_problems`), not pieced from the words of several.
    """
    text = sentence_case(text, support)
    if points:
        clauses = clause_problems(text, points, language=language, aliases_from=aliases_from)
        if clauses:
            return clauses
    problems = [p.message for p in support_problems(
        text, support, language=language, article_text=aliases_from, require_attribution=False,
        source_name="any point",
    )]
    numbers = check_numbers(text, support)
    if not numbers.ok:
        missing = ", ".join(format_number(v) for v in sorted(numbers.missing))
        problems.append(f"it states {missing}, which no point states; use the points' numbers")
    problems.extend(p.message for p in number_role_problems(text, support, language=language))
    return problems


_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+[—–-]\s+|(?<=[.!?])\s+")


def clause_problems(text: str, points: Sequence[str], *, language: str = "en", aliases_from: str = "") -> list[str]:
    """The clauses of ``text`` (split at commas, semicolons, colons, dashes and sentence ends) that no
    single point (its text and quotes, one string per point) says: each content word and number of a
    clause must come from one point.

    Myanmar, live run: the lede "A powerful 7.7-magnitude earthquake struck Myanmar on Friday, killing
    more than 150 people across the country, officials said." passed the check against all the points
    together, taking "country" from another point's quote ("according to the country's military
    junta"); the point it restates says "across Myanmar and Thailand".
    """
    problems = []
    for clause in (c.strip(" .") for c in _CLAUSE_BREAK.split(text)):
        if not content_words(clause, language):
            continue
        if any(not unsupported_words(clause, point, language=language, article_text=aliases_from)
               and check_numbers(clause, point).ok for point in points):
            continue
        problems.append(f'"{clause}" is not what any one point says (its words come from several); '
                        "say each part as one point says it")
    return problems
