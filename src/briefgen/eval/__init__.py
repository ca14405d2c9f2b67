"""The quality harness: brief each story cluster and score the brief against its FACTS.md.

A *cluster* is a folder of articles plus a ``FACTS.md`` that says what a good
brief of them contains (``seeds/`` is one). ``CLUSTERS_DIR`` is either one
cluster or a folder of clusters. Run it from a recording or live::

    python -m briefgen.eval seeds/ --replay tests/cassettes/seeds_brief.yaml
    python -m briefgen.eval clusters/                      # provider from the environment / local model
    python -m briefgen.eval clusters/ --base-url http://127.0.0.1:8080/v1 --model my-model

Scores, per cluster and in total:

* **citation validity** — share of shipped citations whose quote is the cited
  article's cleaned text at the cited span, verbatim. Must be 1.0; the
  command exits 1 otherwise.
* **fact coverage** — share of facts whose regex (case-insensitive) matches
  the brief's text: headline, lede, points, background, conflicts.
* **citation correctness** — of the covered facts, the share where an item
  stating the fact (point, background point or conflict) cites at least one
  of the files FACTS.md lists for it. Facts stated only in the headline or
  lede carry no citation; they are counted as ``covered_uncited``.
* **conflicts surfaced** — share of the conflict bullets whose key numbers
  and names (at least half of them) appear in the brief's conflicts.
* **stale detection** — share of the stale articles that the brief flags
  stale *and* keeps out of its key points.
* **unsupported names** (a warning, no target) — points naming a
  capitalised word or acronym that none of their quotes contains.
* **boilerplate leakage** — the boilerplate strings quoted in FACTS.md that
  appear anywhere in the rendered Markdown (should be none).
* **cost** — tokens, wall time, re-asks and rejected claims.

FACTS.md format (the parser is forgiving; sections are found by keyword)::

    ## Facts
    - the fact | python regex, case-insensitive | 000, 001 (comments in parentheses are ignored)

    ## Conflicts and cautions ...
    - Label: free text naming the numbers and names that must be surfaced.
    - Date: 004 is from 22 October 2024 and concerns an earlier, different event ...

    ## Stale                      (optional)
    - 004: why it is stale

    ## Boilerplate ...
    Free text with the leaked strings in quotes ("Play Live Radio", "0:00").

Fields are separated by `` | `` (space, pipe, space), so a regex may use a bare
``|``. File ids are names of article files or their prefixes (``000`` matches
``000_c48e5d5ea6a7d2cd.txt``). A conflict bullet is a *stale* bullet, not a
conflict, when one of its sentences names a file id and says ``stale``,
``different event``, ``earlier article/report/event``, ``outdated``,
``set (it) apart`` or ``is from <date>``; the file ids in those sentences are
the stale articles. A ``## Stale`` section adds ids explicitly.

The package: :mod:`~briefgen.eval.facts` (FACTS.md), :mod:`~briefgen.eval.score`
(scoring one brief), :mod:`~briefgen.eval.clusters` (finding and briefing
clusters) and :mod:`~briefgen.eval.cli` (the command). ``--replay`` needs
``pip install 'briefgen[eval]'`` (pyyaml reads the cassette).
"""

from __future__ import annotations

from briefgen.eval.cli import REPLAY_MODEL, main, parser, print_table
from briefgen.eval.clusters import Cluster, find_clusters, load_cluster_articles, run_cluster
from briefgen.eval.facts import (
    FACTS_FILE,
    ConflictSpec,
    Fact,
    FactSheet,
    StaleSpec,
    conflict_keys,
    matches_file,
    parse_fact,
    parse_facts,
    parse_files,
)
from briefgen.eval.score import ClusterScore, brief_items, score_brief, total

__all__ = [
    "FACTS_FILE",
    "REPLAY_MODEL",
    "Cluster",
    "ClusterScore",
    "ConflictSpec",
    "Fact",
    "FactSheet",
    "StaleSpec",
    "brief_items",
    "conflict_keys",
    "find_clusters",
    "load_cluster_articles",
    "main",
    "matches_file",
    "parse_fact",
    "parse_facts",
    "parse_files",
    "parser",
    "print_table",
    "run_cluster",
    "score_brief",
    "total",
]
