"""Benchmark the packaged local models on this machine.

For each packaged model whose parts are installed:

* assembly: concatenating the parts + sha256 into an empty cache folder;
* load: server start until ``GET /v1/models`` answers, first start after
  assembly ("cold") and a restart with the model already assembled ("warm");
* a ~600-token prompt asking for ~150 tokens, sent twice: "cold" (the whole
  prompt is evaluated) and "warm" (identical prompt, so llama.cpp reuses the
  KV cache of the prefix). Prompt and generation tokens/s come from
  llama.cpp's own timings (the ``llama_perf_context_print`` lines the server
  writes to its log), token counts from the response's ``usage``;
* peak RSS of the server process (VmHWM from /proc/<pid>/status).

Usage: python bench/local_model.py [--models NAME ...] [--out bench/results/local_model.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from briefgen.local import PACKAGED_MODELS, LocalServer, get_local_server, resolve_model_path
from briefgen.local.weights import locate_installed_part
from briefgen.local.runtime import is_installed

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "results" / "local_model.json"

ARTICLE = (
    "The city council of Northbridge voted 7 to 2 on Tuesday to approve a new light-rail "
    "line connecting the harbour district with the university campus. The project, "
    "estimated to cost 840 million dollars, will be financed by a regional sales tax "
    "increase of half a percentage point, a federal transport grant and bonds issued by "
    "the transit authority. Mayor Helen Okafor said the line would cut commuting times by "
    "up to 25 minutes and take about 12,000 cars off the road each day. Opponents, led by "
    "councillor Martin Reyes, argued that the cost estimates were optimistic and that "
    "similar projects in other cities had run over budget by 30 percent or more. "
    "Construction is expected to begin next spring and to last four years. The transit "
    "authority will hold public hearings on the exact route in March, and residents of "
    "the Eastfield neighbourhood have already raised concerns about noise and the loss of "
    "parking along Main Street. Local businesses were divided: the chamber of commerce "
    "welcomed the decision, while a group of shop owners near the planned depot said "
    "years of construction could drive customers away. The university said the line "
    "would make it easier to recruit students who cannot afford to live near campus. "
)


def build_prompt(target_tokens: int = 600) -> str:
    # ~1.3 tokens per word for this kind of English text with the Qwen tokenizer
    words_needed = int(target_tokens / 1.3)
    words = ARTICLE.split()
    body = " ".join((words * (words_needed // len(words) + 1))[:words_needed])
    return (
        "Here is a news article.\n\n" + body + "\n\nWrite a detailed summary of the article "
        "in at least 200 words, covering every fact, number and name."
    )


_PERF = {
    "prompt": re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens"),
    "eval": re.compile(r"\beval time =\s*([\d.]+) ms /\s*(\d+) runs"),
}


def _perf_since(log: Path, offset: int) -> tuple[dict[str, tuple[float, int]], int]:
    text = log.read_bytes()[offset:].decode("utf-8", "replace")
    found: dict[str, tuple[float, int]] = {}
    for line in text.splitlines():
        if "prompt eval time" in line:
            m = _PERF["prompt"].search(line)
            if m:
                found["prompt"] = (float(m.group(1)), int(m.group(2)))
        elif "eval time" in line:
            m = _PERF["eval"].search(line)
            if m:
                found["eval"] = (float(m.group(1)), int(m.group(2)))
    return found, offset + len(text.encode("utf-8"))


def _cpu_busy_s() -> float:
    """Seconds of CPU time spent by everything on the machine so far (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _request(server: LocalServer, client, prompt: str, max_tokens: int) -> dict:  # type: ignore[no-untyped-def]
    offset = server.log_path.stat().st_size
    busy0, own0 = _cpu_busy_s(), _proc_cpu_s(server.pid) + time.process_time()
    t0 = time.perf_counter()
    reply = client.chat.completions.create(
        model=server.model_alias,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0,
    )
    wall = time.perf_counter() - t0
    busy1, own1 = _cpu_busy_s(), _proc_cpu_s(server.pid) + time.process_time()
    time.sleep(0.2)  # let the server flush its timing lines
    perf, _ = _perf_since(server.log_path, offset)
    usage = reply.usage
    cores = len(os.sched_getaffinity(0))
    out = {
        "wall_s": round(wall, 2),
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        # share of the machine's CPU used by *other* processes meanwhile:
        # > 0.1 means the figures are slowed down by someone else
        "others_cpu_share": round(max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * cores), 2),
    }
    if "prompt" in perf:
        ms, n = perf["prompt"]
        out["prompt_tokens_evaluated"] = n  # fewer than prompt_tokens on a prefix-cache hit
        out["prompt_eval_s"] = round(ms / 1000, 2)
        out["prompt_tok_s"] = round(n / (ms / 1000), 1) if ms and n > 1 else None
    if "eval" in perf:
        ms, n = perf["eval"]
        out["gen_tok_s"] = round(n / (ms / 1000), 1) if ms else None
    return out


