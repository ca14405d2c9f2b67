"""``briefgen batch DIR --out OUT``: one brief per subfolder, concurrently, resumable.

Results are written the moment each brief finishes: ``OUT/<name>.json`` (the
full brief, readable by ``briefgen verify``), ``OUT/<name>.<format>`` when
another format is asked for, and one line appended to ``OUT/briefs.jsonl``.
Files are written to a temporary name and renamed, and the JSONL line is
flushed and fsync'd, so Ctrl-C or a kill loses at most the briefs still in
flight.

Each record has a ``status``: ``ok`` (every article was briefed), ``partial``
(the brief is written, but the model gave nothing usable for some article
after every retry) or ``failed`` (no brief). A re-run with the same ``--out``
skips the ``ok`` stories and retries the others (``--force`` redoes all).

``<name>`` is the story folder's name made safe for a file name; when that
changes the name, or two folders would get the same one, a short hash of the
real folder name is appended (``a b`` → ``a_b-1f3c2e9a``), so no brief
overwrites another and the name is the same on every run. Records keep the
real folder name in ``story`` and the file name in ``file``.

One batch at a time per ``--out``: ``OUT/.briefgen.lock`` is held (``flock``)
for the whole run, so a second run on the same folder exits at once naming
the first one's pid, host and start time. The lock dies with its process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from briefgen._files import describe_os_error, remove_stale_temps
from briefgen.cli.batch_out import (
    Done,
    OutLock,
    Story,
    Writer,
    output_stems,
    read_done,
)
from briefgen.cli.common import (
    CONFIG_HELP,
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTED,
    Context,
    UsageError,
    add_fetch_options,
    add_model_options,
    add_output_options,
    escape,
    make_context,
)
from briefgen.cli.inputs import folder_articles
from briefgen.errors import OutputError
from briefgen.ingest.loader import ARTICLE_SUFFIXES
from briefgen.render import FORMATS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen batch",
        description="One brief per subfolder of DIR (each subfolder is one story), made concurrently\n"
                    "and written as each finishes. Re-run the same command to resume after Ctrl-C\n"
                    "or a crash: stories already briefed in OUT/briefs.jsonl are skipped, partial\n"
                    "and failed ones are retried. One batch at a time per OUT.",
        epilog="output in OUT:\n"
               "  briefs.jsonl       one line per story: {\"story\", \"file\", \"status\", \"ok\", \"brief\" | \"error\"}\n"
               "                     status: ok | partial (some article got no usable answer; retried\n"
               "                     next run) | failed (no brief; retried next run)\n"
               "  NAME.json          the full brief (for `briefgen verify`); NAME is the folder's name,\n"
               "                     plus a short hash when it had to be changed to be a safe file name\n"
               "  NAME.md|.html|...  the brief in --format (default md)\n\n"
               + CONFIG_HELP + "\n" + EXIT_CODES_HELP
               + "batch exits 1 when any story failed or is partial (every other brief is still written;\n"
                 "re-run the same command to retry those)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", metavar="DIR", help="folder whose subfolders are stories")
    p.add_argument("-o", "--out", metavar="OUT", help="output folder (default: DIR-briefs next to DIR)")
    p.add_argument("-j", "--concurrency", type=int, default=4, metavar="N", help="stories briefed at once (default 4)")
    p.add_argument("-f", "--format", choices=FORMATS, default="md", help="per-brief file format besides JSON (default md)")
    p.add_argument("--force", action="store_true", help="redo stories already briefed in OUT")
    p.add_argument("--strict", action="store_true", help="exit 3 if any brief had claims rejected by verification")
    add_model_options(p)
    add_fetch_options(p)
    add_output_options(p)
    return p


def default_out(root: Path) -> Path:
    """``DIR-briefs`` next to DIR (``batch .`` too: the folder's real name is used)."""
    real = Path(os.path.realpath(root))
    return real.with_name(real.name + "-briefs") if real.name else real / "briefs"


def find_stories(root: Path, out: Path, ctx: Context) -> list[Story]:
    """Every subfolder of ``root`` but hidden ones and the output folder itself."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder; batch takes a folder whose subfolders are stories")
    out_real = Path(os.path.realpath(out))  # realpath: a symlink loop is just a path, never an error
    if out_real == Path(os.path.realpath(root)):
        raise UsageError(f"--out {out}: is DIR itself; choose another folder (default: {default_out(root)})")
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise UsageError(f"{root}: cannot list the folder: {describe_os_error(exc)}") from exc
    folders = []
    for path in entries:
        if not path.is_dir() or path.name.startswith("."):
            continue
        if Path(os.path.realpath(path)) == out_real:
            ctx.note(f"[dim]note: {escape(str(path))} is the --out folder, not a story; skipped[/]")
            continue
        folders.append(path)
    if not folders:
        raise UsageError(f"{root}: has no subfolders; each subfolder is one story "
                         f"(for one brief of these files run: briefgen {root})")
    stems = output_stems([f.name for f in folders])
    stories = []
    for folder in folders:
        # An --out nested deeper inside a story must not feed its own briefs back in as articles.
        files = [p for p in folder_articles(folder) if not Path(os.path.realpath(p)).is_relative_to(out_real)]
        stories.append(Story(folder.name, stems[folder.name], folder, files))
    return stories


# --- the command ----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    ctx = make_context(args)
    root = Path(args.dir).expanduser()
    out = Path(args.out).expanduser() if args.out else default_out(root)
    stories = find_stories(root, out, ctx)
    loose = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES]
    if loose:
        ctx.warn(f"{len(loose)} file(s) directly in {root} are not briefed: only subfolders are stories")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {describe_os_error(exc)}") from exc
    with OutLock(out):
        remove_stale_temps(out)
        return _batch(args, ctx, out, stories)


def _batch(args: argparse.Namespace, ctx: Context, out: Path, stories: list[Story]) -> int:
    writer = Writer(out, args.format, ctx, stories)
    done = {} if args.force else read_done(writer.jsonl, ctx)
    done = {s.name: done[s.name] for s in stories if s.name in done}  # records of folders gone since are ignored
    todo = [s for s in stories if s.name not in done]
    for story in stories:  # restore per-brief files a kill may have missed; nothing is redone
        finished = done.get(story.name)
        if finished is not None and not (out / f"{story.file}.json").exists():
            writer.write_brief_files(story, finished.brief)
    if done:
        ctx.note(f"{len(done)} of {len(stories)} stories already briefed in {out}; "
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
    except OutputError as exc:
        saved = len(done) + writer.finished
        raise OutputError(f"{exc}; the batch stopped: {saved} of {len(stories)} stories are recorded in {out}, "
                          "re-run the same command to resume once fixed") from exc
    if not ctx.quiet:
        elapsed = time.perf_counter() - started
        partial = f", {writer.partial} partial (retried next run)" if writer.partial else ""
        ctx.err.print(f"{writer.ok + writer.partial} brief(s) written to {out}{partial}, {writer.failed} failed · "
                      f"{writer.totals()} · {elapsed:.1f}s")
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
        writer.on_update = lambda: bar.update(task, completed=writer.finished, totals=writer.totals())
        asyncio.run(go())


def _exit(args: argparse.Namespace, ctx: Context, writer: Writer, done: dict[str, Done], stories: list[Story],
          *, interrupted: bool) -> int:
    if interrupted:
        saved = len(done) + writer.ok
        print(f"briefgen: interrupted: {saved} of {len(stories)} brief(s) are saved in "
              f"{writer.out}; re-run the same command to brief the other {len(stories) - saved}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if writer.failed or writer.partial:
        return EXIT_FAILED
    rejected = writer.rejected_briefs + sum(bool(d.brief.rejected) for d in done.values())
    if args.strict and rejected:
        ctx.note(f"briefgen: --strict: {rejected} brief(s) had claims rejected by verification (exit 3)")
        return EXIT_REJECTED
    return EXIT_OK
