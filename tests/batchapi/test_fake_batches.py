"""FakeOpenAIServer's Batch API, driven by the real openai client (crafted answers, named as crafted)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai

from briefgen.batchapi.jsonl import request_line
from tests.test_imports import GRAPH

from .helpers import crafted_server, stories


def _lines(count: int) -> bytes:
    body = {"model": "m", "messages": [{"role": "user", "content": f"<article>\n{stories(1)[0][0]}\n</article>"}]}
    return b"".join(request_line(f"id-{i}", body) for i in range(count))


async def _drive(base_url: str, plan: tuple[str, ...] | None, *, cancel: bool = False) -> dict[str, Any]:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0)
    try:
        uploaded = await client.files.create(file=("in.jsonl", _lines(4), "application/jsonl"), purpose="batch")
        batch = await client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                            completion_window="24h", metadata={"briefgen_part": "k1"})
        statuses = [batch.status]
        if cancel:
            statuses.append((await client.batches.cancel(batch.id)).status)
        while batch.status not in ("completed", "failed", "expired", "cancelled"):
            batch = await client.batches.retrieve(batch.id)
            statuses.append(batch.status)
        output = (await client.files.content(batch.output_file_id)).content if batch.output_file_id else b""
        errors = (await client.files.content(batch.error_file_id)).content if batch.error_file_id else b""
        listed = [b.id async for b in client.batches.list(limit=1)]
        return {"statuses": statuses, "batch": batch, "output": output.decode().splitlines(),
                "errors": errors.decode().splitlines(), "listed": listed}
    finally:
        await client.close()


def test_batch_moves_validating_in_progress_completed_and_answers_every_line_crafted() -> None:
    with crafted_server() as fake:
        seen = asyncio.run(_drive(fake.base_url, None))
        assert dict(fake.batch_api.answered) == {f"id-{i}": 1 for i in range(4)}
    assert seen["statuses"] == ["validating", "in_progress", "completed"]
    line = json.loads(seen["output"][0])
    assert line["custom_id"] == "id-0" and line["response"]["status_code"] == 200
    assert line["response"]["body"]["model"] == "crafted"  # named as crafted, never as a recording
    assert seen["batch"].request_counts.completed == 4 and seen["batch"].metadata == {"briefgen_part": "k1"}
    assert seen["listed"] == [seen["batch"].id]


def test_expired_batch_answers_part_and_lists_the_rest_as_batch_expired() -> None:
    with crafted_server() as fake:
        fake.batch_api.plan("validating", "expired")
        seen = asyncio.run(_drive(fake.base_url, None))
    assert len(seen["output"]) == 2 and len(seen["errors"]) == 2
    assert json.loads(seen["errors"][0])["error"]["code"] == "batch_expired"


def test_failed_and_cancelled_batches_answer_nothing() -> None:
    with crafted_server() as fake:
        fake.batch_api.plan("validating", "failed")
        failed = asyncio.run(_drive(fake.base_url, None))
        cancelled = asyncio.run(_drive(fake.base_url, None, cancel=True))
        assert not fake.batch_api.answered
    assert failed["batch"].errors.data[0].code == "invalid_request_file" and failed["output"] == []
    assert cancelled["statuses"][-2:] == ["cancelling", "cancelled"] and cancelled["output"] == []


def test_per_line_errors_go_to_the_error_file() -> None:
    with crafted_server() as fake:
        fake.batch_api.line_error = lambda cid, body: (429, {"error": {"message": "crafted"}}) if cid == "id-1" else None
        seen = asyncio.run(_drive(fake.base_url, None))
    assert len(seen["output"]) == 3 and json.loads(seen["errors"][0])["response"]["status_code"] == 429


def test_only_the_surfaces_import_the_batch_path() -> None:
    importers = {name for name, targets in GRAPH.items()
                 if any(t == "briefgen.batchapi" or t.startswith("briefgen.batchapi.") for t in targets)
                 and not name.startswith("briefgen.batchapi")}
    assert importers and all(n == "briefgen.api" or n.startswith("briefgen.cli") for n in importers), importers