def _best(samples: list[dict], key: str, *, low: bool = False) -> float | None:
    values = [s[key] for s in samples if s.get(key) is not None]
    if not values:
        return None
    return min(values) if low else max(values)


def others_cpu_share(pids: tuple[int, ...] = (), window: float = 2.0) -> float:
    """Share of all cores used over ``window`` s by processes other than ours and ``pids``."""

    def ours() -> float:
        return time.process_time() + sum(_proc_cpu_s(p) for p in pids)

    busy0, own0 = _cpu_busy_s(), ours()
    time.sleep(window)
    busy1, own1 = _cpu_busy_s(), ours()
    return max(0.0, (busy1 - busy0) - (own1 - own0)) / (window * len(os.sched_getaffinity(0)))


def wait_quiet(max_wait: float, pids: tuple[int, ...] = (), threshold: float = 0.1) -> float:
    """Wait (up to ``max_wait`` s) until other processes use < ``threshold`` of the CPU.

    On 2 cores any other busy process halves the measured speed. Returns the
    share measured last (recorded with each sample).
    """
    deadline = time.monotonic() + max_wait
    while True:
        share = others_cpu_share(pids)
        if share < threshold or time.monotonic() >= deadline:
            return round(share, 2)
        time.sleep(3)


def _start(name: str, cache: Path) -> tuple[LocalServer, float]:
    t0 = time.perf_counter()
    server = get_local_server(name, cache_dir=cache)
    return server, round(time.perf_counter() - t0, 2)


_BUSY = 0.15  # others_cpu_share above which a sample counts as disturbed


def bench_model(
    name: str, cache: Path, prompt: str, max_tokens: int, repeats: int, wait: float
) -> dict:
    import openai

    model = PACKAGED_MODELS[name]
    t0 = time.perf_counter()
    path = resolve_model_path(name, cache_dir=cache)
    assembly_s = round(time.perf_counter() - t0, 2)

    server, load_cold = _start(name, cache)
    client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0)
    cold: list[dict] = []
    warm: list[dict] = []
    clean: list[tuple[dict, dict]] = []
    noisy: list[tuple[dict, dict]] = []
    attempts = 0
    while len(cold) < repeats and attempts < 3 * repeats:
        attempts += 1
        wait_quiet(wait, (server.pid,))
        # a different first line makes the whole article a prompt-cache miss ...
        fresh = f"Request {attempts}.\n{prompt}"
        c = _request(server, client, fresh, max_tokens)
        # ... and sending it again is a hit
        w = _request(server, client, fresh, max_tokens)
        busy = max(c["others_cpu_share"], w["others_cpu_share"]) > _BUSY
        # a pair slowed down by other processes is kept in the JSON but does
        # not count (unless there is nothing better)
        (noisy if busy else clean).append((c, w))
        if not busy:
            cold.append(c)
            warm.append(w)
    if not cold:
        cold = [c for c, _ in noisy]
        warm = [w for _, w in noisy]
    rss = server.peak_rss_bytes()
    server.stop()

    server, load_warm = _start(name, cache)
    rss_idle = server.peak_rss_bytes()
    server.stop()

    return {
        "model": name,
        "gguf_name": server.model_name,
        "size_bytes": path.stat().st_size,
        "sha256": model.sha256,
        "assembly_s": assembly_s,
        "load_cold_s": load_cold,
        "load_warm_s": load_warm,
        # best of the repeats: on a shared machine the fastest run is the one
        # least slowed down by other processes (see others_cpu_share)
        "prompt_tok_s": _best(cold, "prompt_tok_s"),
        "gen_tok_s": _best(cold + warm, "gen_tok_s"),
        "request_cold_s": _best(cold, "wall_s", low=True),
        "request_warm_s": _best(warm, "wall_s", low=True),
        "peak_rss_bytes": rss,
        "peak_rss_after_load_bytes": rss_idle,
        "samples_cold": cold,
        "samples_warm": warm,
        "samples_disturbed": [{"cold": c, "warm": w} for c, w in noisy],
        "all_samples_disturbed": not clean,
    }


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _gb(n: int | None) -> str:
    return f"{n / 1e9:.2f}" if n else "?"


