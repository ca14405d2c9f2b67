"""The table of commands: dispatch, ``--help``, the missing-extra hint and ``python -m briefgen``."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from briefgen.cli import COMMANDS, main

from ..conftest import ROOT


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_lists_every_command_of_the_table_with_its_summary_and_extra(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    listing = out[out.index("commands:") : out.index("`briefgen COMMAND --help`")]
    for command in COMMANDS.values():
        assert f"briefgen {command.usage}" in listing and command.summary in listing, command.name
        if command.extra:
            assert f"(needs briefgen[{command.extra}])" in listing
    rows = [line for line in listing.splitlines() if line.startswith("  briefgen ")]
    assert len(rows) == len(COMMANDS)  # one row per command: the list cannot drift from the table


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_of_the_table_resolves_to_its_entry_point(name: str) -> None:
    assert callable(COMMANDS[name].load())


def test_slack_subcommand_delegates_all_arguments(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[list[str]] = []
    fake = types.ModuleType("briefgen.slack.app")
    fake.main = lambda argv: seen.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "briefgen.slack.app", fake)
    assert main(["slack", "--socket", "-v"]) == 0
    assert seen == [["--socket", "-v"]]


def test_eval_subcommand_delegates(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake = types.ModuleType("briefgen.eval.cli")
    fake.main = lambda argv: 5 if argv == ["--x"] else 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "briefgen.eval.cli", fake)
    assert main(["eval", "--x"]) == 5


@pytest.mark.parametrize(("name", "module"), [(c.name, c.module) for c in COMMANDS.values() if c.extra])
def test_a_command_whose_extra_is_missing_is_one_line_naming_the_extra(capsys, monkeypatch, name: str,  # type: ignore[no-untyped-def]
                                                                       module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what a missing extra looks like to the import
    code, _, err = run(capsys, name, "run")
    assert code == 2
    assert f"pip install 'briefgen[{COMMANDS[name].extra}]'" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_python_m_briefgen_slack_says_the_same_when_the_extra_is_missing(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import briefgen.slack

    monkeypatch.setitem(sys.modules, "briefgen.slack.app", None)
    assert briefgen.slack.main(["--socket"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("briefgen slack: error: the Slack bot is not installed")
    assert "pip install 'briefgen[slack]'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("module", "expected"), [("briefgen", "briefgen "), ("briefgen.eval", "usage: briefgen eval")])
def test_python_m_runs_the_command(module: str, expected: str) -> None:
    args = ["--version"] if module == "briefgen" else ["--help"]
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(expected)
