"""The pipeline: ingest → extract (one call per article, concurrent) → verify → merge → synthesise.

The model extracts; the code verifies and merges. Measured with the local
models, they copy quotes well but count sentence ids badly and take ~100 s
for one call over five articles, so each article gets its own short call
(the shared system prompt comes first, for llama.cpp's prompt cache), and
grouping, conflicts and staleness are computed here, exactly.

Nothing is silently lost: an article that fails to load is a warning, a claim
that fails verification after the re-asks is listed in ``Brief.rejected``,
an article the model gave nothing usable for (cut off, unusable, refused,
server down, deadline, budget) is an :class:`~briefgen.brief.ArticleFailure`
in ``Brief.failures`` while the other articles go on, and a headline the model
cannot write falls back to the top point. Only when *every* article failed
does :meth:`Briefer.brief` raise, with a named :class:`~briefgen.errors.ModelError`
whose message names each article's failure and what to do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import openai

from briefgen._version import __version__
from briefgen.brief import (
    Article,
    ArticleFailure,
    Brief,
    CallUsage,
    Point,
    Provenance,
    RejectedClaim,
    Source,
    Usage,
)
from briefgen.config import Provider, Settings, resolve_provider
from briefgen.conflicts import attribution_conflicts, disputed_statements, number_conflicts
from briefgen.errors import (
    BriefgenError,
    IngestError,
    ModelError,
    ModelOutputError,
    NoArticlesError,
)
from briefgen.extract import ArticleClaims, Draft, draft_claims, repair_claims
from briefgen.fallback import (
    as_sentence,
    fallback_headline_point,
    fallback_lede_of,
    headline_of,
    in_other_language,
    readable_first,
)
from briefgen.ingest import ArticleInput, LoadOptions, load_article
from briefgen.llm import ModelClient, TokenMeter
from briefgen.llm.schemas import Synthesis
from briefgen.merge import VerifiedClaim, find_stale, group_claims
from briefgen.notices import (
    KIND_LABEL,
    foreign_articles,
    instruction_warnings,
    language_warnings,
    no_usable_output,
)
from briefgen.places import sentence_reports
from briefgen.prompts import load_template, prompt_version
from briefgen.ranking import select_points

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called as ``progress(event, data)``; events: loaded, extracted, synthesized, done."""

SYNTH_MAX_TOKENS = 400
SYNTH_POINTS = 6
"""Points the headline call sees: the top ones in the brief's language. A headline and lede say what
matters most; every point of the seeds brief (10) made the call's prompt 900 tokens an attempt (live
run, extract v5), and a point in another language only invites a translation the check refuses."""



def load_articles(
    inputs: Iterable[ArticleInput], settings: Settings
) -> tuple[list[Article], list[str]]:
    """Load every input; failures and duplicates become warnings, not exceptions."""
    options = LoadOptions.from_settings(settings)
    articles: list[Article] = []
    warnings: list[str] = []
    failures: list[str] = []
    by_hash: dict[str, str] = {}
    used_ids: set[str] = set()
    for item in inputs:
        try:
            article = load_article(item, options=options)
        except IngestError as exc:
            failures.append(str(exc))
            continue
        if article.sha256 in by_hash:
            warnings.append(f"{article.source or article.id}: duplicate of {by_hash[article.sha256]}; counted once")
            continue
        if len(articles) >= settings.max_articles:
            warnings.append(
                f"{article.source or article.id}: skipped, more than max_articles={settings.max_articles} articles"
            )
            continue
        ident = article.id
        n = 2
        while ident in used_ids:
            ident, n = f"{article.id}-{n}", n + 1
        if ident != article.id:
            article = article.model_copy(update={"id": ident})
        used_ids.add(ident)
        by_hash[article.sha256] = article.source or article.id
        warnings.extend(article.warnings)
        articles.append(article)
    if not articles:
        detail = "; ".join(failures) if failures else "no articles were given"
        raise NoArticlesError(f"nothing to summarise: {detail}")
    warnings = [f"skipped {f}" for f in failures] + warnings
    return articles, warnings


