"""The Batch API file format: request lines in, output lines back, and the ids that join them.

One request line is ``{"custom_id", "method", "url", "body"}``; one output
line is ``{"custom_id", "response": {"status_code", "body"}, "error"}``. The
same format is read by OpenAI's Batch API, vLLM's ``run-batch`` and the local
runner, so every engine is interchangeable behind it.

A ``custom_id`` is derived from the request itself (a hash of its canonical
JSON body) plus the story's key, never from a counter of this run: the same
inputs and settings give the same ids on a re-run, which is what lets a killed
run find its answers again instead of paying for them twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from briefgen.errors import BatchResultsError

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
MAX_LINES = 50_000
"""Requests per input file: the Batch API's limit."""
MAX_BYTES = 200 * 1024 * 1024
"""Bytes per input file: the Batch API's limit."""


def canonical(body: dict[str, Any]) -> str:
    """The body as canonical JSON (sorted keys, no spaces), so key order never changes an id."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()[:20]


def story_key(label: str) -> str:
    """A short, stable key for a story (its folder name, or its inputs in the library)."""
    return hashlib.sha256(label.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def custom_id(story: str, digest: str, redo: int) -> str:
    """``<story key>-<body digest>-<redo>``; ``redo`` counts earlier *failed* answers to the same
    body in this story, so a transport retry after an error is a new request, and nothing else is."""
    return f"{story}-{digest}-{redo}"


def story_of(custom_id_: str) -> str:
    return custom_id_.split("-", 1)[0]


@dataclass(frozen=True)
class Outcome:
    """The answer to one request, as an HTTP status and JSON body (what the pipeline's client sees)."""

    status_code: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def request_line(cid: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": body}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def split_lines(lines: list[bytes], *, max_lines: int = MAX_LINES, max_bytes: int = MAX_BYTES) -> list[list[bytes]]:
    """Lines in order, cut into files of at most ``max_lines`` lines and ``max_bytes`` bytes."""
    parts: list[list[bytes]] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if current and (len(current) >= max_lines or size + len(line) > max_bytes):
            parts.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current:
        parts.append(current)
    return parts


def error_body(message: str, code: str) -> dict[str, Any]:
    """An OpenAI-style error body; the pipeline's client shows ``message`` in the article's failure."""
    return {"error": {"message": message, "type": "batch_error", "code": code}}


def output_line(cid: str, outcome: Outcome) -> bytes:
    line = {"id": f"batch_req_{cid}", "custom_id": cid,
            "response": {"status_code": outcome.status_code, "body": outcome.body}, "error": None}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


EXPIRED_STATUS = 503
"""An expired request did not run: a transient failure, retried in the next round (transport_retries)."""
GONE_STATUS = 410
"""A request of a cancelled or failed batch: not retried by the batch path; ``--via live`` finishes it."""


def expired(batch: str | None) -> Outcome:
    """The answer of a request its batch never ran before the 24 h window closed."""
    return Outcome(EXPIRED_STATUS, error_body(
        f"batch {batch or '(unnamed)'} expired before this request ran; it is sent again in the next round "
        "(up to transport_retries times), else re-run with --via live to finish it", "batch_expired"))


def parse_output_line(line: str, *, where: str, batch: str | None = None) -> tuple[str, Outcome]:
    """One Batch API output or error line as (custom_id, outcome); :class:`BatchResultsError` if it is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BatchResultsError(f"{where}: not JSON ({exc.msg}); give the output file of a batch run") from None
    if not isinstance(data, dict) or not isinstance(data.get("custom_id"), str):
        raise BatchResultsError(f"{where}: no custom_id; give the output file of a batch run "
                                "(lines of {\"custom_id\", \"response\"}), not its input")
    cid = data["custom_id"]
    response = data.get("response")
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        body = response.get("body")
        if isinstance(body, str):  # some engines send the body as a JSON string
            try:
                body = json.loads(body)
            except json.JSONDecodeError:
                body = error_body(body[:300], "unparsable_body")
        if not isinstance(body, dict):
            body = error_body("the batch line carried no response body", "no_body")
        return cid, Outcome(response["status_code"], body)
    error = data.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "batch_line_error")
        if code == "batch_expired":
            return cid, expired(batch)
        message = str(error.get("message") or code)
        return cid, Outcome(502, error_body(f"batch {batch or '(unnamed)'} did not run this request ({code}: "
                                            f"{message}); re-run with --via live to finish it", code))
    raise BatchResultsError(f"{where}: neither a response nor an error for custom_id {cid!r}; "
                            "give the output file of a batch run")


def read_output(path: Path, *, lenient: bool = False) -> Iterator[tuple[str, Outcome]]:
    """Every (custom_id, outcome) of an output file.

    ``lenient``: a last line cut off by a kill (the local runner appends as it
    goes) is skipped instead of raised.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchResultsError(f"{path}: cannot read it ({exc.__class__.__name__}: {exc}); "
                                "give a readable output file") from None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield parse_output_line(line, where=f"{path} line {number}")
        except BatchResultsError:
            if lenient and number == len(lines) and not text.endswith("\n"):
                return
            raise
