"""Benchmark 3: prompt tokens of a seeds brief against a naive prompt, and output per point.

The brief is made once against the loopback server (the recorded seeds
conversation when the cassette exists). Its prompts are the request bodies
briefgen really sent (five extract calls, re-asks, the synthesis call).

The **naive prompt** is one request: the same extract instructions (system
message) and the same tool schema, with the five raw seed files pasted
whole into the user message (no cleaning, no per-article calls).

Counted three ways:

* ``tiktoken`` (o200k_base, the GPT-4o/4.1 encoding): message contents + 4
  per message + the tools JSON + 3, the same function for both sides;
* ``qwen`` — the local model's own tokenizer (the GGUF's vocabulary, loaded
  with ``vocab_only``), same function, when briefgen[local] and the model
  are present;
* ``server`` — briefgen's prompt tokens as the local server reported them in
  the recording (``Brief.usage``; includes the chat template and the tool
  definitions llama.cpp renders into the prompt).

Targets: briefgen's prompt tokens <= 0.75 x the naive prompt's; <= 60
completion tokens per shipped point (all completion tokens, re-asks
included, over the points and background points the brief ships).

Usage: python bench/tokens.py [--source auto|recorded|crafted]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import answers_used, hermetic_settings, open_server, seed_paths, write_result

from briefgen import summarize
from briefgen.extract import EXTRACT_MAX_TOKENS
from briefgen.prompts import load_template

Counter = Callable[[str], int]


O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # tiktoken's own expected_hash


def install_tiktoken_file(path: Path) -> Path:
    """Offline machines: put a local o200k_base.tiktoken where tiktoken looks, after checking its sha256."""
    import hashlib
    import os
    import tempfile

    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != O200K_SHA256:
        raise SystemExit(f"{path} is not o200k_base.tiktoken (sha256 differs from tiktoken's expected hash)")
    cache = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path(tempfile.gettempdir()) / "data-gym-cache")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / hashlib.sha1(O200K_URL.encode()).hexdigest()
    target.write_bytes(data)
    return target


def tiktoken_counter() -> Counter:
    import tiktoken

    try:
        enc = tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # noqa: BLE001 - offline and not cached: say how to fix it
        raise SystemExit(
            f"tiktoken cannot load o200k_base ({exc.__class__.__name__}); on an offline machine pass "
            "--tiktoken-file PATH/o200k_base.tiktoken (checked against tiktoken's sha256)"
        ) from None
    return lambda text: len(enc.encode(text, disallowed_special=()))


def qwen_counter() -> tuple[Counter | None, str | None]:
    """The default local model's tokenizer, or (None, why not)."""
    try:
        import llama_cpp

        from briefgen.local.weights import default_cache_dir
    except ImportError as exc:
        return None, f"briefgen[local] not installed ({exc.name})"
    candidates = sorted((default_cache_dir() / "models").glob("qwen2.5-coder-1.5b*.gguf"))
    if not candidates:
        return None, "the default local model is not assembled in the cache"
    model = llama_cpp.Llama(model_path=str(candidates[0]), vocab_only=True, verbose=False)
    return (lambda text: len(model.tokenize(text.encode("utf-8"), add_bos=False, special=False))), candidates[0].name


def request_tokens(body: dict[str, Any], count: Counter) -> int:
    """Tokens of one chat request: contents + 4 per message, tools JSON, + 3 (same for every side)."""
    total = 3
    for message in body.get("messages", []):
        content = message.get("content") or ""
        if message.get("tool_calls"):
            content += json.dumps(message["tool_calls"])
        total += count(content) + 4
    if body.get("tools"):
        total += count(json.dumps(body["tools"]))
    return total


def breakdown(bodies: list[dict[str, Any]], count: Counter) -> dict[str, int]:
    """Where briefgen's prompt tokens go: instructions, tool schemas, article text, synthesis, re-asks."""
    parts = {"system_instructions": 0, "tool_schemas": 0, "articles_and_user": 0, "synthesis_user": 0, "reask_turns": 0}
    for body in bodies:
        tool = (body.get("tools") or [{}])[0].get("function", {}).get("name")
        parts["tool_schemas"] += count(json.dumps(body.get("tools") or []))
        for i, message in enumerate(body.get("messages", [])):
            tokens = count((message.get("content") or "") + (json.dumps(message["tool_calls"]) if message.get("tool_calls") else ""))
            if message["role"] == "system":
                parts["system_instructions"] += tokens
            elif i >= 2:
                parts["reask_turns"] += tokens
            elif tool == "Synthesis":
                parts["synthesis_user"] += tokens
            else:
                parts["articles_and_user"] += tokens
    return parts


