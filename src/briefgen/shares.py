"""Vote shares: the percentage each party got, as election stories list them, in any of five languages.

A results sentence names several parties, each with its figure ("Die AfD lag mit 20,8% auf dem
zweiten Platz, vor der SPD ... mit 16,4%"), so the one-figure-per-measure reading of
:mod:`briefgen.measures` gives at most one of them, and with the wrong party (German cluster: 5
of its 7 conflicts were party shares and turnout, none surfaced). Here each percentage is the share
of the party named first in its clause (a relative clause's: the party before it), and the
measure is that party's share ("AfD vote share"), so two outlets' figures for one party are a
conflict and two parties' figures never are. Read only in a story about an election
(:func:`is_election`): elsewhere a percentage beside a name is a rate, a forecast, a poll of anything.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefgen.verify import extract_numbers, named_parties

_ELECTION = re.compile(
    r"\b(?:elections?|electoral|ballots?|referend(?:um|a)|\w*wahl(?:en)?|Wahl\w*|elecci[oó]n(?:es)?|"
    r"elei[cç](?:ão|ões)|[ée]lections?|elezion[ei]|(?:share )?of the vote|Zweitstimmen|der Stimmen|"
    r"de los votos|dos votos|des voix|dei voti)\b", re.IGNORECASE)
"""Words of an election story; not "vote" alone: a central bank's board votes too (Fed cluster)."""
_TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][\w'’/-]*|[,;:()–—]")
_PERCENT_WORDS = frozenset(["percent", "per", "prozent", "por", "pour", "pct"])
_NOT_SHARES = frozenset(["threshold", "hurdle", "barrier", "hürde", "sperrklausel", "umbral", "barreira", "seuil",
                         "soglia", "points", "point", "punkte", "prozentpunkte", "puntos", "pontos"])
"""Words after a percentage that make it no party's share: the entry threshold ("failed to meet the 5%
threshold", German cluster) or a change in points."""
_JOINS = frozenset(["and", "or", "und", "oder", "y", "o", "e", "ou", "et", "to", "bis", "a", "-", "–"])
"""A percentage joined to another ("around 5% and 9%, respectively", German cluster) is one end of a
list or range: which party's is which, the clause does not say by position."""
_COMPARED = frozenset(["from", "than", "compared", "von", "als", "verglichen", "gegenüber", "desde", "frente",
                       "comparado", "comparada", "contre", "rispetto", "previous", "vorherigen", "anterior"])
"""Words just before a percentage that make it an earlier result ("verglichen mit 48,8 Prozent bei der
Bundestagswahl 2021", German cluster)."""
_CLOCK = re.compile(r"\d\s*(?:a\.m\.|p\.m\.|am\b|pm\b|Uhr\b|h\d\d|horas\b|heures\b)|\bnoon\b|\bmediod[ií]a\b",
                    re.IGNORECASE)
"""A clause with a clock time is an interim count ("bis 12 Uhr bereits 33 Prozent", German cluster)."""
_CLAUSE_WORDS = frozenset(["while", "whereas", "während", "mientras", "enquanto", "tandis", "mentre"])
_RELATIVE = frozenset(["die", "der", "das", "welche", "which", "who", "que", "qui", "che", "cuyo"])
_ARTICLES = frozenset(["die", "der", "das", "the", "la", "el", "los", "las", "le", "les", "il", "o", "a", "os", "as"])
_TURNOUT = frozenset(["wahlbeteiligung", "turnout", "participación", "participação", "affluenza"])
"""A clause about turnout gives no party's share ("Die Wahlbeteiligung lag laut vorläufigen Zahlen ...
bei 84 Prozent", German cluster): :mod:`briefgen.measures` reads it as turnout."""
_NOT_PARTIES = frozenset(["prozent", "percent", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "sonntag",
                          "domingo", "dimanche"])
_DEFINED = re.compile(r"((?:[A-Z][\w'’-]*)(?:\s+(?:for|of|and|für|de|del|la|von|der)?\s*[A-Z][\w'’-]*)*)\s*"
                      r"\(\s*([A-Z][A-Za-z/&.-]{1,11})\s*\)")
"""A name and the abbreviation it is given ("Alternative for Germany (AfD)", "Bündnis Sahra Wagenknecht
(BSW)"): the party is the abbreviation, as the other outlets write it."""
WINDOW = 12
"""Words between a party's name and its figure at most (the clause's length in the dev clusters' results)."""


@lru_cache(maxsize=256)
def is_election(article_text: str) -> bool:
    """Whether a page is about an election (its text names one)."""
    return bool(_ELECTION.search(article_text))


def _value(token: str, language: str) -> float | None:
    bare = token.rstrip("%")
    if language == "en":
        values = extract_numbers(bare)
        return next(iter(values)) if len(values) == 1 and "," not in bare else None
    if re.fullmatch(r"\d+(?:,\d{1,2})?", bare):  # "28,6" (a comma before three digits is a thousands mark, or not)
        return float(bare.replace(",", "."))
    return float(bare) if re.fullmatch(r"\d+\.\d{1,2}", bare) else None


def _is_percent(tokens: list[str], i: int) -> bool:
    following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    return tokens[i].endswith("%") or following in _PERCENT_WORDS


def _listed(words: list[str], i: int, unit: int) -> bool:
    """The percentage at ``i`` (``unit`` words long) is one of two joined by :data:`_JOINS`."""
    def figure(k: int) -> bool:
        return 0 <= k < len(words) and words[k][0].isdigit()
    after = i + unit < len(words) and words[i + unit].lower() in _JOINS and figure(i + unit + 1)
    before = i >= 1 and words[i - 1].lower() in _JOINS and (figure(i - 2) or figure(i - 3))
    return after or before


def _party(text: str, tokens: list[tuple[str, int]], first: bool) -> str | None:
    """The party named first (or, ``first`` false, last) among ``tokens`` (word, offset): a run of
    capitalised words, not one ending in a possessive ("Alice Weidel's AfD" is the AfD's), its
    leading article dropped, the abbreviation it is given if any."""
    # the sentence's first word is capitalised anyway ("High voter turnout of 82.5%"), unless an abbreviation ("SPD")
    opening = next((m.start() for m in re.finditer(r"[^\W\d_]", text)), 0)
    runs: list[list[tuple[str, int]]] = []
    if any(word.lower() in _TURNOUT for word, _ in tokens):
        return None
    for word, at in tokens:
        if word[0].isupper() and (at > opening or sum(c.isupper() for c in word) >= 2) and named_parties(word) and word.lower() not in _NOT_PARTIES:
            if runs and runs[-1][-1][1] + len(runs[-1][-1][0]) + 1 >= at and not re.search(r"['’]s$", runs[-1][-1][0]):
                runs[-1].append((word, at))
            else:
                runs.append([(word, at)])
    runs = [r for r in runs if not re.search(r"['’]s$", r[-1][0])]
    runs = [[w for w in r if w[0].lower() not in _ARTICLES] or r for r in runs]
    if not runs:
        return None
    word, at = (runs[0] if first else runs[-1])[0]
    for match in _DEFINED.finditer(text):
        if match.start(1) <= at < match.end(1):
            word = match.group(2)
    word = re.sub(r"['’]s$", "", word)
    return word.replace("-", "/") if re.fullmatch(r"[A-Z]+-[A-Z]+", word) else word


@lru_cache(maxsize=4096)
def _vote_shares(text: str, language: str) -> tuple[tuple[str, float], ...]:
    matches = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    words = [w for w, _ in matches]
    found: dict[str, float] = {}
    clause_start = previous_start = 0
    last_figure = -1
    for i, word in enumerate(words):
        if word in ",;:–—" or word.lower() in _CLAUSE_WORDS:
            previous_start, clause_start = clause_start, i + 1
            continue
        value = _value(word, language) if word[0].isdigit() else None
        if value is None or not _is_percent(words, i) or value >= 100:
            continue
        unit = 2 if not word.endswith("%") else 1  # "20 percent" is two words, "20%" one
        after = words[i + unit].lower() if i + unit < len(words) else ""
        before = {w.lower() for w in words[max(0, i - 4) : i]}
        clause = text[matches[min(clause_start, i)][1] : matches[i][1]]
        if after in _NOT_SHARES or before & _COMPARED or _CLOCK.search(clause) or _listed(words, i, unit):
            last_figure = i
            continue
        start = max(clause_start, last_figure + 1, i - WINDOW)
        opener = words[clause_start] if 0 < clause_start < len(words) else ""
        # ", die ihr Ergebnis ... steigern konnte", ", securing 20%": the party is the one before the clause
        # (but ", die Linke 8,6 Prozent" names its own)
        dependent = bool(opener) and ((opener.lower() in _RELATIVE and not words[clause_start + 1][0].isupper())
                                      or opener.lower().endswith("ing"))
        party = None if dependent else _party(text, matches[start:i], first=True)
        if party is None and dependent and last_figure < clause_start:
            party = _party(text, matches[max(previous_start, last_figure + 1, i - WINDOW) : clause_start], first=False)
        last_figure = i
        if party is not None:
            found.setdefault(f"{party} vote share", value)
    return tuple(found.items())


def vote_shares(text: str, language: str = "en") -> dict[str, float]:
    """Each party's share of the vote ``text`` gives, by the party's name as written ("CDU-CSU" as
    "CDU/CSU"): {"AfD vote share": 20.8, "SPD vote share": 16.4}. Call it for a page about an
    election only (:func:`is_election`)."""
    return dict(_vote_shares(text, language))
