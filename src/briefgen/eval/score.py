"""Scoring one brief against its FACTS.md: citation validity, facts, conflicts, stale, leaks, cost.

Each score is described in :mod:`briefgen.eval`. :func:`total` pools the
counts of several clusters, so every fact, citation and conflict weighs the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from briefgen.eval.facts import FactSheet, matches_file
from briefgen.brief import Article, Brief, Citation
from briefgen.render.markdown import render_markdown


def brief_items(brief: Brief) -> list[tuple[str, str, list[Citation]]]:
    """(kind, text, citations) for everything a reader sees that states facts."""
    items: list[tuple[str, str, list[Citation]]] = [("headline", brief.headline, []), ("lede", brief.lede, [])]
    items += [("point", p.text, p.citations) for p in brief.points]
    items += [("background", p.text, p.citations) for p in brief.background]
    for conflict in brief.conflicts:
        text = " ".join([conflict.topic, *(s.label for s in conflict.sides)])
        items.append(("conflict", text, [c for s in conflict.sides for c in s.citations]))
    return items


def _number_variants(key: str) -> list[str]:
    bare = key.replace(",", "")
    variants = {key, bare}
    if bare.isdigit() and len(bare) > 3:
        variants.add(f"{int(bare):,}")
    return sorted(variants)


def _mentions(text: str, key: str) -> bool:
    if re.fullmatch(r"[\d,.]+", key):
        return any(re.search(rf"(?<![\d,.]){re.escape(v)}(?![\d]|,\d)", text) for v in _number_variants(key))
    return key.casefold() in text.casefold()


def _leak_pattern(value: str) -> re.Pattern[str]:
    head = r"(?<![\w:])" if value[:1].isalnum() else ""
    tail = r"(?![\w:])" if value[-1:].isalnum() else ""
    return re.compile(head + re.escape(value) + tail, re.IGNORECASE)


@dataclass
class ClusterScore:
    cluster: str
    articles: int
    error: str | None = None
    citations: int = 0
    citations_valid: int = 0
    invalid_citations: list[dict[str, Any]] = field(default_factory=list)
    facts: int = 0
    facts_covered: int = 0
    facts_cited_correctly: int = 0
    covered_uncited: int = 0
    fact_details: list[dict[str, Any]] = field(default_factory=list)
    conflicts: int = 0
    conflicts_surfaced: int = 0
    conflict_details: list[dict[str, Any]] = field(default_factory=list)
    stale: int = 0
    stale_detected: int = 0
    stale_details: list[dict[str, Any]] = field(default_factory=list)
    stale_false_positives: list[str] = field(default_factory=list)
    boilerplate_leaks: list[str] = field(default_factory=list)
    unsupported_names: list[dict[str, Any]] = field(default_factory=list)
    points: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    reasks: int = 0
    rejected: int = 0
    model_calls: int = 0

    @staticmethod
    def _ratio(numerator: int, denominator: int) -> float | None:
        return round(numerator / denominator, 3) if denominator else None

    @property
    def citation_validity(self) -> float | None:
        return self._ratio(self.citations_valid, self.citations)

    @property
    def fact_coverage(self) -> float | None:
        return self._ratio(self.facts_covered, self.facts)

    @property
    def citation_correctness(self) -> float | None:
        return self._ratio(self.facts_cited_correctly, self.facts_covered - self.covered_uncited)

    @property
    def conflict_rate(self) -> float | None:
        return self._ratio(self.conflicts_surfaced, self.conflicts)

    @property
    def stale_rate(self) -> float | None:
        return self._ratio(self.stale_detected, self.stale)

    @property
    def completion_tokens_per_point(self) -> float | None:
        return round(self.completion_tokens / self.points, 1) if self.points else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scores"] = {
            "citation_validity": self.citation_validity,
            "fact_coverage": self.fact_coverage,
            "citation_correctness": self.citation_correctness,
            "conflicts_surfaced": self.conflict_rate,
            "stale_detection": self.stale_rate,
            "boilerplate_leaks": len(self.boilerplate_leaks),
            "points_with_unsupported_names": len(self.unsupported_names),
            "completion_tokens_per_point": self.completion_tokens_per_point,
        }
        return data


def score_brief(brief: Brief, sheet: FactSheet, articles: dict[str, Article], *, cluster: str = "") -> ClusterScore:
    """Score one brief against its fact sheet; ``articles`` maps article id → cleaned article."""
    score = ClusterScore(cluster=cluster, articles=len(brief.sources))

    # citation validity: the shipped quote is the article's text at the span, verbatim
    for citation in brief.citations():
        score.citations += 1
        article = articles.get(citation.article_id)
        if article is not None and article.given_text[citation.start : citation.end] == citation.quote and citation.quote:
            score.citations_valid += 1
        else:
            score.invalid_citations.append(
                {"article_id": citation.article_id, "start": citation.start, "end": citation.end,
                 "quote": citation.quote[:200],
                 "reason": "unknown article" if article is None else "quote is not the text at the span"}
            )

    # facts: coverage on the text, correctness on the citations of the items that state them
    items = brief_items(brief)
    for fact in sheet.facts:
        regex = fact.regex()
        stating = [(kind, cites) for kind, text, cites in items if regex.search(text)]
        covered = bool(stating)
        cited = [c.article_id for kind, cites in stating for c in cites]
        correct = any(matches_file(a, f) for a in cited for f in fact.files)
        uncited = covered and not cited
        score.facts += 1
        score.facts_covered += covered
        score.facts_cited_correctly += covered and correct
        score.covered_uncited += uncited
        score.fact_details.append(
            {"fact": fact.text, "covered": covered, "in": sorted({k for k, _ in stating}),
             "cited": sorted(set(cited)), "expected_files": fact.files,
             "cited_correctly": None if not covered or uncited else correct}
        )

    # conflicts: at least half of each bullet's key numbers and names appear in the brief's conflicts
    conflict_text = " ".join(
        " ".join([c.topic, *(s.label for s in c.sides), *(q.quote for s in c.sides for q in s.citations)])
        for c in brief.conflicts
    )
    for spec in sheet.conflicts:
        found = [k for k in spec.keys if _mentions(conflict_text, k)]
        surfaced = bool(spec.keys) and len(found) * 2 >= len(spec.keys)
        score.conflicts += 1
        score.conflicts_surfaced += surfaced
        score.conflict_details.append(
            {"conflict": spec.label or spec.text[:60], "keys": spec.keys, "found": found, "surfaced": surfaced}
        )

    # stale: flagged stale, and kept out of the key points
    flagged = [s.article_id for s in brief.stale]
    in_points = {c.article_id for p in brief.points for c in p.citations}
    for stale in sheet.stale:
        is_flagged = any(matches_file(a, stale.file) for a in flagged)
        blended = any(matches_file(a, stale.file) for a in in_points)
        score.stale += 1
        score.stale_detected += is_flagged and not blended
        score.stale_details.append({"file": stale.file, "flagged": is_flagged, "cited_in_points": blended})
    expected = [s.file for s in sheet.stale]
    score.stale_false_positives = [a for a in flagged if not any(matches_file(a, f) for f in expected)]

    # names: a capitalised word or acronym of a point that none of its quotes contains (a warning sign
    # that the claim says more than its source: "North Korea supports US weapons programs")
    for point in [*brief.points, *brief.background]:
        # one apostrophe: seeds recording (extract v6), the model wrote "Russia's" for the page's "Russia’s"
        quotes = " ".join(c.quote for c in point.citations).replace("’", "'").casefold()
        words = re.findall(r"\b[A-Z][\w'’.-]*", point.text.replace("’", "'"))[1:]  # the first word is capitalised anyway
        missing = [w for w in dict.fromkeys(w.rstrip(".'") for w in words) if w and w.casefold() not in quotes]
        if missing:
            score.unsupported_names.append({"point": point.text, "names": missing})

    # boilerplate: anywhere in what a reader sees, footnote quotes included
    rendered = render_markdown(brief)
    score.boilerplate_leaks = [b for b in sheet.boilerplate if _leak_pattern(b).search(rendered)]

    usage = brief.usage
    score.points = len(brief.points) + len(brief.background)
    score.prompt_tokens = usage.prompt_tokens
    score.completion_tokens = usage.completion_tokens
    score.wall_time_s = usage.wall_time_s
    score.reasks = usage.reasks
    score.rejected = len(brief.unverified)  # repeats (stage merge) were verified
    score.model_calls = sum(c.attempts for c in usage.calls)
    return score


def total(scores: Sequence[ClusterScore]) -> ClusterScore:
    """Pooled counts over clusters (each fact, citation and conflict weighs the same)."""
    out = ClusterScore(cluster="TOTAL", articles=sum(s.articles for s in scores))
    for name in ("citations", "citations_valid", "facts", "facts_covered", "facts_cited_correctly", "covered_uncited",
                 "conflicts", "conflicts_surfaced", "stale", "stale_detected", "points", "prompt_tokens",
                 "completion_tokens", "reasks", "rejected", "model_calls"):
        setattr(out, name, sum(getattr(s, name) for s in scores))
    out.wall_time_s = round(sum(s.wall_time_s for s in scores), 3)
    out.boilerplate_leaks = [leak for s in scores for leak in s.boilerplate_leaks]
    out.unsupported_names = [u for s in scores for u in s.unsupported_names]
    out.stale_false_positives = [fp for s in scores for fp in s.stale_false_positives]
    errors = [s.error for s in scores if s.error]
    out.error = f"{len(errors)} cluster(s) failed" if errors else None
    return out