class Briefer:
    """One configured provider and client, reusable across many briefs (the batch path).

    Use :func:`briefgen.summarize` for one brief; hold a ``Briefer`` when
    making many, so they share one HTTP client and one local server.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: openai.AsyncOpenAI | None = None,
        provider: Provider | None = None,
        max_in_flight: int | None = None,
    ) -> None:
        self.settings = settings or Settings.resolve()
        self.provider = provider or resolve_provider(self.settings, has_client=client is not None)
        self.model = ModelClient(
            self.provider,
            client=client,
            transport_retries=self.settings.transport_retries,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
        )
        # Two caps: provider.concurrency calls per brief, and max_in_flight calls across
        # all briefs of this Briefer (a batch raises it; a single-slot local server keeps 1).
        self._in_flight = asyncio.Semaphore(max_in_flight or self.provider.concurrency)

    async def aclose(self) -> None:
        await self.model.aclose()

    async def __aenter__(self) -> Briefer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def brief(self, inputs: Sequence[ArticleInput], *, progress: ProgressCallback | None = None) -> Brief:
        started = time.perf_counter()
        settings = self.settings
        notify = progress or (lambda event, data: None)
        articles, warnings = await asyncio.to_thread(load_articles, inputs, settings)
        warnings.extend(instruction_warnings(articles))
        notify("loaded", {"articles": len(articles), "warnings": warnings})
        outlet_of = {a.id: a.label for a in articles}
        stale, _reference = find_stale(articles, settings.stale_days)
        stale_ids = {s.article_id for s in stale}
        meter = TokenMeter(settings.token_budget)
        slots = asyncio.Semaphore(self.provider.concurrency)

        outcomes = await asyncio.gather(
            *(self._extract(article, meter, notify, slots) for article in articles), return_exceptions=True
        )
        calls: list[CallUsage] = []
        claims: list[VerifiedClaim] = []
        drafts: list[Draft] = []
        rejected: list[RejectedClaim] = []
        failures: list[ArticleFailure] = []
        errors: list[ModelError] = []
        for article, outcome in zip(articles, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, BriefgenError):
                    raise outcome  # a bug: the caller (CLI, batch) reports it as one
                raised = outcome if isinstance(outcome, ModelError) else ModelOutputError(str(outcome))
                outcome = ArticleClaims(article, error=raised)
            claims.extend(outcome.verified)
            drafts.extend(outcome.drafts)
            rejected.extend(outcome.rejected)
            if outcome.usage is not None:
                calls.append(outcome.usage)
            if outcome.error is not None:
                error = outcome.error
                errors.append(error)
                failures.append(ArticleFailure(article_id=article.id, kind=error.kind, message=str(error)))  # type: ignore[arg-type]
                warnings.append(f"{article.id}: left out, the model gave no usable answer ({KIND_LABEL[error.kind]}): {error}")
        if len(failures) == len(articles):
            raise no_usable_output(failures, errors)
        foreign = foreign_articles(articles, settings.language)
        warnings.extend(language_warnings(articles, foreign, claims, failures, settings.language))
        if drafts:
            async with slots, self._in_flight:
                claims, repair_rejected, repair_usage = await repair_claims(
                    self.model, claims, drafts, language=settings.language, meter=meter,
                    # re-asks off (max_retries=0) turns off the repair call; the sentence costs no call
                    mode="off" if settings.max_retries == 0 and self.model.provider.repair == "model"
                    else self.model.provider.repair,
                )
            rejected.extend(repair_rejected)
            if repair_usage is not None:
                calls.append(repair_usage)

        fresh = [c for c in claims if c.article.id not in stale_ids]
        old = [c for c in claims if c.article.id in stale_ids]
        fresh_groups = group_claims(fresh)
        # Points only in another language than the brief's come after the others, keeping their place in
        # the top max_points (German cluster, live run: the English brief opened with four German sentences).
        points, repeated = select_points(fresh_groups, outlet_of, limit=settings.max_points, foreign=foreign)
        background, old_repeated = select_points(group_claims(old), outlet_of, limit=settings.max_points,
                                                 foreign=foreign)
        points, background = readable_first(points, foreign), readable_first(background, foreign)
        rejected.extend(repeated + old_repeated)  # repeats of a point, in other words: said why, not lost
        conflicts = (
            attribution_conflicts(fresh_groups, outlet_of)
            + number_conflicts(fresh, outlet_of, sentence_reports([a for a in articles if a.id not in stale_ids]))
            + disputed_statements(articles, outlet_of)
        )

        headline, lede, synth_usage, synth_rejected, synth_error = await self._synthesize(
            points or background, meter, slots, foreign=foreign
        )
        if synth_usage is not None:
            calls.append(synth_usage)
        rejected.extend(synth_rejected)
        if synth_rejected:
            warnings.append("the model's headline/lede failed the checks; the top point was used instead")
        if synth_error is not None:
            failures.append(
                ArticleFailure(article_id=None, stage="synthesize", kind=synth_error.kind, message=str(synth_error))  # type: ignore[arg-type]
            )
            warnings.append(f"the headline call failed ({KIND_LABEL[synth_error.kind]}): {synth_error}; "
                            "the top point was used instead")
        notify("synthesized", {"headline": headline})
        # Each point reads as a sentence (live runs: a third of the points ended without a stop, the
        # model copies its sentence up to the citation); after the synthesis call, whose request the
        # recordings match, so it sees the points as before.
        points = [p.model_copy(update={"text": as_sentence(p.text)}) for p in points]
        background = [p.model_copy(update={"text": as_sentence(p.text)}) for p in background]

        usage = _total_usage(calls, time.perf_counter() - started)
        brief = Brief(
            headline=headline,
            lede=lede,
            points=points,
            background=background,
            conflicts=conflicts,
            stale=stale,
            rejected=rejected,
            sources=[
                Source(
                    id=a.id,
                    outlet=a.outlet,
                    title=a.title,
                    url=a.url,
                    published=a.published,
                    sha256=a.sha256,
                    chars=len(a.text),
                    stale=a.id in stale_ids,
                )
                for a in articles
            ],
            single_source=len(articles) == 1,
            warnings=warnings,
            failures=failures,
            usage=usage,
            provenance=Provenance(
                model=self.provider.model,
                model_name=self.provider.model_name,
                provider=self.provider.kind,
                provider_host=self.provider.host,
                prompt_version=prompt_version(),
                briefgen_version=__version__,
                input_sha256=[a.sha256 for a in articles],
                created_at=datetime.now(UTC),
            ),
        )
        notify("done", {"usage": usage})
        return brief

    async def _extract(
        self, article: Article, meter: TokenMeter, notify: ProgressCallback, slots: asyncio.Semaphore
    ) -> ArticleClaims:
        """One article's claims, grounded, and its drafts for the repair call; ``error`` set when nothing was usable."""
        settings = self.settings
        async with slots, self._in_flight:
            outcome = await draft_claims(self.model, article, max_claims=settings.max_claims_per_article,
                                         language=settings.language, max_retries=settings.max_retries, meter=meter)
        notify("extracted", {"article": article.id, "claims": len(outcome.verified), "rejected": len(outcome.rejected),
                             "usage": outcome.usage, "failure": outcome.error})
        return outcome

    async def _synthesize(
        self, points: list[Point], meter: TokenMeter, slots: asyncio.Semaphore, *, foreign: set[str] = frozenset()
    ) -> tuple[str, str, CallUsage | None, list[RejectedClaim], ModelError | None]:
        """Headline and lede: the model's (``provider.headline == "model"``) or the top points' own
        (``"points"``, no call). A model headline that fails falls back to the top points too, with
        either the rejected headline (it parsed but failed the checks against the points) or the named
        error (nothing usable came back)."""
        if not points:
            # Some article answered, but every claim failed verification: still a brief, and
            # ``rejected`` says why each claim was left out.
            return "No verifiable claims", "No claim in the articles could be verified against their text.", None, [], None
        own = [p for p in points if not in_other_language(p, foreign)] or points
        if self.provider.headline == "points":
            return (*_from_points(own), None, [], None)
        shown = own[:SYNTH_POINTS]
        points_text = "\n".join(f"{i}. {p.text}" for i, p in enumerate(shown, 1))
        messages = load_template("synthesize").render(language=self.settings.language, points=points_text)
        async with slots, self._in_flight:
            result = await self.model.structured(
                Synthesis,
                messages,
                purpose="synthesize",
                # The headline and lede may use only what the points say: their text and their quotes.
                context={"support_text": _support_text(shown), "language": self.settings.language,
                         "point_supports": [_support_text([p]) for p in shown]},
                max_tokens=SYNTH_MAX_TOKENS,
                max_retries=self.settings.max_retries,
                meter=meter,
            )
        if result.value is not None:
            return result.value.headline.strip().rstrip("."), result.value.lede.strip(), result.usage, [], None
        # The first short one of the top three points (live seeds run: the top point's 45 words made a
        # poor headline), not one from an article in another language (German cluster: a German headline).
        fallback_headline, fallback_lede = _from_points(own)
        if _parses(Synthesis, result.raw_json):
            rejected = [
                RejectedClaim(
                    article_id=None,
                    claim=str((result.raw_json or {}).get("headline", "(no headline)")),
                    quote=None,
                    reason=result.error or "did not fit the schema",
                    stage="synthesize",
                )
            ]
            return fallback_headline, fallback_lede, result.usage, rejected, None
        error = result.failure or ModelOutputError("the model gave no usable headline")
        return fallback_headline, fallback_lede, result.usage, [], error


