"""Conflicts: where the sources disagree, computed from the verified claims and the articles.

Three kinds, each naming every side with its citations (and so its outlets):

* ``number``: reports of one quantity with different figures (death toll 144 / 694 / 1,000;
  vote share 28.5 % / 28.6 %; magnitude 6.4 / 6.7), one conflict per quantity;
* ``attribution``: one fact credited to different sources (Tass vs Yonhap);
* ``disputed``: a sentence in which an article itself flags a claim as denied or unverified.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from briefgen.brief import Article, Citation, Conflict, ConflictSide
from briefgen.merge import (
    Group,
    VerifiedClaim,
    contained,
    figures,
    other_figures,
    representative,
    summed_numbers,
)
from briefgen.verify import QuoteMatch, extract_numbers, format_number, make_citation, named_parties
from briefgen.verify.words import stem

# Major wire services, by the names articles credit them with. Anything credited
# "according to <X> state media" is caught by the generic pattern below.
_AGENCIES: dict[str, str] = {
    r"\btass\b": "Tass",
    r"\bria novosti\b": "RIA Novosti",
    r"\bkcna\b|\bkorean central news agency\b": "KCNA",
    r"\byonhap\b": "Yonhap",
    r"\breuters\b": "Reuters",
    r"\bassociated press\b": "AP",
    r"\bafp\b|\bagence france-presse\b": "AFP",
    r"\binterfax\b": "Interfax",
    r"\bxinhua\b": "Xinhua",
    r"\bkyodo\b": "Kyodo",
}
_STATE_MEDIA = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) (state media|media)\b")


def attributions(text: str) -> frozenset[str]:
    """The news sources a sentence credits ("according to Tass", "Russian state media")."""
    found = {name for pattern, name in _AGENCIES.items() if re.search(pattern, text, re.IGNORECASE)}
    if not found:
        found = {f"{m.group(1)} {m.group(2)}" for m in _STATE_MEDIA.finditer(text)}
    return frozenset(found)


def attribution_conflicts(groups: Sequence[Group], outlet_of: dict[str, str]) -> list[Conflict]:
    """Groups whose articles credit the same fact to different sources."""
    conflicts: list[Conflict] = []
    for group in groups:
        if len(group.articles) < 2:
            continue
        by_label: dict[str, list[Citation]] = {}
        credited_articles: set[str] = set()
        for claim in group.claims:
            found = attributions(claim.support)
            if not found:
                continue
            credited_articles.add(claim.article.id)
            cites = by_label.setdefault(" and ".join(sorted(found)), [])
            if claim.citation not in cites:  # two claims of one sentence: cited once (seeds replay: [^4][^4])
                cites.append(claim.citation)
        if len(by_label) >= 2 and len(credited_articles) >= 2:
            conflicts.append(
                Conflict(
                    kind="attribution",
                    topic=representative(group).text,
                    sides=[ConflictSide(label=label, citations=cites) for label, cites in by_label.items()],
                )
            )
    return conflicts


# Words that name a measured quantity, folded to one form per quantity ("died", "killed", "death
# toll" are one). Myanmar cluster, live run: death tolls 144 / 694 / 1,644, injured 730 / 1,670 and an
# aftershock of 6.4 / 6.7 were separate points and no conflict. Stems, as content_words gives them.
MEASURES: dict[str, str] = {
    "die": "dead", "dead": "dead", "death": "dead", "kill": "dead", "fatal": "dead", "toll": "dead",
    "injur": "injured", "injuri": "injured", "wound": "injured", "hurt": "injured",
    "miss": "missing", "magnitud": "magnitude", "aftershock": "aftershock", "turnout": "turnout",
    "vote": "vote share", "share": "vote share", "seat": "seats", "evacu": "evacuated",
    "displac": "displaced", "arrest": "arrested",
}
_SPELLED = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                      "twelve"])
MEASURE_WINDOW = 12
"""Words between a figure and its measure word at most ("has surged to 694" after "The death toll")."""

# Forecasts are measures of their own: "the USGS projected deaths could exceed 10,000" beside "144 dead"
# is no disagreement (Myanmar cluster, live run: it was one side of a 'death toll' conflict), but two
# forecasts can disagree (a red alert of 10,000 deaths vs an orange one of 100 to 1,000).
_FORECAST = re.compile(r"\b(?:project\w*|forecast\w*|estimat\w*|predict\w*|could|may|might|expected|likely)\b",
                       re.IGNORECASE)
_TOKEN = re.compile(r"\d[\d,.]*\d%?|\d%?|[^\W\d_][\w'’-]*")


FORECAST_WINDOW = 8
"""A figure with a forecast word this many words before it is a forecast ("could surpass 10,000")."""


def measured_figures(text: str) -> dict[str, float]:
    """Each measure the text gives a figure for: every figure (not a year) is paired with the nearest
    measure word, nearest pairs first, each used once ("7.7-magnitude ... death toll ... 694, with
    1,670 injured" → magnitude 7.7, dead 694, injured 1,670); a forecast figure ("could surpass
    10,000") measures "forecast dead"."""
    return dict(_measured_figures(text))


def _figure_value(word: str) -> float | None:
    """The figure one token states, or None.

    "7,7" is a decimal comma (Spanish page, live run: "magnitude: 7 / 7.7"); "three" is a figure
    too, or its measure goes to the next number ("three people were killed and at least 80 people
    remain trapped" read as 80 dead, Myanmar cluster, live run).
    """
    if not (word[0].isdigit() or word.lower() in _SPELLED):
        return None
    decimal = re.fullmatch(r"(\d+),(\d{1,2})%?", word)
    values = {float(f"{decimal[1]}.{decimal[2]}")} if decimal else extract_numbers(word.rstrip("%"))
    return next(iter(values)) if len(values) == 1 else None


@lru_cache(maxsize=4096)
def _measured_figures(text: str) -> tuple[tuple[str, float], ...]:
    # cached: number_conflicts compares every pair of claims, and reads each claim's figures again per measure
    words = _TOKEN.findall(text)
    figures_at = []
    measures_at = []
    for i, word in enumerate(words):
        value = _figure_value(word)
        if value is not None and not (1900 <= value <= 2100 and value == int(value)):
            forecast = any(_FORECAST.fullmatch(w) for w in words[max(0, i - FORECAST_WINDOW) : i])
            figures_at.append((i, value, forecast))
        for part in word.lower().split("-"):
            measure = MEASURES.get(stem(part))
            if measure is not None:
                measures_at.append((i, measure))
    pairs = sorted((abs(i - j), i, j, value, f"forecast {measure}" if forecast else measure)
                   for i, value, forecast in figures_at for j, measure in measures_at if abs(i - j) <= MEASURE_WINDOW)
    found: dict[str, float] = {}
    used: set[int] = set()
    for _distance, i, j, value, measure in pairs:
        if i in used or j in used or measure in found:
            continue
        used.update((i, j))
        found[measure] = value
    return tuple(found.items())


def _places(claim: VerifiedClaim) -> frozenset[str]:
    return _places_in(claim.text)


@lru_cache(maxsize=4096)
def _places_in(text: str) -> frozenset[str]:
    # "Myanmar's" and "Myanmar" are one place (live run: 144 and 694 dead were two conflicts)
    return frozenset(re.sub(r"['’]s$", "", word).lower() for word in named_parties(text))


def disagreements(a: VerifiedClaim, b: VerifiedClaim) -> list[str]:
    """The measures two claims of different articles give different figures for.

    Claims about different parties (9 dead in Bangkok, 144 in Myanmar) measure different things;
    one that names no party ("Death toll rises to 1,000") may be about either. A figure that is
    the sum of the other's figures is not a disagreement (6,000 = 1,000 + 5,000).
    """
    if a.article.id == b.article.id:
        return []
    pa, pb = _places(a), _places(b)
    if pa and pb and not pa & pb:
        return []
    fa, fb = measured_figures(a.text), measured_figures(b.text)
    return [m for m in fa.keys() & fb.keys() if fa[m] != fb[m] and not summed_numbers(a, b)
            and _same_subject(figure_subject(a.text, fa[m]), figure_subject(b.text, fb[m]))]


def _same_subject(x: str | None, y: str | None) -> bool:
    return x is None or y is None or x == y


@lru_cache(maxsize=4096)
def figure_subject(text: str, value: float) -> str | None:
    """The name nearest before the figure ``value`` in ``text`` (not the text's first word), folded.

    German cluster, live run of the final code: "The CDU-CSU won 28.5 percent of the vote ...
    Alice Weidel's AfD reached a record 20.5 percent" beside "The far-right AfD doubled its vote
    share to 20.8%" was a 'vote share: 20.8 / 28.5' conflict: both claims name the AfD, but 28.5 is
    the CDU-CSU's. Two figures with different subjects are different quantities.
    """
    words = _TOKEN.findall(text)
    for i, word in enumerate(words):
        if _figure_value(word) != value:
            continue
        for j in range(i - 1, max(0, i - MEASURE_WINDOW) - 1, -1):
            if j > 0 and words[j][0].isupper() and _is_name(words[j]):
                return re.sub(r"['’]s$", "", words[j]).lower()
        return None
    return None


def _is_name(word: str) -> bool:
    return bool(named_parties(word))


def same_quantity(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Whether the two claims give different figures for one measured quantity."""
    return bool(disagreements(a, b))


def number_conflicts(claims: Sequence[VerifiedClaim], outlet_of: dict[str, str]) -> list[Conflict]:
    """One conflict per measured quantity the articles give different figures for, each figure a side.

    Pairs are found with :func:`disagreements` across all claims (not only inside a point's
    group: a point cites only sentences that agree with it, so disagreeing reports are in
    different points), then joined transitively per measure, so 144 / 694 / 1,644 dead is one
    conflict. Each side is one figure, with the outlets and citations that give it.
    """
    conflicts: list[Conflict] = []
    # only claims that give a measured figure can disagree: the pairs are taken among those (same pairs, in
    # the same order, as over all claims; the quadratic pass was most of the conflicts' cost)
    # The measure words are English: a German claim's "Die" is no "died" (German cluster: "dead: 28.6").
    measuring = [c for c in claims if (c.article.language or "en") == "en" and _measured_figures(c.text)]
    measures = sorted({m for i, a in enumerate(measuring) for b in measuring[i + 1:] for m in disagreements(a, b)})
    for measure in measures:
        giving = [c for c in measuring if measure in measured_figures(c.text)]
        components = _components(giving, lambda a, b, m=measure: m in disagreements(a, b) or _agree(a, b, m))
        for component in components:
            sides = _by_figure(component, lambda c, m=measure: measured_figures(c.text)[m])
            if len(sides) >= 2:
                topic = f"{measure}: {' / '.join(format_number(v) for v in sorted(sides))}"
                conflicts.append(_number_conflict(topic, sides, outlet_of))
    # Claims that say the same thing but for one figure, with no measure word ("About 15,000 /
    # About 600 North Korean soldiers have been deployed to Russia"): the topic is the shorter claim.
    single = [c for c in claims if len(figures(c)) == 1 and not measured_figures(c.text)]
    for component in _components(single, lambda a, b: a.article.id != b.article.id and contained(a, b)
                                 and other_figures(a, b)):
        sides = _by_figure(component, lambda c: next(iter(figures(c))))
        if len(sides) >= 2:
            conflicts.append(_number_conflict(min(component, key=lambda c: len(c.text)).text, sides, outlet_of))
    return conflicts


def _by_figure(claims: list[VerifiedClaim], figure: Callable[[VerifiedClaim], float]) -> dict[float, list[VerifiedClaim]]:
    sides: dict[float, list[VerifiedClaim]] = {}
    for claim in claims:
        sides.setdefault(figure(claim), []).append(claim)
    return sides


def _number_conflict(topic: str, sides: dict[float, list[VerifiedClaim]], outlet_of: dict[str, str]) -> Conflict:
    """A number conflict whose sides are the figures, smallest first, each naming its outlets."""
    return Conflict(kind="number", topic=topic, sides=[
        ConflictSide(label=f"{format_number(value)} ({_outlets(side, outlet_of)})", citations=_citations(side))
        for value, side in sorted(sides.items())
    ])


def _agree(a: VerifiedClaim, b: VerifiedClaim, measure: str) -> bool:
    """Two articles giving the same figure for one measure about compatible parties (one side of a conflict)."""
    pa, pb = _places(a), _places(b)
    return (a.article.id != b.article.id and not (pa and pb and not pa & pb)
            and measured_figures(a.text)[measure] == measured_figures(b.text)[measure])


def _components(items: list[VerifiedClaim], joined: Callable[[VerifiedClaim, VerifiedClaim], bool]) -> list[list[VerifiedClaim]]:
    """``items`` split into groups connected by ``joined`` (transitively), in first-seen order."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            if joined(a, items[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[VerifiedClaim]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return list(groups.values())


def _outlets(claims: list[VerifiedClaim], outlet_of: dict[str, str]) -> str:
    return ", ".join(dict.fromkeys(outlet_of.get(c.article.id, c.article.id) for c in claims))


def _citations(claims: list[VerifiedClaim]) -> list[Citation]:
    seen: dict[tuple[str, int], Citation] = {}
    for claim in claims:
        seen.setdefault((claim.citation.article_id, claim.citation.start), claim.citation)
    return list(seen.values())


_DISPUTE = re.compile(
    r"\b(insist(?:s|ed)?|den(?:y|ies|ied)|disputed?|refuted|did(?:n't| not) mention|"
    r"(?:has|have|had) not been (?:independently )?(?:verified|confirmed)|"
    r"(?:could|can)(?:not|n't| not) be (?:independently )?(?:verified|confirmed)|"
    r"yet to be (?:substantiated|verified|confirmed)|unverified|unsubstantiated|claimed|speculated)\b",
    re.IGNORECASE,
)


def disputed_statements(articles: Sequence[Article], outlet_of: dict[str, str], *, limit: int = 6) -> list[Conflict]:
    """Sentences in which an article itself flags a claim as disputed, denied or unverified.

    These are surfaced verbatim (the citation is the whole sentence), so a
    reader sees the caveat in the source's own words.
    """
    found: list[Conflict] = []
    for article in articles:
        for sentence in article.sentences:
            if not _DISPUTE.search(sentence.text):
                continue
            citation = make_citation(article, QuoteMatch(sentence.start, sentence.end, "exact", 100.0))
            found.append(
                Conflict(
                    kind="disputed",
                    topic=sentence.text,
                    sides=[ConflictSide(label=outlet_of.get(article.id, article.id), citations=[citation])],
                )
            )
            if len(found) >= limit:
                return found
    return found

