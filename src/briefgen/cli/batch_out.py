"""What ``briefgen batch`` keeps in its output folder: file names, records, the lock, the writer.

``OUT/briefs.jsonl`` holds one record per finished story (``status`` ``ok``,
``partial`` or ``failed``); the latest record of a story decides whether a
re-run skips it. Each brief is also written as ``OUT/<name>.json`` and in the
asked format, atomically. ``OUT/.briefgen.lock`` keeps a second batch out.
The command itself, and the rules it follows, are in :mod:`briefgen.cli.batch`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from pydantic import ValidationError

from briefgen._files import describe_os_error, write_atomic
from briefgen.cli.common import Context, escape
from briefgen.errors import BriefgenError, OutputError, OutputLockedError
from briefgen.brief import Brief
from briefgen.render import render

JSONL_NAME = "briefs.jsonl"
LOCK_NAME = ".briefgen.lock"
EXTENSIONS = {"md": "md", "json": "json", "html": "html", "slack": "slack.json"}
STATUSES = ("ok", "partial", "failed")
MAX_STEM = 100
"""Longest file-name stem taken from a folder name (the hash and the longest suffix still fit in 255)."""


# --- story names ----------------------------------------------------------------------


@dataclass
class Story:
    name: str
    """The real folder name (what records are keyed by)."""
    file: str
    """The file-name stem of its outputs in OUT, unique among the stories."""
    folder: Path
    files: list[Path]


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:MAX_STEM].rstrip("._") or "story"


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def output_stems(names: list[str]) -> dict[str, str]:
    """A file-name stem per folder name, unique (case-insensitively) and the same on every run.

    A name that is already safe is kept (so adding a folder never renames another's
    files); one that had to change, or that collides with another ignoring case,
    gets ``-<8 hex of sha256(name)>`` appended.
    """
    stems = {n: (s if (s := safe_name(n)) == n else f"{s}-{_short_hash(n)}") for n in names}
    # Safe names that still collide: "Alpha" and "alpha" on a case-insensitive disk, or a
    # folder literally named like another's hashed stem. Hash those too.
    counts = Counter(s.casefold() for s in stems.values())
    for n, s in stems.items():
        if s == n and counts[s.casefold()] > 1:
            stems[n] = f"{s}-{_short_hash(n)}"
    return stems



# --- OUT/briefs.jsonl ---------------------------------------------------------------


@dataclass
class Done:
    """A story whose latest record says ``ok``, with its validated brief."""

    record: dict[str, Any]
    brief: Brief


def read_done(jsonl: Path, ctx: Context | None = None) -> dict[str, Done]:
    """The stories whose latest record in ``briefs.jsonl`` is ``ok``.

    The last record of a story wins, so a story that was ``ok`` and later
    failed under ``--force`` is retried. A line that is not JSON (a kill
    mid-write) or not a valid record (edited by hand, another tool) is
    reported as a warning naming its line number and skipped: that story is
    briefed again, and the batch goes on.
    """
    done: dict[str, Done] = {}
    if not jsonl.exists():
        return done
    try:
        text = jsonl.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OutputError(f"cannot read {jsonl}: {describe_os_error(exc)}") from exc
    torn: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            torn.append(number)
            continue
        story = record.get("story") if isinstance(record, dict) else None
        problem = _record_problem(record)
        if problem is not None:
            if isinstance(story, str):
                done.pop(story, None)
                what = f"story {story!r} will be briefed again"
            else:
                what = "ignored"
            _warn(ctx, f"{jsonl} line {number}: {problem}; {what}")
            continue
        story = record["story"]  # a non-empty string: checked above
        status = _status(record)
        if status != "ok":
            done.pop(story, None)
            continue
        try:
            brief = Brief.model_validate(record["brief"])
        except ValidationError as exc:
            done.pop(story, None)
            _warn(ctx, f"{jsonl} line {number}: the brief of story {story!r} is not a valid brief "
                       f"({_first_error(exc)}); it will be briefed again")
            continue
        done[story] = Done(record, brief)
    if torn:
        lines = ", ".join(map(str, torn[:5])) + (" ..." if len(torn) > 5 else "")
        _warn(ctx, f"{jsonl}: line(s) {lines} are not JSON (cut off by a kill?) and were ignored; "
                   "delete them to silence this")
    return done


def _status(record: dict[str, Any]) -> str:
    """``status``, or for records written before it existed, ``ok`` from the boolean."""
    status = record.get("status")
    if status is None:
        return "ok" if record.get("ok") is True else "failed"
    return str(status)


def _record_problem(record: Any) -> str | None:
    """Why a decoded line is not a usable record (None: it is)."""
    if not isinstance(record, dict):
        return f"not a record (a JSON {type(record).__name__}, expected an object)"
    if not isinstance(record.get("story"), str) or not record["story"]:
        return "no story name (\"story\" must be a non-empty string)"
    status = record.get("status")
    if status is not None and status not in STATUSES:
        return f"unknown status {status!r} (expected one of {', '.join(STATUSES)})"
    if "ok" in record and not isinstance(record["ok"], bool):
        return "\"ok\" must be true or false"
    if _status(record) == "ok" and not isinstance(record.get("brief"), dict):
        return "an ok record without a brief object"
    return None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "brief"
    return f"{where}: {error['msg']}"


def _warn(ctx: Context | None, message: str) -> None:
    if ctx is not None:
        ctx.warn(message)


def append_line(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        data = line.encode("utf-8")
    except UnicodeEncodeError:  # a folder name that is not valid UTF-8: keep it, escaped
        data = json.dumps(record, ensure_ascii=True, default=str).encode("ascii")
    try:
        with path.open("a+b") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() > 0:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    f.write(b"\n")  # finish a line torn by an earlier kill
            f.write(data + b"\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OutputError(f"cannot append to {path}: {describe_os_error(exc)}") from exc


# --- one batch per OUT ----------------------------------------------------------------


class OutLock:
    """``flock`` on ``OUT/.briefgen.lock`` for the whole run; the holder's pid, host and start inside.

    The kernel drops the lock when the holder exits, however it exits, so a
    lock file left by a killed run is simply taken over. The file is never
    deleted (deleting it would let two runs lock two different files).
    """

    def __init__(self, out: Path) -> None:
        self.path = out / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> Self:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create {self.path}: {describe_os_error(exc)}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(fd)  # a file system without locks (some network mounts): go on unlocked
                return self
            holder = _holder(fd)
            os.close(fd)
            raise OutputLockedError(
                f"{self.path.parent} is in use by another briefgen batch ({holder}); "
                "wait for it to finish, or give this one another --out"
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "argv": sys.argv[1:]}
        try:
            os.ftruncate(fd, 0)
            os.write(fd, (json.dumps(info) + "\n").encode("utf-8"))
        except OSError:
            pass  # the lock holds without the note; a second run just cannot say who holds it
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            os.close(self.fd)  # releases the flock
            self.fd = None


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {int(info['pid'])} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, TypeError, KeyError):
        return "a run that is just starting"


# --- writing results ------------------------------------------------------------------


class Writer:
    """Writes each result as it arrives and keeps the running totals for the progress bar."""

    def __init__(self, out: Path, fmt: str, ctx: Context, stories: list[Story]) -> None:
        self.out, self.fmt, self.ctx, self.stories = out, fmt, ctx, stories
        self.jsonl = out / JSONL_NAME
        self.ok = self.partial = self.failed = self.rejected_briefs = 0
        self.tokens = 0
        self.cost: float | None = 0.0
        self.on_update: Any = None
        self.fatal: OutputError | None = None

    @property
    def finished(self) -> int:
        return self.ok + self.partial + self.failed

    def write_brief_files(self, story: Story, brief: Brief) -> None:
        write_atomic(self.out / f"{story.file}.json", brief.model_dump_json(indent=2) + "\n")
        if self.fmt != "json":
            text = render(brief, self.fmt)
            write_atomic(self.out / f"{story.file}.{EXTENSIONS[self.fmt]}", text if text.endswith("\n") else text + "\n")

    def __call__(self, index: int, result: Brief | BriefgenError) -> None:
        if self.fatal is not None:
            return  # the disk already refused a write: the batch is stopping
        try:
            self._write(self.stories[index], result)
        except OutputError as exc:
            self.fatal = exc
            raise
        if self.on_update is not None:
            self.on_update()

    def _write(self, story: Story, result: Brief | BriefgenError) -> None:
        base = {"story": story.name, "file": story.file, "folder": str(story.folder)}
        if isinstance(result, Brief):
            self.write_brief_files(story, result)
            failures = [f for f in result.failures if f.stage == "extract"]
            status = "ok" if result.complete else "partial"
            record = {**base, "status": status, "ok": result.complete, "brief": result.model_dump(mode="json")}
            if failures:
                record["error"] = (f"{len(failures)} article(s) got no usable answer from the model; "
                                   "retried on the next run")
            append_line(self.jsonl, record)
            if result.complete:
                self.ok += 1
            else:
                self.partial += 1
            self.rejected_briefs += bool(result.unverified)
            self._count_usage(result)
            extra = f", {len(result.warnings)} warning(s)" if result.warnings else ""
            if failures:
                line = (f"[yellow]![/] {escape(story.name)}: {len(result.points)} point(s), partial: "
                        f"{len(failures)} article(s) got no usable answer (retried next run){extra}")
            else:
                line = f"[green]✓[/] {escape(story.name)}: {len(result.points)} point(s){extra}"
            if self.ctx.verbose:
                for failure in failures:
                    line += f"\n    [yellow]failed:[/] {escape(str(failure.article_id))}: {escape(failure.message)}"
                for warning in result.warnings:
                    line += f"\n    [yellow]warning:[/] {escape(warning)}"
        else:
            append_line(self.jsonl, {**base, "status": "failed", "ok": False,
                                     "error": str(result), "error_type": type(result).__name__})
            self.failed += 1
            line = f"[red]✗[/] {escape(story.name)}: {escape(str(result))}"
        if not self.ctx.quiet:
            self.ctx.err.print(line, emoji=False)  # a story named "a:b" stays "a:b", not an emoji code

    def _count_usage(self, brief: Brief) -> None:
        self.tokens += brief.usage.total_tokens
        if self.cost is not None and brief.usage.cost_usd is not None:
            self.cost += brief.usage.cost_usd
        elif brief.usage.cost_usd is None:
            self.cost = None

    def totals(self) -> str:
        if not (self.ok or self.partial):
            return f"{self.tokens:,} tokens"
        cost = "cost n/a" if self.cost is None else f"${self.cost:.4f}"
        return f"{self.tokens:,} tokens · {cost}"
