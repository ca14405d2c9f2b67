"""Benchmark 1: library overhead of ``summarize()`` against the raw ``openai`` client.

One loopback FakeOpenAIServer, in its own process, answers instantly (latency 0) with the recorded
seeds conversation. A warm-up ``summarize()`` captures the exact request
bodies briefgen sends; then, interleaved round by round so machine noise hits
both sides alike:

* **briefgen** — ``summarize(seeds, settings=...)``: ingest, prompts,
  instructor, verification, merge, synthesis;
* **raw SDK** — a fresh ``openai.AsyncOpenAI`` sending the very same bodies to
  the same server with the same shape: each article's chain of requests (first
  try, then any re-asks) concurrently, at most ``provider.concurrency`` at a
  time, then the synthesis chain.

Both run through ``asyncio.run`` and create and close their own client. The
ratio of medians is the figure (target <= 1.3). ``--profile`` also runs
pyinstrument over the briefgen side and writes the call tree.

``--cpu`` measures only the process CPU time of one brief (sequential, long-lived Briefer), warm
(the seeds' texts already cached, as in benchmark 2) and cold (per-text caches emptied first).

Usage: python bench/overhead.py [--rounds 30] [--source auto|recorded|crafted] [--profile] [--cpu]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import openai
from _common import (
    PROPOSED,
    RESULTS,
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

from briefgen import summarize
from briefgen.config import resolve_provider
from briefgen.pipeline import Briefer


def request_chains(requests: list[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """Split captured bodies into per-article extract chains and the chain after them (repair, synthesis).

    A re-ask repeats its first try's system+user messages and appends the
    failed answer and the validation error, so chains group on the user message.
    """
    extract: dict[str, list[dict[str, Any]]] = {}
    synth: list[dict[str, Any]] = []
    for body in requests:
        tool = (body.get("tools") or [{}])[0].get("function", {}).get("name")
        if tool in ("Repair", "Synthesis"):  # the brief's repair call, then its synthesis: one after another
            synth.append(body)
            continue
        user = next((m["content"] for m in body["messages"] if m["role"] == "user"), "")
        extract.setdefault(user, []).append(body)
    return list(extract.values()), [synth] if synth else []


async def raw_brief(base_url: str, extract: list[list[dict[str, Any]]], synth: list[list[dict[str, Any]]],
                    concurrency: int, client: openai.AsyncOpenAI | None = None) -> int:
    """The same requests through the bare SDK; returns how many got an answer.

    Without ``client`` a fresh one is made and closed, as ``summarize()`` does.
    """
    own = client is None
    sdk = client or openai.AsyncOpenAI(base_url=base_url, api_key="local", max_retries=0, timeout=300.0)
    slots = asyncio.Semaphore(concurrency)
    done = 0

    async def chain(bodies: list[dict[str, Any]]) -> None:
        nonlocal done
        async with slots:
            for body in bodies:
                completion = await sdk.chat.completions.create(**body)
                json.loads(completion.choices[0].message.tool_calls[0].function.arguments)
                done += 1

    try:
        await asyncio.gather(*(chain(c) for c in extract))
        for c in synth:
            await chain(c)
    finally:
        if own:
            await sdk.close()
    return done


def interleave(rounds: int, ours: Callable[[], object], raw: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Alternate the two sides (ABBA...) so drift and noise hit both alike."""
    a: list[float] = []
    b: list[float] = []
    gc.collect()
    for i in range(rounds):
        for side in (("ours", "raw") if i % 2 == 0 else ("raw", "ours")):
            t0 = time.perf_counter()
            (ours if side == "ours" else raw)()
            (a if side == "ours" else b).append(time.perf_counter() - t0)
    return a, b


def compare(ours: list[float], raw: list[float]) -> dict[str, Any]:
    ratio = statistics.median(ours) / statistics.median(raw)
    return {
        "briefgen_s": summary(ours),
        "raw_sdk_s": summary(raw),
        "overhead_per_brief_ms": round((statistics.median(ours) - statistics.median(raw)) * 1000, 1),
        "ratio_of_medians": round(ratio, 2),
        "median_pair_ratio": round(statistics.median([o / r for o, r in zip(ours, raw, strict=True)]), 2),
        "target_met": ratio <= 1.3,
    }


