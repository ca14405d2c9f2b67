"""The Batch API half of :class:`briefgen.testing.FakeOpenAIServer`: ``/v1/files`` and ``/v1/batches``.

A batch moves one status per retrieve along a plan (default ``validating`` →
``in_progress`` → ``completed``; queue others with
:meth:`FakeBatches.plan`, e.g. ending in ``expired`` or ``failed``). When it
ends, each request line is answered the way the server answers live requests
(recorded, queued or crafted answers; every crafted completion says
``"model": "crafted"``), into an output file and an error file in the Batch
API's format. ``line_error`` makes chosen lines fail; an expired batch
answers only the first ``expired_done`` share of its lines; a failed or
cancelled one answers none. ``answered`` counts how many times each
``custom_id`` was answered, i.e. paid for: a test of "never pay twice" reads it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

TERMINAL = ("completed", "failed", "expired", "cancelled")
DEFAULT_PLAN = ("validating", "in_progress", "completed")

AnswerFn = Callable[[bytes], tuple[int, bytes]]
"""Answers one chat-completions body: (HTTP status, response body)."""
LineError = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]] | None]
"""(custom_id, request body) → (status, error body) for a line that should fail, else None."""


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``name → (filename, data)`` of a multipart/form-data body (what ``files.create`` sends)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        return {}
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + found.group(1).encode()):
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        name = re.search(rb'name="([^"]*)"', head)
        filename = re.search(rb'filename="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = (filename.group(1).decode() if filename else None,
                                              data.removesuffix(b"\r\n"))
    return fields


class FakeBatches:
    """Files and batches kept in memory, thread-safe (the server is threaded)."""

    def __init__(self, answer: AnswerFn) -> None:
        self.answer = answer
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.plans: deque[tuple[str, ...]] = deque()
        self.default_plan: tuple[str, ...] = DEFAULT_PLAN
        self.line_error: LineError | None = None
        self.expired_done = 0.5
        self.answered: Counter[str] = Counter()
        self._steps: dict[str, list[str]] = {}
        self._lock = threading.RLock()
        self._clock = 1_700_000_000

    def plan(self, *statuses: str) -> None:
        """The status sequence of the next created batch (queue several calls for several batches)."""
        with self._lock:
            self.plans.append(tuple(statuses))

    def _tick(self) -> int:
        self._clock += 1
        return self._clock

    def upload(self, fields: dict[str, tuple[str | None, bytes]]) -> tuple[int, dict[str, Any]]:
        if "file" not in fields:
            return 400, _error("no file in the upload")
        filename, data = fields["file"]
        purpose = fields.get("purpose", (None, b""))[1].decode()
        with self._lock:
            file_id = f"file-crafted-{len(self.files) + 1}"
            meta = {"id": file_id, "object": "file", "bytes": len(data), "created_at": self._tick(),
                    "filename": filename or "upload.jsonl", "purpose": purpose, "status": "processed"}
            self.files[file_id] = meta
            self.contents[file_id] = data
        return 200, meta

    def _store(self, name: str, data: bytes, purpose: str) -> str:
        file_id = f"file-crafted-{len(self.files) + 1}"
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(data), "created_at": self._tick(),
                               "filename": name, "purpose": purpose, "status": "processed"}
        self.contents[file_id] = data
        return file_id

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            file_id = body.get("input_file_id")
            if file_id not in self.contents:
                return 404, _error(f"no such file: {file_id}")
            lines = [json.loads(x) for x in self.contents[file_id].decode().splitlines() if x.strip()]
            batch_id = f"batch_crafted_{len(self.batches) + 1}"
            self._steps[batch_id] = list(self.plans.popleft() if self.plans else self.default_plan)
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
                "input_file_id": file_id, "completion_window": body.get("completion_window", "24h"),
                "status": self._steps[batch_id].pop(0), "output_file_id": None, "error_file_id": None,
                "created_at": self._tick(), "metadata": body.get("metadata") or None,
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            }
            return 200, dict(self.batches[batch_id])

    def retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, _error(f"no such batch: {batch_id}")
            steps = self._steps[batch_id]
            if batch["status"] not in TERMINAL and steps:
                batch["status"] = steps.pop(0)
                if batch["status"] in TERMINAL:
                    self._finish(batch)
            return 200, dict(batch)

    def cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, _error(f"no such batch: {batch_id}")
            if batch["status"] not in TERMINAL:
                batch["status"] = "cancelling"
                self._steps[batch_id] = ["cancelled"]
            return 200, dict(batch)

    def listing(self, after: str | None, limit: int) -> dict[str, Any]:
        with self._lock:
            newest_first = sorted(self.batches.values(), key=lambda b: b["created_at"], reverse=True)
            if after:
                ids = [b["id"] for b in newest_first]
                newest_first = newest_first[ids.index(after) + 1:] if after in ids else []
            page = [dict(b) for b in newest_first[:limit]]
            return {"object": "list", "data": page, "has_more": len(newest_first) > limit,
                    "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None}

    def _finish(self, batch: dict[str, Any]) -> None:
        """Answer the batch's lines as its final status says (see module docs)."""
        status = batch["status"]
        if status == "failed":
            batch["errors"] = {"object": "list", "data": [
                {"code": "invalid_request_file", "message": "crafted failure of the whole batch", "line": None}]}
            return
        if status == "cancelled":
            return
        lines = [json.loads(x) for x in self.contents[batch["input_file_id"]].decode().splitlines() if x.strip()]
        run = lines if status == "completed" else lines[: int(len(lines) * self.expired_done)]
        output: list[str] = []
        errors: list[str] = []
        for number, line in enumerate(lines):
            cid = line["custom_id"]
            if number >= len(run):
                errors.append(json.dumps({"id": f"batch_req_crafted_{number}", "custom_id": cid, "response": None,
                                          "error": {"code": "batch_expired", "message": "This request could not be "
                                                    "executed before the completion window expired."}}))
                continue
            failed = self.line_error(cid, line["body"]) if self.line_error else None
            if failed is not None:
                status_code, body = failed
            else:
                status_code, raw = self.answer(json.dumps(line["body"]).encode())
                body = json.loads(raw)
            self.answered[cid] += 1
            record = json.dumps({"id": f"batch_req_crafted_{number}", "custom_id": cid,
                                 "response": {"status_code": status_code, "request_id": f"req_crafted_{number}",
                                              "body": body}, "error": None})
            (output if status_code == 200 else errors).append(record)
        batch["request_counts"] = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        if output:
            batch["output_file_id"] = self._store(f"{batch['id']}_output.jsonl", "\n".join(output).encode() + b"\n",
                                                  "batch_output")
        if errors:
            batch["error_file_id"] = self._store(f"{batch['id']}_error.jsonl", "\n".join(errors).encode() + b"\n",
                                                 "batch_output")

    def route_get(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any] | bytes] | None:
        """Answer a GET under /v1/files or /v1/batches (None: not ours)."""
        if found := re.fullmatch(r".*/files/([^/]+)/content", path):
            with self._lock:
                data = self.contents.get(found.group(1))
            return (200, data) if data is not None else (404, _error("no such file"))
        if found := re.fullmatch(r".*/files/([^/]+)", path):
            with self._lock:
                meta = self.files.get(found.group(1))
            return (200, meta) if meta is not None else (404, _error("no such file"))
        if found := re.fullmatch(r".*/batches/([^/]+)", path):
            return self.retrieve(found.group(1))
        if path.endswith("/batches"):
            return 200, self.listing(query.get("after"), int(query.get("limit") or 20))
        return None

    def route_post(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]] | None:
        """Answer a POST under /v1/files or /v1/batches (None: not ours)."""
        if path.endswith("/files"):
            return self.upload(parse_multipart(content_type, body))
        if found := re.fullmatch(r".*/batches/([^/]+)/cancel", path):
            return self.cancel(found.group(1))
        if path.endswith("/batches"):
            return self.create(json.loads(body or b"{}"))
        return None


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": f"FakeOpenAIServer: {message}", "type": "invalid_request_error"}}
