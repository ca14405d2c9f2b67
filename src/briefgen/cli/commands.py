"""The table of ``briefgen`` commands: name → module, one-line summary, needed extra.

It drives dispatch (:func:`briefgen.cli.main`), the ``commands:`` block of
``briefgen --help`` and the one-line hint shown when a command's extra is not
installed, so the three cannot drift apart. A command's module is imported
only when that command runs, as pip's ``commands/__init__.py`` does:
``briefgen seeds/`` never imports the Slack bot, whose extra may be missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from briefgen.errors import ExtraNotInstalledError


@dataclass(frozen=True)
class Command:
    """One ``briefgen`` command: where it lives and how ``--help`` lists it."""

    name: str
    module: str
    """Imported when the command runs; ``function(argv) -> int`` is called."""
    summary: str
    usage: str = "..."
    function: str = "main"
    extra: str | None = None
    """The ``briefgen[...]`` extra the command needs beyond the base install."""
    what: str = ""
    """What the extra installs, for the one-line hint when it is missing."""

    def load(self) -> Callable[[list[str]], int]:
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            if self.extra is None:
                raise
            raise ExtraNotInstalledError(self.what or f"briefgen {self.name}", self.extra,
                                         exc.name or str(exc)) from exc
        return getattr(module, self.function)  # type: ignore[no-any-return]


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("brief", "briefgen.cli.brief", "one brief of these articles (also: briefgen brief ARTICLE...)",
            usage="ARTICLE..."),
    Command("batch", "briefgen.cli.batch", "one brief per subfolder of DIR, concurrently; re-run to resume",
            usage="batch DIR --out OUT"),
    Command("verify", "briefgen.cli.verify", "re-check every citation of a saved JSON brief",
            usage="verify BRIEF.json [ARTICLE...]"),
    Command("models", "briefgen.cli.doctor", "which provider and model would be used, and why",
            usage="models", function="models"),
    Command("doctor", "briefgen.cli.doctor", "the same plus config, reachability and the local runtime",
            usage="doctor", function="doctor"),
    Command("slack", "briefgen.slack.app", "run the Slack bot", usage="slack ...", extra="slack",
            what="the Slack bot"),
    Command("eval", "briefgen.eval.cli", "score briefs against an answer key", usage="eval ...", extra="eval",
            what="the evaluation harness"),
)}
"""Every command, in the order ``--help`` lists them."""


def commands_help() -> str:
    """The ``commands:`` block of ``briefgen --help``, made from :data:`COMMANDS`."""
    lines = ["commands:"]
    for command in COMMANDS.values():
        usage = f"briefgen {command.usage}"
        needs = f" (needs briefgen[{command.extra}])" if command.extra else ""
        if len(usage) > 30:  # too long for the column: the summary goes on the next line
            lines += [f"  {usage}", f"  {'':31}{command.summary}{needs}"]
        else:
            lines.append(f"  {usage:<31}{command.summary}{needs}")
    lines.append("  `briefgen COMMAND --help` for a command's options.")
    return "\n".join(lines)
