"""``briefgen batch``: one brief per subfolder, concurrent, written as each finishes, resumable.

Crafted model answers (tests/cli/fixtures.py), not recordings: the tests are
about the batch machinery — files, JSONL, resume after Ctrl-C or kill -9.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefgen import _files
from briefgen.cli import main
from briefgen.brief import Brief
from briefgen.testing import (
    CraftedReply,
    FakeOpenAIServer,
    crafted_answer,
    crafted_article_text,
    tool_call_completion,
)

from ..conftest import ROOT
from .fixtures import CRAFTED_MODEL, crafted_server

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
    assert failed[0]["status"] == "failed"
    assert [r["status"] for r in records(out) if r["ok"]] == ["ok"]
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

    from briefgen.cli import common as cli_common

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(cli_common, "_console", lambda *, stderr: terminal if stderr else Console(file=io.StringIO()))
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    assert main(args(server, stories, tmp_path / "out")) == 0
    shown = screen.getvalue()
    assert "briefs" in shown and "2/2" in shown and "tokens" in shown and "cost n/a" in shown


def _spawn(server, stories: Path, out: Path) -> subprocess.Popen:  # type: ignore[no-untyped-def, type-arg]
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen", *args(server, stories, out, "--concurrency", "1")],
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


# --- status: ok, partial, failed ---------------------------------------------------------------


def unusable_for(marker: str):  # type: ignore[no-untyped-def]
    """Crafted answers, but an unusable one (arguments that are not JSON) for articles containing ``marker``."""

    def answer(request: dict[str, Any]) -> CraftedReply:
        if marker in crafted_article_text(request):
            return CraftedReply(body=tool_call_completion("not json at all", name="Extraction"))
        return crafted_answer(request)

    return answer


def test_partial_brief_is_recorded_partial_exits_1_and_is_retried_next_run(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["steady", "flaky"])
    out = tmp_path / "out"
    with FakeOpenAIServer(fallback=unusable_for("flaky city"), model_id=CRAFTED_MODEL) as fake:
        assert main(args(fake, stories, out)) == 1  # one article of "flaky" got no usable answer
    err = capsys.readouterr().err
    assert "flaky: " in err and "partial" in err and "retried next run" in err
    by_story = {r["story"]: r for r in records(out)}
    assert by_story["steady"]["status"] == "ok" and by_story["steady"]["ok"] is True
    partial = by_story["flaky"]
    assert partial["status"] == "partial" and partial["ok"] is False
    brief = Brief.model_validate(partial["brief"])
    assert not brief.complete and [f.stage for f in brief.failures] == ["extract"]
    assert (out / "flaky.md").exists()  # written, ...
    with crafted_server() as healthy:  # ... and retried next run, while the complete story is not redone
        assert main(args(healthy, stories, out)) == 0
        assert len(healthy.requests) == 3  # 2 extractions + 1 synthesis, all for "flaky"
    assert "1 of 2 stories already briefed" in capsys.readouterr().err
    assert records(out)[-1]["story"] == "flaky" and records(out)[-1]["status"] == "ok"
    assert Brief.model_validate_json((out / "flaky.json").read_text(encoding="utf-8")).complete


# --- output names -------------------------------------------------------------------------------


def test_folders_with_one_safe_name_get_distinct_files_and_keep_their_names(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    names = ["a b", "a_b", "a:b"]  # all three used to write a_b.json: two briefs silently lost
    stories = make_stories(tmp_path / "stories", names)
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 0
    files = {r["story"]: r["file"] for r in records(out)}
    assert sorted(files) == sorted(names)  # records keep the real folder names
    assert files["a_b"] == "a_b"  # an already safe name is kept as it is
    assert files["a b"] == "a_b-" + hashlib.sha256(b"a b").hexdigest()[:8]
    assert len(set(files.values())) == 3 and len(list(out.glob("*.json"))) == 3
    for name, stem in files.items():
        assert f"The {name} committee" in (out / f"{stem}.json").read_text(encoding="utf-8")
        assert (out / f"{stem}.md").exists()
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0  # the names are the same on the next run: all resumed
    assert len(server.requests) == before and "nothing to do" in capsys.readouterr().err


def test_batch_of_the_current_folder_writes_beside_it(capsys, server, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha"])
    monkeypatch.chdir(stories)
    assert main(["batch", ".", "--base-url", server.base_url, "--model", CRAFTED_MODEL]) == 0
    assert (tmp_path / "stories-briefs" / "alpha.json").exists()


def test_out_inside_the_input_folder_is_not_briefed_as_a_story(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    out = stories / "briefs"
    assert main(args(server, stories, out)) == 0
    capsys.readouterr()
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0
    err = capsys.readouterr().err
    assert "is the --out folder, not a story; skipped" in err and "nothing to do" in err
    assert len(server.requests) == before
    assert sorted(r["story"] for r in records(out)) == ["alpha", "beta"]
    # deeper inside a story, its briefs are not read back in as that story's articles
    nested = stories / "alpha" / "out"
    assert main(args(server, stories, nested)) == 0
    assert main(args(server, stories, nested, "--force")) == 0
    assert len(Brief.model_validate_json((nested / "alpha.json").read_text(encoding="utf-8")).sources) == 2


# --- one batch per --out -----------------------------------------------------------------------


def _wait_for_lock_holder(out: Path, proc: subprocess.Popen, timeout: float = 30.0) -> None:  # type: ignore[type-arg]
    lock = out / ".briefgen.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and f'"pid": {proc.pid},' in lock.read_text(encoding="utf-8"):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the first batch never took the lock")


def test_second_batch_on_the_same_out_exits_at_once_naming_the_first(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    names = [f"story{i}" for i in range(4)]
    stories = make_stories(tmp_path / "stories", names)
    out = tmp_path / "out"
    with crafted_server(latency_s=0.2) as slow:
        first = _spawn(slow, stories, out)
        _wait_for_lock_holder(out, first)
        started = time.monotonic()
        code = main(args(slow, stories, out))
        err = capsys.readouterr().err
        assert code == 1 and time.monotonic() - started < 10
        assert err.strip().splitlines() == [err.strip()]  # one line
        assert f"is in use by another briefgen batch (pid {first.pid} on {socket.gethostname()}, started " in err
        assert "another --out" in err and "internal error" not in err
        _, first_err = first.communicate(timeout=60)
        assert first.returncode == 0, first_err
    assert sorted(r["story"] for r in records(out)) == names  # each story briefed once, not twice


def test_lock_file_of_a_dead_run_is_taken_over(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha"])
    out = tmp_path / "out"
    out.mkdir()
    (out / ".briefgen.lock").write_text('{"pid": 999999, "host": "gone", "started": "yesterday"}\n', encoding="utf-8")
    (out / ".alpha.json.999999.0123abcd.tmp").write_text("half a brief", encoding="utf-8")  # left by a kill -9
    assert main(args(server, stories, out)) == 0
    assert not list(out.glob("*.tmp")) and (out / "alpha.json").exists()


def test_concurrent_writers_of_one_file_never_share_a_temp_name(tmp_path: Path) -> None:
    target = tmp_path / "brief.json"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(40):
                _files.write_atomic(target, f"writer {n} write {i}\n", fsync=False)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert target.read_text(encoding="utf-8").endswith("write 39\n")
    assert not list(tmp_path.glob(".*.tmp"))


# --- bad records and full disks ----------------------------------------------------------------


def test_bad_records_in_briefs_jsonl_are_warnings_and_never_block_the_batch(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha", "beta"])
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 0
    with (out / "briefs.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"story": 3, "ok": True, "brief": "x"}) + "\n")  # line 3: wrong shape
        f.write(json.dumps({"story": "alpha", "ok": True, "brief": {"headline": 1}}) + "\n")  # line 4: not a Brief
        f.write("[1, 2]\n")  # line 5: not a record at all
    capsys.readouterr()
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0
    err = capsys.readouterr().err
    assert "line 3: no story name" in err
    assert "line 4: the brief of story 'alpha' is not a valid brief" in err and "briefed again" in err
    assert "line 5: not a record" in err
    assert "internal error" not in err and "Traceback" not in err
    assert len(server.requests) - before == 3  # alpha redone (2 extractions + 1 synthesis), beta kept
    before = len(server.requests)
    assert main(args(server, stories, out)) == 0  # alpha's new record stands; the bad lines only warn
    assert len(server.requests) == before


def disk_full_after_half(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every atomic write gets half its bytes out, then the disk is full."""
    real = _files._write_all

    def full(fd: int, payload: bytes) -> None:
        real(fd, payload[: len(payload) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_files, "_write_all", full)


def test_disk_full_stops_the_batch_with_one_line_and_keeps_the_previous_brief(capsys, server, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha"])
    out = tmp_path / "out"
    assert main(args(server, stories, out)) == 0
    good = (out / "alpha.json").read_text(encoding="utf-8")
    capsys.readouterr()
    real = _files._write_all
    disk_full_after_half(monkeypatch)
    code = main(args(server, stories, out, "--force"))
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"briefgen: error: cannot write {out / 'alpha.json'}: No space left on device; "
                          "free some space and try again (the previous file is unchanged)")
    assert "re-run the same command to resume" in err and "internal error" not in err
    assert (out / "alpha.json").read_text(encoding="utf-8") == good
    assert not list(out.glob(".*.tmp"))
    monkeypatch.setattr(_files, "_write_all", real)  # space freed: the same command resumes
    assert main(args(server, stories, out, "--force")) == 0


def test_unusable_out_is_one_line_not_an_internal_error(capsys, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = make_stories(tmp_path / "stories", ["alpha"])
    out = tmp_path / "out"
    out.write_text("a file where the folder should be", encoding="utf-8")
    assert main(args(server, stories, out)) == 1
    assert capsys.readouterr().err == (f"briefgen: error: cannot create the output folder {out}: File exists; "
                                       "a file already has that name; choose another path\n")
    assert main(args(server, stories, stories)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"briefgen: error: --out {stories}: is DIR itself; choose another folder") and err.count("\n") == 1
