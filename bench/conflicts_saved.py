"""Conflicts surfaced on the saved live runs, replayed offline through today's code.

Each saved run (``bench/results/live/<cluster>@<n>.yaml``, the vcrpy cassette of the bundled
model briefing one dev cluster) is replayed with
``FakeOpenAIServer.from_cassette(path, fallback=crafted_answer)``: the extract and repair calls
get the recorded answers as long as today's request bodies match the recorded ones. A request
the cassette has no answer for gets :func:`briefgen.testing.crafted_answer` instead, and the
output says so per run: for the synthesis (headline) call that only changes the headline and
lede (its body lists the points); for an extract or repair call it means the run is no longer
the recorded one, and its figures should not be compared with a run that replayed.

The brief is scored with :mod:`briefgen.eval`'s scorer (a FACTS.md "Conflicts" bullet is
surfaced when half of its figures and names appear in the brief's conflicts: topics, side
labels and cited quotes), and every shipped conflict is listed, kind, topic and sides with the
opening of each cited sentence, so they can be read by hand for false ones. Usage::

    nice -n 19 .venv/bin/python bench/conflicts_saved.py            # the five dev clusters + seeds
    nice -n 19 .venv/bin/python bench/conflicts_saved.py myanmar-quake-2025@4 --quotes 0 --out x.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from _common import cluster_folder

ROOT = Path(__file__).resolve().parents[1]
LIVE = ROOT / "bench" / "results" / "live"
RUNS = ["myanmar-quake-2025@7", "german-election-2025@6", "fed-rate-cut-dec-2024@6", "iberian-blackout-2025@5",
        "valencia-floods-2024@5", "seeds@9"]
"""The latest saved run of each cluster (seeds has no number conflicts in its FACTS.md; it is here to
show any false ones)."""


def replay(run: str) -> dict[str, Any]:
    """Brief one saved run's cluster from its cassette; the score, the conflicts and which calls fell back."""
    from briefgen.config import Settings
    from briefgen.eval.cli import REPLAY_MODEL
    from briefgen.eval.clusters import find_clusters, run_cluster
    from briefgen.testing import FakeOpenAIServer, crafted_answer

    name = run.split("@", 1)[0]
    root = cluster_folder(name)
    cluster = find_clusters(root)[0]
    fell_back: list[str] = []

    def fallback(request: dict[str, Any]) -> Any:
        tools = request.get("tools") or []
        fell_back.append(tools[0]["function"]["name"] if tools else "?")
        return crafted_answer(request)

    with FakeOpenAIServer.from_cassette(LIVE / f"{run}.yaml", fallback=fallback) as server:
        # as `briefgen eval --replay` does: the recording was made with default settings
        settings = Settings.resolve(env={}, base_url=server.base_url, model=REPLAY_MODEL, api_key="local",
                                    transport_retries=0)
        score, brief = run_cluster(cluster, settings)
    return {"run": run, "score": score, "brief": brief, "fell_back": fell_back}


def _describe(result: dict[str, Any], quotes: int) -> list[str]:
    score, brief = result["score"], result["brief"]
    lines = [f"== {result['run']}: conflicts surfaced {score.conflicts_surfaced}/{score.conflicts}"
             + (f", shipped {len(brief.conflicts)}" if brief is not None else f", FAILED: {score.error}")]
    if result["fell_back"]:
        kinds = ", ".join(sorted(set(result["fell_back"])))
        effect = ("only the headline/lede are crafted" if set(result["fell_back"]) == {"Synthesis"}
                  else "NOT the recorded run: extraction answers are crafted")
        lines.append(f"   crafted answers for {len(result['fell_back'])} unrecorded request(s) ({kinds}): {effect}")
    for detail in score.conflict_details:
        mark = "+" if detail["surfaced"] else "-"
        lines.append(f"   {mark} {detail['conflict']}: found {detail['found']} of {detail['keys']}")
    for conflict in brief.conflicts if brief is not None else []:
        lines.append(f"   [{conflict.kind}] {conflict.topic[:160]}")
        for side in conflict.sides:
            lines.append(f"      - {side.label}")
            for citation in side.citations[:quotes] if quotes else []:
                lines.append(f"          “{citation.quote[:170]}”")
    return lines


def main(argv: list[str] | None = None) -> int:
    from briefgen.eval.score import total

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*", default=RUNS, help="<cluster>@<n> names of saved live runs")
    ap.add_argument("--quotes", type=int, default=3, help="cited sentences shown per side (0: none)")
    ap.add_argument("--out", type=Path, help="also write the scores and conflicts as JSON here")
    args = ap.parse_args(argv)
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    results = [replay(run) for run in args.runs]
    for result in results:
        print("\n".join(_describe(result, args.quotes)))
    pooled = total([r["score"] for r in results])
    print(f"TOTAL: conflicts surfaced {pooled.conflicts_surfaced}/{pooled.conflicts} ({pooled.conflict_rate}), "
          f"shipped {sum(len(r['brief'].conflicts) for r in results if r['brief'] is not None)}, "
          f"citations valid {pooled.citations_valid}/{pooled.citations}")
    if args.out:
        args.out.write_text(json.dumps([
            {"run": r["run"], "fell_back": r["fell_back"], "scores": r["score"].to_dict(),
             "conflicts": [c.model_dump(mode="json") for c in r["brief"].conflicts] if r["brief"] else None}
            for r in results], indent=2) + "\n", encoding="utf-8")
    return 0 if pooled.citations_valid == pooled.citations and not pooled.error else 1


if __name__ == "__main__":
    sys.exit(main())
