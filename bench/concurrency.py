"""Benchmark 2: the batch path against ideal concurrency.

A loopback FakeOpenAIServer answers every call after ``--latency`` seconds
(default 0.25) with the recorded seeds conversation. ``asummarize_batch``
briefs the five seeds ``--briefs`` times (default 200) at each concurrency
(default 1, 8, 32, 64), sharing one Briefer and client as the batch path does.

Ideal wall time at concurrency c: ``ceil(N / c) x depth x latency``, where
depth is the number of model round trips on one brief's critical path (the
extract calls run in parallel, then the repair call when a draft failed, then
the synthesis call: 2 or 3 when nothing is re-asked). ``--latency 0.25 2``
measures both latencies side by side in one run and one result file. Efficiency = ideal / measured; target >= 0.90 at c = 32.

Two settings are run:

* ``shipped`` — default Settings. ``Settings.concurrency`` (4 for a base_url
  provider) bounds the calls in flight *per Briefer*, and the batch shares one
  Briefer, so it caps the whole batch at 4 calls in flight;
* ``scaled`` — ``Settings.concurrency = 5 x c`` (what a user can do today),
  so the batch's concurrency is the only limit;
* ``raw`` — the reference: the same request bodies through one bare
  ``openai.AsyncOpenAI``, c briefs at a time, each brief's extract chains in
  parallel and then its synthesis (no ingest, no instructor, no checks).

The server runs in its own process (its threads would otherwise share the
client's GIL, and its CPU time would count as the client's). Process CPU time is recorded too: on 2 cores the Python work per brief
(ingest, instructor, verification, merge) sets a floor under the wall time
that no concurrency removes; ``cpu_bound_efficiency`` compares against
max(ideal, that floor).

Usage: python bench/concurrency.py [--briefs 200] [--levels 1 8 32 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PROPOSED,
    ServerProcess,
    answers_used,
    apply_proposed,
    hermetic_settings,
    open_server,
    seed_paths,
    summary,
    wait_quiet,
    write_result,
)
from overhead import request_chains

import briefgen
from briefgen.api import asummarize_batch
from briefgen.config import resolve_provider
from briefgen.errors import BriefgenError
from briefgen.brief import Brief


def critical_path(brief: Brief) -> int:
    """Round trips on one brief's critical path: the longest extract chain, then the repair call (when
    there is one) and the synthesis."""
    extract = [c.attempts for c in brief.usage.calls if c.purpose.startswith("extract:")]
    after = [c.attempts for c in brief.usage.calls if c.purpose in ("repair", "synthesize")]  # one after another
    return (max(extract) if extract else 0) + sum(after)


async def raw_batch(base_url: str, briefs: int, concurrency: int, extract: list, synth: list) -> list[int]:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="local", max_retries=0, timeout=300.0)
    gate = asyncio.Semaphore(concurrency)

    async def chain(bodies: list[dict[str, Any]]) -> int:
        for body in bodies:
            await client.chat.completions.create(**body)
        return len(bodies)

    async def brief() -> int:
        async with gate:
            sent = sum(await asyncio.gather(*(chain(c) for c in extract)))
            for c in synth:
                sent += await chain(c)
            return sent

    try:
        return list(await asyncio.gather(*(brief() for _ in range(briefs))))
    finally:
        await client.close()


def one_raw_run(base_url: str, briefs: int, concurrency: int, extract: list, synth: list) -> tuple[float, float, int, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    sent = asyncio.run(raw_batch(base_url, briefs, concurrency, extract, synth))
    return time.perf_counter() - t0, time.process_time() - cpu0, len(sent), 0


def one_run(stories: list[list[str]], settings: Any, concurrency: int) -> tuple[float, float, int, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = asyncio.run(asummarize_batch(stories, concurrency=concurrency, settings=settings))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    errors = sum(isinstance(r, BriefgenError) for r in results)
    return wall, cpu, len(results), errors


def measure(args: argparse.Namespace, base_url: str, latency: float, stories: list[list[str]], depth: int,
            extract: list, synth: list) -> list[dict[str, Any]]:
    """Every variant at every level against one server (latency ``latency``), one row each."""
    rows: list[dict[str, Any]] = []
    for variant in args.variants:
        for level in args.levels:
            overrides = {"concurrency": 5 * level} if variant == "scaled" else {}
            settings = hermetic_settings(base_url, source=args.source_used, **overrides)
            ideal = math.ceil(args.briefs / level) * depth * latency
            walls, cpus, errors = [], [], 0
            for _ in range(1 if level == 1 else args.repeats):  # level 1 takes minutes: one run
                if variant == "raw":
                    wall, cpu, count, failed = one_raw_run(base_url, args.briefs, level, extract, synth)
                else:
                    wall, cpu, count, failed = one_run(stories, settings, level)
                assert count == args.briefs
                walls.append(wall)
                cpus.append(cpu)
                errors += failed
            wall = statistics.median(walls)
            cpu = statistics.median(cpus)
            floor = max(ideal, cpu)  # the GIL: the batch's Python work runs on one core at a time
            row = {
                "variant": variant,
                "latency_s": latency,
                "concurrency": level,
                "calls_in_flight_cap": None if variant == "raw" else resolve_provider(settings, start_local=False).concurrency,
                "wall_s": summary(walls),
                "cpu_s_median": round(cpu, 2),
                "cpu_ms_per_brief": round(cpu / args.briefs * 1000, 1),
                "ideal_s": round(ideal, 2),
                "efficiency": round(ideal / wall, 3),
                "cpu_bound_ideal_s": round(floor, 2),
                "cpu_bound_efficiency": round(floor / wall, 3),
                "briefs_per_s": round(args.briefs / wall, 2),
                "errors": errors,
            }
            rows.append(row)
            print(f"{variant:8} {latency:g}s c={level:<3} wall {wall:7.2f}s  ideal {ideal:6.2f}s  efficiency "
                  f"{row['efficiency']:.0%}  cpu {cpu:6.2f}s ({row['cpu_ms_per_brief']} ms/brief)  "
                  f"errors {errors}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--briefs", type=int, default=200)
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32, 64])
    ap.add_argument("--latency", type=float, nargs="+", default=[0.25],
                    help="server latency per call, s; several run side by side in one result (e.g. 0.25 2)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per level (level 1 runs once: it takes minutes)")
    ap.add_argument("--variants", nargs="+", choices=["shipped", "scaled", "raw"],
                    default=["raw", "shipped", "scaled"])
    ap.add_argument("--source", choices=["auto", "recorded", "crafted"], default="auto")
    ap.add_argument("--proposed", nargs="*", default=[], choices=list(PROPOSED))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    applied = apply_proposed(args.proposed)

    seeds = seed_paths()
    stories = [seeds] * args.briefs
    # probe in-process (to capture the request bodies), measure against a server in its own process
    probe_server, probe_source = open_server(args.source)
    try:
        probe = asyncio.run(asummarize_batch([seeds], concurrency=1,
                                             settings=hermetic_settings(probe_server.base_url, source=probe_source)))[0]
        args.source_used = probe_source
        extract, synth = request_chains(list(probe_server.requests))
        answers = answers_used(probe_server, probe_source)
    finally:
        probe_server.stop()
    assert isinstance(probe, Brief), probe
    depth = critical_path(probe)
    calls_per_brief = sum(c.attempts for c in probe.usage.calls)
    rows: list[dict[str, Any]] = []
    load = None
    for latency in args.latency:
        with ServerProcess(args.source, latency_s=latency) as server:
            load = wait_quiet(30) if load is None else load
            rows.extend(measure(args, server.base_url, latency, stories, depth, extract, synth))

    at32 = [r for r in rows if r["concurrency"] == 32]
    result = {
        "command": "python bench/concurrency.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "answers": answers,
        "load_avg_before": load,
        "briefs": args.briefs,
        "latency_s": args.latency,
        "calls_per_brief": calls_per_brief,
        "critical_path_calls": depth,
        "ideal_formula": "ceil(N / c) x critical_path_calls x latency",
        "rows": rows,
        "target": ">= 90% of ideal at concurrency 32",
        "target_met": {f"{r['variant']}@{r['latency_s']:g}s": r["efficiency"] >= 0.9 for r in at32},
        "proposed_fixes_applied": {name: PROPOSED[name] for name in applied},
        "briefgen_imported_from": str(Path(briefgen.__file__).parent),  # PYTHONPATH=<old src> compares
    }
    path = write_result("concurrency" + ("_proposed" if applied else ""), result, args.out)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
