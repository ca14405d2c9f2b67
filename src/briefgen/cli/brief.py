"""``briefgen ARTICLE...`` (also ``briefgen brief ARTICLE...``): one brief of these articles.

Articles are loaded first (a bad path is a usage error before any model
call), a cached brief of the same articles, model and settings is reused
(:mod:`briefgen.cli.cache`), and the brief is printed or written with ``-o``.
``briefgen --help`` is this command's parser, with the command table's
``commands:`` block in its description.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, Self

from briefgen._files import describe_os_error, write_atomic
from briefgen._version import __version__
from briefgen.cli.cache import cache_folder, cache_key, lookup, store
from briefgen.cli.commands import commands_help
from briefgen.cli.common import (
    CONFIG_HELP,
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    Context,
    UsageError,
    add_fetch_options,
    add_model_options,
    add_output_options,
    escape,
    make_context,
)
from briefgen.cli.inputs import expand_inputs
from briefgen.config import Provider
from briefgen.errors import BriefgenError, EmptyArticleError, OutputError
from briefgen.brief import Brief
from briefgen.render import FORMATS, render

DESCRIPTION = """\
Turn news articles into a short brief whose every claim cites, and is checked
against, the articles it came from.

{commands}

ARTICLE is a file, a folder (every .txt/.md/.html file inside), a quoted glob
("news/*.html"), an http(s) URL, or - for stdin; mix them freely."""

EXAMPLES = """\
examples:
  briefgen seeds/                            brief the sample articles (Markdown)
  briefgen a.txt https://example.com/story -f html -o brief.html
  curl -s https://example.com/story | briefgen - --title "Story" --date 2025-06-17
  briefgen seeds/ -f json > brief.json && briefgen verify brief.json seeds/
  briefgen batch stories/ --out briefs/ --concurrency 4
