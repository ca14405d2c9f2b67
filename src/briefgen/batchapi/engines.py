"""Self-hosted engines: export a round's JSONL, import output files, or run them here.

* :class:`Exporter` (``--export-jsonl DIR``) writes the round's requests as
  Batch API JSONL and stops the run; any engine that reads that format (vLLM's
  ``run-batch``, the OpenAI Batch API by hand) answers them, and
  ``--import-results`` hands the output files back (:func:`import_results`).
* :class:`LocalRunner` (``--via local-runner``) plays the same files against
  any OpenAI-compatible base URL (llama.cpp, Ollama, vLLM's server) with
  bounded concurrency, writing Batch API output lines as answers arrive.
* :class:`DryRun` (``--dry-run``) keeps the first round's requests to count
  and price them, and sends nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import httpx

from briefgen._files import describe_os_error
from briefgen.batchapi.jsonl import ENDPOINT, Outcome, error_body, output_line, read_output
from briefgen.batchapi.rounds import Round, StopRun
from briefgen.batchapi.transport import Parked
from briefgen.errors import BatchResultsError, BatchStateError

RUNNER_RETRIES = 3
"""Tries of one request on 429/5xx/dropped connections before its answer is recorded as that error."""


def import_results(rnd: Round, files: list[Path]) -> int:
    """Store the lines of each Batch API output file (read in full first: a bad file stores nothing)."""
    added = 0
    for path in files:
        outcomes = dict(read_output(Path(path)))
        if not outcomes:
            raise BatchResultsError(f"{path}: no output lines; give the output file of a batch run")
        digest = hashlib.sha256(b"".join(output_line(c, o) for c, o in sorted(outcomes.items()))).hexdigest()[:12]
        rnd.deliver(f"import-{digest}", outcomes)
        added += len(outcomes)
    return added


class Exporter:
    """Write each round's new requests to ``folder`` and stop (see module docs)."""

    def __init__(self, rnd: Round, folder: Path | None) -> None:
        self.rnd = rnd
        recorded = rnd.state.data.get("export_dir")
        self.folder = folder if folder is not None else (Path(recorded) if recorded else None)

    async def recover(self) -> None:
        return None

    async def submit(self, parked: list[Parked]) -> list[asyncio.Task[None]]:
        state = self.rnd.state
        new = [p for p in parked if p.custom_id not in state.exported]
        waiting = sorted({state.exported[p.custom_id] for p in parked if p.custom_id in state.exported})
        if new:
            if self.folder is None:
                raise BatchStateError(f"{len(new)} request(s) need answers; add --export-jsonl DIR to write them "
                                      "for your engine")
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BatchStateError(f"cannot create {self.folder}: {describe_os_error(exc)}") from exc
            round_ = state.next_round()
            for path, ids in self.rnd.write_parts(new, self.folder, round_):
                state.exported.update(dict.fromkeys(ids, str(path)))
                waiting.append(str(path))
            state.data["export_dir"] = str(self.folder)
            state.save()
        files = ", ".join(waiting[:4]) + (f" and {len(waiting) - 4} more" if len(waiting) > 4 else "")
        raise StopRun(f"{len(parked)} request(s) wait for answers in {files}; run them on your engine "
                      "(e.g. vllm run-batch -i IN -o OUT --model M), then re-run with --import-results OUT ...")

    async def aclose(self) -> None:
        return None


class DryRun:
    """Keep the first round's requests and stop; nothing is sent or written."""

    def __init__(self) -> None:
        self.requests: list[Parked] = []

    async def recover(self) -> None:
        return None

    async def submit(self, parked: list[Parked]) -> list[asyncio.Task[None]]:
        self.requests = list(parked)
        raise StopRun("dry run")

    async def aclose(self) -> None:
        return None


class LocalRunner:
    """Play each round's JSONL against an OpenAI-compatible server, ``concurrency`` requests at a time.

    Answers are appended to ``STATE/results/local-round-N-part-K.jsonl`` as
    they arrive (Batch API output format), so a killed run keeps every answer
    it got; each waiting story goes on as soon as its answer is in.
    """

    def __init__(self, rnd: Round, base_url: str, api_key: str, *, concurrency: int, timeout: float) -> None:
        self.rnd = rnd
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.slots = asyncio.Semaphore(max(concurrency, 1))
        host = httpx.URL(base_url).host
        # A server on this machine is reached directly, never through an HTTP_PROXY.
        loopback = host in ("localhost", "::1") or host.startswith("127.")
        self.http = httpx.AsyncClient(timeout=timeout, headers={"authorization": f"Bearer {api_key}"},
                                      trust_env=not loopback)
        self.retry_delay = 1.0

    async def recover(self) -> None:
        return None

    async def submit(self, parked: list[Parked]) -> list[asyncio.Task[None]]:
        round_ = self.rnd.state.next_round()
        self.rnd.state.save()
        tasks = []
        for path, ids in self.rnd.write_parts(parked, None, round_):
            tasks.append(asyncio.create_task(self._play(path, round_, len(ids)), name=f"runner {path.name}"))
        return tasks

    async def _play(self, path: Path, round_: int, total: int) -> None:
        import json

        requests = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out = self.rnd.state.results_path(f"local-{path.stem}")
        done = {"completed": 0, "failed": 0}

        def status(state: str) -> None:
            self.rnd.on_status({"round": round_, "batch": path.name, "status": state, "total": total, **done})

        status("in_progress")
        try:
            sink = out.open("ab")
        except OSError as exc:
            raise BatchStateError(f"cannot write {out}: {describe_os_error(exc)}") from exc
        with sink:

            async def one(line: dict[str, object]) -> None:
                async with self.slots:
                    outcome = await self._send(line["body"])  # type: ignore[arg-type]
                cid = str(line["custom_id"])
                sink.write(output_line(cid, outcome))
                sink.flush()  # a killed run keeps what was answered
                done["completed" if outcome.ok else "failed"] += 1
                self.rnd.deliver(path.name, {cid: outcome}, store=False)
                self.rnd.state.results[cid] = outcome
                status("in_progress")

            await asyncio.gather(*(one(line) for line in requests))
            os.fsync(sink.fileno())
        status("completed")

    async def _send(self, body: dict[str, object]) -> Outcome:
        delay = self.retry_delay
        for attempt in range(1, RUNNER_RETRIES + 1):
            try:
                response = await self.http.post(self.url, json=body)
            except httpx.HTTPError as exc:
                if attempt == RUNNER_RETRIES:
                    return Outcome(503, error_body(f"cannot reach {self.url} ({exc.__class__.__name__}); is the "
                                                   "server running?", "runner_unreachable"))
            else:
                if response.status_code not in (408, 429) and response.status_code < 500 or attempt == RUNNER_RETRIES:
                    try:
                        data = response.json()
                    except ValueError:
                        data = error_body(f"{self.url} answered HTTP {response.status_code} with no JSON", "no_json")
                    return Outcome(response.status_code, data if isinstance(data, dict) else
                                   error_body("the answer was not a JSON object", "no_json"))
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self.http.aclose()


__all__ = ["ENDPOINT", "DryRun", "Exporter", "LocalRunner", "import_results"]
