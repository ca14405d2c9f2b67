"""``briefgen batch DIR --out OUT``: one brief per subfolder, concurrently, resumable.

Results are written the moment each brief finishes: ``OUT/<story>.json`` (the
full brief, readable by ``briefgen verify``), ``OUT/<story>.<format>`` when
another format is asked for, and one line appended to ``OUT/briefs.jsonl``.
Files are written to a temporary name and renamed, and the JSONL line is
flushed and fsync'd, so Ctrl-C or a kill loses at most the briefs still in
flight. A re-run with the same ``--out`` reads ``briefs.jsonl`` and skips
every story already briefed (``--force`` redoes them; failed stories are
always retried).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.cli_common import (
    CONFIG_HELP,
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTED,
    Context,
    add_model_options,
    add_output_options,
    escape,
    make_context,
)
from briefgen.cli_inputs import ARTICLE_SUFFIXES, UsageError, folder_articles
from briefgen.errors import BriefgenError
from briefgen.models import Brief
from briefgen.render import FORMATS, render

JSONL_NAME = "briefs.jsonl"
EXTENSIONS = {"md": "md", "json": "json", "html": "html", "slack": "slack.json"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen batch",
        description="One brief per subfolder of DIR (each subfolder is one story), made concurrently\n"
                    "and written as each finishes. Re-run the same command to resume after Ctrl-C\n"
                    "or a crash: stories already in OUT/briefs.jsonl are skipped.",
        epilog="output in OUT:\n  briefs.jsonl       one line per story: {\"story\", \"ok\", \"brief\" | \"error\"}\n"
               "  STORY.json         the full brief (for `briefgen verify`)\n"
               "  STORY.md|.html|... the brief in --format (default md)\n\n" + CONFIG_HELP + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", metavar="DIR", help="folder whose subfolders are stories")
    p.add_argument("-o", "--out", metavar="OUT", help="output folder (default: DIR-briefs next to DIR)")
    p.add_argument("-j", "--concurrency", type=int, default=4, metavar="N", help="stories briefed at once (default 4)")
    p.add_argument("-f", "--format", choices=FORMATS, default="md", help="per-brief file format besides JSON (default md)")
    p.add_argument("--force", action="store_true", help="redo stories already briefed in OUT")
    p.add_argument("--strict", action="store_true", help="exit 3 if any brief had claims rejected by verification")
    add_model_options(p)
    add_output_options(p)
    return p


@dataclass
class Story:
    name: str
    folder: Path
    files: list[Path]


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "story"


def find_stories(root: Path) -> list[Story]:
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder; batch takes a folder whose subfolders are stories")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise UsageError(f"{root}: has no subfolders; each subfolder is one story "
                         f"(for one brief of these files run: briefgen {root})")
    return [Story(safe_name(f.name), f, folder_articles(f)) for f in folders]


def read_done(jsonl: Path) -> dict[str, dict[str, Any]]:
    """Successful records already in OUT/briefs.jsonl, by story (a torn last line is ignored)."""
    done: dict[str, dict[str, Any]] = {}
    if not jsonl.exists():
        return done
    for line in jsonl.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut off by a kill mid-write
        if isinstance(record, dict) and record.get("ok") and "story" in record and "brief" in record:
            done[record["story"]] = record
    return done


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text if text.endswith("\n") else text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def append_line(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False, default=str)
    with path.open("a+b") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")  # finish a line torn by an earlier kill
        f.write(line.encode("utf-8") + b"\n")
        f.flush()
        os.fsync(f.fileno())


class Writer:
    """Writes each result as it arrives and keeps the running totals for the progress bar."""

    def __init__(self, out: Path, fmt: str, ctx: Context, stories: list[Story]) -> None:
        self.out, self.fmt, self.ctx, self.stories = out, fmt, ctx, stories
        self.jsonl = out / JSONL_NAME
        self.ok = self.failed = self.rejected_briefs = 0
        self.tokens = 0
        self.cost: float | None = 0.0
        self.on_update: Any = None

    def write_brief_files(self, name: str, brief: Brief) -> None:
        write_atomic(self.out / f"{name}.json", brief.model_dump_json(indent=2))
        if self.fmt != "json":
            write_atomic(self.out / f"{name}.{EXTENSIONS[self.fmt]}", render(brief, self.fmt))

    def __call__(self, index: int, result: Brief | BriefgenError) -> None:
        story = self.stories[index]
        if isinstance(result, Brief):
            self.write_brief_files(story.name, result)
            append_line(self.jsonl, {"story": story.name, "folder": str(story.folder), "ok": True,
                                     "brief": result.model_dump(mode="json")})
            self.ok += 1
            self.rejected_briefs += bool(result.rejected)
            self.tokens += result.usage.total_tokens
            if self.cost is not None and result.usage.cost_usd is not None:
                self.cost += result.usage.cost_usd
            elif result.usage.cost_usd is None:
                self.cost = None
            extra = f", {len(result.warnings)} warning(s)" if result.warnings else ""
            line = f"[green]✓[/] {escape(story.name)}: {len(result.points)} point(s){extra}"
            if self.ctx.verbose:
                for warning in result.warnings:
                    line += f"\n    [yellow]warning:[/] {escape(warning)}"
        else:
            append_line(self.jsonl, {"story": story.name, "folder": str(story.folder), "ok": False,
                                     "error": str(result), "error_type": type(result).__name__})
            self.failed += 1
            line = f"[red]✗[/] {escape(story.name)}: {escape(str(result))}"
        if not self.ctx.quiet:
            self.ctx.err.print(line)
        if self.on_update is not None:
            self.on_update()

    def totals(self) -> str:
        if not self.ok:
            return f"{self.tokens:,} tokens"
        cost = "cost n/a" if self.cost is None else f"${self.cost:.4f}"
        return f"{self.tokens:,} tokens · {cost}"


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    ctx = make_context(args)
    root = Path(args.dir).expanduser()
    stories = find_stories(root)
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES]
    if loose:
        ctx.warn(f"{len(loose)} file(s) directly in {root} are not briefed: only subfolders are stories")
    out = Path(args.out).expanduser() if args.out else root.with_name(root.name + "-briefs")
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out, args.format, ctx, stories)
    done = {} if args.force else read_done(writer.jsonl)
    todo = [s for s in stories if s.name not in done]
    for story in stories:  # restore per-brief files a kill may have missed; nothing is redone
        record = done.get(story.name)
        if record is not None and not (out / f"{story.name}.json").exists():
            writer.write_brief_files(story.name, Brief.model_validate(record["brief"]))
    if done:
        ctx.note(f"{len(stories) - len(todo)} of {len(stories)} stories already briefed in {out}; "
                 f"{'nothing to do' if not todo else f'briefing the other {len(todo)}'} (--force redoes them)")
    if not todo:
        return _exit(args, ctx, writer, done, stories, interrupted=False)
    writer.stories = todo
    interrupted = False
    started = time.perf_counter()
    try:
        _run(todo, ctx, writer, args.concurrency)
    except KeyboardInterrupt:
        interrupted = True
    if not ctx.quiet:
        elapsed = time.perf_counter() - started
        ctx.err.print(f"{writer.ok} brief(s) written to {out}, {writer.failed} failed · {writer.totals()} · {elapsed:.1f}s")
    return _exit(args, ctx, writer, done, stories, interrupted=interrupted)


def _run(todo: list[Story], ctx: Context, writer: Writer, concurrency: int) -> None:
    from briefgen.api import asummarize_batch

    story_inputs = [list(s.files) for s in todo]

    async def go() -> None:
        await asummarize_batch(story_inputs, concurrency=concurrency, on_result=writer, settings=ctx.settings)

    if not ctx.interactive:
        asyncio.run(go())
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("briefs"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[totals]}"), TimeElapsedColumn())
    with Progress(*columns, console=ctx.err, transient=False) as bar:
        task = bar.add_task("batch", total=len(todo), totals=writer.totals())
        writer.on_update = lambda: bar.update(task, completed=writer.ok + writer.failed, totals=writer.totals())
        asyncio.run(go())


def _exit(args: argparse.Namespace, ctx: Context, writer: Writer, done: dict[str, Any], stories: list[Story],
          *, interrupted: bool) -> int:
    if interrupted:
        left = len(stories) - len(done) - writer.ok
        print(f"briefgen: interrupted: {len(done) + writer.ok} of {len(stories)} brief(s) are saved in "
              f"{writer.out}; re-run the same command to brief the other {left}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if writer.failed:
        return EXIT_FAILED
    rejected = writer.rejected_briefs + sum(bool(r["brief"].get("rejected")) for r in done.values())
    if args.strict and rejected:
        ctx.note(f"briefgen: --strict: {rejected} brief(s) had claims rejected by verification (exit 3)")
        return EXIT_REJECTED
    return EXIT_OK
