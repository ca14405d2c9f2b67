"""Conflicts: where the sources disagree, computed from the verified claims and the articles.

Three kinds, each naming every side with its citations (and so its outlets):

* ``number``: reports of one quantity with different figures (death toll 144 / 694 / 1,000;
  vote share 28.5 % / 28.6 %; magnitude 6.4 / 6.7), one conflict per quantity;
* ``attribution``: one fact credited to different sources (Tass vs Yonhap);
* ``disputed``: a sentence in which an article itself flags a claim as denied or unverified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefgen.brief import Article, Citation, Conflict, ConflictSide
from briefgen.merge import (
    Group,
    VerifiedClaim,
    contained,
    fact_words,
    figures,
    other_figures,
    representative,
)
from briefgen.verify import QuoteMatch, format_number, make_citation, named_parties

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
            by_label.setdefault(" and ".join(sorted(found)), []).append(claim.citation)
        if len(by_label) >= 2 and len(credited_articles) >= 2:
            conflicts.append(
                Conflict(
                    kind="attribution",
                    topic=representative(group).text,
                    sides=[ConflictSide(label=label, citations=cites) for label, cites in by_label.items()],
                )
            )
    return conflicts


# Words that name a measured quantity: two reports sharing one, with different figures, disagree
# about it. Myanmar cluster, live run: death tolls 144 / 694 / 1,000, injured 730 / 732 and an
# aftershock of 6.4 / 6.7 were separate points and no conflict. Stems, as fact_words gives them.
MEASURES = frozenset({
    "dead", "injur", "miss", "toll", "casualti", "magnitud", "aftershock", "turnout", "share",
    "percent", "rate", "price", "cost", "evacu", "displac", "homeless", "arrest",
})


def _places(claim: VerifiedClaim) -> frozenset[str]:
    return frozenset(word.lower() for word in named_parties(claim.text))


def same_quantity(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Claims of different articles giving different figures for one quantity.

    One quantity: one claim's fact words are (mostly) inside the other's, or both name a
    measure (:data:`MEASURES`) and the same parties (or one names none: "Death toll rises to
    1,000" beside "694 died in Mandalay"), or both give one close percentage for the same
    parties (28.5 % vs 28.6 % for the CDU/CSU). Claims about different parties (9 dead in
    Bangkok, 144 in Myanmar) are different quantities, not a conflict.
    """
    if a.article.id == b.article.id or not other_figures(a, b):
        return False
    pa, pb = _places(a), _places(b)
    if pa and pb and not pa & pb:
        return False
    if contained(a, b):
        return True
    shared = fact_words(a.text) & fact_words(b.text)
    if shared & MEASURES:
        return True
    fa, fb = figures(a), figures(b)
    percent = ("%" in a.text or "percent" in a.text) and ("%" in b.text or "percent" in b.text)
    if percent and len(fa) == len(fb) == 1 and pa and pa == pb:
        x, y = next(iter(fa)), next(iter(fb))
        return abs(x - y) <= 0.1 * max(x, y)
    return False


def number_conflicts(claims: Sequence[VerifiedClaim], outlet_of: dict[str, str]) -> list[Conflict]:
    """One conflict per quantity the articles give different figures for, each figure a side.

    Pairs are found with :func:`same_quantity` across all claims (not only inside a point's
    group: a point cites only sentences that agree with it, so disagreeing reports are in
    different points), then joined transitively, so 144 / 694 / 1,000 is one conflict.
    """
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(claims):
        for j in range(i + 1, len(claims)):
            if same_quantity(a, claims[j]):
                parent[root(j)] = root(i)
    members: dict[int, list[VerifiedClaim]] = {}
    for i in range(len(claims)):
        members.setdefault(root(i), []).append(claims[i])
    conflicts: list[Conflict] = []
    for group in members.values():
        sides: dict[str, list[VerifiedClaim]] = {}
        for claim in group:
            sides.setdefault(", ".join(format_number(n) for n in sorted(figures(claim))), []).append(claim)
        if len(sides) < 2:
            continue
        topic = min(group, key=lambda c: (len(c.text), c.rank)).text
        conflicts.append(Conflict(kind="number", topic=topic, sides=[
            ConflictSide(label=f"{label} ({_outlets(side, outlet_of)})", citations=_citations(side))
            for label, side in sides.items()
        ]))
    return conflicts


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

