"""The ``briefgen`` command line: one module per command, one table of commands.

``briefgen ARTICLE...`` makes one brief (:mod:`briefgen.cli.brief`); the
other commands are listed in :data:`~briefgen.cli.commands.COMMANDS`, which
drives dispatch, ``briefgen --help`` and the hint shown when a command's
extra is not installed. ``python -m briefgen`` is the same command.

The CLI holds no briefing logic: it turns arguments into
:class:`~briefgen.config.Settings` and inputs, calls the library, and prints.
Exit codes are listed in :mod:`briefgen.cli.common`.
"""

from __future__ import annotations

import os
import sys

from briefgen.cli.commands import COMMANDS, Command, commands_help
from briefgen.cli.common import EXIT_OK, quiet_third_party_logs, report_error


def main(argv: list[str] | None = None) -> int:
    """Console entry point: returns the exit code (see ``briefgen --help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = sum(a.count("v") for a in argv if a.startswith("-") and not a.startswith("--") and set(a[1:]) <= {"v"})
    verbose += argv.count("--verbose")
    quiet_third_party_logs(verbose)
    try:
        command = COMMANDS.get(argv[0]) if argv else None
        if command is None:  # `briefgen ARTICLE...`: a brief (a file named like a command: `briefgen brief verify`)
            command, rest = COMMANDS["brief"], argv
        else:
            rest = argv[1:]
        return int(command.load()(rest) or 0)
    except BrokenPipeError:  # `briefgen ... | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not complain
        return EXIT_OK
    except (KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        return report_error(exc, verbose=verbose)


__all__ = ["COMMANDS", "Command", "commands_help", "main"]
