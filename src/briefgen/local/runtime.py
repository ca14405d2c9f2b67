"""Start, share and stop llama.cpp's OpenAI-compatible server on loopback.

``get_local_server()`` gives one server per (model file, n_ctx) per machine
and cache folder, shared by every process that asks for it (the Slack bot, a
batch and a CLI run use one 2.2 GB server instead of three). The first asker
assembles the model if needed, starts ``python -m llama_cpp.server`` on a
free 127.0.0.1 port under a small supervisor (:mod:`._supervisor`) in a
session of its own, waits until ``GET /v1/models`` answers, and records it in
``<cache>/servers/<host>/<key>.json``; later askers, in this process or another,
attach to it. Starting and attaching happen under an flock on
``<key>.lock`` next to it, so racing processes start one server.

Each process using a server holds a lease file ``<key>.users/<pid>``
(removed at exit; a dead process's lease is pruned). The supervisor stops the
server once no live lease is left and no request is in flight for
``idle_timeout`` seconds (300 by default), so a CLI run that exits leaves the
model warm for the next one, and never takes it away from a process still
using it. ``LocalServer.start()`` on its own starts a private server that
stops with its process, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from briefgen._version import __version__
from briefgen.errors import (
    LocalExtraNotInstalledError,
    LocalRuntimeError,
    PortInUseError,
    ServerExitedError,
    ServerTimeoutError,
)
from briefgen.local._supervisor import (
    STOP_GRACE_S,
    fcntl,
    live_users,
    pid_alive,
    process_start_ticks,
    state_names,
    write_lease,
)
from briefgen.local.models import (
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    default_cache_dir,
    read_gguf_name,
    resolve_model_path,
)

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "LaunchSpec",
    "LocalServer",
    "ServerCommand",
    "SharedServerInfo",
    "check_loopback",
    "default_server_command",
    "get_local_server",
    "is_installed",
    "missing_dependency",
    "pick_free_port",
    "shared_servers",
    "stop_all_servers",
]

HOST = "127.0.0.1"
LOG_TAIL_LINES = 20
_KEEP_LOGS = 20
# A shared server stops this long after its last user has gone: long enough
# for the next CLI run to find the model warm, short enough to give 2 GB back.
DEFAULT_IDLE_TIMEOUT = 300.0
_SUPERVISOR = Path(__file__).with_name("_supervisor.py")

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


# --- the server ------------------------------------------------------------------


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


# --- the files shared servers are found by ------------------------------------------------


def _servers_folder(cache: Path) -> Path:
    """``<cache>/servers/<host>``: a cache folder shared between machines or containers
    (NFS home, a mounted volume) must not make one host attach to, or prune the
    leases of, another host's server, whose loopback and pids it cannot see.
    """
    host = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "localhost"
    return cache / "servers" / host


@dataclass(frozen=True)
class _ServerFiles:
    """Where processes sharing one server meet: ``<key>.json``, ``<key>.lock``, ``<key>.users/``."""

    folder: Path
    key: str

    @classmethod
    def of(cls, folder: Path, model_path: Path, n_ctx: int) -> _ServerFiles:
        digest = hashlib.sha256(f"{model_path}\0{n_ctx}".encode()).hexdigest()[:12]
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", model_path.name.removesuffix(".gguf"))[:40]
        return cls(folder, f"{stem}-ctx{n_ctx}-{digest}")

    @property
    def lock(self) -> Path:
        return self.folder / f"{self.key}.lock"

    @property
    def state(self) -> Path:
        return self.folder / f"{self.key}.json"

    @property
    def users(self) -> Path:
        return self.folder / f"{self.key}.users"

    def prepare(self) -> None:
        try:
            self.users.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LocalRuntimeError(
                f"Cannot create {self.users} ({exc.strerror or exc}), where processes share the "
                "local model server; make the cache folder writable or point XDG_CACHE_HOME elsewhere."
            ) from exc

    def read_state(self) -> dict[str, Any] | None:
        """The recorded server, None if there is none, {} if the file is unreadable."""
        try:
            data = json.loads(self.state.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_state(self, data: dict[str, Any]) -> None:
        tmp = self.state.with_name(f".{self.key}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.state)


@contextlib.contextmanager
def _start_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the flock that serialises starting, attaching to and stopping one shared server.

    The kernel drops an flock when its holder dies, so a crashed starter
    never leaves the lock taken.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LocalRuntimeError(
            f"Cannot open the lock file {path} ({exc.strerror or exc}); make the cache folder "
            "writable or point XDG_CACHE_HOME elsewhere."
        ) from exc
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            delay = 0.02
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ServerTimeoutError(
                            f"Another process held {path} for {timeout:g} s while starting the "
                            "local model server (probably still loading the model); try again, "
                            "or pass a larger startup_timeout."
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 1.5, 0.25)
        yield
    finally:
        os.close(fd)  # releases the flock


@dataclass(frozen=True)
class _Sharing:
    files: _ServerFiles
    idle_timeout: float


# --- the server ------------------------------------------------------------------------


class LocalServer:
    """A running llama.cpp server; a context manager that stops it (or leaves it) on exit.

    A private server (:meth:`start`) is this process's child, and :meth:`stop`
    terminates it. A shared one (:func:`get_local_server`) may belong to
    another process too: :meth:`stop` gives up this process's lease and stops
    the server only if no other live process holds one.
    """

    base_url: str
    model_alias: str
    model_name: str
    model_path: Path
    log_path: Path
    pid: int

    def __init__(
        self,
        *,
        base_url: str,
        port: int,
        model_alias: str,
        model_name: str,
        model_path: Path,
        n_ctx: int,
        log_path: Path,
        process: subprocess.Popen[bytes] | None = None,
        pid: int | None = None,
        pid_started: int | None = None,
        files: _ServerFiles | None = None,
    ) -> None:
        if process is None and pid is None:
            raise ValueError("LocalServer needs the process or its pid")
        self.process = process
        self.pid = pid if pid is not None else process.pid  # type: ignore[union-attr]
        self.base_url = base_url
        self.port = port
        self.model_alias = model_alias
        self.model_name = model_name
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.log_path = log_path
        self._pid_started = pid_started
        self._files = files
        self._holds_lease = False
        self._stop_lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """True for a server shared between processes (from :func:`get_local_server`)."""
        return self._files is not None

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
        _sharing: _Sharing | None = None,
    ) -> LocalServer:
        """Start a private server for ``model_path`` and wait until it answers.

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
                    spec,
                    factory,
                    log_dir=log_dir,
                    timeout=startup_timeout,
                    model_name=name,
                    sharing=_sharing,
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
        sharing: _Sharing | None,
    ) -> LocalServer:
        log_dir.mkdir(parents=True, exist_ok=True)
        _prune_logs(log_dir)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = log_dir / f"{spec.model_alias}-{stamp}-{spec.port}.log"
        argv = list(factory(spec))
        if sharing is not None:
            files = sharing.files
            argv = [
                sys.executable, "-I", str(_SUPERVISOR),
                "--users", str(files.users), "--state", str(files.state),
                "--lock", str(files.lock), "--port", str(spec.port),
                "--idle", repr(float(sharing.idle_timeout)), "--", *argv,
            ]  # fmt: skip
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
                # A shared server must outlive this process and not get the
                # terminal's Ctrl-C meant for it.
                start_new_session=sharing is not None,
            )
        server = cls(
            process=process,
            pid_started=process_start_ticks(process.pid),
            base_url=f"http://{spec.host}:{spec.port}/v1",
            port=spec.port,
            model_alias=spec.model_alias,
            model_name=model_name,
            model_path=spec.model_path,
            n_ctx=spec.n_ctx,
            log_path=log_path,
            files=sharing.files if sharing is not None else None,
        )
        try:
            server._wait_ready(timeout)
        except BaseException:
            # Not stop(): for a shared server the caller holds the start lock.
            server._terminate()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
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
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid, self._pid_started)

    def _terminate(self, timeout: float = 10.0) -> None:
        """SIGTERM the server (a shared one's supervisor), SIGKILL after ``timeout`` s."""
        if self.process is None:
            # The supervisor gives its server STOP_GRACE_S before killing it.
            _terminate_pid(self.pid, self._pid_started, timeout + STOP_GRACE_S)
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout + (STOP_GRACE_S if self.shared else 0.0))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                self.process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` s). Idempotent.

        A shared server is only left: this process's lease is given up, and
        the server stops now only if no other live process holds a lease.
        """
        with self._stop_lock:
            if self._files is None:
                self._terminate(timeout)
            else:
                self._leave(self._files, timeout)
        _forget(self)

    def _leave(self, files: _ServerFiles, timeout: float) -> None:
        try:
            with _start_lock(files.lock, timeout=30.0):
                self._drop_lease()
                if live_users(files.users, prune=True):
                    return  # another process still uses it
                self._terminate(timeout)
                if state_names(files.state, self.pid):
                    with contextlib.suppress(OSError):
                        files.state.unlink()
        except LocalRuntimeError:
            # No lock (another process is starting a server): with the lease
            # gone, the supervisor stops this one once it is idle.
            self._drop_lease()

    def _drop_lease(self) -> None:
        if self._files is not None and self._holds_lease:
            with contextlib.suppress(OSError):
                (self._files.users / str(os.getpid())).unlink()
        self._holds_lease = False

    def _server_pid(self) -> int:
        """The llama.cpp process: the supervisor's child for a shared server."""
        if self._files is None:
            return self.pid
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return self.pid
        return int(children[0]) if children else self.pid

    def peak_rss_bytes(self) -> int | None:
        """Peak resident memory of the server (Linux VmHWM), or None if unknown."""
        try:
            with open(f"/proc/{self._server_pid()}/status", encoding="ascii") as f:
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
        if self.running:
            state = "running"
        elif self.process is not None:
            state = f"exited({self.process.returncode})"
        else:
            state = "exited"
        kind = "shared" if self.shared else "private"
        return (
            f"LocalServer(model={self.model_alias!r}, base_url={self.base_url!r}, "
            f"pid={self.pid}, {kind}, {state})"
        )


# --- shared servers ----------------------------------------------------------------------


def _state_of(server: LocalServer, *, n_threads: int | None, idle_timeout: float) -> dict[str, Any]:
    return {
        "pid": server.pid,
        "pid_started": server._pid_started,
        "port": server.port,
        "base_url": server.base_url,
        "model_path": str(server.model_path),
        "model_alias": server.model_alias,
        "model_name": server.model_name,
        "n_ctx": server.n_ctx,
        "n_threads": n_threads or _default_threads(),
        "idle_timeout": idle_timeout,
        "log_path": str(server.log_path),
        "started": time.time(),
        "started_by": os.getpid(),
        "briefgen": __version__,
    }


def _attach(
    state: dict[str, Any], files: _ServerFiles, model_path: Path, n_ctx: int
) -> LocalServer | None:
    """A handle on the recorded server if it runs and listens, else None."""
    try:
        pid = int(state["pid"])
        ticks = state.get("pid_started")
        port = int(state["port"])
        if state["model_path"] != str(model_path) or int(state["n_ctx"]) != n_ctx:
            return None
        server = LocalServer(
            pid=pid,
            pid_started=int(ticks) if ticks is not None else None,
            base_url=str(state["base_url"]),
            port=port,
            model_alias=str(state["model_alias"]),
            model_name=str(state["model_name"]),
            model_path=model_path,
            n_ctx=n_ctx,
            log_path=Path(state["log_path"]),
            files=files,
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not server.running or not _accepts(HOST, port):
        return None
    return server


def _discard(state: dict[str, Any], files: _ServerFiles) -> None:
    """Forget a recorded server that is dead, or stop one that runs but does not listen."""
    try:
        pid = int(state["pid"])
        ticks = state.get("pid_started")
        _terminate_pid(pid, int(ticks) if ticks is not None else None, STOP_GRACE_S + 5.0)
    except (KeyError, TypeError, ValueError):
        pass  # an unreadable state file: nothing to stop
    with contextlib.suppress(FileNotFoundError):
        files.state.unlink()


def _check_port(server: LocalServer, port: int | None) -> None:
    if port is not None and server.port != port:
        raise LocalRuntimeError(
            f"The shared local model server for {server.model_alias} already listens on port "
            f"{server.port} (pid {server.pid}), not {port}; leave port unset to use it, "
            "or stop it first."
        )


@dataclass(frozen=True)
class SharedServerInfo:
    """What a shared server's ``<key>.json`` says about it, checked now."""

    key: str
    model_alias: str
    model_path: str
    n_ctx: int
    pid: int
    port: int
    base_url: str
    running: bool
    users: tuple[int, ...]
    idle_timeout: float | None
    started: float | None
    briefgen: str | None
    log_path: str | None


def shared_servers(cache_dir: Path | None = None) -> list[SharedServerInfo]:
    """The shared servers recorded in ``cache_dir`` (running or stale); changes nothing."""
    folder = _servers_folder(cache_dir if cache_dir is not None else default_cache_dir())
    found = []
    for path in sorted(folder.glob("*.json")):
        files = _ServerFiles(folder, path.stem)
        state = files.read_state()
        try:
            assert state is not None
            pid = int(state["pid"])
            ticks = state.get("pid_started")
            info = SharedServerInfo(
                key=path.stem,
                model_alias=str(state["model_alias"]),
                model_path=str(state["model_path"]),
                n_ctx=int(state["n_ctx"]),
                pid=pid,
                port=int(state["port"]),
                base_url=str(state["base_url"]),
                running=pid_alive(pid, int(ticks) if ticks is not None else None),
                users=tuple(live_users(files.users, prune=False)),
                idle_timeout=state.get("idle_timeout"),
                started=state.get("started"),
                briefgen=state.get("briefgen"),
                log_path=state.get("log_path"),
            )
        except (AssertionError, KeyError, TypeError, ValueError):
            continue  # being written, or not ours
        found.append(info)
    return found


# --- per-process registry ------------------------------------------------------------

_servers: dict[tuple[Path, int], LocalServer] = {}
_registry_lock = threading.RLock()
_atexit_registered = False


def _after_fork_in_child() -> None:
    # A forked child holds no lease and must not reuse the parent's handles
    # (their Popen belongs to the parent); it attaches anew on its first call.
    global _registry_lock
    _servers.clear()
    _registry_lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _forget(server: LocalServer) -> None:
    with _registry_lock:
        for key, value in list(_servers.items()):
            if value is server:
                del _servers[key]


def stop_all_servers() -> None:
    """Stop every server this process got through :func:`get_local_server`.

    Shared servers that another live process still uses are left running
    (this process only gives up its lease).
    """
    with _registry_lock:
        servers = list(_servers.values())
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def _release_all() -> None:
    """At exit: give up this process's leases; idle servers stop after their timeout."""
    with _registry_lock:
        servers = list(_servers.values())
    for server in servers:
        server._drop_lease()


def _alias_for(model: str | os.PathLike[str] | None, path: Path) -> str:
    key = DEFAULT_MODEL if model is None else os.fspath(model).strip()
    if key in PACKAGED_MODELS or key.lower() in PACKAGED_MODELS:
        return key.lower()
    return path.name.removesuffix(".gguf")


def _attach_or_start(
    files: _ServerFiles,
    model_path: Path,
    *,
    model_alias: str,
    log_dir: Path,
    n_ctx: int,
    n_threads: int | None,
    startup_timeout: float,
    port: int | None,
    idle_timeout: float,
) -> LocalServer:
    files.prepare()
    # Waiting for a starter is bounded by its own startup timeout plus margin.
    with _start_lock(files.lock, timeout=startup_timeout + 30.0):
        state = files.read_state()
        server = _attach(state, files, model_path, n_ctx) if state is not None else None
        if server is not None:
            _check_port(server, port)
        else:
            if state is not None:
                _discard(state, files)
            server = LocalServer.start(
                model_path,
                model_alias=model_alias,
                log_dir=log_dir,
                n_ctx=n_ctx,
                n_threads=n_threads,
                port=port,
                startup_timeout=startup_timeout,
                _sharing=_Sharing(files, idle_timeout),
            )
            try:
                files.write_state(_state_of(server, n_threads=n_threads, idle_timeout=idle_timeout))
            except OSError as exc:
                server._terminate()
                raise LocalRuntimeError(
                    f"Cannot write {files.state} ({exc.strerror or exc}), so other processes could "
                    "not share the local model server; make the cache folder writable."
                ) from exc
        try:
            write_lease(files.users, os.getpid())
        except OSError as exc:
            raise LocalRuntimeError(
                f"Cannot write a lease in {files.users} ({exc.strerror or exc}); make the cache "
                "folder writable."
            ) from exc
        server._holds_lease = True
        return server


def get_local_server(
    model: str | os.PathLike[str] | None = None,
    *,
    cache_dir: Path | None = None,
    n_ctx: int = 8192,
    n_threads: int | None = None,
    startup_timeout: float = 180.0,
    port: int | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> LocalServer:
    """The shared server for ``model`` (packaged name or .gguf path), started if needed.

    One server per (model file, n_ctx) per machine and cache folder, shared by
    threads and processes. This process holds a lease on it until
    :meth:`LocalServer.stop` or interpreter exit; the server stops
    ``idle_timeout`` seconds after the last lease is gone and the last request
    has finished. ``n_threads``, ``port`` and ``idle_timeout`` apply when this
    call starts the server; an explicit ``port`` other than a running server's
    raises :class:`LocalRuntimeError`. Raises
    :class:`LocalExtraNotInstalledError` when llama-cpp-python's server is not
    installed, and the :class:`~briefgen.errors.LocalRuntimeError` subclasses
    from :func:`resolve_model_path` and :meth:`LocalServer.start`.
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
            _check_port(server, port)
            return server
        if server is not None:
            # It died; the new handle takes over this process's lease file.
            server._holds_lease = False
            _servers.pop(key, None)
        server = _attach_or_start(
            _ServerFiles.of(_servers_folder(cache), model_path, n_ctx),
            model_path,
            model_alias=_alias_for(model, model_path),
            log_dir=cache / "logs",
            n_ctx=n_ctx,
            n_threads=n_threads,
            startup_timeout=startup_timeout,
            port=port,
            idle_timeout=idle_timeout,
        )
        _servers[key] = server
        if not _atexit_registered:
            atexit.register(_release_all)
            _atexit_registered = True
        return server