def _from_points(points: list[Point]) -> tuple[str, str]:
    """Headline and lede made of the top points themselves (:mod:`briefgen.fallback`)."""
    top = fallback_headline_point(points)
    return headline_of(top.text), fallback_lede_of(top, points)


def _support_text(points: list[Point]) -> str:
    """What a headline and lede may draw on: every point's text and every quote it cites."""
    quotes = dict.fromkeys(c.quote for p in points for c in p.citations)
    return "\n".join([*(as_sentence(p.text) for p in points), *quotes])


def _parses(model: type[Synthesis], data: dict[str, Any] | None) -> bool:
    """Whether ``data`` has the model's shape (its checks against the source skipped)."""
    if data is None:
        return False
    try:
        model.model_validate(data, context={"lenient": True})
    except Exception:  # noqa: BLE001 - any shape error means "no"
        return False
    return True


def _total_usage(calls: list[CallUsage], wall: float) -> Usage:
    prompt = sum(c.prompt_tokens for c in calls)
    completion = sum(c.completion_tokens for c in calls)
    costs = [c.cost_usd for c in calls]
    return Usage(
        calls=calls,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        reasks=sum(max(c.attempts - 1, 0) for c in calls),
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0.0 for c in costs), 6),
        wall_time_s=round(wall, 3),
    )
