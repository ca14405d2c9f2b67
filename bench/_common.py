"""Shared pieces of the benchmarks: paths, the machine, answer sources, result files.

Answers come from one of two places, and every result file says which:

* ``recorded`` — the vcrpy cassette of the real local model briefing the five
  seeds (``tests/cassettes/seeds_brief.yaml``), served by
  :class:`briefgen.testing.FakeOpenAIServer` byte for byte;
* ``crafted`` — a deterministic stand-in model (:func:`crafted_model`,
  answering with :func:`briefgen.testing.crafted_answer`) that quotes the
  first sentences of each article, used when no cassette exists and for
  stories the cassette does not cover.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from briefgen.config import Settings

logging.getLogger("instructor").setLevel(logging.CRITICAL)  # its retry logs would drown the results
from briefgen.testing import CraftedReply, FakeOpenAIServer, crafted_answer

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
RESULTS = ROOT / "bench" / "results"
CASSETTE = ROOT / "tests" / "cassettes" / "seeds_brief.yaml"
RECORDED_MODEL = "qwen2.5-coder-1.5b"


def cluster_folder(name: str) -> Path:
    """The folder of the cluster a saved live run names: the seeds, a dev cluster (``eval/clusters/``) or
    one built after the rules to check they generalise (``eval/fresh/``)."""
    if name == "seeds":
        return SEEDS
    fresh = ROOT / "eval" / "fresh" / name
    return fresh if fresh.is_dir() else ROOT / "eval" / "clusters" / name


def seed_paths() -> list[str]:
    """The five seed articles, sorted, as strings (the order the cassette was recorded in)."""
    return sorted(str(p) for p in SEEDS.glob("0*.txt"))


def hermetic_settings(base_url: str, model: str = RECORDED_MODEL, *, source: str = "crafted",
                      **overrides: Any) -> Settings:
    """Default settings, untouched by the environment: the ones the cassette was recorded with.

    With ``source`` "recorded" the repair is the packaged model's default (its own sentence, no call),
    as recorded. With crafted answers the benchmarks stand for a server running some other model,
    whose repair is a call on the brief's critical path, as in BENCHMARKS.md section 2.
    """
    overrides.setdefault("repair", "sentence" if source == "recorded" else "model")
    return Settings.resolve(env={}, base_url=base_url, model=model, api_key="local", **overrides)


# --- the machine -----------------------------------------------------------------------


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


COMMIT_AT_START = _git_commit()
_DIRTY_AT_START = bool(subprocess.run(
    ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", "src", "prompts"],
    capture_output=True, text=True, check=False,
).stdout.strip())
"""The commit the benchmark's code was imported from (others may commit while it runs)."""


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "briefgen_commit": COMMIT_AT_START,
        "tree_dirty_at_start": _DIRTY_AT_START,
        "versions": {n: version(n) for n in ("briefgen", "openai", "instructor", "httpx", "pydantic")},
    }


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_result(name: str, data: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {"benchmark": name, "generated_at": now_utc(), "machine": machine(), **data}
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median and spread of repeated timings (these machines are noisy: compare medians)."""
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else [ordered[0]] * 3
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 6),
        "p25": round(q[0], 6),
        "p75": round(q[2], 6),
        "min": round(ordered[0], 6),
        "max": round(ordered[-1], 6),
    }


# --- answer sources --------------------------------------------------------------------


class CraftedModel:
    """A ``fallback=`` for FakeOpenAIServer; memoised so repeated requests cost a lookup.

    ``calls`` counts the requests it answered: behind a cassette, any call means
    the cassette lacks a request briefgen now sends (it predates the prompts).
    """

    def __init__(self) -> None:
        self.cache: dict[str, CraftedReply] = {}
        self.calls = 0

    def __call__(self, request: dict[str, Any]) -> CraftedReply:
        self.calls += 1
        key = json.dumps(request, sort_keys=True)
        cache = self.cache
        reply = cache.get(key)
        if reply is None:
            # as many claims as the request's schema allows, like a model that uses its room
            reply = cache[key] = crafted_answer(request, claims=None)
        return reply


def crafted_model() -> CraftedModel:
    return CraftedModel()


def answers_used(server: FakeOpenAIServer, source: str) -> str:
    """'recorded', 'crafted', or 'mixed: ...' when a cassette missed some requests (say so, never hide it)."""
    fallback = server.fallback
    missed = fallback.calls if isinstance(fallback, CraftedModel) else 0
    if source == "recorded" and missed:
        return (f"mixed: {missed} of {len(server.requests)} requests were not in the cassette (it predates "
                "the current prompts) and got crafted answers")
    return source


def open_server(source: str = "auto", *, latency_s: float = 0.0, cassette: Path = CASSETTE) -> tuple[FakeOpenAIServer, str]:
    """A started FakeOpenAIServer and the name of its answer source ('recorded' or 'crafted').

    ``auto`` replays the cassette when it exists. Recorded servers still fall
    back to the crafted model for requests the cassette lacks (none, for the
    seeds with default settings), so a run never stalls on a 500.
    """
    server, name = _make_server(source, latency_s, cassette)
    # http.server listens with a backlog of 5: at concurrency 32+ the kernel drops
    # connection attempts and the client's retries (1 s+ backoff) would be measured.
    server._server.socket.listen(1024)
    # http.server writes the headers and the body in two sends; with Nagle's algorithm on, the
    # body waits for the client's delayed ACK (~40 ms on Linux loopback) and every call looks slow.
    server._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    return server.start(), name


def _make_server(source: str, latency_s: float, cassette: Path) -> tuple[FakeOpenAIServer, str]:
    use_cassette = source == "recorded" or (source == "auto" and cassette.exists())
    if source == "recorded" and not cassette.exists():
        raise SystemExit(f"no cassette at {cassette}; record it or use --source crafted")
    if use_cassette:
        server = FakeOpenAIServer.from_cassette(cassette, latency_s=latency_s, model_id=RECORDED_MODEL,
                                                fallback=crafted_model())
        return server, "recorded"
    return FakeOpenAIServer(latency_s=latency_s, model_id=RECORDED_MODEL, fallback=crafted_model()), "crafted"


def wait_quiet(max_wait: float = 60.0, threshold: float = 0.7) -> float:
    """Wait (bounded) for the 1-minute load average to fall below ``threshold``; return it."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(2)
    return round(os.getloadavg()[0], 2)


# --- proposed fixes, applied in-process so their effect can be measured ---------------

# content-cache and no-templating are in the code now (verify.content_words is memoised; llm passes no
# context= to instructor), so they are no longer offered.
PROPOSED = {
    "shared-ssl": "llm.build_openai_client: build the SSL context once per process and pass "
    "http_client=openai.DefaultAsyncHttpxClient(verify=ctx); openai.AsyncOpenAI() otherwise loads the CA "
    "bundle on every summarize() (~35 ms here)",
    "segment-fastpath": "ingest.segment.split_sentences: skip pysbd for a paragraph with no sentence "
    "terminator before its end (it is one sentence); pysbd is ~85% of ingest time",
}


def _shared_ssl() -> None:
    import ssl

    import certifi
    import openai

    from briefgen.llm import client as llm

    context = ssl.create_default_context(cafile=certifi.where())

    def build(provider: Any, *, max_retries: int = 0) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=provider.api_key or "not-needed", base_url=provider.base_url, timeout=provider.timeout,
            max_retries=max_retries, http_client=openai.DefaultAsyncHttpxClient(verify=context),
        )

    llm.build_openai_client = build


