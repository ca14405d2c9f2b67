"""``briefgen batch``: one brief per subfolder, concurrent, written as each finishes, resumable.

Crafted model answers (tests/cli_fixtures.py), not recordings: the tests are
about the batch machinery — files, JSONL, resume after Ctrl-C or kill -9.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.models import Brief
from tests.cli_fixtures import CRAFTED_MODEL, crafted_server
from tests.conftest import ROOT
from tests.test_cli import hermetic_env  # noqa: F401 - the same hermetic environment

SENTENCES = (
    "The {name} committee approved a plan for {n} new buses on Monday. "
    "The plan for {name} will cost {n} million euros over three years, officials said. "
    "Critics in {name} said the money should go to trains instead of buses.\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator:
    with crafted_server() as fake:
        yield fake


def make_stories(root: Path, names: list[str], *, broken: tuple[str, ...] = ()) -> Path:
    for i, name in enumerate(names):
        folder = root / name
        folder.mkdir(parents=True)
        if name in broken:
            (folder / "empty.txt").write_text("", encoding="utf-8")
            continue
        (folder / "one.txt").write_text(SENTENCES.format(name=name, n=i + 10), encoding="utf-8")
        (folder / "two.html").write_text(
            f"<html><body><article><p>{SENTENCES.format(name=name + ' city', n=i + 20)}</p></article></body></html>",
            encoding="utf-8",
        )
    return root


def records(out: Path) -> list[dict]:  # type: ignore[type-arg]
    lines = (out / "briefs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def args(server, stories: Path, out: Path, *extra: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["batch", str(stories), "--out", str(out), "--base-url", server.base_url, "--model", CRAFTED_MODEL, *extra]


def test_batch_writes_jsonl_and_one_file_per_brief(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha", "beta", "gamma"])
    (stories / "loose.txt").write_text(SENTENCES.format(name="loose", n=1), encoding="utf-8")
    out = tmp_path / "out"
    assert main(args(server, stories, out, "--concurrency", "3")) == 0
    err = capsys.readouterr().err
    assert "3 brief(s) written" in err and "tokens" in err
    assert "1 file(s) directly in" in err and "only subfolders are stories" in err
    recs = records(out)
    assert sorted(r["story"] for r in recs) == ["alpha", "beta", "gamma"]
    assert all(r["ok"] for r in recs)
    for name in ("alpha", "beta", "gamma"):
        brief = Brief.model_validate_json((out / f"{name}.json").read_text(encoding="utf-8"))
        assert len(brief.sources) == 2
        assert (out / f"{name}.md").read_text(encoding="utf-8").startswith("# ")


def test_batch_html_format_and_default_out_folder(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha"])
    code = main(["batch", str(stories), "-f", "html", "--base-url", server.base_url, "--model", CRAFTED_MODEL])
    assert code == 0
    out = tmp_path / "stories-briefs"
    assert (out / "alpha.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert (out / "alpha.json").exists()


def test_failed_story_is_recorded_exit_1_and_retried_next_run(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["good", "bad"], broken=("bad",))
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 1
    err = capsys.readouterr().err
    assert "✗ bad: nothing to summarise" in err and "✓ good" in err
    failed = [r for r in records(out) if not r["ok"]]
    assert failed[0]["story"] == "bad" and failed[0]["error_type"] == "NoArticlesError"
    (stories / "bad" / "empty.txt").write_text(SENTENCES.format(name="bad", n=3), encoding="utf-8")
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0
    assert "1 of 2 stories already briefed" in capsys.readouterr().err
    assert len(server.requests) - before == 2  # one extraction + one synthesis: only the retried story
    assert (out / "bad.md").exists()


def test_rerun_skips_finished_briefs_and_force_redoes_them(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 0
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0
    assert len(server.requests) == before
    assert "nothing to do" in capsys.readouterr().err
    assert main(args(server, stories, out, "--force")) == 0
    assert len(server.requests) - before == 6


def test_torn_jsonl_line_and_missing_brief_file_are_repaired_without_model_calls(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 0
    (out / "alpha.json").unlink()
    (out / "alpha.md").unlink()
    with (out / "briefs.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"story": "beta", "ok": tr')  # a kill in the middle of a write
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0
    assert len(server.requests) == before
    assert (out / "alpha.json").exists() and (out / "alpha.md").exists()
    # the torn line is closed off, so the next record starts on its own line
    assert main(args(server, stories, out, "--force")) == 0
    assert len([r for r in records_lenient(out) if r.get("ok")]) == 4


def records_lenient(out: Path) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for line in (out / "briefs.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return found


def test_folder_without_subfolders_is_a_usage_error(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    assert main(["batch", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "has no subfolders; each subfolder is one story" in err and f"briefgen {tmp_path}" in err


def test_interactive_batch_shows_a_progress_bar_with_tokens(capsys, server, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from rich.console import Console

    from briefgen import cli_common

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(cli_common, "_console", lambda *, stderr: terminal if stderr else Console(file=io.StringIO()))
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    assert main(args(server, stories, tmp_path / "out")) == 0
    shown = screen.getvalue()
    assert "briefs" in shown and "2/2" in shown and "tokens" in shown and "cost n/a" in shown


def _spawn(server, stories: Path, out: Path) -> subprocess.Popen:  # type: ignore[no-untyped-def, type-arg]
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen.cli", *args(server, stories, out, "--concurrency", "1")],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_records(out: Path, n: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / "briefs.jsonl").exists() and len(records_lenient(out)) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("batch wrote nothing in time")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_resumes_and_loses_nothing(capsys, tmp_path: Path, sig: int) -> None:  # type: ignore[no-untyped-def]
    names = [f"story{i}" for i in range(6)]
    stories = make_stories(tmp_path / "stories", names)
    out = tmp_path / "out"
    with crafted_server(latency_s=0.25) as slow:
        proc = _spawn(slow, stories, out)
        _wait_for_records(out, 1, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        written = records_lenient(out)
        assert 1 <= len(written) < len(names), "the interrupt came too late to test anything"
        if sig == signal.SIGINT:
            assert proc.returncode == 130
            assert "interrupted" in err and "re-run the same command" in err and "Traceback" not in err
        for record in written:  # everything recorded is complete on disk
            Brief.model_validate_json((out / f"{record['story']}.json").read_text(encoding="utf-8"))
        before = len(slow.requests)
        assert main(args(slow, stories, out)) == 0
        assert len(slow.requests) - before == 3 * (len(names) - len(written))  # 2 extractions + 1 synthesis each; finished ones skipped
    final = [r for r in records_lenient(out) if r["ok"]]
    assert sorted(r["story"] for r in final) == names
    assert all((out / f"{n}.md").exists() for n in names)
