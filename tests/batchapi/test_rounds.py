"""The batch path end to end against the fake Batch API (crafted answers, see helpers.py).

Each test names the fault it stands for; the answers are crafted, never recordings.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from briefgen import summarize_batch
from briefgen.batchapi import BATCH_DISCOUNT, BatchOptions
from briefgen.batchapi import coordinator as coordinator_module
from briefgen.batchapi.state import BatchState
from briefgen.brief import Brief
from briefgen.errors import BatchAPIError, ConfigError, ModelError
from briefgen.testing import (
    CraftedReply,
    crafted_answer,
    crafted_article_text,
    tool_call_completion,
)

from .helpers import crafted_server, run, settings_for, stories


def test_batch_api_briefs_equal_live_briefs_at_half_the_cost(tmp_path: Path) -> None:
    items = stories(3)
    with crafted_server() as fake:
        live = summarize_batch(items, settings=settings_for(fake))
        live_requests = len(fake.requests)
        batch = run(items, settings_for(fake), tmp_path / "state")
        assert batch.stopped is None and batch.rounds == 2  # extractions, then headlines
        answered = fake.batch_api.answered
        assert len(answered) == live_requests and max(answered.values()) == 1  # every request once, none twice
    briefs = [r for r in batch.results if isinstance(r, Brief)]
    assert len(briefs) == 3
    for a, b in zip(live, briefs, strict=True):
        assert isinstance(a, Brief)
        assert (a.headline, [p.text for p in a.points]) == (b.headline, [p.text for p in b.points])
        assert a.usage.total_tokens == b.usage.total_tokens
        assert b.usage.cost_usd == pytest.approx(a.usage.cost_usd * BATCH_DISCOUNT)


def test_rerun_replays_stored_answers_and_sends_nothing(tmp_path: Path) -> None:
    items = stories(2)
    with crafted_server() as fake:
        first = run(items, settings_for(fake), tmp_path / "state")
        sent = len(fake.requests)
        again = run(items, settings_for(fake), tmp_path / "state")
        assert len(fake.requests) == sent and len(fake.batch_api.batches) == 2
    assert again.replayed == sent
    assert [r.headline for r in again.results] == [r.headline for r in first.results]  # type: ignore[union-attr]


def test_claims_failing_verification_are_reasked_in_a_second_round_crafted(tmp_path: Path) -> None:
    """The first answer to each article quotes a sentence that is not in it: verification fails,
    instructor re-asks, and the re-ask (a new request body) goes into round 2; headlines in round 3."""

    def answer(request: dict[str, Any]) -> CraftedReply:
        text = crafted_article_text(request)
        if text and len(request["messages"]) == 2:  # a first attempt, not a re-ask
            return CraftedReply(body=tool_call_completion({"claims": [
                {"claim": "The council banned all cars.", "quote": "The council banned all cars forever."},
                {"claim": "Nobody said anything.", "quote": "Nobody said anything at all."}]}))
        return crafted_answer(request)

    with crafted_server(fallback=answer) as fake:
        result = run(stories(2), settings_for(fake, max_retries=1), tmp_path / "state")
    assert result.rounds == 3
    for brief in result.results:
        assert isinstance(brief, Brief) and brief.points
        assert all("banned" not in p.text for p in brief.points)  # nothing unverified got through
        assert brief.usage.reasks == 2


def test_expired_batch_is_sent_again_next_round_and_reported(tmp_path: Path) -> None:
    with crafted_server() as fake:
        fake.batch_api.plan("validating", "in_progress", "expired")  # half of round 1 never runs
        result = run(stories(2), settings_for(fake, transport_retries=1), tmp_path / "state")
        assert max(fake.batch_api.answered.values()) == 1
    assert all(isinstance(r, Brief) and r.complete for r in result.results)
    assert result.problems and all("expired" in " ".join(p) for p in result.problems.values())


def test_expired_requests_without_retries_are_article_failures_naming_the_batch(tmp_path: Path) -> None:
    with crafted_server() as fake:
        fake.batch_api.plan("validating", "expired")
        fake.batch_api.expired_done = 0.0
        result = run(stories(1), settings_for(fake), tmp_path / "state")
    [outcome] = result.results
    assert isinstance(outcome, ModelError)
    assert "batch_crafted_1 expired" in str(outcome) and "--via live" in str(outcome)


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_failed_or_cancelled_batch_fails_its_stories_by_name_and_live_finishes_them(tmp_path: Path,
                                                                                  status: str) -> None:
    items = stories(2)
    with crafted_server() as fake:
        fake.batch_api.plan("validating", status)
        result = run(items, settings_for(fake), tmp_path / "state")
        assert all(isinstance(r, ModelError) and status in str(r) and "--via live" in str(r)
                   for r in result.results)
        assert set(result.problems) == {0, 1}
        finished = summarize_batch(items, settings=settings_for(fake))  # what --via live does next
    assert all(isinstance(r, Brief) and r.complete for r in finished)


def test_per_line_error_fails_that_article_only(tmp_path: Path) -> None:
    def line_error(custom_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if "town0x1" in json.dumps(body):
            return 400, {"error": {"message": "crafted per-line error", "type": "invalid_request_error"}}
        return None

    with crafted_server() as fake:
        fake.batch_api.line_error = line_error
        result = run(stories(2), settings_for(fake), tmp_path / "state")
    partial, whole = result.results
    assert isinstance(partial, Brief) and not partial.complete
    assert "crafted per-line error" in partial.failures[0].message
    assert isinstance(whole, Brief) and whole.complete
    assert list(result.problems) == [0]


def test_rounds_are_split_at_the_line_limit(tmp_path: Path) -> None:
    with crafted_server() as fake:
        result = run(stories(3), settings_for(fake), tmp_path / "state", max_lines=4)
        assert len(fake.batch_api.batches) == 3  # 6 extractions in 2 files, 3 headlines in 1
    assert all(isinstance(r, Brief) for r in result.results)
    lines = [len(p.read_text().splitlines()) for p in sorted((tmp_path / "state" / "requests").glob("*.jsonl"))]
    assert sorted(lines) == [2, 3, 4]


def test_call_deadline_does_not_fire_while_a_request_waits_for_its_batch(tmp_path: Path) -> None:
    with crafted_server() as fake:
        fake.batch_api.plan("validating", *["in_progress"] * 12, "completed")
        result = run(stories(1), settings_for(fake, call_deadline=0.2), tmp_path / "state", poll_interval=0.1)
    assert isinstance(result.results[0], Brief) and result.results[0].complete


def test_kill_between_batch_create_and_its_record_adopts_the_batch_and_pays_once(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A kill right after ``batches.create`` returns, before the id is saved: the re-run finds the
    batch by its metadata instead of creating (and paying for) a second one."""
    items = stories(2)
    real_add = BatchState.add_batch

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    with crafted_server() as fake:
        monkeypatch.setattr(BatchState, "add_batch", killed)
        with pytest.raises(KeyboardInterrupt):
            run(items, settings_for(fake), tmp_path / "state")
        assert len(fake.batch_api.batches) == 1
        monkeypatch.setattr(BatchState, "add_batch", real_add)
        result = run(items, settings_for(fake), tmp_path / "state")
        assert len(fake.batch_api.batches) == 2 and max(fake.batch_api.answered.values()) == 1
    assert all(isinstance(r, Brief) for r in result.results)


