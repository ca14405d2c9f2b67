"""Extract: an article → verified claims. One model call drafts them, code grounds them,
one small call per brief repairs what failed.

Measured on the bundled 1.5B model (extract v3, seeds, live): every article's call took two
attempts, because one claim of five failed and instructor's re-ask regenerated the whole answer
(quotes included) after re-reading the article; that was ~25 % of a brief's tokens and time.
Now the draft call is never re-asked. Each draft is grounded on its own (the sentence its
opening points at, else a sentence that shares most of its words); the drafts that fail, and
the verified claims that left out their sentence's figures, go together into one *repair* call
that shows the model only those sentences, each with the verifier's precise complaint. What the
repair still gets wrong is listed in ``Brief.rejected``; a verified claim whose figures the
repair could not add stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from briefgen.brief import Article, CallUsage, RejectedClaim
from briefgen.config.settings import RepairMode
from briefgen.errors import ModelError, ModelOutputError
from briefgen.llm import CallResult, ModelClient, TokenMeter, raw_json
from briefgen.llm.schemas import (
    DraftClaim,
    Extraction,
    Picks,
    Resolution,
    citable_sentences,
    clean_claim,
    extraction_model,
    ground_in,
    picks_model,
    repair_model,
    resolve_claim,
)
from briefgen.merge import VerifiedClaim
from briefgen.notices import is_foreign
from briefgen.prompts import load_template
from briefgen.verify import QuoteMatch, left_out_numbers

EXTRACT_MAX_TOKENS = 1536
REPAIR_MAX_TOKENS = 800
REPAIR_MAX_ITEMS = 10
"""Drafts repaired per brief, most important first (rank): ~30 output tokens each on the bundled
model, so the repair call stays under ~20 s there; the rest are rejected with their reason."""


@dataclass
class Draft:
    """A claim that needs the repair call: it failed the checks, or it left out its sentence's figures."""

    article: Article
    claim: str
    problem: str
    start: int  # the sentence(s) it is about
    end: int
    rank: int
    kept: VerifiedClaim | None = None  # the verified claim a figures repair would replace

    @property
    def sentence(self) -> str:
        return self.article.text[self.start : self.end]


@dataclass
class ArticleClaims:
    """One article's outcome: verified claims, drafts to repair, drafts given up on, the call, its failure."""

    article: Article
    verified: list[VerifiedClaim] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    rejected: list[RejectedClaim] = field(default_factory=list)
    usage: CallUsage | None = None
    error: ModelError | None = None


def extract_messages(article: Article, *, max_claims: int, language: str) -> list[dict[str, str]]:
    return load_template("extract").render(
        max_claims=max_claims,
        language=language,
        outlet=article.outlet or "unknown outlet",
        published=article.published.isoformat() if article.published else "date unknown",
        text=article.text,
    )


async def draft_claims(
    model: ModelClient, article: Article, *, max_claims: int, language: str, max_retries: int, meter: TokenMeter
) -> ArticleClaims:
    """The article's claims, grounded; no re-ask (the repair call handles what failed). An article in
    another language than the brief's gets its key sentences picked instead (:func:`pick_claims`)."""
    if is_foreign(article, language):
        return await pick_claims(model, article, max_claims=max_claims, max_retries=max_retries, meter=meter)
    result: CallResult[Extraction] = await model.structured(
        extraction_model(max_claims, min(3, len(article.sentences))),
        extract_messages(article, max_claims=max_claims, language=language),
        purpose=f"extract:{article.id}",
        # lenient: the answer is parsed, never refused; every claim is checked here, one by one
        context={"article": article, "lenient": True},
        max_tokens=EXTRACT_MAX_TOKENS,
        max_retries=max_retries,  # re-asks an answer that is not the schema's shape, never a claim that fails a check
        meter=meter,
    )
    claims = _answer_claims(result)
    outcome = ground_claims(article, claims, max_claims)
    outcome.usage = result.usage
    if result.value is None and not claims:
        outcome.error = result.failure or ModelOutputError("the model gave no usable answer")
    return outcome


PICK_MAX_TOKENS = 120
"""Room for the picked numbers (~3 tokens each with the JSON around them) and a little slack."""


