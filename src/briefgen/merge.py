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

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from briefgen.brief import Article, Citation, Point
from briefgen.ingest.dates import days_of_month, drop_dateline
from briefgen.repeats import fact_words, figures
from briefgen.stale import find_stale  # noqa: F401 - its import path before it had a module
from briefgen.verify import (
    QuoteMatch,
    attribution_phrase,
    check_numbers,
    extract_numbers,
    format_number,
    is_year,
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
            numbers=_numbers(text),
            derived=_derived(text, support),
        )

    @property
    def salient(self) -> frozenset[float]:
        """Numbers that identify a fact: not years, not small counts like 'two weeks'."""
        return frozenset(n for n in self.numbers if n >= 10 and not is_year(n))


@lru_cache(maxsize=4096)
def _numbers(text: str) -> frozenset[float]:
    return frozenset(extract_numbers(text))


@lru_cache(maxsize=4096)
def _derived(text: str, support: str) -> frozenset[float]:
    # cached, like _numbers: a claim repaired or grounded again is built from the same text and sentence
    return frozenset(check_numbers(text, support).derived)


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


# --- grouping ------------------------------------------------------------------------

def _sums_to(value: float, parts: frozenset[float]) -> bool:
    items = sorted(p for p in parts if p < value)
    return any(abs(a + b - value) < 1e-9 for i, a in enumerate(items) for b in items[i + 1 :])


