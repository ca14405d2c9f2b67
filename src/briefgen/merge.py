"""Reduce: verified claims from several articles → points, conflicts, stale articles.

This is code, not a model call, because it must be exact and cheap: claims
that state the same fact are grouped (shared numbers and entities, token
similarity), so each point cites every article that supports it and counts
distinct outlets. Inside a group, different numbers or different credited
sources become a :class:`~briefgen.brief.Conflict` rather than being blended.
Articles dated far before the others are *stale*: their claims are kept as
background and never merged into the news.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from briefgen.brief import Article, Citation, Conflict, ConflictSide, Point, StaleArticle
from briefgen.verify import (
    QuoteMatch,
    attribution_phrase,
    check_numbers,
    content_words,
    extract_numbers,
    format_number,
    make_citation,
    named_parties,
    sentence_span,
    unsupported_words,
)


@dataclass(frozen=True)
class VerifiedClaim:
    """A claim that passed verification, with what merging needs to know about it."""

    article: Article
    text: str
    citation: Citation
    support: str
    rank: int  # position in the article's own list (the model lists important claims first)
    numbers: frozenset[float]
    derived: frozenset[float] = frozenset()

    @classmethod
    def at(cls, article: Article, text: str, match: QuoteMatch, rank: int) -> VerifiedClaim:
        """The claim ``text`` grounded at ``match`` in ``article`` (numbers read from its sentences)."""
        span = sentence_span(article, match)  # whole sentences (a no-op for a resolved claim's match)
        match = QuoteMatch(span.start, span.end, match.kind, match.score)
        support = article.text[match.start : match.end]
        return cls(
            article=article,
            text=text,
            citation=make_citation(article, match),
            support=support,
            rank=rank,
            numbers=frozenset(extract_numbers(text)),
            derived=check_numbers(text, support).derived,
        )

    @property
    def salient(self) -> frozenset[float]:
        """Numbers that identify a fact: not years, not small counts like 'two weeks'."""
        return frozenset(n for n in self.numbers if n >= 10 and not (1900 <= n <= 2100 and n == int(n)))


@dataclass
class Group:
    claims: list[VerifiedClaim] = field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        return list(dict.fromkeys(c.article.id for c in self.claims))

    @property
    def rank(self) -> float:
        return min(c.rank for c in self.claims)


# --- stale articles -------------------------------------------------------------------


def find_stale(articles: Sequence[Article], stale_days: int) -> tuple[list[StaleArticle], date | None]:
    """Articles published more than ``stale_days`` before the story's reference date.

    The reference is the upper median of the known dates, so one old article
    among recent ones is flagged, and an undated article is never flagged.
    """
    dated = sorted(a.published for a in articles if a.published is not None)
    if len(dated) < 2:
        return [], dated[0] if dated else None
    reference = statistics.median_high(dated)
    stale: list[StaleArticle] = []
    for article in articles:
        if article.published is None:
            continue
        days = (reference - article.published).days
        if days > stale_days:
            stale.append(
                StaleArticle(
                    article_id=article.id,
                    published=article.published,
                    reference_date=reference,
                    days_apart=days,
                    reason=(
                        f"published {article.published.isoformat()}, {days} days before the other "
                        f"articles ({reference.isoformat()}); treated as background, not as this news"
                    ),
                )
            )
    return stale, reference


# --- grouping ------------------------------------------------------------------------

def _sums_to(value: float, parts: frozenset[float]) -> bool:
    items = sorted(p for p in parts if p < value)
    return any(abs(a + b - value) < 1e-9 for i, a in enumerate(items) for b in items[i + 1 :])


def summed_numbers(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """One claim's number is the sum of the other's (6,000 = 1,000 + 5,000): a strong sign of one fact."""
    return any(_sums_to(n, b.salient) for n in a.salient) or any(_sums_to(n, a.salient) for n in b.salient)


def related_numbers(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Shared salient numbers, or one claim's number is the sum of the other's."""
    return bool(a.salient & b.salient) or summed_numbers(a, b)


def similarity(a: VerifiedClaim, b: VerifiedClaim) -> float:
    """Dice overlap (0-100) of the two claims' content words.

    Not rapidfuzz's token_set_ratio: that scores 100 whenever one claim's words
    are a subset of the other's, which merged short claims into long unrelated ones.
    """
    wa, wb = content_words(a.text), content_words(b.text)
    if not wa or not wb:
        return 0.0
    return 200.0 * len(wa & wb) / (len(wa) + len(wb))


def group_claims(
    claims: Iterable[VerifiedClaim],
    *,
    threshold: float = 50.0,
    numeric_threshold: float = 30.0,
    sum_threshold: float = 10.0,
) -> list[Group]:
    """Greedy single pass: each claim joins the most similar group, or starts one.

    A claim joins a group when it is similar to one of its members by
    ``threshold`` or more, by ``numeric_threshold`` when they share a salient
    number, or by ``sum_threshold`` when one's number is the sum of the
    other's. Claims citing the very same span are merged outright.
    """
    groups: list[Group] = []
    for claim in claims:
        best: Group | None = None
        best_score = 0.0
        for group in groups:
            for member in group.claims:
                if member.article.id == claim.article.id and member.citation.start == claim.citation.start:
                    score = 100.0
                else:
                    score = similarity(claim, member)
                    if summed_numbers(claim, member):
                        needed = sum_threshold
                    elif claim.salient & member.salient:
                        needed = numeric_threshold
                    else:
                        needed = threshold
                    if score < needed:
                        continue
                if score > best_score:
                    best, best_score = group, score
        if best is None:
            groups.append(Group([claim]))
        else:
            best.claims.append(claim)
    return groups


