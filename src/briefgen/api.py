"""The library surface: :func:`summarize`, :func:`asummarize` and the batch forms.

Configuration is explicit and per call: keyword arguments become a
:class:`~briefgen.config.Settings` (arguments beat ``BRIEFGEN_*`` environment
variables, which beat defaults). Pass ``settings=`` to reuse one object.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import openai

from briefgen.batchapi import VIAS, BatchOptions, run_batch
from briefgen.config import Settings, resolve_provider
from briefgen.errors import BriefgenError, ConfigError, UnexpectedError
from briefgen.ingest import ArticleInput
from briefgen.brief import Brief
from briefgen.pipeline import Briefer, ProgressCallback

T = TypeVar("T")


def _settings(settings: Settings | None, options: dict[str, Any]) -> Settings:
    if settings is None:
        return Settings.resolve(**options)
    given = {k: v for k, v in options.items() if v is not None}
    if not given:
        return settings
    updated = settings.model_copy(update=given)
    # Arguments given next to settings= are explicit too: an api_key= here goes to the
    # server the user configured, exactly as it would without settings=.
    updated._explicit = settings.explicit | frozenset(given)
    updated._sources = {**settings.sources, **dict.fromkeys(given, "argument")}
    return updated


def _as_list(articles: ArticleInput | Sequence[ArticleInput]) -> list[ArticleInput]:
    if isinstance(articles, (str, bytes)) or not isinstance(articles, Iterable):
        return [articles]  # type: ignore[list-item]
    return list(articles)  # type: ignore[arg-type]


async def asummarize(
    articles: ArticleInput | Sequence[ArticleInput],
    *,
    model: str | None = None,
    client: openai.AsyncOpenAI | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> Brief:
    """Summarise ``articles`` (strings, paths, URLs, HTML or :class:`Article`) into a :class:`Brief`.

    ``options`` are any :class:`Settings` field (``max_points=``, ``language=``...).
    Raises a :class:`~briefgen.errors.BriefgenError` subclass when no brief can be made:
    a :class:`~briefgen.errors.ModelError` when the model gave nothing usable for
    *every* article. When only some articles failed, the brief is returned with
    ``complete`` False and one :class:`~briefgen.brief.ArticleFailure` per failed
    article in ``failures`` (also named in ``warnings``).
    """
    resolved = _settings(settings, {"model": model, "base_url": base_url, "api_key": api_key, **options})
    async with Briefer(resolved, client=client) as briefer:
        return await briefer.brief(_as_list(articles), progress=progress)


def summarize(articles: ArticleInput | Sequence[ArticleInput], **kwargs: Any) -> Brief:
    """Blocking form of :func:`asummarize` (same arguments)."""
    return _run(asummarize(articles, **kwargs))


BatchResult = Brief | BriefgenError


async def asummarize_batch(
    stories: Iterable[Sequence[ArticleInput]],
    *,
    concurrency: int = 4,
    on_result: Callable[[int, BatchResult], Awaitable[None] | None] | None = None,
    model: str | None = None,
    client: openai.AsyncOpenAI | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    settings: Settings | None = None,
    via: str = "live",
    batch: BatchOptions | None = None,
    **options: Any,
) -> list[BatchResult]:
    """One brief per story, ``concurrency`` at a time, sharing one client (and local server).

    ``via="batch-api"`` sends every story's requests through the OpenAI Batch
    API at half the price, ``via="local-runner"`` plays them as Batch API JSONL
    against ``base_url`` (``concurrency`` requests at a time); verification and
    re-asks hold exactly as live. ``batch=BatchOptions(state_dir=...)`` makes
    such a job resumable (see ``docs/batch.md``); a story the run did not
    finish (requests exported with ``batch.export_dir``) has no result.

    A story that fails yields its :class:`BriefgenError` in the result list
    instead of stopping the batch — an unexpected exception (a bug) too, as
    :class:`~briefgen.errors.UnexpectedError` naming its type. A story some of
    whose articles failed is a :class:`Brief` with ``complete`` False and the
    failures in ``Brief.failures``. ``on_result(index, result)`` is called as
    each finishes so callers can write results out immediately.
    """
    resolved = _settings(settings, {"model": model, "base_url": base_url, "api_key": api_key, **options})
    story_list = [list(s) for s in stories]
    if via not in VIAS:
        raise ConfigError(f"via={via!r} is not a way to brief; use one of {', '.join(VIAS)}")
    if via != "live" or (batch is not None and (batch.export_dir or batch.import_files)):
        if batch is None:
            batch = BatchOptions(runner_concurrency=max(concurrency, 1))
        run = await run_batch(story_list, resolved, via=via, options=batch, on_result=on_result, client=client)
        return [r for r in run.results if r is not None]
    results: list[BatchResult | None] = [None] * len(story_list)
    gate = asyncio.Semaphore(max(concurrency, 1))
    provider = resolve_provider(resolved, has_client=client is not None)
    # Each brief may use provider.concurrency calls; the batch as a whole gets that many per
    # concurrent brief, except a single-slot local server, which gains nothing from a queue.
    in_flight = provider.concurrency if provider.kind == "local" else provider.concurrency * max(concurrency, 1)
    async with Briefer(resolved, client=client, provider=provider, max_in_flight=in_flight) as briefer:

        async def one(index: int, story: list[ArticleInput]) -> None:
            async with gate:
                try:
                    outcome: BatchResult = await briefer.brief(story)
                except BriefgenError as exc:
                    outcome = exc
                except Exception as exc:  # noqa: BLE001 - a bug in one story must not stop the others
                    wrapped = UnexpectedError(exc)
                    wrapped.__cause__ = exc
                    outcome = wrapped
            results[index] = outcome
            if on_result is not None:
                maybe = on_result(index, outcome)
                if asyncio.iscoroutine(maybe):
                    await maybe

        await asyncio.gather(*(one(i, s) for i, s in enumerate(story_list)))
    return [r for r in results if r is not None]


def summarize_batch(stories: Iterable[Sequence[ArticleInput]], **kwargs: Any) -> list[BatchResult]:
    """Blocking form of :func:`asummarize_batch` (same arguments)."""
    return _run(asummarize_batch(stories, **kwargs))


def _run(coro: Awaitable[T]) -> T:
    """Run a coroutine from sync code, also when an event loop is already running (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]
