"""Running clusters: find them on disk, brief each, and score the brief.

A *cluster* is a folder of articles plus a ``FACTS.md`` (``seeds/`` is one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from briefgen.config import Settings
from briefgen.errors import BriefgenError
from briefgen.eval.facts import FACTS_FILE, FactSheet, parse_facts
from briefgen.eval.score import ClusterScore, score_brief
from briefgen.ingest import LoadOptions, load_article
from briefgen.ingest.loader import ARTICLE_SUFFIXES
from briefgen.brief import Article, Brief


@dataclass
class Cluster:
    name: str
    folder: Path
    articles: list[Path]
    sheet: FactSheet


def find_clusters(root: Path) -> list[Cluster]:
    """``root`` itself when it holds a FACTS.md, else each sub-folder that does."""
    folders = [root] if (root / FACTS_FILE).is_file() else sorted(
        p for p in root.iterdir() if p.is_dir() and (p / FACTS_FILE).is_file()
    )
    clusters = []
    for folder in folders:
        articles = sorted(
            p for p in folder.iterdir()
            if p.is_file() and p.name != FACTS_FILE and not p.name.startswith(".")
            and p.suffix.lower() in ARTICLE_SUFFIXES and p.name.lower() != "readme.md"
        )
        sheet = parse_facts((folder / FACTS_FILE).read_text(encoding="utf-8"))
        clusters.append(Cluster(folder.name, folder, articles, sheet))
    return clusters


def load_cluster_articles(cluster: Cluster, settings: Settings) -> dict[str, Article]:
    """The cleaned text each citation must quote, loaded exactly as the pipeline loads it."""
    options = LoadOptions.from_settings(settings)
    loaded: dict[str, Article] = {}
    for path in cluster.articles:
        try:
            article = load_article(str(path), options=options)
        except BriefgenError:
            continue
        loaded.setdefault(article.id, article)
    return loaded


def run_cluster(cluster: Cluster, settings: Settings) -> tuple[ClusterScore, Brief | None]:
    from briefgen.api import summarize

    started = time.perf_counter()
    try:
        brief = summarize([str(p) for p in cluster.articles], settings=settings)
    except BriefgenError as exc:
        score = ClusterScore(cluster=cluster.name, articles=len(cluster.articles), error=str(exc))
        score.facts = len(cluster.sheet.facts)
        score.conflicts = len(cluster.sheet.conflicts)
        score.stale = len(cluster.sheet.stale)
        score.wall_time_s = round(time.perf_counter() - started, 3)
        return score, None
    score = score_brief(brief, cluster.sheet, load_cluster_articles(cluster, settings), cluster=cluster.name)
    return score, brief

