"""Print the Markdown tables of BENCHMARKS.md from bench/results/*.json (so the figures match the files).

Usage: python bench/report.py [RESULTS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def yes(flag: object) -> str:
    return "**met**" if flag is True else ("not met" if flag is False else "—")


def ms(summary: dict[str, float]) -> str:
    return f"{summary['median'] * 1000:.0f} ms"


def overhead_rows(folder: Path) -> list[str]:
    rows = []
    for name, label in (("overhead", "shipped"), ("overhead_proposed", "with proposed fixes"),
                        ("overhead_latency250ms", "shipped, 250 ms server (context)")):
        data = load(folder, name)
        if not data:
            continue
        for key, what in (("summarize_vs_fresh_client", "summarize() vs fresh client"),
                          ("briefer_vs_reused_client", "Briefer vs reused client")):
            c = data[key]
            rows.append(
                f"| 1. overhead, {label}: {what} | {c['ratio_of_medians']}x ({ms(c['briefgen_s'])} vs "
                f"{ms(c['raw_sdk_s'])}, n={c['briefgen_s']['n']}) | <= 1.3x | {yes(c['target_met'])} | "
                f"`{data['command']}` ({data['answers'].split(':')[0]}) |"
            )
    return rows


def concurrency_rows(folder: Path) -> tuple[list[str], list[str]]:
    summary, curve = [], []
    for name in ("concurrency", "concurrency_current", "concurrency_proposed"):
        data = load(folder, name)
        if not data:
            continue
        commit = data["machine"].get("briefgen_commit", "?")
        suffix = (" + proposed fixes" if data.get("proposed_fixes_applied") else "") + f" @{commit}"
        for row in data["rows"]:
            curve.append(
                f"| {row['variant']}{suffix} | {row['concurrency']} | {row['wall_s']['median']:.2f} "
                f"(n={row['wall_s']['n']}) | {row['ideal_s']:.2f} | {row['efficiency']:.0%} | "
                f"{row['cpu_ms_per_brief']:.0f} | {row['briefs_per_s']} | {row['errors']} |"
            )
            if row["concurrency"] == 32:
                summary.append(
                    f"| 2. concurrency at 32, {row['variant']}{suffix} | {row['efficiency']:.0%} of ideal "
                    f"({row['wall_s']['median']:.1f} s vs {row['ideal_s']:.1f} s) | >= 90% | "
                    f"{yes(row['efficiency'] >= 0.9)} | `{data['command']}` |"
                )
    return summary, curve


def token_rows(folder: Path) -> list[str]:
    data = load(folder, "tokens")
    if not data:
        return []
    rows = []
    for name, c in data["counts"].items():
        rows.append(
            f"| 3. prompt tokens ({name}) | {c['ratio']}x naive ({c['briefgen_prompt_tokens']:,} vs "
            f"{c['naive_prompt_tokens']:,}) | <= 0.75x | {yes(c['target_met'])} | `{data['command']}` |"
        )
    per_point = data["completion_tokens_per_point"]
    rows.append(
        f"| 3. output tokens per shipped point | {per_point} ({data['server']['briefgen_completion_tokens']:,} "
        f"over {data['shipped_points']} points; {data['answers'].split(':')[0]}) | <= 60 | "
        f"{yes(data['target_met']['completion_tokens_per_point'])} | `{data['command']}` |"
    )
    return rows


def local_rows(folder: Path) -> list[str]:
    data = load(folder, "local_e2e")
    if not data:
        return []
    rows = []
    for r in data["results"]:
        warm = r["warm_wall_s"]
        rss = (r["warm_server_peak_rss_bytes"] or 0) / 1e9
        rows.append(
            f"| 4. local {r['model']}: warm / cold | {warm['median'] if warm else '—'} s / {r['cold']['wall_s']} s, "
            f"server peak RSS {rss:.2f} GB | <= 60 s warm (default model) | "
            f"{yes(data['target_met']) if r is data['results'][0] else '—'} | `{data['command']}` |"
        )
    return rows


def eval_rows(folder: Path) -> list[str]:
    rows = []
    for name, label in (("eval_seeds_replay", "replay"), ("eval_seeds_live", "live")):
        data = load(folder, name)
        if not data:
            continue
        s = data["total"]["scores"]
        t = data["total"]
        rows.append(
            f"| quality, seeds ({label}) | citation validity {s['citation_validity']}, facts "
            f"{t['facts_covered']}/{t['facts']}, cited correctly {s['citation_correctness']}, conflicts "
            f"{t['conflicts_surfaced']}/{t['conflicts']}, stale {t['stale_detected']}/{t['stale']}, leaks "
            f"{s['boilerplate_leaks']} | validity = 1.0 | {yes(s['citation_validity'] == 1.0)} | "
            f"`python -m briefgen.eval seeds ...` |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else RESULTS
    head = ["| benchmark | figure | target | | command |", "|---|---|---|---|---|"]
    conc_summary, curve = concurrency_rows(folder)
    print("\n".join(head + overhead_rows(folder) + conc_summary + token_rows(folder) + local_rows(folder)
                    + eval_rows(folder)))
    if curve:
        print("\n| variant | c | wall s (median) | ideal s | efficiency | CPU ms/brief | briefs/s | errors |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(curve))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
