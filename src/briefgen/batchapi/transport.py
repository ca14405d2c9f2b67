"""The seam: an HTTP transport that turns the pipeline's live calls into batch requests.

The pipeline (:meth:`briefgen.pipeline.Briefer.brief`) runs unchanged, with
its instructor re-asks and its verification; only its HTTP client is given
this transport. Each chat-completions request is

* answered at once from the stored results when its ``custom_id`` has an
  answer (a re-run replays what was already paid for), or
* parked: the request waits on a future until a batch round answers it.

A re-ask is a new request body, so it gets a new id and goes into a later
round; the headline call comes once a story's extractions are answered, so it
goes into a round after those. Nothing here knows the pipeline's steps.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from briefgen.batchapi.jsonl import Outcome, body_digest, custom_id, error_body


@dataclass
class StoryRun:
    """One story of the job: its key (the first part of its ids) and where it is."""

    index: int
    key: str
    loaded: bool = False
    finished: bool = False
    failed_answers: dict[str, int] = field(default_factory=dict)
    """Per body digest, how many answers to it were errors: a re-send after an error is a new
    request (the retry the pipeline asked for); a re-send after an answer replays that answer."""
    problems: list[str] = field(default_factory=list)
    """Batch-level troubles of this story's requests (expired, failed, cancelled, per-line errors)."""


CURRENT_STORY: contextvars.ContextVar[StoryRun] = contextvars.ContextVar("briefgen_batch_story")
"""Set in each story's task; the pipeline's child tasks inherit it, so the transport knows whose request it sees."""


@dataclass
class Parked:
    """A request waiting for a batch round to answer it."""

    custom_id: str
    story: StoryRun
    body: dict[str, Any]
    future: asyncio.Future[Outcome]
    assigned: bool = False
    """Handed to a backend (submitted, polled, exported): not part of the next round."""


class ParkingTransport(httpx.AsyncBaseTransport):
    """Replays stored answers; parks every other request until a round answers it (see module docs)."""

    def __init__(self, results: dict[str, Outcome], on_activity: Callable[[], None]) -> None:
        self.results = results
        self.pending: dict[str, Parked] = {}
        self.on_activity = on_activity
        self.replayed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return _json_response(404, error_body(f"the batch path answers chat completions only, not "
                                                  f"{request.method} {request.url.path}", "not_batched"), request)
        body = json.loads(await request.aread())
        story = CURRENT_STORY.get()
        digest = body_digest(body)
        cid = custom_id(story.key, digest, story.failed_answers.get(digest, 0))
        outcome = self.results.get(cid)
        if outcome is not None:
            self.replayed += 1
        else:
            story.loaded = True  # a story that asks has loaded its articles, whatever its progress said
            parked = self.pending.get(cid)
            if parked is None:
                parked = Parked(cid, story, body, asyncio.get_running_loop().create_future())
                self.pending[cid] = parked
            self.on_activity()
            try:
                outcome = await asyncio.shield(parked.future)
            finally:
                if parked.future.done():
                    self.pending.pop(cid, None)
        self.on_activity()
        if not outcome.ok:
            story.failed_answers[digest] = story.failed_answers.get(digest, 0) + 1
        return _json_response(outcome.status_code, outcome.body, request)

    def answer(self, cid: str, outcome: Outcome) -> None:
        """Resolve a parked request (a no-op when nothing waits on ``cid``)."""
        parked = self.pending.get(cid)
        if parked is not None and not parked.future.done():
            parked.future.set_result(outcome)

    def unassigned(self) -> list[Parked]:
        return [p for p in self.pending.values() if not p.assigned and not p.future.done()]


def _json_response(status: int, body: dict[str, Any], request: httpx.Request) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode("utf-8"),
                          headers={"content-type": "application/json"}, request=request)
