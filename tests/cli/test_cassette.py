"""The CLI end to end on the seed articles, with the model's answers replayed from a recording.

tests/cassettes/seeds_brief.yaml was recorded from the default local model
(see tests/test_seeds_cassette.py); FakeOpenAIServer.from_cassette serves the
recorded answer for each exact request body, so this runs the real command —
loading, the pipeline, rendering, verify — against real model output, offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.brief import Brief
from briefgen.testing import CraftedReply, FakeOpenAIServer

from ..conftest import CASSETTES, RECORDED_MODEL, SEEDS

CASSETTE = CASSETTES / "seeds_brief.yaml"
pytestmark = [
    pytest.mark.cassette,
    pytest.mark.skipif(not CASSETTE.exists(), reason="tests/cassettes/seeds_brief.yaml not recorded yet"),
]


@pytest.fixture
def replay() -> Iterator[FakeOpenAIServer]:
    misses: list[dict] = []  # type: ignore[type-arg]

    def unrecorded(request: dict) -> CraftedReply:  # type: ignore[type-arg]
        misses.append(request)
        return CraftedReply(status=500, body={"error": {"message": "not in the cassette", "type": "fake"}})

    with FakeOpenAIServer.from_cassette(CASSETTE, fallback=unrecorded) as server:
        server.misses = misses  # type: ignore[attr-defined]
        yield server


def run_replayed(server: FakeOpenAIServer, args: list[str]) -> int:
    """main(args), skipping when the recording no longer matches the current prompts and schema."""
    code = main(args)
    if server.misses:  # type: ignore[attr-defined]
        pytest.skip("seeds_brief.yaml was recorded with other prompts or schema; re-record it "
                    "(BRIEFGEN_RECORD=1 pytest -m cassette)")
    return code


def brief_args(server: FakeOpenAIServer, *extra: str) -> list[str]:
    return [str(SEEDS), "--base-url", server.base_url, "--model", RECORDED_MODEL, "--api-key", "local", *extra]


def test_seeds_brief_replays_through_the_cli(capsys, replay, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "brief.json"
    assert run_replayed(replay, brief_args(replay, "-o", str(target))) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Max retries exceeded" not in err  # instructor's log noise is silenced
    brief = Brief.model_validate_json(target.read_text(encoding="utf-8"))
    assert brief.provenance.model == RECORDED_MODEL
    assert len(brief.sources) == 5 and brief.points
    assert replay.requests and all(r["model"] == RECORDED_MODEL for r in replay.requests)
    assert main(["verify", str(target), str(SEEDS)]) == 0  # every shipped citation re-checks
    assert "PASS" in capsys.readouterr().out


def test_strict_and_html_on_the_recorded_brief(capsys, replay) -> None:  # type: ignore[no-untyped-def]
    assert run_replayed(replay, brief_args(replay, "-f", "json")) == 0
    brief = Brief.model_validate_json(capsys.readouterr().out)
    code = run_replayed(replay, brief_args(replay, "--strict", "-f", "html"))
    captured = capsys.readouterr()
    assert captured.out.startswith("<!doctype html>") and brief.headline.split()[0] in captured.out
    if brief.unverified:  # a verified repeat of a point (stage merge) is no verification failure
        assert code == 3
        assert f"--strict: {len(brief.unverified)} claim(s) failed citation verification" in captured.err
    else:
        assert code == 0
