"""Writing files so that a failure never leaves a half-written one, and saying why in one line.

Every file briefgen writes for a user goes through :func:`write_atomic`: the
``-o`` brief, each ``batch`` brief, and the brief cache. The text goes to a
temporary file beside the target (a name unique to this process and call, so
two writers never share one), is fsync'd, and is renamed over the target in
one step. A full disk, a missing folder or a permission problem therefore
leaves the previous file exactly as it was, and surfaces as an
:class:`~briefgen.errors.OutputError` whose message names the file, the cause
and the fix, instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path

from briefgen.errors import OutputError

TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")

_ADVICE = {
    errno.ENOSPC: "free some space and try again",
    errno.EDQUOT: "free some space (disk quota exceeded) and try again",
    errno.ENOTDIR: "part of the path is a file, not a folder; choose another path",
    errno.EEXIST: "a file already has that name; choose another path",
    errno.EACCES: "check the permissions or choose another path",
    errno.EPERM: "check the permissions or choose another path",
    errno.EROFS: "the file system is read-only; choose another path",
    errno.EISDIR: "that is a folder; give a file name",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
}


def describe_os_error(exc: OSError) -> str:
    """``No space left on device; free some space and try again`` — the cause, then the fix."""
    cause = exc.strerror or exc.__class__.__name__
    advice = _ADVICE.get(exc.errno) if exc.errno is not None else None
    return f"{cause}; {advice}" if advice else cause


def write_error(path: Path, exc: OSError, *, existed: bool) -> OutputError:
    """The one-line error for a failed write of ``path``."""
    kept = "the previous file is unchanged" if existed else "nothing was written"
    return OutputError(f"cannot write {path}: {describe_os_error(exc)} ({kept})")


def write_atomic(path: Path | str, data: str | bytes, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` in one step, or raise :class:`OutputError` and change nothing.

    ``fsync=False`` skips the flush to disk (for caches, where a torn file is a miss).
    The new file keeps the old one's permission bits; a new file gets the umask's.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.exists() and not path.is_file() and not path.is_dir():
        _write_in_place(path, payload)  # /dev/stdout, a named pipe: there is no file to replace
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # write through the link and keep it, as open() would
    existed = path.exists()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    created = False
    try:
        # O_EXCL: never write into someone else's file; 0o666 lets the umask decide, as open() would.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        try:
            _write_all(fd, payload)
            if fsync:
                os.fsync(fd)  # a full disk can surface only here (delayed allocation)
        finally:
            os.close(fd)
        if existed:
            try:
                os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
            except OSError:
                pass  # a mode we cannot copy is not worth losing the write for
        os.replace(tmp, path)
    except OSError as exc:
        if created:
            try:
                tmp.unlink()
            except OSError:
                pass
        raise write_error(path, exc, existed=existed) from exc
    if fsync:
        _fsync_folder(path.parent)


def _write_in_place(path: Path, payload: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(payload)
    except OSError as exc:
        raise write_error(path, exc, existed=False) from exc


def _write_all(fd: int, payload: bytes) -> None:
    """``os.write`` until done (it may write less than asked, e.g. on a nearly full disk)."""
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> int:
    """Delete temporary files that :func:`write_atomic` left behind in a process that has died.

    A ``kill -9`` between writing and renaming leaves ``.NAME.PID.XXXXXXXX.tmp``;
    files of a live process are left alone. Returns how many were removed.
    """
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        found = _TEMP_NAME.match(entry.name)
        if found is None or _alive(int(found.group(1))):
            continue
        try:
            entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # os.kill(pid, 0) is not a probe on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or the platform cannot tell
        return True
    return True