def naive_request(brief_bodies: list[dict[str, Any]], seeds: list[str]) -> dict[str, Any]:
    """The five raw files pasted under the same extract instructions, with the same tool."""
    first = next(b for b in brief_bodies if (b.get("tools") or [{}])[0].get("function", {}).get("name") == "Extraction")
    system = first["messages"][0]["content"]
    pasted = "\n\n".join(
        f"Article {Path(p).stem}:\n<article>\n{Path(p).read_text(encoding='utf-8')}\n</article>" for p in seeds
    )
    return {
        "model": first["model"],
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": pasted}],
        "tools": first.get("tools"),
        "tool_choice": first.get("tool_choice"),
        "max_tokens": EXTRACT_MAX_TOKENS,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=["auto", "recorded", "crafted"], default="auto")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--tiktoken-file", type=Path, help="a local o200k_base.tiktoken, for offline machines")
    args = ap.parse_args(argv)
    if args.tiktoken_file is not None:
        install_tiktoken_file(args.tiktoken_file)

    seeds = seed_paths()
    server, source_used = open_server(args.source)
    try:
        brief = summarize(seeds, settings=hermetic_settings(server.base_url, source=source_used))
        bodies = list(server.requests)
        source_used = answers_used(server, source_used)
    finally:
        server.stop()
    naive = naive_request(bodies, seeds)
    load_template("extract")  # the instructions are the extract template's system part

    counts: dict[str, Any] = {}
    qwen, qwen_note = qwen_counter()
    counters: dict[str, Counter] = {}
    try:
        counters["tiktoken_o200k_base"] = tiktoken_counter()
    except SystemExit as exc:
        if qwen is None:
            raise
        print(f"warning: {exc}; counting with the local model's tokenizer only", file=sys.stderr)
    if qwen is not None:
        counters["qwen_tokenizer"] = qwen
    for name, count in counters.items():
        ours = [request_tokens(b, count) for b in bodies]
        naive_tokens = request_tokens(naive, count)
        counts[name] = {
            "briefgen_prompt_tokens": sum(ours),
            "per_request": ours,
            "naive_prompt_tokens": naive_tokens,
            "ratio": round(sum(ours) / naive_tokens, 3),
            "breakdown": breakdown(bodies, count),
            "naive_breakdown": breakdown([naive], count),
            "target_met": sum(ours) <= 0.75 * naive_tokens,
        }
    shipped_points = len(brief.points) + len(brief.background)
    per_point = brief.usage.completion_tokens / shipped_points if shipped_points else None
    server_counts: dict[str, Any] = {
        "briefgen_prompt_tokens": brief.usage.prompt_tokens,
        "briefgen_completion_tokens": brief.usage.completion_tokens,
        "per_call": [c.model_dump() for c in brief.usage.calls],
        "note": "from the recorded responses' usage" if source_used == "recorded" else
        "crafted answers: usage is made up, not a measurement",
    }
    if "qwen_tokenizer" in counts:
        # scale the naive prompt by how the server's count relates to the tokenizer count of the same requests
        q = counts["qwen_tokenizer"]
        overhead = brief.usage.prompt_tokens / q["briefgen_prompt_tokens"] if q["briefgen_prompt_tokens"] else None
        server_counts["naive_prompt_tokens_estimated"] = round(q["naive_prompt_tokens"] * overhead) if overhead else None
        server_counts["template_overhead_factor"] = round(overhead, 3) if overhead else None
    result = {
        "command": "python bench/tokens.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "answers": source_used,
        "requests": len(bodies),
        "raw_seed_chars": sum(len(Path(p).read_text(encoding="utf-8")) for p in seeds),
        "cleaned_seed_chars": sum(s.chars for s in brief.sources),
        "counts": counts,
        "qwen_tokenizer": qwen_note,
        "server": server_counts,
        "shipped_points": shipped_points,
        "completion_tokens_per_point": round(per_point, 1) if per_point else None,
        "shipped_citations": (cites := sum(len(p.citations) for p in [*brief.points, *brief.background])),
        "completion_tokens_per_shipped_citation": round(brief.usage.completion_tokens / cites, 1) if cites else None,
        "targets": {
            "prompt_ratio": "<= 0.75 x naive",
            "completion_tokens_per_point": "<= 60",
        },
        "target_met": {
            "prompt_ratio": all(c["target_met"] for c in counts.values()),
            "completion_tokens_per_point": per_point is not None and per_point <= 60,
        },
    }
    path = write_result("tokens", result, args.out)
    for name, c in counts.items():
        print(f"{name:22} briefgen {c['briefgen_prompt_tokens']:6,}  naive {c['naive_prompt_tokens']:6,}  "
              f"ratio {c['ratio']:.2f} (target <= 0.75: {'met' if c['target_met'] else 'NOT met'})")
    print(f"server (recorded)      briefgen {brief.usage.prompt_tokens:6,} prompt, "
          f"{brief.usage.completion_tokens:,} completion tokens ({source_used})")
    print(f"completion tokens per shipped point: {result['completion_tokens_per_point']} over {shipped_points} points "
          f"(target <= 60: {'met' if result['target_met']['completion_tokens_per_point'] else 'NOT met'})")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
