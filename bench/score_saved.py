"""Score saved live briefs (``bench/results/live/<cluster>@<n>.json``) against their FACTS.md.

Replaying a live recording re-runs today's code, which may send other requests than the run did;
this scores the brief exactly as that run shipped it. Usage::

    .venv/bin/python bench/score_saved.py seeds@7 myanmar-quake-2025@3 ... [--out bench/results/issue10_live.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIVE = ROOT / "bench" / "results" / "live"


def main(argv: list[str] | None = None) -> int:
    from briefgen.brief import Brief
    from briefgen.config import Settings
    from briefgen.eval.clusters import find_clusters, load_cluster_articles
    from briefgen.eval.score import score_brief

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", nargs="+", help="<cluster>@<n> names of saved live runs")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    clusters = {c.name: c for c in find_clusters(ROOT / "eval" / "clusters")}
    clusters.update({c.name: c for c in find_clusters(ROOT / "eval" / "fresh")})
    clusters.update({"seeds": c for c in find_clusters(ROOT / "seeds")})
    rows = []
    for run in args.runs:
        name = run.split("@", 1)[0]
        cluster = clusters[name]
        brief = Brief.model_validate_json((LIVE / f"{run}.json").read_text(encoding="utf-8"))
        articles = load_cluster_articles(cluster, Settings.resolve())
        score = score_brief(brief, cluster.sheet, articles, cluster=name)
        row = dataclasses.asdict(score) if dataclasses.is_dataclass(score) else dict(score)
        stated = sum(1 for f in row["fact_details"] if set(f["in"]) & {"point", "headline", "lede"})
        row.update(run=run, facts_stated=stated, facts_total=len(row["fact_details"]),
                   wall_time_s=brief.usage.wall_time_s, total_tokens=brief.usage.total_tokens,
                   shipped_points=len(brief.points) + len(brief.background),
                   completion_per_shipped_point=round(brief.usage.completion_tokens
                                                      / max(len(brief.points) + len(brief.background), 1), 1))
        rows.append(row)
        print(f"{run}: stated {stated}/{row['facts_total']}, conflicts {row['conflicts_surfaced']}/{row['conflicts']}, "
              f"stale {row['stale_detected']}/{row['stale']}, points {row['points']}, valid "
              f"{row['citations_valid']}/{row['citations']}, tokens {brief.usage.total_tokens:,} "
              f"({brief.usage.prompt_tokens:,} + {brief.usage.completion_tokens:,}), "
              f"{row['completion_per_shipped_point']} completion/shipped point, {brief.usage.wall_time_s:.0f} s")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