"""

SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen",
        description=DESCRIPTION.format(commands=commands_help()),
        epilog=EXAMPLES + "\n" + CONFIG_HELP + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("articles", nargs="*", metavar="ARTICLE", help="files, folders, globs, URLs, or - for stdin")
    p.add_argument("-V", "--version", action="version", version=f"briefgen {__version__}")
    out = p.add_argument_group("brief")
    out.add_argument("-f", "--format", choices=FORMATS,
                     help="md (default; rendered when stdout is a terminal), json (what `verify` reads), "
                          "html (one self-contained page), slack (Block Kit JSON)")
    out.add_argument("-o", "--output", metavar="FILE",
                     help="write here instead of stdout; the format follows the suffix (.md .json .html)")
    out.add_argument("--title", help="title of the article read from stdin (-)")
    out.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="publication date of the stdin article")
    out.add_argument("--no-cache", action="store_true",
                     help="ask the model even if these articles were briefed with the same model and settings "
                          "(the cached brief is replaced)")
    out.add_argument("--strict", action="store_true",
                     help="exit 3 if verification rejected any claim the model made, or the model gave "
                          "nothing usable for some article (a partial brief)")
    add_model_options(p)
    add_fetch_options(p)
    add_output_options(p)
    return p


def main(argv: list[str]) -> int:
    """``briefgen [brief] ARTICLE...``: returns the exit code."""
    command_line = parser()
    args = command_line.parse_intermixed_args(argv)  # `briefgen a.txt -q b.txt` works too
    implicit_stdin = False
    if not args.articles:
        if not sys.stdin.isatty():
            args.articles, implicit_stdin = ["-"], True  # `cat story.txt | briefgen` works like `briefgen -`
        else:
            return _no_articles(command_line)
    fmt = args.format
    if args.output and fmt is None:
        fmt = SUFFIX_FORMATS.get(Path(args.output).suffix.lower())
        if fmt is None:
            raise UsageError(f"--output {args.output}: cannot tell the format from the suffix; add -f md|json|html|slack")
    fmt = fmt or "md"
    if args.output:
        _check_output_path(Path(args.output).expanduser())
    ctx = make_context(args)
    try:
        brief = make_brief(args, ctx)
    except EmptyArticleError as exc:
        if implicit_stdin and exc.source == "<stdin>":  # `briefgen` alone, with nothing piped in
            return _no_articles(command_line)
        raise
    for warning in brief.warnings:
        ctx.warn(warning)
    text = render(brief, fmt)
    if args.output:
        # Atomic: a full disk or a kill leaves the previous file as it was, never a truncated brief.
        write_atomic(Path(args.output).expanduser(), text if text.endswith("\n") else text + "\n")
        ctx.note(f"wrote {args.output}")
    else:
        print_result(ctx, text, fmt)
    if ctx.verbose:
        print_usage_table(ctx, brief)
    elif not ctx.quiet and ctx.err.is_terminal and not (fmt == "md" and ctx.out.is_terminal and not args.output):
        ctx.err.print(f"[dim]{summary_line(brief)}[/]")  # the rendered brief already ends with it
    failed = [f.article_id or "headline" for f in brief.failures]
    if failed:  # the brief is printed, but a reader must know what it leaves out
        ctx.warn(f"partial brief: the model gave nothing usable for {len(failed)} of {len(brief.sources)} "
                 f"article(s) ({', '.join(failed)}); see the warnings above")
    if args.strict and (brief.unverified or brief.failures):
        what = [f"{len(brief.unverified)} claim(s) failed citation verification"] if brief.unverified else []
        what += [f"{len(brief.failures)} model call(s) gave nothing usable"] if brief.failures else []
        ctx.note(f"briefgen: --strict: {' and '.join(what)} (exit 3)")
        return EXIT_REJECTED
    return EXIT_OK


def _check_output_path(path: Path) -> None:
    """Refuse an ``-o`` that cannot be written before any model call is spent on the brief."""
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"--output {path}: is a folder; give a file name such as {path / 'brief.md'}")
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"--output {path}: the folder {folder} {what}; create it or choose another path")


def _no_articles(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print("briefgen: error: give at least one article (file, folder, URL, or - for stdin); "
          "see `briefgen --help`", file=sys.stderr)
    return EXIT_USAGE


def make_brief(args: argparse.Namespace, ctx: Context) -> Brief:
    """Load (usage errors surface here, before any model call), then summarise."""
    from briefgen.api import summarize
    from briefgen.ingest import LoadOptions
    from briefgen.pipeline import load_articles

    settings = ctx.settings
    options = LoadOptions.from_settings(settings)
    inputs = expand_inputs(args.articles, title=args.title, published=args.date, options=options)
    with Progress(ctx) as progress:
        progress.update("loading articles")
        articles, load_warnings = load_articles(inputs, settings)
        for warning in load_warnings:
            ctx.warn(warning)
        if ctx.verbose:
            ctx.err.print(f"loaded {len(articles)} article(s): {escape(', '.join(a.id for a in articles))}")
        provider = _provider(ctx)
        progress.update(_provider_notice(ctx, provider, len(articles)))
        brief = None
        if provider is not None:
            folder = cache_folder(settings, ctx.env)
            key = cache_key(articles, settings, provider)
            brief = None if args.no_cache else lookup(folder, key)
            if brief is not None:
                ctx.note(f"[dim]using the brief cached {brief.provenance.created_at:%Y-%m-%d %H:%M} UTC for these "
                         "articles, model and settings (--no-cache asks the model again)[/]")
        if brief is None:
            brief = summarize(articles, settings=settings, progress=progress.event)
            if provider is not None and not brief.failures:  # a partial brief is not reused: re-running retries it
                store(folder, key, brief)
    extra = [w for w in load_warnings if w not in brief.warnings]
    if extra:
        brief = brief.model_copy(update={"warnings": extra + brief.warnings})
    return brief


def _provider(ctx: Context) -> Provider | None:
    """The provider a brief will use, without starting anything (None: summarize raises why)."""
    from briefgen.config import resolve_provider

    try:
        return resolve_provider(ctx.settings, ctx.env, start_local=False)
    except BriefgenError:
        return None


def _provider_notice(ctx: Context, provider: Provider | None, count: int) -> str:
    """What is about to happen, for the spinner (and, with -v, which provider and why)."""
    if provider is None:
        return "choosing a model"
    where = provider.base_url or ("the local model" if provider.kind == "local" else "OpenAI")
    if ctx.verbose:
        ctx.err.print(f"provider: {provider.kind} ({escape(provider.reason)}); model {escape(provider.model)}"
                      + (f" at {escape(provider.base_url)}" if provider.base_url else ""))
    if provider.kind == "local":
        return f"starting the local model ({ctx.settings.local_model or provider.model}) on 127.0.0.1"
    return f"sending {count} article(s) to {provider.model} at {where}"


class Progress:
    """A spinner on an interactive stderr; per-call lines with -v; nothing otherwise."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.status: Any = None
        self.total = 0
        self.extracted = 0

    def __enter__(self) -> Self:
        if self.ctx.interactive:
            self.status = self.ctx.err.status("starting", spinner="dots")
            self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)

    def update(self, text: str) -> None:
        if self.status is not None:
            self.status.update(text)

    def event(self, name: str, data: dict[str, Any]) -> None:
        if name == "loaded":
            self.total = data.get("articles", 0)
            self.update(f"extracting claims from {self.total} article(s)")
        elif name == "extracted":
            self.extracted += 1
            usage = data.get("usage")
            if self.ctx.verbose and usage is not None:
                self.ctx.err.print(
                    f"  extract {escape(str(data.get('article')))}: {data.get('claims')} claim(s), "
                    f"{data.get('rejected')} rejected, {usage.prompt_tokens}+{usage.completion_tokens} tokens, "
                    f"{usage.latency_s:.1f}s, {usage.attempts} attempt(s)"
                )
            if self.extracted >= self.total:
                self.update("writing the headline")
            else:
                self.update(f"extracting claims: {self.extracted}/{self.total} article(s) done")
        elif name == "synthesized":
            self.update("done")


