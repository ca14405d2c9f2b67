"""What every ``briefgen`` subcommand shares: model options, settings, output and errors.

Exit codes (documented in ``briefgen --help``):

* 0 — ok
* 1 — the brief failed (the model gave nothing usable for any article), or
  ``verify`` found citations that no longer match
* 2 — usage error: a bad option or config, a missing file, nothing usable to summarise
* 3 — ``--strict`` and some citations were rejected by verification, or some
  articles failed (a partial brief, which exits 0 without ``--strict``)
* 130 — interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console

from briefgen.config import Settings
from briefgen.configfile import ConfigFile, load_config, merged_env
from briefgen.errors import BriefgenError, ConfigError, IngestError


class UsageError(BriefgenError):
    """A command-line mistake: exit code 2."""


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    ok
  1    the brief failed: the model gave nothing usable for any article (unreachable,
       deadline passed, cut-off, unusable or refused answers); verify: citations no longer match
  2    usage error: bad option or config file, missing file, nothing usable to summarise
  3    --strict and some claims were rejected by citation verification, or some articles
       failed (a partial brief: printed, with a warning naming them; 0 without --strict)
  130  interrupted (Ctrl-C); batch keeps every brief already written
"""

CONFIG_HELP = """\
configuration (first found wins):
  1. command-line arguments (--model, --base-url, --language, --max-points ...)
  2. environment: BRIEFGEN_<SETTING> (e.g. BRIEFGEN_MODEL, BRIEFGEN_BASE_URL),
     OPENAI_API_KEY, OPENAI_BASE_URL
  3. config file: ~/.config/briefgen/config.toml ($XDG_CONFIG_HOME respected;
     another file with --config or BRIEFGEN_CONFIG), keys = setting names:
       model = "gpt-4.1-mini"
       language = "English"
       max_points = 8
  4. built-in defaults
cache: a brief of the same articles (same text) with the same model, settings
and prompts is reused from ~/.cache/briefgen/briefs ($XDG_CACHE_HOME respected);
--no-cache asks the model again. `briefgen batch` instead skips stories already
briefed in --out (--force redoes them).
provider (where requests go): --base-url, else OPENAI_API_KEY (OpenAI), else
BRIEFGEN_BASE_URL, else the bundled local model if briefgen[local] is installed.
`briefgen doctor` shows what was chosen and why.
"""


def quiet_third_party_logs(verbose: int = 0) -> None:
    """instructor logs retries and parse failures to stderr; the CLI reports those itself."""
    for name in ("instructor", "httpx", "httpcore", "openai", "trafilatura", "htmldate", "charset_normalizer"):
        logger = logging.getLogger(name)
        logger.handlers = [logging.NullHandler()]
        logger.propagate = False
        logger.setLevel(logging.DEBUG if verbose >= 3 else logging.CRITICAL + 1)
    if verbose >= 3:  # -vvv: library debug logs, for bug reports
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        for name in ("instructor", "openai", "httpx"):
            logging.getLogger(name).handlers = [handler]


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("-m", "--model", help="model id (default depends on the provider, see `briefgen models`)")
    group.add_argument("--base-url", metavar="URL", help="any OpenAI-compatible server, e.g. http://localhost:11434/v1")
    group.add_argument("--api-key", metavar="KEY", help="API key (prefer OPENAI_API_KEY: arguments end up in shell history)")
    group.add_argument("--language", metavar="LANG", help="language of the brief, whatever the articles' (default English)")
    group.add_argument("--max-points", type=int, metavar="N", help="at most N key points (default 10)")
    group.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="per model request (default 60; the local model gets at least 900); a whole call, "
                            "retries included, is bounded by call_deadline (BRIEFGEN_CALL_DEADLINE)")
    group.add_argument("--config", metavar="FILE", help="config file (default ~/.config/briefgen/config.toml)")


def add_fetch_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Options for URL articles; the group is returned so a command can add its own."""
    group = parser.add_argument_group("fetching URLs")
    # default None, not False: an absent flag must not beat BRIEFGEN_ALLOW_PRIVATE_URLS=1
    group.add_argument("--allow-private-urls", action="store_true", default=None,
                       help="also fetch loopback, private and link-local hosts (intranet pages); "
                            "refused by default (env BRIEFGEN_ALLOW_PRIVATE_URLS=1)")
    return group


def add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="per-call timings and tokens; tracebacks on errors (-vvv: library debug logs)")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress, warnings or summary on stderr")


SETTING_ARGS = ("model", "base_url", "api_key", "language", "max_points", "timeout", "allow_private_urls")


@dataclass
class Context:
    """Resolved configuration plus the two consoles (stdout for results, stderr for the rest)."""

    settings: Settings
    env: dict[str, str]
    config: ConfigFile
    verbose: int = 0
    quiet: bool = False
    out: Console = field(default_factory=lambda: _console(stderr=False))
    err: Console = field(default_factory=lambda: _console(stderr=True))
    warned: set[str] = field(default_factory=set)

    @property
    def interactive(self) -> bool:
        """Progress spinners and bars only for a person watching stderr."""
        return not self.quiet and self.err.is_terminal

    def warn(self, message: str) -> None:
        """Print a warning once (load warnings come early, before a slow model call)."""
        if message in self.warned:
            return
        self.warned.add(message)
        if not self.quiet:
            self.err.print(f"[yellow]warning:[/] {escape(message)}")

    def note(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)


def _console(*, stderr: bool) -> Console:
    """Rich output for terminals; long lines left unwrapped when piped or redirected."""
    console = Console(stderr=stderr, highlight=False)
    console.soft_wrap = not console.is_terminal
    return console


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)


def make_context(args: argparse.Namespace, env: Mapping[str, str] | None = None, **extra: Any) -> Context:
    """Settings from arguments → environment → config file → defaults."""
    env = dict(os.environ if env is None else env)
    config = load_config(getattr(args, "config", None), env)
    layered = merged_env(config, env)
    overrides = {name: getattr(args, name, None) for name in SETTING_ARGS}
    overrides.update({k: v for k, v in extra.items() if v is not None})
    # The file's values go in as parsed (a list is never stringified) so errors can name the file.
    settings = Settings.resolve(env=env, file_values=config.values, file_path=config.path, **overrides)
    return Context(settings=settings, env=layered, config=config,
                   verbose=getattr(args, "verbose", 0), quiet=getattr(args, "quiet", False))


def report_error(exc: BaseException, *, verbose: int = 0, stream: TextIO | None = None) -> int:
    """One clear line on stderr (a traceback too with -v); returns the exit code."""
    stream = stream or sys.stderr
    if isinstance(exc, KeyboardInterrupt):
        print("briefgen: interrupted", file=stream)
        return EXIT_INTERRUPTED
    if verbose:
        traceback.print_exception(exc, file=stream)
    if isinstance(exc, (UsageError, ConfigError, IngestError)):
        print(f"briefgen: error: {exc}", file=stream)
        return EXIT_USAGE
    if isinstance(exc, BriefgenError):
        print(f"briefgen: error: {exc}", file=stream)
        return EXIT_FAILED
    if isinstance(exc, OSError) and exc.filename is not None:  # a file or folder the system refused: not a bug
        from briefgen._files import describe_os_error

        print(f"briefgen: error: {exc.filename}: {describe_os_error(exc)}", file=stream)
        return EXIT_FAILED
    hint = "" if verbose else " (run with -v for the traceback)"
    print(f"briefgen: internal error: {exc.__class__.__name__}: {exc}{hint}; please report it", file=stream)
    return EXIT_FAILED
