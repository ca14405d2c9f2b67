"""The coordinator: every story's pipeline at once in one event loop, rounds at quiescence.

All stories run concurrently through one :class:`~briefgen.pipeline.Briefer`
whose HTTP client parks their requests (:mod:`briefgen.batchapi.transport`).
When no story can go on without an answer (quiescence: every story has
loaded its articles and nothing happened for a few loop turns), the parked
requests form a round, handed to the backend; as its batches end, their
answers wake the stories, which either finish or park their next requests
(re-asks, headlines) for the following round.

Two settings are overridden on this path, on purpose: the per-call deadline
(a request may wait hours for its batch, which is no reason to fail it) and
the concurrency caps (a round should hold every story's requests, not four).
The Batch API's price is half the live one (``BATCH_DISCOUNT``); the brief's
``usage.cost_usd`` counts what the batch path really costs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
import openai

from briefgen.batchapi.engines import DryRun, Exporter, LocalRunner, import_results
from briefgen.batchapi.jsonl import MAX_BYTES, MAX_LINES, story_key
from briefgen.batchapi.openai_batches import OpenAIBatches
from briefgen.batchapi.rounds import Backend, Round, StatusCallback, StopRun
from briefgen.batchapi.state import STATE_DIR, BatchState
from briefgen.batchapi.transport import CURRENT_STORY, ParkingTransport, StoryRun
from briefgen.brief import Brief
from briefgen.config import Provider, Settings, resolve_provider
from briefgen.errors import BatchAPIError, BriefgenError, UnexpectedError
from briefgen.ingest import ArticleInput
from briefgen.llm.transport import build_openai_client
from briefgen.pipeline import Briefer

Via = Literal["live", "batch-api", "local-runner"]
VIAS: tuple[str, ...] = ("live", "batch-api", "local-runner")

BATCH_DISCOUNT = 0.5
"""The OpenAI Batch API bills tokens at half the live price (platform.openai.com/docs/guides/batch)."""
NO_DEADLINE_S = 30 * 24 * 3600.0
"""The per-call deadline on the batch path: far beyond the Batch API's 24 h window."""
UNBOUNDED = 1_000_000
"""Concurrency caps on the batch path: a parked request costs nothing while it waits."""
QUIET_TURNS = 50
QUIET_SECONDS = 0.02

BatchResult = Brief | BriefgenError
ResultCallback = Callable[[int, BatchResult], Awaitable[None] | None]


@dataclass
class BatchOptions:
    """How the batch path runs; every field has a default a reader can find here."""

    state_dir: Path | None = None
    """Where state and answers live (the CLI: ``OUT/.briefgen-batch``). None: a temporary folder, not resumable."""
    poll_interval: float = 30.0
    """Seconds before the first poll of a batch; later polls back off to at most 300 s."""
    export_dir: Path | None = None
    """Write each round's requests here and stop (``--export-jsonl``)."""
    import_files: list[Path] = field(default_factory=list)
    """Batch output files to answer requests from (``--import-results``)."""
    story_labels: list[str] | None = None
    """A stable name per story (the CLI: folder names): the first part of its requests' ids."""
    runner_concurrency: int = 4
    """Requests in flight at once for ``--via local-runner``."""
    on_status: StatusCallback | None = None
    max_lines: int = MAX_LINES
    max_bytes: int = MAX_BYTES


@dataclass
class BatchRun:
    """What a batch-path run did: a result per story (None: not finished in this run) and why it stopped."""

    results: list[BatchResult | None]
    problems: dict[int, list[str]]
    """Per story index: batch-level troubles (expired, failed, cancelled batches; per-line errors)."""
    stopped: str | None = None
    """Why the run stopped before every story finished (requests exported); None when all finished."""
    replayed: int = 0
    rounds: int = 0


def labels_for(stories: Sequence[Sequence[ArticleInput]], given: list[str] | None) -> list[str]:
    """Unique, stable story keys: from the given labels, else from each story's inputs."""
    raw = given if given is not None else ["\n".join(map(str, story)) for story in stories]
    keys: list[str] = []
    seen: set[str] = set()
    for label in raw:
        key, n = story_key(label), 2
        while key in seen:
            key, n = story_key(f"{label}\n#{n}"), n + 1
        seen.add(key)
        keys.append(key)
    return keys


def batch_provider(provider: Provider, via: str) -> Provider:
    price = provider.price
    if via == "batch-api" and price is not None:
        price = (price[0] * BATCH_DISCOUNT, price[1] * BATCH_DISCOUNT)
    return dataclasses.replace(provider, concurrency=UNBOUNDED, call_deadline=NO_DEADLINE_S, price=price)