def print_result(ctx: Context, text: str, fmt: str) -> None:
    """Rendered Markdown for a person at a terminal; the exact text for pipes and files."""
    if fmt == "md" and ctx.out.is_terminal:
        import re

        from rich.markdown import Markdown

        body, _, notes = text.partition("\n[^1]:")
        body = re.sub(r"\[\^(\d+)\]", r"[\1]", body)  # rich does not render footnote syntax
        footer = ""
        if notes:
            notes, _, footer = ("[^1]:" + notes).partition("\n<sub>")
        ctx.out.print(Markdown(body))
        if notes:
            ctx.out.print()
        for line in notes.splitlines():
            if line.strip():
                ctx.out.print(escape(re.sub(r"^\[\^(\d+)\]:", r"[\1]", line)), style="dim")
        if footer:
            ctx.out.print(escape(footer.replace("</sub>", "").strip()), style="dim")
        return
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # `| head`: handled quietly in main()
    except OSError as exc:  # `> file` on a full disk
        _stdout_to_devnull()  # so the interpreter's final flush does not fail again with a traceback
        raise OutputError(f"cannot write the brief to standard output: {describe_os_error(exc)}") from exc


def _stdout_to_devnull() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor behind stdout (tests, embedding)
        pass


def summary_line(brief: Brief) -> str:
    usage = brief.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd else ""
    rejected = f", {len(brief.unverified)} claim(s) rejected" if brief.unverified else ""
    return (f"{len(brief.points)} point(s) from {len(brief.sources)} article(s){rejected} · "
            f"{brief.provenance.model} · {usage.total_tokens:,} tokens{cost} · {usage.wall_time_s:.1f}s")


def print_usage_table(ctx: Context, brief: Brief) -> None:
    from rich.table import Table

    table = Table(title="model calls", title_justify="left", show_edge=False)
    for column in ("call", "attempts", "prompt", "completion", "seconds", "cost"):
        table.add_column(column, justify="left" if column == "call" else "right")
    for call in brief.usage.calls:
        cost = "-" if call.cost_usd is None else f"${call.cost_usd:.4f}"
        table.add_row(call.purpose, str(call.attempts), f"{call.prompt_tokens:,}", f"{call.completion_tokens:,}",
                      f"{call.latency_s:.2f}", cost)
    ctx.err.print(table)
    ctx.err.print(summary_line(brief))
    for rejected in brief.rejected:
        label = "repeat" if rejected.stage == "merge" else "rejected"
        ctx.err.print(f"  {label} ({escape(str(rejected.article_id))}): {escape(rejected.claim)} — {escape(' '.join(rejected.reason.split()))}")
