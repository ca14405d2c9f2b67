"""One llama.cpp server: :class:`LocalServer` starts it, waits until it answers, and stops or leaves it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from briefgen.errors import LocalRuntimeError, PortInUseError, ServerExitedError, ServerTimeoutError
from briefgen.local._supervisor import (
    STOP_GRACE_S,
    live_users,
    pid_alive,
    process_start_ticks,
    state_names,
)
from briefgen.local.weights import read_gguf_name
from briefgen.local.process import (
    HOST,
    LaunchSpec,
    ServerCommand,
    _default_threads,
    _is_bind_failure,
    _models_answer,
    _port_is_free,
    _prune_logs,
    _tail,
    _terminate_pid,
    check_loopback,
    default_server_command,
    pick_free_port,
)
from briefgen.local.sharing import _ServerFiles, _Sharing, _start_lock

_SUPERVISOR = Path(__file__).with_name("_supervisor.py")


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
        self._on_stop: Callable[[LocalServer], None] | None = None
        """Called after :meth:`stop`: :func:`~briefgen.local.get_local_server` forgets its handle."""

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
        if self._on_stop is not None:
            self._on_stop(self)

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
