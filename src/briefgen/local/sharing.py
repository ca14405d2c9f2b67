"""The files processes sharing one local model server meet at: its record, its lock, its leases.

``<cache>/servers/<host>/<key>.json`` records the running server (pid, port,
model, start time); ``<key>.lock`` is the flock held while starting,
attaching to or stopping it; ``<key>.users/<pid>`` is one lease per process
using it. :func:`shared_servers` reads them without changing anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen._files import write_atomic
from briefgen._paths import default_cache_dir
from briefgen.errors import LocalRuntimeError, ServerTimeoutError
from briefgen.local._supervisor import fcntl, live_users, pid_alive


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
        """Replace the record in one step (no fsync: a record torn by a crash is unreadable, so replaced)."""
        write_atomic(self.state, json.dumps(data, indent=2) + "\n", fsync=False)


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
