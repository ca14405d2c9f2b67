"""What every backend shares: the round's request files, handing answers back, status events.

A backend takes the parked requests of a round and, one way or another, gets
them answered: the OpenAI Batch API (:mod:`briefgen.batchapi.openai_batches`),
a local runner, or a person running an exported file on vLLM
(:mod:`briefgen.batchapi.engines`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from briefgen._files import write_atomic
from briefgen.batchapi.jsonl import Outcome, request_line, split_lines, story_of
from briefgen.batchapi.state import BatchState
from briefgen.batchapi.transport import Parked, ParkingTransport

StatusCallback = Callable[[dict[str, Any]], None]
"""Called with ``{"round", "batch", "status", "completed", "failed", "total"}`` as a batch moves on."""


class StopRun(Exception):
    """A backend has done what it can in this run (requests exported, a dry run counted)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Backend(Protocol):
    async def recover(self) -> None: ...
    async def submit(self, parked: list[Parked]) -> list[asyncio.Task[None]]: ...
    async def aclose(self) -> None: ...


@dataclass
class Round:
    """The context a backend works in: the state, the transport to answer through, the split limits."""

    state: BatchState
    transport: ParkingTransport
    on_status: StatusCallback
    max_lines: int
    max_bytes: int
    problems: dict[str, list[str]] = field(default_factory=dict)
    """Per story key: batch-level troubles of its requests, reported per story at the end."""

    def write_parts(self, parked: list[Parked], folder: Path | None, round_: int) -> list[tuple[Path, list[str]]]:
        """The round's requests as JSONL files, split at the Batch API's limits; (path, ids) per file."""
        ordered = sorted(parked, key=lambda p: p.custom_id)  # the same requests give the same files
        lines = [request_line(p.custom_id, p.body) for p in ordered]
        files = []
        start = 0
        for number, part in enumerate(split_lines(lines, max_lines=self.max_lines, max_bytes=self.max_bytes), 1):
            ids = [p.custom_id for p in ordered[start:start + len(part)]]
            start += len(part)
            name = f"round-{round_}-part-{number}.jsonl"
            path = (folder / name) if folder is not None else self.state.request_path(name)
            write_atomic(path, b"".join(part))
            files.append((path, ids))
        return files

    def deliver(self, source: str, outcomes: dict[str, Outcome], *, store: bool = True) -> None:
        """Persist ``outcomes`` (one results file per source), then resolve the requests waiting on them.

        Stored first, resolved second: a kill in between replays the answers on the next run.
        Every failed answer is noted against its story, to be reported per story.
        """
        if store:
            self.state.store_results(source, outcomes)
        for cid, outcome in outcomes.items():
            if not outcome.ok:
                error = outcome.body.get("error")
                message = str(error.get("message")) if isinstance(error, dict) else f"HTTP {outcome.status_code}"
                self.note_problem(cid, f"{source}: HTTP {outcome.status_code}: {message[:200]}")
            self.transport.answer(cid, outcome)

    def note_problem(self, cid: str, problem: str) -> None:
        notes = self.problems.setdefault(story_of(cid), [])
        if problem not in notes:
            notes.append(problem)
