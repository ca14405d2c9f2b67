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
from briefgen.local.models import locate_installed_part
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


def _request(server: LocalServer, client, prompt: str, max_tokens: int) -> dict:  # type: ignore[no-untyped-def]
    offset = server.log_path.stat().st_size
    t0 = time.perf_counter()
    reply = client.chat.completions.create(
        model=server.model_alias,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0,
    )
    wall = time.perf_counter() - t0
    time.sleep(0.2)  # let the server flush its timing lines
    perf, _ = _perf_since(server.log_path, offset)
    usage = reply.usage
    out = {
        "wall_s": round(wall, 2),
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
    }
    if "prompt" in perf:
        ms, n = perf["prompt"]
        out["prompt_tokens_evaluated"] = n  # fewer than prompt_tokens on a prefix-cache hit
        out["prompt_eval_s"] = round(ms / 1000, 2)
        out["prompt_tok_s"] = round(n / (ms / 1000), 1) if ms else None
    if "eval" in perf:
        ms, n = perf["eval"]
        out["gen_tok_s"] = round(n / (ms / 1000), 1) if ms else None
    return out


def wait_idle(max_wait: float, threshold: float = 0.5) -> float:
    """Wait (up to ``max_wait`` s) for the 1-minute load average to drop below ``threshold``.

    On 2 cores any other busy process halves the measured speed. Returns the
    load average when the measurement starts (it is recorded in the results).
    """
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(5)
    return round(os.getloadavg()[0], 2)


def _start(name: str, cache: Path) -> tuple[LocalServer, float]:
    t0 = time.perf_counter()
    server = get_local_server(name, cache_dir=cache)
    return server, round(time.perf_counter() - t0, 2)


def bench_model(name: str, cache: Path, prompt: str, max_tokens: int) -> dict:
    import openai

    model = PACKAGED_MODELS[name]
    t0 = time.perf_counter()
    path = resolve_model_path(name, cache_dir=cache)
    assembly_s = round(time.perf_counter() - t0, 2)

    server, load_cold = _start(name, cache)
    client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0)
    cold = _request(server, client, prompt, max_tokens)
    warm = _request(server, client, prompt, max_tokens)
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
        "request_cold": cold,
        "request_warm": warm,
        "peak_rss_bytes": rss,
        "peak_rss_after_load_bytes": rss_idle,
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
        f"{'prompt tok/s':>13}{'gen tok/s':>10}{'warm req s':>11}{'cold req s':>11}{'peak RSS GB':>12}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        c, w = r["request_cold"], r["request_warm"]
        print(
            f"{r['model']:<20}{_gb(r['size_bytes']):>8}{r['assembly_s']:>11}"
            f"{str(r['load_cold_s']) + ' / ' + str(r['load_warm_s']):>18}"
            f"{c.get('prompt_tok_s', '?'):>13}{c.get('gen_tok_s', '?'):>10}"
            f"{w['wall_s']:>11}{c['wall_s']:>11}{_gb(r['peak_rss_bytes']):>12}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", nargs="*", default=list(PACKAGED_MODELS))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--prompt-tokens", type=int, default=600)
    ap.add_argument("--max-tokens", type=int, default=150)
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=300.0,
        help="seconds to wait for a quiet machine (load average < 0.5) before each model",
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
            load = wait_idle(args.wait_idle)
            print(f"benchmarking {name} (load average {load}) ...", file=sys.stderr, flush=True)
            result = bench_model(name, Path(tmp), prompt, args.max_tokens)
            result["load_avg_before"] = load
            result["load_avg_after"] = round(os.getloadavg()[0], 2)
            results.append(result)
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
            "prompt_words_target_tokens": args.prompt_tokens,
            "max_tokens": args.max_tokens,
            "temperature": 0,
        },
        "notes": (
            "cold request: whole prompt evaluated; warm request: identical prompt again "
            "(llama.cpp reuses the KV cache of the common prefix). Tokens/s from llama.cpp's "
            "own timings in the server log. load = server start until /v1/models answers; "
            "the model file was in the OS page cache in both runs (just assembled)."
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