def run(rounds: int, source: str, profile: bool, suffix: str = "", latency: float = 0.0) -> dict[str, Any]:

    seeds = seed_paths()
    # capture what briefgen sends with an in-process server, then time against one in its own process
    probe, probe_source = open_server(source)
    try:
        brief = summarize(seeds, settings=hermetic_settings(probe.base_url, source=probe_source))
        captured = list(probe.requests)
        answers = answers_used(probe, probe_source)
    finally:
        probe.stop()
    extract, synth = request_chains(captured)
    server = ServerProcess(source, latency_s=latency)
    try:
        settings = hermetic_settings(server.base_url, source=probe_source)
        concurrency = resolve_provider(settings, has_client=False, start_local=False).concurrency
        summarize(seeds, settings=settings)  # warm-up: imports, templates
        sent = asyncio.run(raw_brief(server.base_url, extract, synth, concurrency))
        load = wait_quiet(30)

        # 1. one-shot: summarize() makes and closes its client; so does the raw side
        fresh = compare(*interleave(
            rounds,
            lambda: summarize(seeds, settings=settings),
            lambda: asyncio.run(raw_brief(server.base_url, extract, synth, concurrency)),
        ))
        # 2. long-lived: one Briefer vs one AsyncOpenAI, in one event loop
        with asyncio.Runner() as runner:
            briefer = Briefer(settings)
            sdk = openai.AsyncOpenAI(base_url=server.base_url, api_key="local", max_retries=0, timeout=300.0)
            runner.run(briefer.brief(seeds))
            reused = compare(*interleave(
                rounds,
                lambda: runner.run(briefer.brief(seeds)),
                lambda: runner.run(raw_brief(server.base_url, extract, synth, concurrency, sdk)),
            ))
            runner.run(briefer.aclose())
            runner.run(sdk.close())
        profile_path = None
        if profile:
            profile_path = profile_run(seeds, settings, rounds=max(rounds // 3, 5), suffix=suffix)
    finally:
        server.stop()
    return {
        "command": "python bench/overhead.py " + " ".join(sys.argv[1:]),
        "answers": answers,
        "load_avg_before": load,
        "rounds": rounds,
        "server_latency_s": latency,
        "requests_per_brief": len(captured),
        "raw_sdk_requests_answered": sent,
        "raw_sdk_requests_expected": len(captured),
        "points": len(brief.points),
        "target": "briefgen <= 1.3x the raw SDK",
        "summarize_vs_fresh_client": fresh,
        "briefer_vs_reused_client": reused,
        "target_met": fresh["target_met"],
        "profile": str(profile_path) if profile_path else None,
    }


def profile_run(seeds: list[str], settings: Any, rounds: int, suffix: str = "") -> Path:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    for _ in range(rounds):
        summarize(seeds, settings=settings)
    profiler.stop()
    path = RESULTS / f"overhead_profile{suffix}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")
    return path


# Caches that hold per-process resources (the language-id model, stemmers, templates, schema classes),
# not per-text results: a brief about new articles still finds them warm.
RESOURCE_CACHES = frozenset({"_identifier", "_stemmer", "load_template", "extraction_model", "repair_model",
                             "_schema_model", "prompt_version", "_segmenter", "_alias_groups"})


def clear_text_caches() -> int:
    """Empty briefgen's per-text caches (segmentation, folding, stems, verification results), so the
    next brief costs what a brief about articles never seen before costs; returns how many."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("briefgen") or module is None:
            continue
        for attr, obj in list(vars(module).items()):
            if attr not in RESOURCE_CACHES and hasattr(obj, "cache_clear") \
                    and str(getattr(obj, "__module__", "")).startswith("briefgen"):
                obj.cache_clear()
                cleared += 1
    return cleared


def cpu_per_brief(rounds: int, source: str) -> dict[str, Any]:
    """Process CPU per brief, one long-lived Briefer briefing the seeds again and again (warm: the
    texts' caches are full, as in benchmark 2) and with the per-text caches emptied before each
    brief (cold: what a story never seen before costs); ingest (load_articles) timed alone too."""
    from briefgen.pipeline import load_articles

    seeds = seed_paths()
    out: dict[str, Any] = {"command": "python bench/overhead.py --cpu " + " ".join(sys.argv[2:]), "rounds": rounds}
    with ServerProcess(source) as server, asyncio.Runner() as runner:
        settings = hermetic_settings(server.base_url, source=server.source)
        briefer = Briefer(settings)
        runner.run(briefer.brief(seeds))
        out["answers"], out["load_avg_before"] = server.source, wait_quiet(30)
        for mode in ("warm", "cold"):
            briefs, ingest = [], []
            for _ in range(rounds):
                if mode == "cold":
                    clear_text_caches()
                cpu = time.process_time()
                load_articles(seeds, settings)
                ingest.append(time.process_time() - cpu)
                if mode == "cold":
                    clear_text_caches()
                cpu = time.process_time()
                runner.run(briefer.brief(seeds))
                briefs.append(time.process_time() - cpu)
            out[mode] = {"cpu_ms_per_brief": round(statistics.median(briefs) * 1000, 1),
                         "ingest_cpu_ms": round(statistics.median(ingest) * 1000, 1),
                         "brief_cpu_s": summary(briefs)}
            print(f"{mode}: {out[mode]['cpu_ms_per_brief']} ms CPU per brief (median of {rounds}), "
                  f"ingest alone {out[mode]['ingest_cpu_ms']} ms", flush=True)
        runner.run(briefer.aclose())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--source", choices=["auto", "recorded", "crafted"], default="auto")
    ap.add_argument("--profile", action="store_true", help="also profile briefgen with pyinstrument")
    ap.add_argument("--latency", type=float, default=0.0,
                    help="server latency per call (0 = the benchmark; 0.25 shows the overhead in context)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--proposed", nargs="*", default=[], choices=list(PROPOSED),
                    help="monkeypatch these proposed core fixes first, to measure their effect")
    ap.add_argument("--cpu", action="store_true",
                    help="only measure process CPU per brief, warm and cold caches (writes overhead_cpu.json)")
    args = ap.parse_args(argv)
    applied = apply_proposed(args.proposed)
    if args.cpu:
        import briefgen

        cpu = cpu_per_brief(args.rounds, args.source)
        cpu["briefgen_imported_from"] = str(Path(briefgen.__file__).parent)  # PYTHONPATH=<old src> compares
        print(f"written to {write_result('overhead_cpu', cpu, args.out)}")
        return 0
    suffix = ("_proposed" if applied else "") + (f"_latency{int(args.latency * 1000)}ms" if args.latency else "")
    result = run(args.rounds, args.source, args.profile, suffix, args.latency)
    result["proposed_fixes_applied"] = {name: PROPOSED[name] for name in applied}
    name = "overhead" + suffix
    path = write_result(name, result, args.out)
    print(f"answers: {result['answers']}, {result['requests_per_brief']} requests per brief, "
          f"raw SDK got {result['raw_sdk_requests_answered']}/{result['raw_sdk_requests_expected']} answers")
    for title, key in (("summarize() vs fresh SDK client", "summarize_vs_fresh_client"),
                       ("Briefer.brief() vs reused SDK client", "briefer_vs_reused_client")):
        c = result[key]
        b, r = c["briefgen_s"], c["raw_sdk_s"]
        print(f"{title}:")
        print(f"  briefgen  median {b['median'] * 1000:8.1f} ms  (p25 {b['p25'] * 1000:.1f}, p75 {b['p75'] * 1000:.1f})")
        print(f"  raw SDK   median {r['median'] * 1000:8.1f} ms  (p25 {r['p25'] * 1000:.1f}, p75 {r['p75'] * 1000:.1f})")
        print(f"  ratio of medians {c['ratio_of_medians']}x, median pair ratio {c['median_pair_ratio']}x "
              f"(target <= 1.3x: {'met' if c['target_met'] else 'NOT met'})")
    if result["profile"]:
        print(f"profile: {result['profile']}")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