def summed_numbers(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """One claim's number is the sum of the other's (6,000 = 1,000 + 5,000): a strong sign of one fact."""
    return any(_sums_to(n, b.salient) for n in a.salient) or any(_sums_to(n, a.salient) for n in b.salient)


def related_numbers(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Shared salient numbers, two shared figures (a range), or one claim's number is the sum of the other's."""
    return bool(a.salient & b.salient) or len(figures(a) & figures(b)) >= 2 or summed_numbers(a, b)


CONTAINMENT = 0.8
"""Share of the shorter claim's fact words the longer one must hold for the two to be one fact
("The Fed cut interest rates." inside "The Fed lowered its benchmark interest rate by 25 basis points.")."""


def similarity(a: VerifiedClaim, b: VerifiedClaim) -> float:
    """Dice overlap (0-100) of the two claims' fact words.

    Not rapidfuzz's token_set_ratio: that scores 100 whenever one claim's words
    are a subset of the other's, which merged short claims into long unrelated ones
    (containment is :func:`contained`, which needs two shared words and no other figures).
    """
    wa, wb = fact_words(a.text), fact_words(b.text)
    if not wa or not wb:
        return 0.0
    return 200.0 * len(wa & wb) / (len(wa) + len(wb))


def contained(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """One claim says part of what the other says: most (:data:`CONTAINMENT`) of the shorter's
    fact words, at least two, are in the longer one."""
    wa, wb = fact_words(a.text), fact_words(b.text)
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return len(small) >= 2 and len(small & large) >= CONTAINMENT * len(small)


def other_figures(a: VerifiedClaim, b: VerifiedClaim) -> bool:
    """Both state figures and neither's are the other's (or a sum of them): a disagreement, not one fact."""
    fa, fb = figures(a), figures(b)
    return bool(fa and fb) and not (fa & fb) and not summed_numbers(a, b)


def link_score(
    claim: VerifiedClaim,
    member: VerifiedClaim,
    *,
    threshold: float = 50.0,
    numeric_threshold: float = 30.0,
    sum_threshold: float = 10.0,
) -> float | None:
    """How alike two claims are (0-100), or None when too little for them to be one fact.

    Similar by ``threshold`` or more, by ``numeric_threshold`` when they share a salient
    number, or by ``sum_threshold`` when one's number is the sum of the other's (or they
    share two figures). Claims citing the very same span score 100.
    """
    if member.article.id == claim.article.id and member.citation.start == claim.citation.start:
        return 100.0
    score = similarity(claim, member)
    if contained(claim, member) and not other_figures(claim, member):
        score = max(score, threshold)
    if summed_numbers(claim, member) or len(figures(claim) & figures(member)) >= 2:
        # two shared figures (1,000 sappers and 5,000 workers; the 4.25%-4.5% range,
        # five points of one Fed brief, live run) say one fact in other words
        needed = sum_threshold
    elif claim.salient & member.salient:
        needed = numeric_threshold
    else:
        needed = threshold
    return score if score >= needed else None


def group_claims(claims: Iterable[VerifiedClaim], **thresholds: float) -> list[Group]:
    """Greedy single pass: each claim joins the group holding its most alike claim
    (:func:`link_score`, which takes the ``thresholds``), or starts one."""
    groups: list[Group] = []
    for claim in claims:
        best: Group | None = None
        best_score = 0.0
        for group in groups:
            for member in group.claims:
                score = link_score(claim, member, **thresholds)
                if score is not None and score > best_score:
                    best, best_score = group, score
        if best is None:
            groups.append(Group([claim]))
        else:
            best.claims.append(claim)
    return groups


def split_incompatible(group: Group) -> list[Group]:
    """The group, minus members that are about someone or somewhere else, which get points of their own.

    A point shows its representative's text with every member's citation, so each member must
    state the point's fact about the same parties (:func:`same_fact`). Myanmar cluster, live run:
    "Myanmar declared a state of emergency" cited, beside Myanmar's sentence, one saying
    *Thailand* declared one in Bangkok: the words were alike enough to group.
    """
    if len(group.claims) < 2:
        return [group]
    best = representative(group)
    kept, apart = [best], []
    for claim in group.claims:
        if claim is not best:
            (kept if same_fact(best, claim) else apart).append(claim)
    return [Group(kept), *(part for sub in group_claims(apart) for part in split_incompatible(sub))]


def same_fact(best: VerifiedClaim, claim: VerifiedClaim) -> bool:
    """Whether ``claim``'s sentence may be cited for the point whose text is ``best``'s.

    Never with other figures. Otherwise when one of:

    * they share two figures (a range, a total's parts), whoever they name: Fed cluster, live run,
      "the Federal Open Market Committee cut its overnight lending rate to a target range of
      4.25%-4.5%" and "The Fed lowered the federal funds rate ... to a range of 4.25% to 4.5%"
      were two points;
    * the point's own article says it again: a shared number and most of the point's words
      (:func:`_covers`) in the claim's sentence. Valencia, live run: "At least 155 deaths recorded in
      the eastern region of Valencia, two in Castilla-La Mancha and one in Andalusia." and "...155
      bodies had been recovered there. Officials in Castilla-La Mancha in central Spain reported two
      deaths..." (its "Spain" and "Thursday" kept it apart);
    * the claim names no party the point's text and sentence do not name (who *reports* it may
      differ: that is an attribution conflict), and its sentence states the point (a shared number,
      most of its words) or the claim says part of it (:func:`contained`: "The Fed cut interest
      rates." in "The Fed lowered its benchmark interest rate by 25 basis points."). Not mere
      similarity: "Federal Reserve cuts benchmark interest rate" shares 4 of 6 words with a
      definition of the rate. (Not the who-does-what rule: sources say "Pyongyang will send" and
      "Kim decided to send" of one decision.)
    """
    if other_figures(best, claim):
        return False
    if len(figures(best) & figures(claim)) >= 2:
        return True
    # a shared decimal figure ties them as a shared count does: "by 0.25 percentage points" (Fed, live run)
    numbers = related_numbers(best, claim) or bool(_measured(best) & figures(claim))
    words = _covers(claim.support, best.text)
    if claim.article.id == best.article.id and numbers and words:
        return True
    # Words alone do not cite a sentence for a point whose figures it lacks. German cluster, live run
    # (session 19): "Chancellor Olaf Scholz's Social Democrats fell to 16.5%." cited "Chancellor Olaf
    # Scholz has acknowledged defeat for his centre-left Social Democrats ...": its words, no 16.5.
    figures_stated = _measured(best) <= _numbers(claim.support)
    return not _names_others(claim.text, claim.support, f"{best.text}\n{best.support}") and (
        numbers or (figures_stated and (words or contained(claim, best))))


def _measured(claim: VerifiedClaim) -> frozenset[float]:
    """A claim's figures (:func:`~briefgen.repeats.figures`: decimals too, as "25 basis points" reads 0.25)
    less the days of a month ("December 18"): what it measures."""
    return figures(claim) - days_of_month(claim.text)


@lru_cache(maxsize=4096)
def _names_others(text: str, support: str, context: str) -> bool:
    """``text`` names a party ``context`` does not (the party credited in ``support`` aside). Cached:
    merge_groups re-splits every union it tries, asking this of the same pairs again."""
    credited = set(named_parties(attribution_phrase(support) or ""))
    return any(w not in credited and unsupported_words(w, context) for w in named_parties(text))


def merge_groups(groups: Sequence[Group], **thresholds: float) -> list[Group]:
    """Groups that state one fact made one: the greedy pass puts a claim with its most alike claim,
    and when that one is split off (:func:`split_incompatible`) the claim is left apart from the
    others of its fact (Fed cluster, live run: "The reduction takes the federal funds rate ... to a
    target range of 4.25%-4.5%" grouped with its paraphrase, not with the point about the cut to
    4.25%-4.5%). A group joins the first earlier one it links to (:func:`link_score`) when all
    their members still make one point."""
    merged: list[Group] = []
    for group in groups:
        for target in merged:
            if any(link_score(a, b, **thresholds) is not None for a in group.claims for b in target.claims):
                union = Group([*target.claims, *group.claims])
                if len(split_incompatible(union)) == 1:
                    target.claims[:] = union.claims
                    break
        else:
            merged.append(Group(list(group.claims)))
    return merged


# Share of the point's content words a member's sentence must contain to be cited for it, unless
# the two share a number or one's number sums the other's. Fed cluster, live run: "Federal Reserve
# cuts benchmark interest rate" cited a sentence defining the federal funds rate (4 of 6 words,
# not "cuts"); the seeds' "plans to send 6,000 workers" stays with "1,000 sappers and 5,000 ...".
MEMBER_COVERAGE = 0.75


def _covers(sentence: str, text: str) -> bool:
    words = fact_words(text)
    return bool(words) and len(words & fact_words(sentence)) >= MEMBER_COVERAGE * len(words)


def representative(group: Group) -> VerifiedClaim:
    """The claim that says most: most numbers (totals and their parts), then earliest rank."""
    return max(group.claims, key=lambda c: (len(c.numbers), -c.rank, -len(c.text)))


def readable_representative(group: Group, foreign: Collection[str]) -> VerifiedClaim:
    """:func:`representative`, or when that one is in another language than the brief's, the member in
    the brief's language that shares two of its figures (the bond that made them one point; the
    most figures first). Myanmar, live run: an English brief's point was the Spanish sentence "Un
    potente terremoto de magnitud 7,7 ... 694 muertos y 1.670 heridos ..." while the English one
    it cites ("... surged to 694, with 1,670 individuals reported injured ...") says the same."""
    best = representative(group)
    if best.article.id not in foreign:
        return best
    own = [c for c in group.claims if c.article.id not in foreign and len(figures(c) & figures(best)) >= 2]
    return max(own, key=lambda c: (len(c.numbers), -c.rank), default=best)


def to_point(group: Group, outlet_of: dict[str, str], *, foreign: Collection[str] = ()) -> Point:
    best = readable_representative(group, foreign)
    citations: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for claim in [best, *[c for c in group.claims if c is not best]]:
        key = (claim.citation.article_id, claim.citation.start, claim.citation.end)
        if key not in seen:
            seen.add(key)
            citations.append(claim.citation)
    articles = list(dict.fromkeys(c.article_id for c in citations))
    text = drop_dateline(best.text)  # the quote keeps "July 5 (UPI) --"; the point says what happened
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
