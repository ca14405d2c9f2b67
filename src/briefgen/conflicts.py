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

from briefgen.brief import Article, Citation, Conflict, ConflictSide
from briefgen.measures import POWER_LOST, SCALES, measured_figures
from briefgen.merge import (
    Group,
    VerifiedClaim,
    contained,
    figures,
    other_figures,
    representative,
    summed_numbers,
)
from briefgen.places import figure_subject, places_in, same_subject
from briefgen.shares import is_election, vote_shares
from briefgen.verify import QuoteMatch, format_number, make_citation

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


def disagreements(a: VerifiedClaim, b: VerifiedClaim) -> list[str]:
    """The measures two claims of different articles give different figures for.

    Claims about different parties (9 dead in Bangkok, 144 in Myanmar) measure different things;
    one that names no party ("Death toll rises to 1,000") may be about either. A figure that is
    the sum of the other's figures is not a disagreement (6,000 = 1,000 + 5,000).
    """
    if a.article.id == b.article.id:
        return []
    fa, fb = quantities(a), quantities(b)
    return [m for m in fa.keys() & fb.keys() if fa[m] != fb[m] and _compatible(a, b, m)]


def same_quantity(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Whether the two claims give different figures for one measured quantity."""
    return bool(disagreements(a, b))


def quantities(report: VerifiedClaim) -> dict[str, float]:
    """The figures of ``report`` that can disagree: small whole counts are left out as
    :func:`briefgen.merge.figures` leaves them ("injuries across three urban areas" read as 3
    injured, "two in Castilla-La Mancha" as 2 dead against 155 in Valencia: Myanmar and Valencia
    clusters, live runs), but not a scale's, a percentage's or a unit's (magnitude 7, 9 % of the vote, 5 GW)."""
    language = _language(report)
    figures = {m: v for m, v in measured_figures(report.text, language).items()
               if v >= 10 or v != int(v) or m in SCALES or m in _NOT_COUNTS}
    if not is_election(report.article.text):
        return figures
    # in an election story a share is a party's, not the one of whichever name is nearest (German cluster)
    figures.pop("vote share", None)
    return figures | vote_shares(report.text, language)


_NOT_COUNTS = frozenset(["vote share", "turnout", POWER_LOST])
"""Percentages and figures of a unit: "5 GW lost" is as exact as 15 (a small whole count is left out)."""


def _language(report: VerifiedClaim) -> str:
    """The language a report is read in: a claim is the model's English; a sentence, its page's."""
    return report.article.language or "en"


def _places(report: VerifiedClaim) -> frozenset[str]:
    return places_in(report.text, _language(report), report.article.text)


def _rounding(value: float) -> float:
    """The step ``value`` is written to: 0.01 for 4.97, 1 for 29 and 101, 100 for 100 and 600."""
    if value != int(value):
        return 10.0 ** -len(repr(value).split(".")[1])
    zeros = len(str(int(value))) - len(str(int(value)).rstrip("0"))
    return 10.0 ** zeros if zeros >= ROUND_ZEROS else 1.0


ROUND_ZEROS = 2
"""Trailing zeros that make a whole figure a round one ("more than 100 missing" beside 101, Myanmar
cluster): a figure with one (30 storeys beside 33) is as exact as any."""


ROUND_SHARE = 0.1
"""The most two figures that agree within rounding differ by, as a share of the larger: "about 1,000
km" and "more than 600 kilometres" (Myanmar cluster) are no rounding of one distance."""


def agree(x: float, y: float) -> bool:
    """Two figures that are one within rounding: 4.97 and 4.972 % (German cluster, BSW), 29 and 28.6 %
    (a projection rounded), "more than 100" and 101 missing (Myanmar cluster)."""
    gap = abs(x - y)
    return gap <= max(_rounding(x), _rounding(y)) / 2 and gap <= ROUND_SHARE * max(abs(x), abs(y))


CLOSE_SHARE = 0.02
"""A figure this close to one a group gives (a share of the larger) is a count of that group's quantity
when a report naming no place fits several. Jeju Air crash, live run: the fire agency's 176 dead and the
Spanish page's 179 fit South Korea's 177 as well as the 129 of a 2002 crash; Valencia's national 213 is
4 % from the province's 205 and stays out of both (its fact sheet lists it as a count of its own)."""


def _close(x: float, y: float) -> bool:
    return abs(x - y) <= CLOSE_SHARE * max(abs(x), abs(y))


def _compatible(a: VerifiedClaim, b: VerifiedClaim, measure: str) -> bool:
    """Two reports may give ``measure`` of one quantity: they name parties in common (or one names
    none), the figures' subjects agree, and neither figure is the sum of the other's parts."""
    pa, pb = _places(a), _places(b)
    if pa and pb and not pa & pb:
        return False
    fa, fb = quantities(a)[measure], quantities(b)[measure]
    return (same_subject(figure_subject(a.text, fa, _language(a)), figure_subject(b.text, fb, _language(b)))
            and (fa == fb or not summed_numbers(a, b)))


MAX_SIDES = 5
"""Figures shown for one quantity. The dev clusters' fact sheets list at most five for one quantity
(Valencia's death toll grew 51 → 213 over four days); a sixth is mostly one more sentence's count
of a part, and a reader weighing the figures wants the ones several outlets give."""
MAX_NUMBER_CONFLICTS = 8
"""Number conflicts in one brief. The fact sheets name five to eight conflicts per story, numbers
and otherwise; an election's results are one per party (German cluster: six parties and turnout,
six were shown and the FDP's and BSW's cut); past eight, the conflicts section outgrows the key
points it is a caveat to."""


def number_conflicts(claims: Sequence[VerifiedClaim], outlet_of: dict[str, str],
                     sentences: Sequence[VerifiedClaim] = ()) -> list[Conflict]:
    """One conflict per measured quantity the articles give different figures for, each figure a side.

    The reports are the verified claims and ``sentences``, the articles' own sentences read by
    code (:func:`briefgen.places.sentence_reports`: the model extracts a few claims per article,
    so most disagreements are in sentences no claim cites). Per measure, each report joins the
    first group of reports it is compatible with, every member of it (not a chain: "killing more
    than 150 people across Myanmar and Thailand" must not join Bangkok's 10 dead to Myanmar's
    144), claims first, so a quantity a claim gives is reported once and keeps its citations. A
    group is a conflict when two outlets give it different figures (not one outlet updating
    itself). Each side is one figure, citing one sentence per article.
    """
    # The measure words are English: a German claim's "Die" is no "died" (German cluster: "dead: 28.6").
    reports = [c for c in claims if (c.article.language or "en") == "en" and quantities(c)]
    claimed = {id(c) for c in reports}
    reports += [s for s in sentences if quantities(s)]
    measures = sorted({m for i, a in enumerate(reports) for b in reports[i + 1:] for m in disagreements(a, b)})
    found: list[tuple[tuple[int, int], Conflict]] = []
    for measure in measures:
        giving = [r for r in reports if measure in quantities(r)]
        # the reports most others fit seed the groups (Myanmar cluster: "more than 150 people across
        # Myanmar and Thailand" came first and kept "694 in Myanmar" out of the death toll), claims first on ties
        degree = {id(r): sum(_compatible(r, o, measure) for o in giving if o is not r) for r in giving}
        # a report naming no place joins the quantity of the one group it fits, after the reports that
        # name theirs (Valencia cluster: "En total se contabilizan ya, de manera provisional, 213
        # fallecidos" fits Paiporta's 34 / 62 as well as the province's 155 / 205; it is neither side)
        placed = {id(r) for r in giving if _places(r)}
        groups: list[list[VerifiedClaim]] = []
        for report in sorted(giving, key=lambda r: (id(r) not in placed, -degree[id(r)], id(r) not in claimed)):
            fits = [g for g in groups if all(_compatible(report, o, measure) for o in g)]
            told = {frozenset(quantities(o)[measure] for o in g) for g in fits if any(id(o) in placed for o in g)}
            if id(report) not in placed and len(told) > 1:
                near = [g for g in fits if any(_close(quantities(o)[measure], quantities(report)[measure]) for o in g)]
                if len(near) != 1:
                    continue  # groups that give the same figures are one quantity (Myanmar: 7.7 "in Myanmar", by the USGS)
                fits = near
            if fits:
                fits[0].append(report)
            else:
                groups.append([report])
        for group in groups:
            kept = _most_reported(_by_figure(group, lambda c, m=measure: quantities(c)[m]), outlet_of, claimed)
            if _outlets_disagree(kept, outlet_of):
                # the place all its sentences that name one name, where one measure is several quantities
                # ("dead (Paiporta)"; a sentence naming none joined it as its figure's group, above)
                common = frozenset.intersection(*([p for c in group if (p := _places(c))] or [frozenset()]))
                shares = measure.endswith("vote share")  # a party's, wherever ("FDP vote share (Bundestag)")
                place = (f" ({', '.join(sorted(p.title() for p in common))})"
                         if common and len(groups) > 1 and not shares else "")
                topic = f"{measure}{place}: {' / '.join(format_number(v) for v in sorted(kept))}"
                weight = (-any(id(c) in claimed for c in group),
                          -len({outlet_of.get(c.article.id, c.article.id) for c in group}))
                found.append((weight, _number_conflict(topic, kept, outlet_of)))
    conflicts = [c for _, c in sorted(found, key=lambda pair: pair[0])]
    # Claims that say the same thing but for one figure, with no measure word ("About 15,000 /
    # About 600 North Korean soldiers have been deployed to Russia"): the topic is the shorter claim.
    single = [c for c in claims if len(figures(c)) == 1 and not measured_figures(c.text)]
    for component in _components(single, lambda a, b: a.article.id != b.article.id and contained(a, b)
                                 and other_figures(a, b)):
        sides = _by_figure(component, lambda c: next(iter(figures(c))))
        if len(sides) >= 2:
            conflicts.append(_number_conflict(min(component, key=lambda c: len(c.text)).text, sides, outlet_of))
    return conflicts[:MAX_NUMBER_CONFLICTS]


def _outlets_disagree(sides: dict[float, list[VerifiedClaim]], outlet_of: dict[str, str]) -> bool:
    """Two figures from two outlets that differ beyond rounding (:func:`agree`): an outlet giving an old
    and a new count alone is no conflict."""
    outlets = [({outlet_of.get(c.article.id, c.article.id) for c in side}, value) for value, side in sides.items()]
    return any(len(x | y) >= 2 and not agree(vx, vy) for i, (x, vx) in enumerate(outlets) for y, vy in outlets[i + 1:])


def _most_reported(sides: dict[float, list[VerifiedClaim]], outlet_of: dict[str, str],
                   claimed: set[int]) -> dict[float, list[VerifiedClaim]]:
    """At most :data:`MAX_SIDES` figures: those a claim gives first, then those most outlets give."""
    def weight(value: float) -> tuple[int, int]:
        side = sides[value]
        return (-any(id(c) in claimed for c in side), -len({outlet_of.get(c.article.id, c.article.id) for c in side}))
    return {v: sides[v] for v in sorted(sides, key=weight)[:MAX_SIDES]}


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
    """One sentence per article (the first claim's, else the first sentence stating the figure)."""
    seen: dict[str, Citation] = {}
    for claim in claims:
        seen.setdefault(claim.citation.article_id, claim.citation)
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

