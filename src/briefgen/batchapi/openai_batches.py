"""The OpenAI Batch API backend: upload, create, poll with backoff, download, hand answers back.

Order matters for "never pay twice": the request file is written, uploaded,
and a ``submitting`` entry (file id and custom_ids) saved *before* the batch
is created; the batch id is saved *before* any wait. A run killed between the
create call and that save is recovered by :meth:`OpenAIBatches.recover`, which
finds the batch by its ``briefgen_part`` metadata. Results are stored on disk
before any story sees them.

Expired, failed and cancelled batches still give every request an answer: an
error naming the batch (expired ones as HTTP 503, so the pipeline's transport
retries send them again in the next round; failed and cancelled ones as HTTP
410, so the article is recorded as failed and ``--via live`` finishes it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai

from briefgen._text import first_line
from briefgen.batchapi.jsonl import (
    ENDPOINT,
    GONE_STATUS,
    Outcome,
    error_body,
    expired,
    parse_output_line,
)
from briefgen.batchapi.rounds import Round
from briefgen.batchapi.state import TERMINAL, part_key
from briefgen.batchapi.transport import Parked
from briefgen.errors import BatchAPIError, BatchResultsError
from briefgen.llm.answers import api_message

T = TypeVar("T")

MAX_POLL_INTERVAL = 300.0
"""Longest wait between two polls of one batch: batches take minutes to hours."""
POLL_GROWTH = 1.5
TRANSIENT_TRIES = 8
"""Tries of one Batch API call through 429/5xx/dropped connections before the run stops (state kept)."""
ADOPT_WINDOW_S = 3600
"""How far before a ``submitting`` entry :meth:`OpenAIBatches.recover` looks for its batch."""


class OpenAIBatches:
    """Submit rounds to the Batch API and answer them when their batches end (see module docs)."""

    def __init__(self, rnd: Round, client: openai.AsyncOpenAI, *, poll_interval: float, where: str) -> None:
        self.rnd = rnd
        self.client = client
        self.poll_interval = poll_interval
        self.max_interval = max(poll_interval, min(MAX_POLL_INTERVAL, poll_interval * 30))
        self.where = where
        self.watching: set[str] = set()

    async def recover(self) -> None:
        """Adopt batches a killed run created but did not record (found by their ``briefgen_part``)."""
        state = self.rnd.state
        wanted = {k: e for k, e in state.submitting.items() if not e.get("absent")}
        if not wanted:
            return
        oldest = min(int(e.get("since", 0)) for e in wanted.values()) - ADOPT_WINDOW_S
        page = await self._call("listing batches", lambda: self.client.batches.list(limit=100))
        try:
            async for batch in page:  # newest first; later pages are fetched as the loop goes
                key = (batch.metadata or {}).get("briefgen_part")
                entry = wanted.pop(key, None) if key else None
                if entry is not None:
                    state.add_batch(batch.id, round_=entry["round"], ids=entry["custom_ids"],
                                    file_id=entry["file_id"], input_path=entry["input"], part_key=key)  # type: ignore[arg-type]
                if not wanted or batch.created_at < oldest:
                    break
        except openai.APIError as exc:
            raise BatchAPIError(f"the Batch API at {self.where} failed listing batches ({exc.__class__.__name__}: "
                                f"{api_message(exc)}); re-run the same command to resume") from None
        for entry in wanted.values():  # never created: the upload is reused when the same requests come again
            entry["absent"] = True
        state.save()

    async def submit(self, parked: list[Parked]) -> list[asyncio.Task[None]]:
        """Poll the batches these requests are already in; put the others in new batches of a new round."""
        state = self.rnd.state
        tasks: list[asyncio.Task[None]] = []
        fresh: list[Parked] = []
        for request in parked:
            batch_id = state.batch_of(request.custom_id)
            if batch_id is None:
                fresh.append(request)
            elif batch_id not in self.watching:
                tasks.append(self._start(batch_id))
        if fresh:
            round_ = state.next_round()
            for path, ids in self.rnd.write_parts(fresh, None, round_):
                tasks.append(self._start(await self._create(path.name, path.read_bytes(), str(path), ids, round_)))
        return tasks

    async def aclose(self) -> None:
        await self.client.close()

    def _start(self, batch_id: str) -> asyncio.Task[None]:
        self.watching.add(batch_id)
        return asyncio.create_task(self._watch(batch_id), name=f"batch {batch_id}")

    async def _create(self, name: str, data: bytes, input_path: str, ids: list[str], round_: int) -> str:
        state = self.rnd.state
        key = part_key(ids)
        entry = state.submitting.get(key)
        if entry is None:  # an entry left by a killed run already has its file uploaded: reuse it
            uploaded = await self._call(f"uploading {name}", lambda: self.client.files.create(
                file=(name, data, "application/jsonl"), purpose="batch"))
            entry = {"round": round_, "file_id": uploaded.id, "input": input_path, "custom_ids": ids,
                     "since": int(time.time())}
            state.submitting[key] = entry
            state.save()  # before the create: a kill after it is recovered from this entry
        batch = await self._call(f"creating the batch for {name}", lambda: self.client.batches.create(
            input_file_id=entry["file_id"], endpoint=ENDPOINT, completion_window="24h",
            metadata={"briefgen_part": key}))
        state.add_batch(batch.id, round_=round_, ids=ids, file_id=entry["file_id"], input_path=input_path,
                        part_key=key)
        self.rnd.on_status({"round": round_, "batch": batch.id, "status": batch.status, "completed": 0,
                            "failed": 0, "total": len(ids)})
        return batch.id

    async def _watch(self, batch_id: str) -> None:
        """Poll until the batch ends, with backoff; then store and deliver every request's answer."""
        state = self.rnd.state
        entry = state.batches[batch_id]
        delay = self.poll_interval
        seen: tuple[Any, ...] = ()
        while True:
            batch = await self._call(f"checking batch {batch_id}", lambda: self.client.batches.retrieve(batch_id))
            counts = batch.request_counts
            now = (batch.status, counts.completed if counts else 0, counts.failed if counts else 0)
            if now != seen:
                seen = now
                self.rnd.on_status({"round": entry["round"], "batch": batch_id, "status": batch.status,
                                    "completed": now[1], "failed": now[2], "total": len(entry["custom_ids"])})
                if entry.get("status") != batch.status:
                    entry["status"] = batch.status
                    state.save()
            if batch.status in TERMINAL:
                break
            await asyncio.sleep(delay)
            delay = min(delay * POLL_GROWTH, self.max_interval)
        outcomes: dict[str, Outcome] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                outcomes.update(await self._download(batch_id, file_id))
        missing = [cid for cid in entry["custom_ids"] if cid not in outcomes]
        if missing:
            outcome = self._missing(batch_id, batch)
            outcomes.update(dict.fromkeys(missing, outcome))
        self.rnd.deliver(batch_id, outcomes)
        entry["collected"] = True
        state.save()

    def _missing(self, batch_id: str, batch: Any) -> Outcome:
        """The answer for a request the batch never ran, naming why and what to do."""
        status = batch.status
        if status == "expired":
            return expired(batch_id)
        if status == "failed":
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            why = "; ".join(first_line(str(e.message), 120) for e in errors[:2] if getattr(e, "message", None))
            return Outcome(GONE_STATUS, error_body(
                f"batch {batch_id} failed{': ' + why if why else ''}; re-run with --via live to finish it",
                "batch_failed"))
        if status == "cancelled":
            return Outcome(GONE_STATUS, error_body(
                f"batch {batch_id} was cancelled before this request ran; re-run with --via live to finish it",
                "batch_cancelled"))
        return Outcome(502, error_body(f"batch {batch_id} ended ({status}) without an answer for this request; "
                                       "re-run with --via live to finish it", "batch_no_answer"))

    async def _download(self, batch_id: str, file_id: str) -> dict[str, Outcome]:
        response = await self._call(f"downloading {file_id} of batch {batch_id}",
                                    lambda: self.client.files.content(file_id))
        outcomes: dict[str, Outcome] = {}
        for number, line in enumerate(response.content.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                cid, outcome = parse_output_line(line, where=f"file {file_id} line {number}", batch=batch_id)
            except BatchResultsError as exc:
                raise BatchAPIError(f"batch {batch_id}: its results are not Batch API output ({exc}); "
                                    "check the base URL points at the OpenAI API") from None
            outcomes[cid] = outcome
        return outcomes

    async def _call(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        """One Batch API call; transient failures are retried with backoff, the rest named in one line."""
        delay = min(1.0, self.poll_interval)
        for attempt in range(1, TRANSIENT_TRIES + 1):
            try:
                return await make()
            except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
                if attempt == TRANSIENT_TRIES:
                    raise BatchAPIError(
                        f"the Batch API at {self.where} failed {what} {attempt} times ({exc.__class__.__name__}); "
                        f"everything submitted is saved in {self.rnd.state.folder}: re-run the same command "
                        "to resume") from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
            except openai.APIStatusError as exc:
                raise BatchAPIError(
                    f"the Batch API at {self.where} refused {what} (HTTP {exc.status_code}: "
                    f"{api_message(exc)}); {_advice(exc.status_code)}") from None
        raise AssertionError("unreachable")


def _advice(status: int) -> str:
    if status == 401:
        return "check OPENAI_API_KEY (or --api-key)"
    if status == 403:
        return "check that the key may use the Batch API and this model"
    if status == 404:
        return "the server has no Batch API (/v1/files, /v1/batches): use --via local-runner or --export-jsonl"
    return "check the model and the requests, or use --via live"
