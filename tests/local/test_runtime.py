"""Tests of the local model runtime (briefgen.local).

Everything except the ``local_model`` test runs without llama-cpp-python and
without the model parts: assembly uses small fake part files, and the server
is replaced by tiny Python scripts passed as the server command.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import tomllib
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from briefgen.errors import (
    InsufficientDiskError,
    LocalExtraNotInstalledError,
    LocalModelNotFoundError,
    LocalRuntimeError,
    ModelChecksumError,
    PortInUseError,
    ServerExitedError,
    ServerTimeoutError,
)
from briefgen.local import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    LocalServer,
    ModelPart,
    PackagedModel,
    default_cache_dir,
    get_local_server,
    is_installed,
    pick_free_port,
    read_gguf_name,
    resolve_model_path,
    shared_servers,
    stop_all_servers,
)
from briefgen.local import _supervisor as supervisor_mod
from briefgen.local import weights as models_mod
from briefgen.local import process as process_mod
from briefgen.local import runtime as runtime_mod
from briefgen.local import server as server_mod
from briefgen.local import sharing as sharing_mod
from briefgen.local.process import LaunchSpec, default_server_command

REPO = Path(__file__).resolve().parents[2]

# --- helpers -------------------------------------------------------------------------


def _gguf_string(s: str) -> bytes:
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def make_gguf(path: Path, kvs: list[tuple[str, int, bytes]], version: int = 3) -> Path:
    """A GGUF header with the given (key, type, encoded value) pairs and no tensors."""
    data = b"GGUF" + struct.pack("<IQQ", version, 0, len(kvs))
    for key, vtype, value in kvs:
        data += _gguf_string(key) + struct.pack("<I", vtype) + value
    path.write_bytes(data)
    return path


def tiny_gguf(path: Path, name: str | None = "Tiny Test Model") -> Path:
    kvs = [
        ("general.architecture", 8, _gguf_string("llama")),
        # an array of strings and an array of u32 before general.name: must be skipped
        ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + b"".join(
            _gguf_string(t) for t in ("a", "bb", "ccc"))),
        ("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 4, 3) + struct.pack("<3I", 1, 1, 1)),
        ("llama.context_length", 4, struct.pack("<I", 4096)),
        ("general.flag", 7, struct.pack("<?", True)),
    ]  # fmt: skip
    if name is not None:
        kvs.append(("general.name", 8, _gguf_string(name)))
    return make_gguf(path, kvs)


def fake_model(tmp_path: Path, chunks: list[bytes], *, sha256: str | None = None):
    """A PackagedModel over fake part files, plus a locator that finds them."""
    part_dir = tmp_path / "parts"
    part_dir.mkdir()
    parts = []
    files = {}
    for i, chunk in enumerate(chunks, 1):
        part = ModelPart(f"fake-part{i}", "1.0", f"fake_part{i}", f"data/part{i:02d}.bin")
        f = part_dir / f"part{i:02d}.bin"
        f.write_bytes(chunk)
        parts.append(part)
        files[part] = f
    whole = b"".join(chunks)
    model = PackagedModel(
        name="fake-model",
        filename="fake-model.gguf",
        parts=tuple(parts),
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
        extra="local-fake",
        upstream="test",
        license="test",
        description="test",
    )
    calls: list[ModelPart] = []

    def locator(part: ModelPart) -> Path | None:
        calls.append(part)
        return files.get(part)

    return model, locator, calls, whole


FAKE_SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port = int(sys.argv[1])
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "fake"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
print("fake server listening", flush=True)
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def fake_server_command(spec: LaunchSpec) -> list[str]:
    return [sys.executable, "-c", FAKE_SERVER, str(spec.port)]


def exiting_command(spec: LaunchSpec) -> list[str]:
    code = "import sys\nfor i in range(30): print(f'line {i}')\nprint('boom: model is broken')\nsys.exit(1)"
    return [sys.executable, "-c", code]


def sleeping_command(spec: LaunchSpec) -> list[str]:
    return [sys.executable, "-c", "import time; print('loading...', flush=True); time.sleep(60)"]


def _start(tmp_path: Path, command, **kw) -> LocalServer:
    model = tiny_gguf(tmp_path / "tiny.gguf")
    return LocalServer.start(
        model, model_alias="tiny", log_dir=tmp_path / "logs", command=command, **kw
    )


def _wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still "exists"; check its state on Linux
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.fixture(autouse=True)
def _clean_registry():
    yield
    stop_all_servers()


# --- registry, cache dir, ports -----------------------------------------------------


def test_registry_matches_pyproject_extras() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert DEFAULT_MODEL == "qwen2.5-coder-1.5b"
    assert set(PACKAGED_MODELS) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"}
    assert len(PACKAGED_MODELS["qwen2.5-coder-1.5b"].parts) == 22
    assert len(PACKAGED_MODELS["qwen2.5-coder-0.5b"].parts) == 6
    for model in PACKAGED_MODELS.values():
        assert len(model.sha256) == 64 and int(model.sha256, 16) >= 0
        assert set(model.requirements) <= set(extras[model.extra])
        assert [p.relpath for p in model.parts] == [
            f"data/part{i:02d}.bin" for i in range(1, len(model.parts) + 1)
        ]


def test_default_cache_dir_honours_xdg(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "briefgen"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "briefgen"


def test_pick_free_port_gives_a_bindable_loopback_port() -> None:
    port = pick_free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_default_command_keeps_memory_low_and_listens_on_loopback(tmp_path) -> None:
    spec = LaunchSpec(tmp_path / "m.gguf", "127.0.0.1", 5555, 8192, 2, "qwen2.5-coder-1.5b")
    argv = default_server_command(spec)
    assert argv[0] == sys.executable
    assert "runpy.run_module('llama_cpp.server'" in argv[2]
    opts = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert opts["--model"] == str(tmp_path / "m.gguf")
    assert opts["--host"] == "127.0.0.1"
    assert opts["--port"] == "5555"
    assert opts["--n_ctx"] == "8192"
    assert opts["--n_threads"] == "2"
    assert opts["--model_alias"] == "qwen2.5-coder-1.5b"
    assert opts["--logits_all"] == "False"
    assert opts["--use_mlock"] == "False"


# --- resolving and assembling models ---------------------------------------------------


def test_assembles_parts_once_and_verifies(tmp_path, monkeypatch) -> None:
    model, locator, calls, whole = fake_model(tmp_path, [b"GGUF" + b"a" * 100, b"b" * 50, b"c"])
    monkeypatch.setitem(PACKAGED_MODELS, "fake-model", model)
    cache = tmp_path / "cache"
    path = resolve_model_path("fake-model", cache_dir=cache, locator=locator)
    assert path == cache / "models" / "fake-model.gguf"
    assert path.read_bytes() == whole
    assert len(calls) == 3
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    # second call: no re-assembly
    assert resolve_model_path("fake-model", cache_dir=cache, locator=locator) == path
    assert len(calls) == 3
    # a truncated file is noticed (size check) and re-assembled
    path.write_bytes(b"GGUF")
    assert resolve_model_path("fake-model", cache_dir=cache, locator=locator).read_bytes() == whole
    assert len(calls) == 6


def test_checksum_mismatch_raises_and_leaves_nothing(tmp_path, monkeypatch) -> None:
    model, locator, _, _ = fake_model(tmp_path, [b"GGUF1234", b"5678"], sha256="0" * 64)
    monkeypatch.setitem(PACKAGED_MODELS, "fake-model", model)
    cache = tmp_path / "cache"
    with pytest.raises(ModelChecksumError, match="0{64}") as err:
        resolve_model_path("fake-model", cache_dir=cache, locator=locator)
    assert "local-fake" in str(err.value)
    assert list((cache / "models").iterdir()) == []


def test_insufficient_disk_is_checked_before_writing(tmp_path, monkeypatch) -> None:
    model, locator, _, whole = fake_model(tmp_path, [b"GGUF" + b"x" * 1000])
    monkeypatch.setitem(PACKAGED_MODELS, "fake-model", model)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(models_mod.shutil, "disk_usage", lambda p: usage(10_000, 9_990, 10))
    cache = tmp_path / "cache"
    with pytest.raises(InsufficientDiskError) as err:
        resolve_model_path("fake-model", cache_dir=cache, locator=locator)
    msg = str(err.value)
    assert f"({len(whole)} bytes)" in msg and "(10 bytes)" in msg
    assert str(cache / "models") in msg
    assert list((cache / "models").iterdir()) == []


def test_missing_part_packages_name_the_extra(tmp_path, monkeypatch) -> None:
    model, _, _, _ = fake_model(tmp_path, [b"GGUF", b"x"])
    monkeypatch.setitem(PACKAGED_MODELS, "fake-model", model)
    with pytest.raises(LocalModelNotFoundError, match=r"briefgen\[local-fake\]"):
        resolve_model_path("fake-model", cache_dir=tmp_path, locator=lambda part: None)


def test_real_locator_reports_missing_packages(tmp_path) -> None:
    part = ModelPart("no-such-part", "1", "briefgen_no_such_part_pkg", "data/part01.bin")
    assert models_mod.locate_installed_part(part) is None


def test_unknown_model_lists_the_choices(tmp_path) -> None:
    with pytest.raises(LocalModelNotFoundError) as err:
        resolve_model_path("gpt-17-turbo", cache_dir=tmp_path)
    msg = str(err.value)
    assert "gpt-17-turbo" in msg
    assert "qwen2.5-coder-1.5b" in msg and "qwen2.5-coder-0.5b" in msg and ".gguf" in msg


def test_gguf_path_is_accepted_and_non_gguf_rejected(tmp_path) -> None:
    good = tiny_gguf(tmp_path / "my model.gguf")
    assert resolve_model_path(str(good), cache_dir=tmp_path) == good.resolve()
    assert resolve_model_path(good, cache_dir=tmp_path) == good.resolve()
    bad = tmp_path / "notes.gguf"
    bad.write_text("hello")
    with pytest.raises(LocalModelNotFoundError, match="not a GGUF"):
        resolve_model_path(str(bad), cache_dir=tmp_path)
    with pytest.raises(LocalModelNotFoundError, match="folder"):
        resolve_model_path(str(tmp_path), cache_dir=tmp_path)


# --- GGUF metadata ------------------------------------------------------------------


def test_read_gguf_name_from_header(tmp_path) -> None:
    assert read_gguf_name(tiny_gguf(tmp_path / "a.gguf")) == "Tiny Test Model"


def test_read_gguf_name_v2_and_fallbacks(tmp_path) -> None:
    v2 = make_gguf(tmp_path / "v2.gguf", [("general.name", 8, _gguf_string("V2"))], version=2)
    assert read_gguf_name(v2) == "V2"
    assert read_gguf_name(tiny_gguf(tmp_path / "unnamed.gguf", name=None)) == "unnamed"
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(tiny_gguf(tmp_path / "x.gguf").read_bytes()[:40])
    assert read_gguf_name(truncated) == "cut"
    not_gguf = tmp_path / "plain.gguf"
    not_gguf.write_bytes(b"nope")
    assert read_gguf_name(not_gguf) == "plain"


# --- the server process --------------------------------------------------------------


def test_extra_not_installed(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(
        process_mod, "_SERVER_MODULES", ("json", "briefgen_no_such_module_for_test")
    )
    assert is_installed() is False
    with pytest.raises(LocalExtraNotInstalledError, match="briefgen_no_such_module_for_test"):
        get_local_server(cache_dir=tmp_path)


def test_server_that_exits_early_raises_with_log_tail(tmp_path) -> None:
    with pytest.raises(ServerExitedError) as err:
        _start(tmp_path, exiting_command, startup_timeout=30)
    msg = str(err.value)
    assert "code 1" in msg
    assert "boom: model is broken" in msg
    assert "line 29" in msg and "line 5\n" not in msg  # only the tail


def test_server_that_never_answers_times_out_and_is_killed(tmp_path) -> None:
    started = time.monotonic()
    with pytest.raises(ServerTimeoutError, match="loading...") as err:
        _start(tmp_path, sleeping_command, startup_timeout=1.0)
    assert time.monotonic() - started < 15
    assert "1 s" in str(err.value)
    log = next((tmp_path / "logs").glob("*.log"))
    assert "time.sleep(60)" in log.read_text()
    # the process was killed: nothing of ours still sleeps
    out = subprocess.run(
        ["ps", "-eo", "pid,args"], check=False, capture_output=True, text=True
    ).stdout
    assert not [ln for ln in out.splitlines() if "time.sleep(60)" in ln and "loading" in ln]


def test_explicit_port_in_use(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=str(port)):
            _start(tmp_path, fake_server_command, port=port)


def test_start_answers_and_stop_terminates(tmp_path) -> None:
    with _start(tmp_path, fake_server_command, startup_timeout=30) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
        assert server.model_alias == "tiny"
        assert server.model_name == "Tiny Test Model"
        assert server.log_path.parent == tmp_path / "logs"
        assert process_mod._models_answer(server.base_url)
        pid = server.pid
        assert server.running
    assert not server.running
    assert _gone(pid)
    assert not process_mod._models_answer(server.base_url, timeout=0.5)
    server.stop()  # idempotent


def test_get_local_server_reuses_one_server_per_model_and_ctx(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(runtime_mod, "missing_dependency", lambda: None)
    monkeypatch.setattr(server_mod, "default_server_command", fake_server_command)
    model = tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    a = get_local_server(str(model), cache_dir=cache, startup_timeout=30)
    b = get_local_server(model, cache_dir=cache, startup_timeout=30)
    assert a is b
    assert a.log_path.parent == cache / "logs"
    assert a.model_alias == "tiny"
    c = get_local_server(model, cache_dir=cache, n_ctx=4096, startup_timeout=30)
    assert c is not a and c.port != a.port
    # a server whose supervisor died is replaced, not returned, and the
    # server under it does not outlive it (PR_SET_PDEATHSIG)
    assert a.shared and a.process is not None  # this process started it
    a.process.kill()
    a.process.wait()
    d = get_local_server(model, cache_dir=cache, startup_timeout=30)
    assert d is not a and d.running
    assert _wait_until(lambda: not process_mod._models_answer(a.base_url, timeout=0.5), 10)
    stop_all_servers()
    assert not c.running and not d.running


def test_get_local_server_is_thread_safe(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(runtime_mod, "missing_dependency", lambda: None)
    monkeypatch.setattr(server_mod, "default_server_command", fake_server_command)
    model = tiny_gguf(tmp_path / "tiny.gguf")
    with ThreadPoolExecutor(max_workers=4) as pool:
        servers = list(
            pool.map(
                lambda _: get_local_server(model, cache_dir=tmp_path, startup_timeout=30), range(4)
            )
        )
    assert all(s is servers[0] for s in servers)
    assert len(list((tmp_path / "logs").glob("*.log"))) == 1


def test_loopback_down_is_reported_clearly(monkeypatch, tmp_path) -> None:
    def refuse(*a, **k):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(LocalRuntimeError, match="ip link set lo up"):
        _start(tmp_path, fake_server_command)


# --- one shared server per machine and model ------------------------------------------

# A process that uses the shared server: waits for GO (if given), gets the
# server with the fake command, prints {"port", "pid"}, and stays a user until
# a line arrives on stdin (then exits normally, which gives its lease up).
CLIENT = r"""
import json, sys, time
from pathlib import Path
from briefgen.local import runtime, server as server_mod
fake, cache, model, idle = sys.argv[1], Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])
go = Path(sys.argv[5]) if len(sys.argv) > 5 else None
runtime.missing_dependency = lambda: None
server_mod.default_server_command = lambda spec: [sys.executable, "-c", fake, str(spec.port)]
print("ready", flush=True)
while go is not None and not go.exists():
    time.sleep(0.005)
