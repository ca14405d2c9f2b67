"""Start, reuse and stop llama.cpp's OpenAI-compatible server on loopback.

``get_local_server()`` gives one :class:`LocalServer` per (model file, n_ctx)
per process: the first call assembles the model if needed, starts
``python -m llama_cpp.server`` on a free 127.0.0.1 port and waits until
``GET /v1/models`` answers; later calls return the same server. Servers stop
when the interpreter exits (atexit), and a small watchdog inside the server
process stops it if its parent dies without running atexit (SIGKILL, crash),
so no 1.5 GB orphan is left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from briefgen.errors import (
    LocalExtraNotInstalledError,
    LocalRuntimeError,
    PortInUseError,
    ServerExitedError,
    ServerTimeoutError,
)
from briefgen.local.models import (
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    default_cache_dir,
    read_gguf_name,
    resolve_model_path,
)

__all__ = [
    "LaunchSpec",
    "LocalServer",
    "ServerCommand",
    "check_loopback",
    "default_server_command",
    "get_local_server",
    "is_installed",
    "missing_dependency",
    "pick_free_port",
    "stop_all_servers",
]

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
# started it is gone: atexit does not run on SIGKILL or a crash, and the
# server would otherwise hold ~1.5 GB forever.
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


# --- the server ------------------------------------------------------------------


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip()
    except OSError:
        return "(no log)"


def _prune_logs(folder: Path, keep: int = _KEEP_LOGS) -> None:
    logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
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


class LocalServer:
    """A running llama.cpp server process; a context manager that stops it on exit."""

    base_url: str
    model_alias: str
    model_name: str
    model_path: Path
    log_path: Path
    pid: int

    def __init__(
        self,
        *,
        process: subprocess.Popen[bytes],
        base_url: str,
        port: int,
        model_alias: str,
        model_name: str,
        model_path: Path,
        n_ctx: int,
        log_path: Path,
    ) -> None:
        self.process = process
        self.pid = process.pid
        self.base_url = base_url
        self.port = port
        self.model_alias = model_alias
        self.model_name = model_name
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.log_path = log_path
        self._stop_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------

    @classmethod
    def start(
        cls,
        model_path: Path,
        *,
        model_alias: str,
        log_dir: Path,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        port: int | None = None,
        host: str = HOST,
        startup_timeout: float = 180.0,
        command: ServerCommand | None = None,
        model_name: str | None = None,
    ) -> LocalServer:
        """Start a server for ``model_path`` and wait until it answers.

        ``port=None`` picks a free port (and retries with another one if it
        was taken in the meantime); an explicit port that is busy raises
        :class:`PortInUseError`. ``command`` builds the argv (default:
        :func:`default_server_command`); tests pass a fake server here.
        """
        factory = command or default_server_command
        check_loopback(host)
        name = model_name if model_name is not None else read_gguf_name(model_path)
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            chosen = port if port is not None else pick_free_port(host)
            if port is not None and not _port_is_free(host, chosen):
                raise PortInUseError(
                    f"Port {chosen} on {host} is already in use, so the local model server "
                    "cannot listen there. Pick another port or leave it unset to use a free one."
                )
            spec = LaunchSpec(
                model_path=model_path,
                host=host,
                port=chosen,
                n_ctx=n_ctx,
                n_threads=n_threads or _default_threads(),
                model_alias=model_alias,
            )
            try:
                return cls._launch(
                    spec, factory, log_dir=log_dir, timeout=startup_timeout, model_name=name
                )
            except ServerExitedError as exc:
                # Another process took the auto-picked port between our probe
                # and the server's bind: try a fresh one.
                if port is None and attempt + 1 < attempts and _is_bind_failure(str(exc)):
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _launch(
        cls,
        spec: LaunchSpec,
        factory: ServerCommand,
        *,
        log_dir: Path,
        timeout: float,
        model_name: str,
    ) -> LocalServer:
        log_dir.mkdir(parents=True, exist_ok=True)
        _prune_logs(log_dir)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = log_dir / f"{spec.model_alias}-{stamp}-{spec.port}.log"
        argv = list(factory(spec))
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        env["BRIEFGEN_PARENT_PID"] = str(os.getpid())
        shown = " ".join("<watchdog>" if "\n" in a else a for a in argv)
        with open(log_path, "wb") as log:
            log.write(f"# briefgen started: {shown}\n".encode())
            log.flush()
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                close_fds=True,
            )
        base_url = f"http://{spec.host}:{spec.port}/v1"
        server = cls(
            process=process,
            base_url=base_url,
            port=spec.port,
            model_alias=spec.model_alias,
            model_name=model_name,
            model_path=spec.model_path,
            n_ctx=spec.n_ctx,
            log_path=log_path,
        )
        try:
            server._wait_ready(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            code = self.process.poll()
            if code is not None:
                raise ServerExitedError(
                    f"The local model server exited with code {code} before it was ready "
                    f"(model {self.model_path}). Last lines of {self.log_path}:\n"
                    f"{_tail(self.log_path)}"
                )
            if _models_answer(self.base_url, timeout=min(2.0, max(0.1, timeout))):
                return
            if time.monotonic() >= deadline:
                raise ServerTimeoutError(
                    f"The local model server did not answer {self.base_url}/models within "
                    f"{timeout:g} s, so it was stopped. On a slow disk or a busy machine, "
                    f"pass a larger startup_timeout. Last lines of {self.log_path}:\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``timeout`` s). Idempotent."""
        with self._stop_lock:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        self.process.kill()
                    self.process.wait()
        _forget(self)

    def peak_rss_bytes(self) -> int | None:
        """Peak resident memory of the server (Linux VmHWM), or None if unknown."""
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            return None
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited({self.process.returncode})"
        return (
            f"LocalServer(model={self.model_alias!r}, base_url={self.base_url!r}, "
            f"pid={self.pid}, {state})"
        )