def _segment_fastpath() -> None:
    from briefgen.ingest import segment

    one_sentence = re.compile(r"^[^.!?\n]*[.!?]?[\"'”’)]*\s*$")
    slow = segment._segmenter

    class FastPath:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def segment(self, paragraph: str) -> list[str]:
            return [paragraph] if one_sentence.match(paragraph) else self.inner.segment(paragraph)

    segment._segmenter = lambda language: FastPath(slow(language))  # type: ignore[assignment]


_PATCHES: dict[str, Callable[[], None]] = {
    "shared-ssl": _shared_ssl,
    "segment-fastpath": _segment_fastpath,
}


def apply_proposed(names: Sequence[str]) -> list[str]:
    """Monkeypatch the proposed core fixes (for measurement only; the lead applies the real ones)."""
    for name in names:
        if name not in _PATCHES:
            raise SystemExit(f"unknown proposed fix {name!r}; choose from {', '.join(PROPOSED)}")
        _PATCHES[name]()
    return list(names)


# --- the server in its own process -----------------------------------------------------


class ServerProcess:
    """A FakeOpenAIServer in a child process, so its work does not share this process's GIL
    (and its CPU time is not counted as the client's). ``python bench/_common.py`` is the child."""

    def __init__(self, source: str = "auto", *, latency_s: float = 0.0, cassette: Path = CASSETTE) -> None:
        import sys

        self.process = subprocess.Popen(
            [sys.executable, __file__, "--source", source, "--latency", str(latency_s), "--cassette", str(cassette)],
            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if len(line) != 2:
            self.stop()
            raise RuntimeError("the benchmark server did not start")
        self.base_url, self.source = line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def __enter__(self) -> ServerProcess:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    import argparse
    import sys

    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default="auto")
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--cassette", type=Path, default=CASSETTE)
    ns = ap.parse_args()
    child, used = open_server(ns.source, latency_s=ns.latency, cassette=ns.cassette)
    print(child.base_url, used, flush=True)
    sys.stdin.read()  # until the parent closes our stdin or terminates us
    child.stop()