async def pick_claims(
    model: ModelClient, article: Article, *, max_claims: int, max_retries: int, meter: TokenMeter
) -> ArticleClaims:
    """An article in another language: the model picks its key sentences by number and each is a claim,
    verbatim, in the article's language (prompts/pick.txt says why: a translated claim cannot be
    checked word by word). A picked sentence is its own support; one that is no usable sentence (a
    byline) is still refused."""
    spans = [(s.start, s.end) for s in citable_sentences(article)]
    listed = "\n".join(f"[{i}] {' '.join(article.text[a:b].split())}" for i, (a, b) in enumerate(spans, 1))
    messages = load_template("pick").render(
        max_claims=max_claims, article_id=article.id, outlet=article.outlet or "unknown outlet",
        published=article.published.isoformat() if article.published else "date unknown", sentences=listed)
    result: CallResult[Picks] = await model.structured(
        picks_model(len(spans), max_claims), messages, purpose=f"extract:{article.id}", context={"lenient": True},
        max_tokens=PICK_MAX_TOKENS, max_retries=max_retries, meter=meter)
    picks = list(result.value.sentences) if result.value is not None else []
    chosen = [spans[k - 1] for k in dict.fromkeys(picks) if 1 <= k <= len(spans)][:max_claims]
    outcome = ArticleClaims(article, usage=result.usage)
    for rank, (start, end) in enumerate(chosen):
        # the sentence is its own support; it is only refused when it is no sentence a reader can use
        # (a byline). Never cut to the bound of a written claim (Iberian cluster, live run: a
        # 337-character Portuguese sentence was cut and refused for stopping mid-phrase).
        text = sentence_claim(article.text[start:end])
        if problem := form_problem(text):
            outcome.rejected.append(RejectedClaim(article_id=article.id, claim=text, quote=article.text[start:end],
                                                  reason=problem))
        else:
            outcome.verified.append(VerifiedClaim.at(article, text, QuoteMatch(start, end, "exact", 100.0), rank))
    if not chosen:
        outcome.error = result.failure or ModelOutputError("the model picked no sentence of the article")
    return outcome


def _answer_claims(result: CallResult[Extraction]) -> list[DraftClaim]:
    if result.value is not None:
        return list(result.value.claims)
    for completion in reversed(result.completions):  # a cut-off or mis-shaped answer may still hold claims
        data = raw_json(completion)
        if data is None:
            continue
        try:
            return list(Extraction.model_validate(data, context={"lenient": True}).claims)
        except Exception:  # noqa: BLE001, S112 - any shape error makes this answer unusable, nothing more
            continue
    return []


def ground_claims(article: Article, claims: Sequence[DraftClaim], max_claims: int) -> ArticleClaims:
    """Verified claims (one per cited span, the model's order) and the drafts the repair call should see."""
    outcome = ArticleClaims(article)
    seen: set[tuple[int, int]] = set()
    for rank, claim in enumerate(claims):
        if len(outcome.verified) >= max_claims:
            break
        text = clean_claim(claim.claim)
        resolution = resolve_claim(claim, article)
        if resolution.match is None:
            where = resolution.sentence
            if where is None or where in seen:
                outcome.rejected.append(_rejected(article, claim.claim, claim.quote, resolution))
            else:
                outcome.drafts.append(Draft(article, text, resolution.problem or "unverified", *where, rank))
            continue
        match = resolution.match
        if (match.start, match.end) in seen:
            continue  # the model repeated itself
        shipped = resolution.text or text
        if fragment := form_problem(shipped):
            # grounded, but no sentence a reader can use: repaired, or rejected with this reason
            outcome.drafts.append(Draft(article, shipped, fragment, match.start, match.end, rank))
            continue
        seen.add((match.start, match.end))
        verified = VerifiedClaim.at(article, shipped, match, rank)
        outcome.verified.append(verified)
        problems = [f"it leaves out {_listed(missing)}; keep them with what they count"
                    for missing in [left_out_numbers(verified.text, verified.support)] if missing]
        if len(verified.text.split()) > MAX_CLAIM_WORDS:
            problems.append(f"it is {len(verified.text.split())} words long; say it in at most 25")
        if problems:
            outcome.drafts.append(Draft(article, verified.text, "; ".join(problems), match.start, match.end, rank,
                                        kept=verified))
    # a failed draft about a sentence another claim already cites adds nothing
    outcome.drafts = [d for d in outcome.drafts if d.kept is not None or (d.start, d.end) not in seen]
    return outcome


MAX_CLAIM_WORDS = 35
"""Longer verified claims are sent to the repair call to be shortened (kept as they are if it fails).
Live seeds run: a 52-word claim (a whole sentence copied) became the headline when synthesis failed."""


def form_problem(claim: str) -> str | None:
    """Why ``claim`` is not a sentence a reader can use, or None.

    Live seeds run (extract v4 draft): claims copied from the middle of a sentence,
    "construction workers and deminers to support reconstruction work in Russia's Kursk
    region, a top Russian official said." and "in Kursk, where Ukrainian troops had held
    territory for months last year, He stated." were grounded word for word.
    """
    first = claim.lstrip("\"'“‘(")[:1]
    if first.isalpha() and first.islower():
        return "it is a piece of a sentence, not a sentence; write the whole fact as one sentence"
    last = claim.rstrip(" .!?…\"'”’)").rsplit(" ", 1)[-1].lower()
    if last in _DANGLING or last.endswith(("'s", "’s")):
        # seeds, live run (extract v5): "... North Korean workers financially support Pyongyang's."
        # (the sentence goes on: 'Pyongyang's "unlawful" weapons of mass destruction ...')
        # live seeds run: "... according to a report by Radio Free Asia (RFA) on." (the date dropped)
        return f'it stops mid-phrase ("{last}" at the end); finish the phrase with the sentence\'s words'
    if claim.rstrip(" \"'”’)").endswith("?"):
        # Fed cluster, live run (session 19): the heading "When Was The Last Fed Reserve Interest Rate
        # Cut?" was copied as a claim, grounded on itself and shipped as a point
        return "it asks a question (a heading?) and states no fact; write what happened, who did it and what was said"
    if len(claim.split()) < MIN_CLAIM_WORDS:
        # live seeds run: the byline "Rosyn Park reports." was copied as a claim and shipped as a point
        return "it states no fact; write what happened, who did it and what was said"
    return None


