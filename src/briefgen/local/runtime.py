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

The pieces live in their own modules: :mod:`.process` (the server command and
its checks), :mod:`.server` (:class:`LocalServer`), :mod:`.sharing` (the
record, lock and leases). This module keeps this process's handles and puts
them together in :func:`get_local_server`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

from briefgen._paths import default_cache_dir
from briefgen._version import __version__
from briefgen.errors import LocalExtraNotInstalledError, LocalRuntimeError, OutputError
from briefgen.local._supervisor import STOP_GRACE_S, write_lease
from briefgen.local.weights import DEFAULT_MODEL, PACKAGED_MODELS, resolve_model_path
from briefgen.local.process import (
    HOST,
    LaunchSpec,
    ServerCommand,
    _accepts,
    _default_threads,
    _terminate_pid,
    check_loopback,
    default_server_command,
    is_installed,
    missing_dependency,
    pick_free_port,
)
from briefgen.local.server import LocalServer
from briefgen.local.sharing import (
    SharedServerInfo,
    _ServerFiles,
    _servers_folder,
    _Sharing,
    _start_lock,
    shared_servers,
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

# A shared server stops this long after its last user has gone: long enough
# for the next CLI run to find the model warm, short enough to give 2 GB back.
DEFAULT_IDLE_TIMEOUT = 300.0


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
            except OutputError as exc:
                server._terminate()
                cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else None
                raise LocalRuntimeError(
                    f"Cannot write {files.state} ({cause.strerror if cause and cause.strerror else exc}), "
                    "so other processes could not share the local model server; make the cache folder writable."
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
        server._on_stop = _forget
        _servers[key] = server
        if not _atexit_registered:
            atexit.register(_release_all)
            _atexit_registered = True
        return server