async def run_batch(
    stories: Sequence[Sequence[ArticleInput]],
    settings: Settings,
    *,
    via: str,
    options: BatchOptions | None = None,
    on_result: ResultCallback | None = None,
    client: openai.AsyncOpenAI | None = None,
    dry_run: DryRun | None = None,
) -> BatchRun:
    """Brief every story through the batch path ``via`` (see module docs); resumable from ``options.state_dir``."""
    options = options or BatchOptions()
    provider = resolve_provider(settings, has_client=client is not None, start_local=dry_run is None)
    base_url = str(client.base_url) if client is not None else provider.base_url
    api_key = client.api_key if client is not None else provider.api_key
    with tempfile.TemporaryDirectory(prefix="briefgen-batch-") as scratch:
        folder = options.state_dir or Path(scratch) / STATE_DIR
        state = BatchState.open(folder, read_only=dry_run is not None)
        activity = _Activity()
        transport = ParkingTransport(state.results, activity.bump)
        rnd = Round(state, transport, options.on_status or (lambda event: None), options.max_lines, options.max_bytes)
        if options.import_files:
            import_results(rnd, options.import_files)
        backend = dry_run or _backend(via, options, rnd, provider, base_url, api_key, client)
        # openai 3 takes a client of httpx (briefgen's own dependency) as well as of httpx2; its hint names httpx2.
        chat = openai.AsyncOpenAI(api_key=api_key or "not-needed", base_url=base_url, max_retries=0,
                                  http_client=httpx.AsyncClient(transport=transport))  # type: ignore[arg-type]
        briefer = Briefer(settings, client=chat, provider=batch_provider(provider, via), max_in_flight=UNBOUNDED)
        keys = labels_for(stories, options.story_labels)
        runs = [StoryRun(i, key) for i, key in enumerate(keys)]
        results: list[BatchResult | None] = [None] * len(runs)
        try:
            stopped = await _coordinate(stories, runs, results, briefer, backend, transport, activity, on_result)
        finally:
            await backend.aclose()
            await briefer.aclose()
        by_key = {run.key: run.index for run in runs}
        problems = {by_key[k]: v for k, v in rnd.problems.items() if k in by_key}
        return BatchRun(results, problems, stopped, transport.replayed, int(state.data.get("rounds", 0)))


def _backend(via: str, options: BatchOptions, rnd: Round, provider: Provider, base_url: str | None,
             api_key: str, client: openai.AsyncOpenAI | None) -> Backend:
    if options.export_dir is not None or (options.import_files and via not in ("batch-api", "local-runner")):
        return Exporter(rnd, options.export_dir)
    if via == "local-runner":
        if not base_url:
            raise BatchAPIError("--via local-runner needs a server: pass --base-url (llama.cpp, Ollama, vLLM)")
        return LocalRunner(rnd, base_url, api_key, concurrency=options.runner_concurrency, timeout=provider.timeout)
    if via == "batch-api":
        if provider.kind == "local":
            raise BatchAPIError("the bundled local model has no Batch API; use --via local-runner, "
                                "or set OPENAI_API_KEY for OpenAI's")
        files = client or build_openai_client(provider)
        where = str(files.base_url).rstrip("/")
        return OpenAIBatches(rnd, files, poll_interval=options.poll_interval, where=where)
    raise BatchAPIError(f"unknown via {via!r}; use one of {', '.join(VIAS)}")


class _Activity:
    """A counter bumped whenever a story parks, gets an answer, loads or finishes."""

    def __init__(self) -> None:
        self.count = 0

    def bump(self) -> None:
        self.count += 1


async def _coordinate(
    stories: Sequence[Sequence[ArticleInput]],
    runs: list[StoryRun],
    results: list[BatchResult | None],
    briefer: Briefer,
    backend: Backend,
    transport: ParkingTransport,
    activity: _Activity,
    on_result: ResultCallback | None,
) -> str | None:
    """Run the stories; submit a round at each quiescence; return why it stopped early (None: all done)."""

    async def one(run: StoryRun, inputs: Sequence[ArticleInput]) -> None:
        CURRENT_STORY.set(run)  # this task's context: the pipeline's child tasks inherit it

        def progress(event: str, data: object) -> None:
            if event == "loaded":
                run.loaded = True
                activity.bump()

        try:
            outcome: BatchResult = await briefer.brief(list(inputs), progress=progress)
        except BriefgenError as exc:
            outcome = exc
        except Exception as exc:  # noqa: BLE001 - a bug in one story must not stop the others
            outcome = UnexpectedError(exc)
            outcome.__cause__ = exc
        run.finished = True
        activity.bump()
        results[run.index] = outcome
        if on_result is not None:
            maybe = on_result(run.index, outcome)
            if asyncio.iscoroutine(maybe):
                await maybe

    await backend.recover()
    tasks = [asyncio.create_task(one(run, story), name=f"story {run.index}") for run, story in zip(runs, stories)]
    watchers: set[asyncio.Task[None]] = set()
    try:
        while True:
            _raise_failed(tasks, watchers)
            if all(t.done() for t in tasks):
                return None
            await _settle(runs, activity)
            _raise_failed(tasks, watchers)
            fresh = transport.unassigned()
            if fresh:
                for request in fresh:
                    request.assigned = True
                watchers.update(await backend.submit(fresh))
                continue
            running = watchers | {t for t in tasks if not t.done()}
            if running:
                await asyncio.wait(running, timeout=QUIET_SECONDS * 5, return_when=asyncio.FIRST_COMPLETED)
    except StopRun as stop:
        return stop.message
    finally:
        leftover = [t for t in [*tasks, *watchers] if not t.done()]
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)


def _raise_failed(tasks: list[asyncio.Task[None]], watchers: set[asyncio.Task[None]]) -> None:
    """A story whose result could not be written (disk full) or a backend that gave up stops the run."""
    for task in [*tasks, *watchers]:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    watchers.difference_update({w for w in watchers if w.done()})


async def _settle(runs: list[StoryRun], activity: _Activity) -> None:
    """Return once no story can go on: all have loaded, and nothing happened for a few loop turns."""
    while True:
        seen = activity.count
        for _ in range(QUIET_TURNS):
            await asyncio.sleep(0)
        if activity.count != seen:
            continue
        if any(not (r.loaded or r.finished) for r in runs):
            await asyncio.sleep(QUIET_SECONDS)
            continue
        await asyncio.sleep(QUIET_SECONDS)
        if activity.count == seen:
            return