# --- per-process registry ------------------------------------------------------------

_servers: dict[tuple[Path, int], LocalServer] = {}
_registry_lock = threading.RLock()
_atexit_registered = False


def _forget(server: LocalServer) -> None:
    with _registry_lock:
        for key, value in list(_servers.items()):
            if value is server:
                del _servers[key]


def stop_all_servers() -> None:
    """Stop every server this process started through :func:`get_local_server`."""
    with _registry_lock:
        servers = list(_servers.values())
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def _alias_for(model: str | os.PathLike[str] | None, path: Path) -> str:
    key = DEFAULT_MODEL if model is None else os.fspath(model).strip()
    if key in PACKAGED_MODELS or key.lower() in PACKAGED_MODELS:
        return key.lower()
    return path.name.removesuffix(".gguf")


def get_local_server(
    model: str | os.PathLike[str] | None = None,
    *,
    cache_dir: Path | None = None,
    n_ctx: int = 8192,
    n_threads: int | None = None,
    startup_timeout: float = 180.0,
    port: int | None = None,
) -> LocalServer:
    """The running server for ``model`` (packaged name or .gguf path), started if needed.

    One server per (model file, n_ctx) per process, shared between threads and
    stopped at interpreter exit. Raises :class:`LocalExtraNotInstalledError`
    when llama-cpp-python's server is not installed, and the
    :class:`~briefgen.errors.LocalRuntimeError` subclasses from
    :func:`resolve_model_path` and :meth:`LocalServer.start`.
    """
    global _atexit_registered
    missing = missing_dependency()
    if missing is not None:
        raise LocalExtraNotInstalledError(missing)
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    with _registry_lock:
        model_path = resolve_model_path(model, cache_dir=cache)
        key = (model_path, n_ctx)
        server = _servers.get(key)
        if server is not None and server.running:
            return server
        if server is not None:
            _servers.pop(key, None)
        server = LocalServer.start(
            model_path,
            model_alias=_alias_for(model, model_path),
            log_dir=cache / "logs",
            n_ctx=n_ctx,
            n_threads=n_threads,
            port=port,
            startup_timeout=startup_timeout,
        )
        _servers[key] = server
        if not _atexit_registered:
            atexit.register(stop_all_servers)
            _atexit_registered = True
        return server
