"""The library surface (briefgen/api.py): summarize, asummarize and the batch forms, end to end.

The model is a :class:`~briefgen.testing.FakeOpenAIServer` on loopback whose
answers are CRAFTED (:func:`~briefgen.testing.crafted_answer` quotes the
article back; faults are queued per article), so the whole stack runs for real.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import briefgen
from briefgen.brief import Brief
from briefgen.errors import BriefgenError, IncompleteOutputError, UnexpectedError
from briefgen.testing import CraftedReply, FakeOpenAIServer, tool_call_completion

from .crafted import (
    ARTICLE,
    ARTICLE_001,
    ID_003,
    THREE,
    answer_by_article,
    crafted_server,  # noqa: F401 - the `server` fixture
    settings_for,
)


def test_one_article_may_be_given_as_text_a_path_or_a_list(server: FakeOpenAIServer) -> None:
    settings = settings_for(server)
    briefs = [briefgen.summarize(item, settings=settings) for item in (ARTICLE, Path(ARTICLE), [ARTICLE])]
    assert [len(b.sources) for b in briefs] == [1, 1, 1]
    assert len({b.sources[0].id for b in briefs}) == 1


def test_asummarize_is_awaited_in_the_callers_event_loop(server: FakeOpenAIServer) -> None:
    brief = asyncio.run(briefgen.asummarize(THREE, settings=settings_for(server)))
    assert len(brief.sources) == 3 and brief.complete


def test_summarize_works_where_an_event_loop_already_runs_as_in_jupyter(server: FakeOpenAIServer) -> None:
    """asyncio.run() inside a running loop raises; summarize runs the brief on a thread of its own instead."""

    async def notebook_cell() -> Brief:
        return briefgen.summarize(ARTICLE, settings=settings_for(server))

    assert asyncio.run(notebook_cell()).points


def test_keyword_options_next_to_settings_win_over_them(server: FakeOpenAIServer) -> None:
    brief = briefgen.summarize(THREE, settings=settings_for(server, max_points=10), max_points=2)
    assert 1 <= len(brief.points) <= 2


def test_batch_results_keep_the_order_of_the_stories_and_an_async_on_result_is_awaited(
    server: FakeOpenAIServer,
) -> None:
    seen: list[int] = []

    async def on_result(index: int, result: object) -> None:
        await asyncio.sleep(0)
        seen.append(index)

    stories = [[ARTICLE], THREE, [ARTICLE_001]]
    results = briefgen.summarize_batch(stories, settings=settings_for(server), concurrency=2, on_result=on_result)
    assert [len(r.sources) for r in results if isinstance(r, Brief)] == [1, 3, 1]
    assert sorted(seen) == [0, 1, 2]


def test_batch_story_with_a_cut_off_does_not_stop_the_next(server: FakeOpenAIServer) -> None:
    cut = CraftedReply(body=tool_call_completion('{"claims": [', finish_reason="length"))
    server.fallback = answer_by_article({ID_003: cut})
    seen: list[int] = []
    results = briefgen.summarize_batch([[ARTICLE], [ARTICLE_001]], settings=settings_for(server), concurrency=1,
                                       on_result=lambda i, r: seen.append(i))
    assert isinstance(results[0], IncompleteOutputError)
    assert isinstance(results[1], Brief) and results[1].points and results[1].complete
    assert sorted(seen) == [0, 1]


def test_batch_partial_story_is_a_brief_with_its_failures(server: FakeOpenAIServer) -> None:
    cut = CraftedReply(body=tool_call_completion('{"claims": [', finish_reason="length"))
    server.fallback = answer_by_article({ID_003: cut})
    results = briefgen.summarize_batch([THREE, [ARTICLE_001]], settings=settings_for(server), concurrency=1)
    first = results[0]
    assert isinstance(first, Brief) and not first.complete and [f.kind for f in first.failures] == ["cut_off"]
    assert isinstance(results[1], Brief) and results[1].complete


def test_batch_bug_in_one_story_becomes_its_error_and_the_rest_go_on(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import pipeline

    real = pipeline.find_stale

    def buggy(articles, stale_days):  # type: ignore[no-untyped-def]
        if any(a.id == ID_003 for a in articles):
            raise ZeroDivisionError("division by zero")
        return real(articles, stale_days)

    monkeypatch.setattr(pipeline, "find_stale", buggy)
    results = briefgen.summarize_batch([[ARTICLE], [ARTICLE_001]], settings=settings_for(server), concurrency=1)
    assert isinstance(results[0], UnexpectedError) and isinstance(results[0], BriefgenError)
    assert "ZeroDivisionError: division by zero" in str(results[0]) and "bug" in str(results[0])
    assert isinstance(results[0].__cause__, ZeroDivisionError)
    assert isinstance(results[1], Brief) and results[1].points