MIN_CLAIM_WORDS = 4
_DANGLING = frozenset(["a", "an", "the", "of", "on", "in", "at", "to", "by", "for", "with", "from", "and", "or",
                       "but", "as", "than", "that", "which", "who", "its", "their", "his", "her",
                       # Iberian cluster, live run: "The government is investigating the causes and authorities are"
                       "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "can"])


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _rejected(article: Article, claim: str, quote: str | None, resolution: Resolution) -> RejectedClaim:
    return RejectedClaim(article_id=article.id, claim=claim, quote=quote, reason=resolution.problem or "unverified")


def repair_items(drafts: Sequence[Draft]) -> str:
    return "\n".join(
        f"{i}. Sentence: {d.sentence}\n   Draft: {d.claim}\n   Wrong: {d.problem}" for i, d in enumerate(drafts, 1)
    )


async def repair_claims(
    model: ModelClient,
    claims: Sequence[VerifiedClaim],
    drafts: Sequence[Draft],
    *,
    language: str,
    mode: RepairMode,
    meter: TokenMeter,
) -> tuple[list[VerifiedClaim], list[RejectedClaim], CallUsage | None]:
    """The brief's claims after one repair call over ``drafts``, the drafts it could not save, its usage.

    Failed drafts go first, then the figures and length repairs, each group by rank; past
    :data:`REPAIR_MAX_ITEMS` (or with ``mode`` "off") a failed draft is rejected with its own reason,
    and a verified claim stays as it was. With ``mode`` "sentence" there is no call: each draft's own
    sentence, verbatim, is its repair (a length repair is skipped: the sentence is longer), checked
    like any answer.
    """
    ordered = sorted(drafts, key=lambda d: (d.kept is not None, d.rank))
    if mode == "sentence":
        chosen = [d for d in ordered if d.kept is None or left_out_numbers(d.kept.text, d.kept.support)]
        skipped = []
    elif mode == "model":
        chosen, skipped = ordered[:REPAIR_MAX_ITEMS], ordered[REPAIR_MAX_ITEMS:]
    else:
        chosen, skipped = [], ordered
    rejected = [draft_rejected(d, d.problem) for d in skipped if d.kept is None]
    if not chosen:
        return list(claims), rejected, None
    usage: CallUsage | None = None
    if mode == "sentence":
        fixed = [sentence_claim(d.sentence) for d in chosen]
    else:
        result = await model.structured(
            repair_model(len(chosen)),
            load_template("repair").render(language=language, items=repair_items(chosen)),
            purpose="repair",
            context={"lenient": True},
            max_tokens=REPAIR_MAX_TOKENS,
            max_retries=0,
            meter=meter,
        )
        fixed, usage = (list(result.value.claims) if result.value is not None else []), result.usage
    added: list[VerifiedClaim] = []
    replaced: set[int] = set()
    for i, draft in enumerate(chosen):
        text = clean_claim(fixed[i]) if i < len(fixed) else ""
        grounded = ground_in(text, QuoteMatch(draft.start, draft.end, "exact", 100.0), draft.article) if text else None
        if grounded is not None and grounded.match is not None and form_problem(grounded.text or text) is None:
            claim = VerifiedClaim.at(draft.article, grounded.text or text, grounded.match, draft.rank)
            if draft.kept is None or not left_out_numbers(claim.text, claim.support):
                added.append(claim)
                if draft.kept is not None:
                    replaced.add(id(draft.kept))
                continue
        if draft.kept is None:  # a figures or length repair that failed leaves the verified claim as it was
            why = grounded.problem if grounded is not None and grounded.problem else "not a full sentence"
            reason = draft.problem if not text else f"{draft.problem} (repair: “{text}”: {why})"
            rejected.append(draft_rejected(draft, reason))
    order = {article_id: i for i, article_id in enumerate(dict.fromkeys(c.article.id for c in [*claims, *added]))}
    kept = [c for c in claims if id(c) not in replaced] + added
    return sorted(kept, key=lambda c: (order[c.article.id], c.rank)), rejected, usage


_QUOTE_FAMILY = {'"': '"', "“": "“”", "”": "“”", "„": "„“”", "«": "«»", "»": "«»"}


def sentence_claim(sentence: str) -> str:
    """A sentence as a claim: without a quotation mark it opens and never closes (German cluster, live
    run: '" Die AfD erzielte mit 19,6 Prozent ...', the closing mark of the sentence before it)."""
    text = sentence.strip()
    family = _QUOTE_FAMILY.get(text[:1])
    if family is not None and not any(mark in text[1:] for mark in family):
        return text[1:].lstrip()
    return text


def draft_rejected(draft: Draft, reason: str) -> RejectedClaim:
    return RejectedClaim(article_id=draft.article.id, claim=draft.claim, quote=draft.sentence, reason=reason)