def split_incompatible(group: Group) -> list[Group]:
    """The group, minus members that are about someone or somewhere else, which get points of their own.

    A point shows its representative's text with every member's citation, so each member must
    be about the same parties. Myanmar cluster, live run: "Myanmar declared a state of emergency"
    cited, beside Myanmar's sentence, one saying *Thailand* declared one in Bangkok: the words
    were alike enough to group. A member whose claim names a party that neither the point's
    text nor its sentences name is split off. (Not the who-does-what rule: sources say
    "Pyongyang will send" and "Kim decided to send" of one decision.)
    """
    if len(group.claims) < 2:
        return [group]
    best = _representative(group)
    context = f"{best.text}\n{best.support}"
    kept, apart = [best], []
    for claim in group.claims:
        if claim is best:
            continue
        # who *reports* it may differ (that is an attribution conflict, not another fact)
        credited = set(named_parties(attribution_phrase(claim.support) or ""))
        names = [w for w in named_parties(claim.text) if w not in credited and unsupported_words(w, context)]
        if names or not (related_numbers(best, claim) or _covers(claim.support, best.text)):
            apart.append(claim)
        else:
            kept.append(claim)
    return [Group(kept), *(part for sub in group_claims(apart) for part in split_incompatible(sub))]


# Share of the point's content words a member's sentence must contain to be cited for it, unless
# the two share a number or one's number sums the other's. Fed cluster, live run: "Federal Reserve
# cuts benchmark interest rate" cited a sentence defining the federal funds rate (4 of 6 words,
# not "cuts"); the seeds' "plans to send 6,000 workers" stays with "1,000 sappers and 5,000 ...".
MEMBER_COVERAGE = 0.75


def _covers(sentence: str, text: str) -> bool:
    words = content_words(text)
    return bool(words) and len(words & content_words(sentence)) >= MEMBER_COVERAGE * len(words)


def _representative(group: Group) -> VerifiedClaim:
    """The claim that says most: most numbers (totals and their parts), then earliest rank."""
    return max(group.claims, key=lambda c: (len(c.numbers), -c.rank, -len(c.text)))


def to_point(group: Group, outlet_of: dict[str, str]) -> Point:
    best = _representative(group)
    citations: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for claim in [best, *[c for c in group.claims if c is not best]]:
        key = (claim.citation.article_id, claim.citation.start, claim.citation.end)
        if key not in seen:
            seen.add(key)
            citations.append(claim.citation)
    articles = list(dict.fromkeys(c.article_id for c in citations))
    text = best.text
    derived = set(best.derived)
    stated = {n for c in group.claims if c is not best for n in c.salient}
    totals = sorted(n for n in stated if n not in best.numbers and _sums_to(n, best.salient))
    if totals:
        # Another cited article states the total of this claim's parts (6,000 = 1,000 + 5,000):
        # say it, so the brief merges the figures instead of leaving the reader to add them up.
        text = f"{text.rstrip('.')} ({format_number(totals[0])} in total)."
        derived.add(totals[0])
    return Point(
        text=text,
        citations=citations,
        articles=articles,
        outlets=len({outlet_of.get(a, a) for a in articles}),
        derived_numbers=[format_number(v) for v in sorted(derived)],
    )


def build_points(groups: Sequence[Group], outlet_of: dict[str, str], *, limit: int) -> list[Point]:
    """Points ordered by support (distinct outlets), then by how early the model listed them."""
    groups = [part for group in groups for part in split_incompatible(group)]
    ordered = sorted(groups, key=lambda g: (-len({outlet_of.get(a, a) for a in g.articles}), g.rank))
    return [to_point(g, outlet_of) for g in ordered[:limit]]


# --- conflicts -------------------------------------------------------------------------

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
                    topic=_representative(group).text,
                    sides=[ConflictSide(label=label, citations=cites) for label, cites in by_label.items()],
                )
            )
    return conflicts


def number_conflicts(groups: Sequence[Group]) -> list[Conflict]:
    """Claims about the same fact from different articles that give unrelated numbers."""
    conflicts: list[Conflict] = []
    for group in groups:
        for i, a in enumerate(group.claims):
            for b in group.claims[i + 1 :]:
                if a.article.id == b.article.id or not a.salient or not b.salient:
                    continue
                if related_numbers(a, b) or a.salient <= b.numbers or b.salient <= a.numbers:
                    continue
                if similarity(a, b) < 50:
                    continue
                conflicts.append(
                    Conflict(
                        kind="number",
                        topic=_representative(group).text,
                        sides=[
                            ConflictSide(label=", ".join(format_number(n) for n in sorted(c.salient)), citations=[c.citation])
                            for c in (a, b)
                        ],
                    )
                )
    return conflicts


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

