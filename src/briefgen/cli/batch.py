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

``--via batch-api`` sends every story's requests through the OpenAI Batch API
(half the price), ``--via local-runner`` plays them as Batch API JSONL against
``--base-url``, ``--export-jsonl`` / ``--import-results`` hand them to any
engine that reads that format (vLLM ``run-batch``), and ``--dry-run`` prices a
job before anything is sent: :mod:`briefgen.batchapi`, ``docs/batch.md``. Their
state lives in ``OUT/.briefgen-batch``; re-running the same command resumes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen._files import describe_os_error, remove_stale_temps
from briefgen.batchapi import STATE_DIR, VIAS, BatchOptions, estimate, run_batch
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

if TYPE_CHECKING:
    from rich.progress import Progress


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
    via = p.add_argument_group("batch path (docs/batch.md)")
    via.add_argument("--via", choices=VIAS, default="live",
                     help="live: one request at a time as now (default); batch-api: the OpenAI Batch API, half "
                          "the price, answers within 24 h; local-runner: Batch API JSONL played against --base-url "
                          "(llama.cpp, Ollama, vLLM), --concurrency requests at a time")
    via.add_argument("--export-jsonl", metavar="DIR", help="write each round's requests as Batch API JSONL to DIR "
                     "and stop; run them on any engine (vllm run-batch), then re-run with --import-results")
    via.add_argument("--import-results", metavar="FILE", nargs="+",
                     help="Batch API output files (from vllm run-batch or the Batch API) answering exported requests")
    via.add_argument("--dry-run", action="store_true",
                     help="print the requests, estimated tokens and cost (live and batch-api) and send nothing")
    via.add_argument("--poll-interval", type=float, default=30.0, metavar="SECONDS",
                     help="first wait before polling a batch (default 30; later polls back off to 300)")
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
    if args.poll_interval <= 0:
        raise UsageError("--poll-interval must be more than 0 seconds")
    ctx = make_context(args)
    root = Path(args.dir).expanduser()
    out = Path(args.out).expanduser() if args.out else default_out(root)
    stories = find_stories(root, out, ctx)
    if args.dry_run:
        return dry_run(args, ctx, out, stories)
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
        if batch_path(args):
            stopped = run_batch_path(args, todo, ctx, writer)
            if stopped is not None:
                ctx.note(f"briefgen: {escape(stopped)}")
        else:
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
    with _progress(ctx) as bar:
        task = bar.add_task("briefs", total=len(todo), totals=writer.totals())
        writer.on_update = lambda: bar.update(task, completed=writer.finished, totals=writer.totals())
        asyncio.run(go())


# --- the batch path: --via batch-api | local-runner, --export-jsonl, --import-results, --dry-run ----------


def batch_path(args: argparse.Namespace) -> bool:
    return args.via != "live" or bool(args.export_jsonl or args.import_results)


def batch_options(args: argparse.Namespace, out: Path, todo: list[Story], ctx: Context | None) -> BatchOptions:
    return BatchOptions(
        state_dir=out / STATE_DIR,
        poll_interval=args.poll_interval,
        export_dir=Path(args.export_jsonl).expanduser() if args.export_jsonl else None,
        import_files=[Path(f).expanduser() for f in args.import_results or []],
        story_labels=[s.name for s in todo],  # folder names: a story keeps its request ids when others come and go
        runner_concurrency=args.concurrency,
        on_status=_StatusLine(ctx) if ctx is not None else None,
    )


class _StatusLine:
    """Batch status per round: a line on stderr when a batch changes status, and the progress bar's text."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.latest: dict[str, dict[str, object]] = {}
        self.on_update: object = None

    def __call__(self, event: dict[str, object]) -> None:
        name = str(event["batch"])
        before = self.latest.get(name, {}).get("status")
        self.latest[name] = event
        if event["status"] != before and not self.ctx.interactive:
            self.ctx.note(f"round {event['round']}: {escape(name)} {event['status']} ({event['total']} requests)")
        if callable(self.on_update):
            self.on_update()

    def text(self) -> str:
        if not self.latest:
            return "waiting for the first round"
        last = max(int(str(e["round"])) for e in self.latest.values())
        events = [e for e in self.latest.values() if int(str(e["round"])) == last]
        statuses = ", ".join(sorted({str(e["status"]) for e in events}))
        done = sum(int(str(e.get("completed", 0))) + int(str(e.get("failed", 0))) for e in events)
        total = sum(int(str(e["total"])) for e in events)
        return f"round {last}: {len(events)} batch(es) {statuses} · {done:,}/{total:,} requests"


def run_batch_path(args: argparse.Namespace, todo: list[Story], ctx: Context, writer: Writer) -> str | None:
    """Brief ``todo`` through the batch path; returns why it stopped early (requests exported), else None."""
    options = batch_options(args, writer.out, todo, ctx)
    status = options.on_status
    inputs = [list(s.files) for s in todo]

    async def go() -> str | None:
        run = await run_batch(inputs, ctx.settings, via=args.via, options=options, on_result=writer)
        for index, problems in sorted(run.problems.items()):
            shown = "; ".join(problems[:2]) + (f"; and {len(problems) - 2} more" if len(problems) > 2 else "")
            ctx.warn(f"{todo[index].name}: {shown} (re-run with --via live to finish what the batch could not)")
        return run.stopped

    if not ctx.interactive:
        return asyncio.run(go())
    with _progress(ctx) as bar:
        briefs = bar.add_task("briefs", total=len(todo), totals=writer.totals())
        rounds = bar.add_task("batches", total=None, totals="waiting for the first round")
        writer.on_update = lambda: bar.update(briefs, completed=writer.finished, totals=writer.totals())
        if isinstance(status, _StatusLine):
            status.on_update = lambda: bar.update(rounds, totals=status.text())
        return asyncio.run(go())


def dry_run(args: argparse.Namespace, ctx: Context, out: Path, stories: list[Story]) -> int:
    """Print what the job would send and cost; nothing is sent and nothing is written."""
    done = {} if args.force else read_done(out / "briefs.jsonl", ctx) if out.exists() else {}
    todo = [s for s in stories if s.name not in done]
    if done:
        ctx.note(f"{len(stories) - len(todo)} of {len(stories)} stories already briefed in {out} (not counted)")
    if not todo:
        print("dry run: nothing to do")
        return EXIT_OK
    options = batch_options(args, out, todo, None)
    options.export_dir, options.import_files = None, []
    result = asyncio.run(estimate([list(s.files) for s in todo], ctx.settings, options=options))
    print("\n".join(result.lines()))
    return EXIT_OK


def _exit(args: argparse.Namespace, ctx: Context, writer: Writer, done: dict[str, Done], stories: list[Story],
          *, interrupted: bool) -> int:
    if interrupted:
        saved = len(done) + writer.ok
        print(f"briefgen: interrupted: {saved} of {len(stories)} brief(s) are saved in "
              f"{writer.out}; re-run the same command to brief the other {len(stories) - saved}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if writer.failed or writer.partial:
        return EXIT_FAILED
    rejected = writer.rejected_briefs + sum(bool(d.brief.unverified) for d in done.values())
    if args.strict and rejected:
        ctx.note(f"briefgen: --strict: {rejected} brief(s) had claims rejected by verification (exit 3)")
        return EXIT_REJECTED
    return EXIT_OK


def _progress(ctx: Context) -> Progress:
    """The batch progress bar on stderr: one line per task, its description, count and running totals."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[totals]}"), TimeElapsedColumn(), console=ctx.err, transient=False)