def print_table(results: list[dict]) -> None:
    head = (
        f"{'model':<20}{'size GB':>8}{'assemble s':>11}{'load s cold/warm':>18}"
        f"{'prompt tok/s':>13}{'gen tok/s':>10}{'cold req s':>11}{'warm req s':>11}"
        f"{'peak RSS GB':>12}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['model']:<20}{_gb(r['size_bytes']):>8}{r['assembly_s']:>11}"
            f"{str(r['load_cold_s']) + ' / ' + str(r['load_warm_s']):>18}"
            f"{r['prompt_tok_s']!s:>13}{r['gen_tok_s']!s:>10}"
            f"{r['request_cold_s']!s:>11}{r['request_warm_s']!s:>11}{_gb(r['peak_rss_bytes']):>12}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", nargs="*", default=list(PACKAGED_MODELS))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--prompt-tokens", type=int, default=600)
    ap.add_argument("--max-tokens", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3, help="cold+warm request pairs per model")
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=300.0,
        help="seconds to wait for a quiet machine (others < 10%% CPU) before each measurement",
    )
    args = ap.parse_args(argv)

    if not is_installed():
        print(
            "briefgen[local] is not installed: pip install '.[local,local-fast]'", file=sys.stderr
        )
        return 2
    prompt = build_prompt(args.prompt_tokens)
    results = []
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-") as tmp:
        for name in args.models:
            parts = PACKAGED_MODELS[name].parts
            if any(locate_installed_part(p) is None for p in parts):
                print(f"skipping {name}: its part packages are not installed", file=sys.stderr)
                continue
            print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
            wait_quiet(args.wait_idle)
            results.append(
                bench_model(name, Path(tmp), prompt, args.max_tokens, args.repeats, args.wait_idle)
            )
            # free the assembled copy before the next model
            for f in (Path(tmp) / "models").glob("*"):
                f.unlink()

    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpu": _cpu(),
            "cores": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "python": platform.python_version(),
            "llama_cpp_python": metadata.version("llama-cpp-python"),
        },
        "settings": {
            "n_ctx": 8192,
            "repeats": args.repeats,
            "prompt_words_target_tokens": args.prompt_tokens,
            "max_tokens": args.max_tokens,
            "temperature": 0,
        },
        "notes": (
            "cold request: a new ~600-token prompt, evaluated in full; warm request: the same "
            "prompt again (llama.cpp reuses the KV cache of the common prefix). Tokens/s from "
            "llama.cpp's own timings in the server log; figures are the best of the samples "
            "not disturbed by other processes (others_cpu_share <= 0.15; disturbed ones are "
            "kept under samples_disturbed). load = "
            "server start until /v1/models answers; the model file was in the OS page cache "
            "in both runs (just assembled)."
        ),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(results)
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
