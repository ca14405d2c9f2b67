"""``briefgen batch --via batch-api | local-runner``, ``--export-jsonl``, ``--import-results``, ``--dry-run``.

Crafted answers (helpers.py), not recordings; kill -9 at each stage of a batch-api run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.testing import crafted_answer

from ..cli.fixtures import hermetic_env  # noqa: F401 - autouse: no user config, keys or BRIEFGEN_* leak in
from ..conftest import ROOT
from .helpers import MODEL, TEXT, crafted_server


def make_stories(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / f"story{i:02d}"
        folder.mkdir(parents=True)
        (folder / "one.txt").write_text(TEXT.format(name=f"town{i}", n=10 + i), encoding="utf-8")
        (folder / "two.txt").write_text(TEXT.format(name=f"city{i}", n=20 + i), encoding="utf-8")
    return root


def argv(url: str, stories: Path, out: Path, *extra: str) -> list[str]:
    return ["batch", str(stories), "--out", str(out), "--base-url", url, "--model", MODEL, "--api-key", "k", *extra]


def ok_records(out: Path) -> list[dict]:  # type: ignore[type-arg]
    records = []
    for line in (out / "briefs.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn by a kill: read_done ignores it too
        if record.get("status") == "ok":
            records.append(record)
    return records


def test_batch_api_writes_every_brief_and_reports_status_per_round(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", 3)
    out = tmp_path / "out"
    with crafted_server() as fake:
        assert main(argv(fake.base_url, stories, out, "--via", "batch-api", "--poll-interval", "0.01")) == 0
    err = capsys.readouterr().err
    assert "round 1: batch_crafted_1 in_progress (6 requests)" in err
    assert "round 2: batch_crafted_2 completed (3 requests)" in err
    assert sorted(r["story"] for r in ok_records(out)) == ["story00", "story01", "story02"]
    assert json.loads((out / ".briefgen-batch" / "state.json").read_text())["rounds"] == 2


def test_interactive_progress_shows_batch_status(capsys, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from rich.console import Console

    from briefgen.cli import common as cli_common

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=160)
    monkeypatch.setattr(cli_common, "_console", lambda *, stderr: terminal if stderr else Console(file=io.StringIO()))
    stories = make_stories(tmp_path / "stories", 2)
    with crafted_server() as fake:
        assert main(argv(fake.base_url, stories, tmp_path / "out", "--via", "batch-api", "--poll-interval", "0.01")) == 0
    shown = screen.getvalue()
    assert "batches" in shown and "round 2: 1 batch(es) completed" in shown and "2/2" in shown


def test_dry_run_prints_requests_tokens_and_both_costs_and_sends_nothing(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", 3)
    with crafted_server() as fake:
        assert main(argv(fake.base_url, stories, tmp_path / "out", "--dry-run")) == 0
        assert fake.requests == [] and fake.batch_api.files == {}
    shown = capsys.readouterr().out
    assert "round 1: 6 requests" in shown and "3 headline requests" in shown
    assert "--via live" in shown and "--via batch-api" in shown
    assert not (tmp_path / "out").exists()


def _engine(requests: Path, outputs: Path) -> Path:
    """A stand-in for vllm run-batch: answers each request line in the Batch API output format."""
    lines = []
    for line in requests.read_text(encoding="utf-8").splitlines():
        request = json.loads(line)
        reply = crafted_answer(request["body"])
        lines.append(json.dumps({"id": "vllm-crafted", "custom_id": request["custom_id"],
                                 "response": {"status_code": 200, "request_id": "r", "body": reply.body},
                                 "error": None}))
    target = outputs / requests.name.replace("round", "results")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_export_and_import_round_trip_runs_on_any_engine(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", 2)
    out, exported, answers = tmp_path / "out", tmp_path / "requests", tmp_path / "answers"
    answers.mkdir()
    with crafted_server() as fake:
        url = fake.base_url
        assert main(argv(url, stories, out, "--export-jsonl", str(exported))) == 0
        first = exported / "round-1-part-1.jsonl"
        request = json.loads(first.read_text().splitlines()[0])
        assert set(request) == {"custom_id", "method", "url", "body"} and request["url"] == "/v1/chat/completions"
        assert "--import-results" in capsys.readouterr().err
        assert main(argv(url, stories, out, "--export-jsonl", str(exported), "--import-results",
                         str(_engine(first, answers)))) == 0
        second = exported / "round-2-part-1.jsonl"
        assert len(second.read_text().splitlines()) == 2  # the headlines
        assert main(argv(url, stories, out, "--import-results", str(_engine(second, answers)))) == 0
        assert fake.requests == []  # every answer came from the "engine"
    assert len(ok_records(out)) == 2


def test_import_of_a_request_file_is_one_line_saying_what_to_give(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", 1)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('{"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n')
    with crafted_server() as fake:
        assert main(argv(fake.base_url, stories, tmp_path / "out", "--import-results", str(wrong))) == 1
    err = capsys.readouterr().err
    assert "wrong.jsonl line 1: neither a response nor an error" in err and "Traceback" not in err


def test_local_runner_plays_the_jsonl_against_the_base_url(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", 3)
    out = tmp_path / "out"
    with crafted_server() as fake:
        assert main(argv(fake.base_url, stories, out, "--via", "local-runner", "-j", "2")) == 0
        assert len(fake.requests) == 9 and fake.batch_api.batches == {}
    state = out / ".briefgen-batch"
    assert sorted(p.name for p in (state / "requests").iterdir()) == ["round-1-part-1.jsonl", "round-2-part-1.jsonl"]
    first = json.loads((state / "results" / "local-round-1-part-1.jsonl").read_text().splitlines()[0])
    assert first["response"]["status_code"] == 200 and first["custom_id"]
    assert len(ok_records(out)) == 3


# --- kill -9 at each stage of a batch-api run ---------------------------------------------


def _spawn(url: str, stories: Path, out: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen", *argv(url, stories, out, "--via", "batch-api", "--poll-interval", "0.05")],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _state(out: Path) -> dict:  # type: ignore[type-arg]
    try:
        return json.loads((out / ".briefgen-batch" / "state.json").read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


STAGES: dict[str, Callable[[Path], bool]] = {
    "batch submitted, polling": lambda out: bool(_state(out).get("batches")),
    "round 1 answers stored": lambda out: any((out / ".briefgen-batch" / "results").glob("*.jsonl")),
    "round 2 submitted": lambda out: len(_state(out).get("batches", {})) >= 2,
    "first brief written": lambda out: (out / "briefs.jsonl").exists(),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_kill_9_at_each_stage_resumes_without_paying_twice_or_losing_a_brief(capsys, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                            stage: str) -> None:
    stories = make_stories(tmp_path / "stories", 4)
    out = tmp_path / "out"
    with crafted_server() as fake:
        fake.batch_api.default_plan = ("validating", *["in_progress"] * 6, "completed")
        proc = _spawn(fake.base_url, stories, out)
        deadline = time.monotonic() + 60
        while not STAGES[stage](out):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the stage never came"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        batches_before = len(fake.batch_api.batches)
        assert main(argv(fake.base_url, stories, out, "--via", "batch-api", "--poll-interval", "0.01")) == 0
        assert max(fake.batch_api.answered.values()) == 1  # no request paid twice
        assert len(fake.batch_api.batches) - batches_before <= 2 - min(batches_before, 2)
    names = [r["story"] for r in ok_records(out)]
    assert sorted(names) == [f"story{i:02d}" for i in range(4)]  # none lost, none duplicated