def test_unreachable_batch_api_is_one_line_naming_the_state_to_resume_from(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("briefgen.batchapi.openai_batches.TRANSIENT_TRIES", 2)
    with crafted_server() as fake:
        settings = settings_for(fake)
    with pytest.raises(BatchAPIError, match="re-run the same command to resume"):  # the server is gone
        run(stories(1), settings, tmp_path / "state")


def test_server_without_a_batch_api_says_which_path_to_use(tmp_path: Path) -> None:
    with crafted_server() as fake:
        # a chat-only server (llama.cpp, Ollama): 404 for /v1/files
        fake.batch_api.route_post = lambda *a: (404, {"error": {"message": "File Not Found"}})  # type: ignore[method-assign]
        with pytest.raises(BatchAPIError, match=r"refused uploading .*HTTP 404: File Not Found.*use --via local-runner"):
            run(stories(1), settings_for(fake), tmp_path / "state")


def test_unknown_via_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="use one of live, batch-api, local-runner"):
        summarize_batch([["x"]], via="batch", base_url="http://127.0.0.1:9/v1")


def test_summarize_batch_via_batch_api(tmp_path: Path) -> None:
    with crafted_server() as fake:
        results = summarize_batch(stories(2), settings=settings_for(fake), via="batch-api",
                                  batch=BatchOptions(state_dir=tmp_path / "s", poll_interval=0.01))
    assert [type(r) for r in results] == [Brief, Brief]


def test_quiescence_waits_for_every_story_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One slow story (loading takes a while) must not make the others go in a round of their own."""
    from briefgen import pipeline

    real = pipeline.load_articles

    def slow(inputs: Any, settings: Any) -> Any:
        if "town0x0" in str(inputs):
            import time

            time.sleep(0.5)
        return real(inputs, settings)

    monkeypatch.setattr(pipeline, "load_articles", slow)
    with crafted_server() as fake:
        result = run(stories(3), settings_for(fake), tmp_path / "state")
    assert result.rounds == 2


def test_results_are_on_disk_before_any_story_sees_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def on_result(index: int, result: object) -> None:
        seen.append(len(BatchState.open(tmp_path / "state").results))

    with crafted_server() as fake:
        asyncio.run(coordinator_module.run_batch(
            stories(2), settings_for(fake), via="batch-api", on_result=on_result,
            options=BatchOptions(state_dir=tmp_path / "state", poll_interval=0.01)))
    assert seen == [6, 6]


def test_kill_before_the_batch_was_created_reuses_the_upload_and_creates_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kill after the upload but before ``batches.create`` reached the server: the re-run finds no
    such batch, marks the entry absent, and creates the batch from the file already uploaded."""
    from briefgen.batchapi.openai_batches import OpenAIBatches

    items = stories(1)
    real_create = OpenAIBatches._create

    async def killed_before_create(self: OpenAIBatches, name: str, data: bytes, *args: Any) -> str:
        self.client.batches.create = _raise_interrupt  # type: ignore[method-assign]
        return await real_create(self, name, data, *args)

    with crafted_server() as fake:
        monkeypatch.setattr(OpenAIBatches, "_create", killed_before_create)
        with pytest.raises(KeyboardInterrupt):
            run(items, settings_for(fake), tmp_path / "state")
        monkeypatch.setattr(OpenAIBatches, "_create", real_create)
        assert len(fake.batch_api.files) == 1 and fake.batch_api.batches == {}
        result = run(items, settings_for(fake), tmp_path / "state")
        uploads = [f for f in fake.batch_api.files.values() if f["purpose"] == "batch"]
        assert len(uploads) == 2 and len(fake.batch_api.batches) == 2  # round 1 reused its upload; round 2
    assert isinstance(result.results[0], Brief)
    state = json.loads((tmp_path / "state" / "state.json").read_text())
    assert state["submitting"] == {}


async def _raise_interrupt(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt
