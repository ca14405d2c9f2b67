"""Keeps the shared local model server running while someone uses it, then stops it.

:mod:`briefgen.local.runtime` starts this file as
``python -I _supervisor.py --users DIR --state FILE --lock FILE --port N --idle S -- SERVER ARGV``
in a session of its own, so it outlives the process that started it. It runs
the server as its child and, every few seconds:

* exits with the server's exit code when the server exits;
* prunes the lease files of dead processes from the users folder
  (``servers/<key>.users/<pid>``, one per process using the server);
* once no live lease is left and no TCP connection to the server's port is
  open (no request in flight) for ``--idle`` seconds, takes the start lock,
  checks again, stops the server, removes the state file if it still names
  this process, and exits. Holding the lock closes the race with a process
  that is about to attach: attaching also happens under the lock.

SIGTERM, SIGINT or SIGHUP stop the server too. If this process is killed
outright, the server is told by the kernel (``PR_SET_PDEATHSIG``) and, for
llama.cpp, by its own watchdog thread, so no orphan keeps the memory.

Standard library only, and run by path with ``-I`` rather than imported from
the briefgen package: the supervisor lives as long as the server, and
importing briefgen would cost it tens of MB. The runtime imports the helpers
below (lease and pid checks) from here, so both sides agree on them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

try:  # POSIX only; without it sharing still works but concurrent starts may race.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STOP_GRACE_S = 10.0


# --- processes and leases (also used by briefgen.local.runtime) ----------------------


def process_start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot, /proc/PID/stat field 22), or None.

    Stored next to a pid so that a pid the kernel reused for another process
    is not mistaken for the one that wrote it.
    """
    stat = _proc_stat(pid)
    return None if stat is None else stat[1]


def _proc_stat(pid: int) -> tuple[str, int] | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    try:
        # The command name (field 2) may hold spaces and parentheses: split after the last ")".
        rest = data[data.rindex(b")") + 2 :].split()
        return rest[0].decode("ascii", "replace"), int(rest[19])
    except (ValueError, IndexError):
        return None


def pid_alive(pid: int, start_ticks: int | None = None) -> bool:
    """True if ``pid`` runs (not a zombie) and, when given, started at ``start_ticks``."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, it just belongs to another user
    except OSError:
        return False
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc (not Linux): os.kill is all we know
    state, started = stat
    if state in ("Z", "X"):
        return False
    return start_ticks is None or started == start_ticks


def write_lease(users_dir: Path, pid: int) -> Path:
    """Record ``pid`` as a user of the server (atomically: a half-written lease is never read)."""
    users_dir.mkdir(parents=True, exist_ok=True)
    lease = users_dir / str(pid)
    ticks = process_start_ticks(pid)
    tmp = users_dir / f".{pid}.tmp"
    tmp.write_text("" if ticks is None else str(ticks), encoding="ascii")
    os.replace(tmp, lease)
    return lease


def live_users(users_dir: Path, *, prune: bool) -> list[int]:
    """Pids with a lease in ``users_dir`` that still run; ``prune`` deletes the others' leases."""
    try:
        entries = list(users_dir.iterdir())
    except OSError:
        return []
    live = []
    for entry in entries:
        if not entry.name.isdigit():
            continue  # a lease being written (".<pid>.tmp") or a stranger's file
        try:
            text = entry.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue  # removed meanwhile
        pid = int(entry.name)
        if pid_alive(pid, int(text) if text.isdigit() else None):
            live.append(pid)
        elif prune:
            with contextlib.suppress(OSError):
                entry.unlink()
    return sorted(live)


def open_connections(port: int) -> int:
    """Established TCP connections whose local port is ``port`` (Linux; 0 where unknown).

    These are requests in flight (or kept-alive clients, which uvicorn closes
    after 5 idle seconds): the server is not stopped under them.
    """
    wanted = f":{port:04X}"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "01" and fields[1].endswith(wanted):
                count += 1
    return count


def try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on ``path``, or None if another holder has it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is None:  # pragma: no cover - Windows
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def state_names(state: Path, pid: int) -> bool:
    """True if the state file exists and names ``pid`` as the server's supervisor."""
    try:
        return json.loads(state.read_text(encoding="utf-8")).get("pid") == pid
    except (OSError, ValueError, AttributeError):
        return False


# --- the supervisor --------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Linux: the kernel sends SIGTERM to the server when this supervisor dies,
    # even by SIGKILL, so a fake or foreign server command is not orphaned.
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        child.terminate()
    try:
        child.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        child.wait()


def _forget_state(state: Path, lock: Path) -> None:
    """Remove the state file if it still names this process (only under the lock)."""
    fd = try_lock(lock)
    if fd is None:
        return  # a starter holds it and will replace the state; clients check the pid anyway
    try:
        if state_names(state, os.getpid()):
            with contextlib.suppress(OSError):
                state.unlink()
    finally:
        os.close(fd)


def _log(message: str) -> None:
    print(f"# briefgen supervisor {os.getpid()}: {message}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="briefgen-local-supervisor")
    parser.add_argument("--users", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle", type=float, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no server command after --")

    stopping: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)

    env = dict(os.environ)
    # llama.cpp's watchdog (process._WATCHDOG_BOOTSTRAP) exits when this process is gone.
    env["BRIEFGEN_PARENT_PID"] = str(os.getpid())
    # preexec_fn is safe here: the supervisor runs no threads.
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    _log(f"server pid {child.pid}; it stops {args.idle:g} s after its last user leaves")
    poll = min(2.0, max(0.1, args.idle / 5))
    last_busy = time.monotonic()
    while True:
        code = child.poll()
        if code is not None:
            _log(f"server exited with code {code}")
            _forget_state(args.state, args.lock)
            return code
        if stopping:
            _log(f"signal {stopping[0]}: stopping the server")
            _stop(child)
            _forget_state(args.state, args.lock)
            return 0
        now = time.monotonic()
        if live_users(args.users, prune=True) or open_connections(args.port):
            last_busy = now
        elif now - last_busy >= args.idle:
            fd = try_lock(args.lock)
            if fd is not None:  # else a process is attaching or starting: look again later
                try:
                    if not live_users(args.users, prune=True) and not open_connections(args.port):
                        _log(f"no user for {args.idle:g} s: stopping the server")
                        _stop(child)
                        if state_names(args.state, os.getpid()):
                            with contextlib.suppress(OSError):
                                args.state.unlink()
                        return 0
                    last_busy = now
                finally:
                    os.close(fd)
        time.sleep(poll)


if __name__ == "__main__":
    sys.exit(main())
