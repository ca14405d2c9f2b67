"""Replay saved live runs through today's merge and print each brief's points, to read duplicates by hand.

Each run ``bench/results/live/<cluster>@<n>.yaml`` (a vcrpy cassette of the bundled model) is
served by :class:`briefgen.testing.FakeOpenAIServer`; the extract and repair calls replay as
recorded. The headline call's request carries the points, so when merging changes them it has
no recording: :func:`briefgen.testing.crafted_answer` answers it instead (the first point's
words), and the run is marked ``[crafted headline]``. Facts are scored with
:func:`briefgen.eval.score.score_brief`: ``stated`` counts facts in a point, the headline or the
lede (as ``bench/score_saved.py`` does), ``in points`` those in a point or background point only
(not moved by a crafted headline). No model runs. Usage::

    nice -n 19 .venv/bin/python bench/merge_saved.py            # the six runs below
    nice -n 19 .venv/bin/python bench/merge_saved.py fed-rate-cut-dec-2024@3 --brief
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from _common import cluster_folder

ROOT = Path(__file__).resolve().parents[1]
LIVE = ROOT / "bench" / "results" / "live"
RUNS = ("seeds@10", "myanmar-quake-2025@8", "german-election-2025@7", "fed-rate-cut-dec-2024@7",
        "iberian-blackout-2025@6", "valencia-floods-2024@6")
REPLAY_MODEL = "qwen2.5-coder-1.5b"


def replay(run: str) -> tuple[Any, Any, bool]:
    """(cluster, brief, crafted): the brief today's code makes from the run's recorded answers."""
    from briefgen.api import summarize
    from briefgen.config import Settings
    from briefgen.eval.clusters import find_clusters
    from briefgen.testing import FakeOpenAIServer, crafted_answer

    name = run.split("@", 1)[0]
    folder = cluster_folder(name)
    [cluster] = find_clusters(folder)
    crafted: list[str] = []

    def fallback(request: dict[str, Any]) -> Any:
        tools = request.get("tools") or [{}]
        crafted.append(tools[0].get("function", {}).get("name", "?"))
        return crafted_answer(request)

    with FakeOpenAIServer.from_cassette(LIVE / f"{run}.yaml", fallback=fallback) as server:
        settings = Settings.resolve(env={}, base_url=server.base_url, model=REPLAY_MODEL, api_key="local",
                                    transport_retries=0)
        brief = summarize([str(p) for p in cluster.articles], settings=settings)
    if set(crafted) - {"Synthesis"}:
        print(f"  ! {run}: crafted answers for {sorted(set(crafted))}: the cassette no longer replays", file=sys.stderr)
    return cluster, brief, bool(crafted)


def facts(cluster: Any, brief: Any) -> tuple[int, int, int]:
    """(stated in point/headline/lede, in points or background, total) per briefgen.eval."""
    from briefgen.config import Settings
    from briefgen.eval.clusters import load_cluster_articles
    from briefgen.eval.score import score_brief

    score = score_brief(brief, cluster.sheet, load_cluster_articles(cluster, Settings.resolve(env={})))
    stated = sum(1 for f in score.fact_details if set(f["in"]) & {"point", "headline", "lede"})
    in_points = sum(1 for f in score.fact_details if set(f["in"]) & {"point", "background"})
    return stated, in_points, len(score.fact_details)


def show(brief: Any, *, quotes: bool) -> None:
    for kind, points in (("point", brief.points), ("background", brief.background)):
        for i, point in enumerate(points, 1):
            ids = ", ".join(c.article_id[:3] for c in point.citations)
            print(f"  {kind[0]}{i:>2}. {point.text}  [{ids}]")
            if quotes:
                for c in point.citations:
                    print(f"        {c.article_id[:3]}: {c.quote}")


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="*", default=list(RUNS), help="<cluster>@<n> names of saved live runs")
    ap.add_argument("--brief", action="store_true", help="print each citation's quote too")
    args = ap.parse_args(argv)
    rows = []
    for run in args.runs:
        cluster, brief, crafted = replay(run)
        stated, in_points, total = facts(cluster, brief)
        mark = " [crafted headline]" if crafted else ""
        print(f"== {run}: {len(brief.points)} points + {len(brief.background)} background, "
              f"facts stated {stated}/{total}, in points {in_points}/{total}{mark}")
        print(f"  headline: {brief.headline}")
        show(brief, quotes=args.brief)
        rows.append((run, len(brief.points) + len(brief.background), stated, in_points, total, mark))
    print("\nrun: points, facts stated, facts in points")
    for run, points, stated, in_points, total, mark in rows:
        print(f"  {run}: {points}, {stated}/{total}, {in_points}/{total}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
