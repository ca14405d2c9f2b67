"""The llama.cpp server process: what it needs, the command that starts it, and how it is watched.

Nothing here knows about sharing: :mod:`.server` starts and stops one server
with these pieces, :mod:`.sharing` records it for other processes, and
:mod:`.runtime` puts them together in :func:`~briefgen.local.get_local_server`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import LocalRuntimeError
from briefgen.local._supervisor import pid_alive

HOST = "127.0.0.1"
LOG_TAIL_LINES = 20
_KEEP_LOGS = 20

# Modules the server needs: llama_cpp itself plus the [server] extra's deps.
_SERVER_MODULES = (
    "llama_cpp",
    "uvicorn",
    "fastapi",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)


def missing_dependency() -> str | None:
    """The first module of ``briefgen[local]`` that cannot be found, or None."""
    for name in _SERVER_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


def is_installed() -> bool:
    """True if llama-cpp-python and its server dependencies are importable.

    Looks the modules up without importing them (importing llama_cpp loads
    the native library), so this is cheap enough to call when choosing a
    provider.
    """
    return missing_dependency() is None


def pick_free_port(host: str = HOST) -> int:
    """A port that is free on ``host`` right now (the OS picks it: bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def check_loopback(host: str = HOST) -> None:
    """Raise :class:`LocalRuntimeError` if nothing can connect to ``host``.

    A network namespace made with ``unshare -n`` (or some sandboxes) has its
    loopback interface down: the server would bind but never be reachable,
    and we would only notice at the startup timeout.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind((host, 0))
            listener.listen(1)
            with socket.create_connection(listener.getsockname(), timeout=2.0):
                pass
    except OSError as exc:
        raise LocalRuntimeError(
            f"Cannot connect to {host} on this machine ({exc}), so the local model server "
            "would be unreachable. The loopback interface is probably down (for example in "
            "a sandbox started with 'unshare -n'): bring it up with 'ip link set lo up'."
        ) from exc


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- the server command --------------------------------------------------------


@dataclass(frozen=True)
class LaunchSpec:
    """Everything a command factory needs to build the server's argv."""

    model_path: Path
    host: str
    port: int
    n_ctx: int
    n_threads: int
    model_alias: str


ServerCommand = Callable[[LaunchSpec], Sequence[str]]

# Runs ``python -m llama_cpp.server ARGS`` (via runpy, exactly like -m) after
# starting a daemon thread that exits the process when the parent that
# started it is gone (the calling process for a private server, the
# supervisor for a shared one): atexit does not run on SIGKILL or a crash,
# and the server would otherwise hold ~1.5 GB forever.
_WATCHDOG_BOOTSTRAP = (
    "import os,sys,threading,time,runpy\n"
    "parent=int(os.environ.get('BRIEFGEN_PARENT_PID','0'))\n"
    "def watch():\n"
    "    while True:\n"
    "        time.sleep(1.0)\n"
    "        if parent and os.getppid()!=parent:\n"
    "            os._exit(0)\n"
    "threading.Thread(target=watch,daemon=True).start()\n"
    "sys.argv=['llama_cpp.server']+sys.argv[1:]\n"
    "runpy.run_module('llama_cpp.server',run_name='__main__',alter_sys=True)\n"
)


def default_server_command(spec: LaunchSpec) -> list[str]:
    """argv of ``python -m llama_cpp.server`` with memory-conscious settings."""
    return [
        sys.executable,
        "-c",
        _WATCHDOG_BOOTSTRAP,
        "--model", str(spec.model_path),
        "--model_alias", spec.model_alias,
        "--host", spec.host,
        "--port", str(spec.port),
        "--n_ctx", str(spec.n_ctx),
        "--n_threads", str(spec.n_threads),
        "--n_threads_batch", str(spec.n_threads),
        # Keeping logits for every token costs ~3.5 GB extra for the 1.5B
        # model (5.2 GB RSS vs ~1.5 GB); briefgen never asks for logprobs
        # of the prompt.
        "--logits_all", "False",
        # mmap the weights (shared page cache, nothing copied) but do not
        # mlock them: the server's default (True) pins the whole model in RAM
        # and fails or warns under a memory limit.
        "--use_mmap", "True",
        "--use_mlock", "False",
        # No extra RAM prompt cache (2 GB by default when on): llama.cpp
        # already reuses the KV cache for an identical prompt prefix of
        # consecutive requests.
        "--cache", "False",
        # verbose stays on (the default): model loading and per-request
        # timings go to the log file, which is what error messages quote.
    ]  # fmt: skip


# --- watching the process ------------------------------------------------------------


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return "(no log)"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0  # pruned by another process meanwhile


def _prune_logs(folder: Path, keep: int = _KEEP_LOGS) -> None:
    logs = sorted(folder.glob("*.log"), key=_mtime, reverse=True)
    for old in logs[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _models_answer(base_url: str, timeout: float = 2.0) -> bool:
    """True once ``GET {base_url}/models`` returns a JSON model list."""
    try:
        with _NO_PROXY.open(f"{base_url}/models", timeout=timeout) as resp:
            if resp.status != 200:
                return False
            body = json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return False
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _is_bind_failure(log_tail: str) -> bool:
    text = log_tail.lower()
    return (
        "address already in use" in text
        or "errno 98" in text
        or "error while attempting to bind" in text
    )


def _accepts(host: str, port: int, timeout: float = 2.0) -> bool:
    """True if something listens on ``host:port``.

    Used instead of ``GET /models`` to check a shared server: llama.cpp
    answers that only between requests (it waits for the model lock), and
    another process may be in the middle of a five-minute request.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _terminate_pid(pid: int, start_ticks: int | None, timeout: float) -> None:
    """SIGTERM a process that is not our child, SIGKILL it after ``timeout`` s."""
    if not pid_alive(pid, start_ticks):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid, start_ticks):
        if time.monotonic() >= deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