try:
    server = runtime.get_local_server(model, cache_dir=cache, idle_timeout=idle, startup_timeout=30)
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
    sys.exit(1)
print(json.dumps({"port": server.port, "pid": server.pid}), flush=True)
sys.stdin.readline()
"""

# Takes a second to listen, so racing starters would overlap without the lock.
SLOW_FAKE_SERVER = "import time\ntime.sleep(1.0)\n" + FAKE_SERVER


class Client:
    def __init__(
        self, cache: Path, model: Path, idle: float, fake: str = FAKE_SERVER, go: Path | None = None
    ) -> None:
        argv = [sys.executable, "-c", CLIENT, fake, str(cache), str(model), repr(idle)]
        self.proc = subprocess.Popen(
            argv + ([str(go)] if go else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.proc.pid
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def info(self) -> dict:  # type: ignore[type-arg]
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        data = json.loads(line) if line else {"error": f"exited with {self.proc.wait()}"}
        assert "error" not in data, data
        return data  # type: ignore[no-any-return]

    def leave(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.wait(30) == 0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def clients(tmp_path):  # type: ignore[no-untyped-def]
    """Start user processes; at the end kill them and any server they left in tmp_path."""
    started: list[Client] = []

    def start(*args, **kw) -> Client:  # type: ignore[no-untyped-def]
        client = Client(*args, **kw)
        started.append(client)
        return client

    yield start
    for client in started:
        if client.proc.poll() is None:
            client.kill()
        for stream in (client.proc.stdin, client.proc.stdout):
            if stream is not None:
                stream.close()
    for folder in tmp_path.rglob("servers"):
        for info in shared_servers(folder.parent):
            if info.running:
                os.kill(info.pid, signal.SIGTERM)


@pytest.fixture
def fake_runtime(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(runtime_mod, "missing_dependency", lambda: None)
    monkeypatch.setattr(server_mod, "default_server_command", fake_server_command)


def test_processes_share_one_server_that_outlives_its_starter(tmp_path, clients) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    idle = 1.0
    starter = clients(cache, model, idle)
    first = starter.info()
    other = clients(cache, model, idle)
    assert other.info() == first  # same server: same supervisor pid and port
    assert len(list((cache / "logs").glob("*.log"))) == 1
    [info] = shared_servers(cache)
    assert info.running and info.port == first["port"] and info.pid == first["pid"]
    assert set(info.users) == {starter.pid, other.pid}
    assert info.idle_timeout == idle and info.model_alias == "tiny"
    # the process that started it exits: the server stays for the other user,
    # well past the idle timeout
    starter.leave()
    time.sleep(idle * 3)
    assert process_mod._models_answer(info.base_url)
    assert shared_servers(cache)[0].users == (other.pid,)
    # the last user dies without cleaning up: its lease is pruned, and the
    # server stops after the idle timeout and forgets its state
    other.kill()
    assert _wait_until(lambda: _gone(info.pid), 20)
    assert not process_mod._models_answer(info.base_url, timeout=0.5)
    assert shared_servers(cache) == []
    assert list((cache / "servers").glob("*/*.users/*")) == []


def test_concurrent_starters_start_one_server(tmp_path, clients) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    go = tmp_path / "go"
    racers = [clients(cache, model, 30.0, fake=SLOW_FAKE_SERVER, go=go) for _ in range(3)]
    go.touch()  # all three are waiting: release them at once
    infos = [racer.info() for racer in racers]
    assert all(info == infos[0] for info in infos)
    assert len(list((cache / "logs").glob("*.log"))) == 1
    [info] = shared_servers(cache)
    assert set(info.users) == {racer.pid for racer in racers}


def test_idle_server_stops_only_when_no_request_is_in_flight(tmp_path, fake_runtime) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    server = get_local_server(model, cache_dir=tmp_path, idle_timeout=0.5, startup_timeout=30)
    assert server.shared
    with socket.create_connection(("127.0.0.1", server.port)):
        runtime_mod._release_all()  # what interpreter exit does: give the lease up
        time.sleep(2.0)
        assert server.running  # a connection is open: a request may be in flight
    assert _wait_until(lambda: not server.running, 15)
    assert shared_servers(tmp_path) == []


def test_stop_leaves_a_server_that_another_process_uses(tmp_path, fake_runtime, clients) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    server = get_local_server(model, cache_dir=cache, idle_timeout=0.5, startup_timeout=30)
    other = clients(cache, model, 0.5)
    assert other.info() == {"port": server.port, "pid": server.pid}
    with server:
        pass  # the context manager's stop(): another process still uses it
    assert server.running and process_mod._models_answer(server.base_url)
    assert shared_servers(cache)[0].users == (other.pid,)
    other.leave()
    assert _wait_until(lambda: not server.running, 15)


def test_last_users_stop_stops_a_server_another_process_started(
    tmp_path, fake_runtime, clients
) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    starter = clients(cache, model, 60.0)
    first = starter.info()
    server = get_local_server(model, cache_dir=cache, startup_timeout=30)
    assert server.process is None and server.pid == first["pid"]  # attached, not started
    starter.leave()
    assert server.running  # 60 s idle timeout: it would wait
    started = time.monotonic()
    server.stop()  # the last user: no need to wait for the idle timeout
    assert not server.running and time.monotonic() - started < 15
    assert shared_servers(cache) == []


def test_stale_state_file_is_replaced(tmp_path, fake_runtime) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf").resolve()
    files = sharing_mod._ServerFiles.of(sharing_mod._servers_folder(tmp_path), model, 8192)
    files.prepare()

    def record(pid: int) -> None:
        port = pick_free_port()
        files.write_state({
            "pid": pid, "pid_started": supervisor_mod.process_start_ticks(pid), "port": port,
            "base_url": f"http://127.0.0.1:{port}/v1", "model_path": str(model),
            "model_alias": "tiny", "model_name": "Tiny", "n_ctx": 8192,
            "log_path": str(tmp_path / "x.log"),
        })  # fmt: skip

    # the recorded server died (a crash, a reboot): a new one is started
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record(dead.pid)
    server = get_local_server(model, cache_dir=tmp_path, startup_timeout=30)
    assert server.pid != dead.pid and server.running
    assert json.loads(files.state.read_text())["pid"] == server.pid
    stop_all_servers()
    assert not server.running and not files.state.exists()
    # the recorded process runs but does not listen (hung): it is stopped and replaced
    hung = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record(hung.pid)
        server = get_local_server(model, cache_dir=tmp_path, startup_timeout=30)
        assert hung.wait(5) is not None
        assert server.pid != hung.pid and process_mod._models_answer(server.base_url)
    finally:
        hung.kill()
        hung.wait()
    # an unreadable state file is replaced too
    stop_all_servers()
    files.state.write_text("{not json")
    server = get_local_server(model, cache_dir=tmp_path, startup_timeout=30)
    assert json.loads(files.state.read_text())["pid"] == server.pid


def test_lease_of_a_reused_pid_does_not_count(tmp_path) -> None:
    users = tmp_path / "users"
    lease = supervisor_mod.write_lease(users, os.getpid())
    assert supervisor_mod.live_users(users, prune=True) == [os.getpid()]
    lease.write_text("1")  # this pid, but a process that started at another time
    assert supervisor_mod.live_users(users, prune=False) == []
    assert lease.exists()
    assert supervisor_mod.live_users(users, prune=True) == [] and not lease.exists()


def test_explicit_port_other_than_the_shared_servers(tmp_path, fake_runtime) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    server = get_local_server(model, cache_dir=tmp_path, startup_timeout=30)
    assert get_local_server(model, cache_dir=tmp_path, port=server.port) is server
    with pytest.raises(LocalRuntimeError, match=f"already listens on port {server.port}"):
        get_local_server(model, cache_dir=tmp_path, port=pick_free_port())


def test_unwritable_servers_folder_is_one_clear_error(tmp_path, fake_runtime) -> None:  # type: ignore[no-untyped-def]
    model = tiny_gguf(tmp_path / "tiny.gguf")
    (tmp_path / "servers").write_text("a file where the folder should be")
    with pytest.raises(LocalRuntimeError, match="Cannot create .*make the cache folder writable"):
        get_local_server(model, cache_dir=tmp_path, startup_timeout=30)


def test_start_lock_held_too_long_times_out_clearly(tmp_path) -> None:
    path = tmp_path / "k.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with (
            pytest.raises(ServerTimeoutError, match="larger startup_timeout"),
            sharing_mod._start_lock(path, timeout=0.3),
        ):
            pass
    finally:
        os.close(fd)
    with sharing_mod._start_lock(path, timeout=0.3):
        pass  # released by close: free again


def test_doctor_shows_the_shared_server(tmp_path, fake_runtime, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from briefgen.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = tiny_gguf(tmp_path / "tiny.gguf")
    server = get_local_server(model, cache_dir=default_cache_dir(), startup_timeout=30)
    main(["doctor", "--json"])
    [row] = json.loads(capsys.readouterr().out)["local"]["servers"]
    assert row["pid"] == server.pid and row["users"] == [os.getpid()] and row["running"]
    main(["doctor"])
    out = capsys.readouterr().out
    assert (
        f"shared server tiny (n_ctx 8192): pid {server.pid} at {server.base_url}, 1 user(s)" in out
    )
    assert f"{DEFAULT_IDLE_TIMEOUT:g} s after the last leaves" in out
    # another host sharing this cache folder (NFS home, a volume) does not see it
    monkeypatch.setattr(socket, "gethostname", lambda: "another-host")
    assert shared_servers(default_cache_dir()) == []


# --- the real thing ------------------------------------------------------------------


def _default_model_missing() -> str | None:
    if not is_installed():
        return "briefgen[local] is not installed (llama-cpp-python server missing)"
    model = PACKAGED_MODELS[DEFAULT_MODEL]
    missing = [p.distribution for p in model.parts if models_mod.locate_installed_part(p) is None]
    if missing:
        return f"model parts not installed: {', '.join(missing[:3])}..."
    return None


@pytest.mark.local_model
@pytest.mark.skipif(_default_model_missing() is not None, reason=str(_default_model_missing()))
def test_real_server_answers_a_chat_completion() -> None:
    openai = pytest.importorskip("openai")
    if shutil.disk_usage(default_cache_dir().parent if default_cache_dir().parent.exists()
                         else Path.home()).free < 2_000_000_000:  # fmt: skip
        pytest.skip("less than 2 GB free for the model cache")
    server = get_local_server()
    assert get_local_server() is server
    assert server.model_name == "Qwen2.5 Coder 1.5B Instruct GGUF"
    assert server.model_alias == DEFAULT_MODEL
    client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0)
    reply = client.chat.completions.create(
        model=server.model_alias,
        messages=[{"role": "user", "content": "What is the capital of France? One word."}],
        max_tokens=10,
        temperature=0,
    )
    assert "paris" in (reply.choices[0].message.content or "").lower()
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    rss = server.peak_rss_bytes()
    assert rss is None or rss < 3_500_000_000  # logits_all=True would need ~5 GB
    server.stop()
    # it stops unless another process on this machine still uses the shared server
    others = [s.users for s in shared_servers() if s.pid == server.pid and s.users]
    assert not server.running or others
