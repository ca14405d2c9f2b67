"""``briefgen eval`` / ``python -m briefgen.eval``: brief each cluster, print and save the scores."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefgen.cli.common import quiet_third_party_logs
from briefgen.config import Settings
from briefgen.errors import ExtraNotInstalledError
from briefgen.eval.clusters import find_clusters, run_cluster
from briefgen.eval.facts import FACTS_FILE
from briefgen.eval.score import ClusterScore, total

REPLAY_MODEL = "qwen2.5-coder-1.5b"
"""The model id the bundled cassettes were recorded with (the local server's alias)."""


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(scores: Sequence[ClusterScore], *, title: str, file: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("cluster", "cite valid", "facts", "cited ok", "conflicts", "stale", "leaks", "names?",
                   "points", "prompt tok", "compl tok", "tok/point", "re-asks", "rejected", "wall s"):
        table.add_column(column, justify="left" if column == "cluster" else "right")
    rows = [*scores, total(scores)] if len(scores) != 1 else [*scores]
    for i, s in enumerate(rows):
        table.add_row(
            s.cluster + (" (failed)" if s.error and s.cluster != "TOTAL" else ""),
            _fmt(s.citation_validity),
            f"{s.facts_covered}/{s.facts} {_fmt(s.fact_coverage)}",
            _fmt(s.citation_correctness),
            f"{s.conflicts_surfaced}/{s.conflicts}",
            f"{s.stale_detected}/{s.stale}",
            str(len(s.boilerplate_leaks)),
            str(len(s.unsupported_names)),
            str(s.points),
            f"{s.prompt_tokens:,}",
            f"{s.completion_tokens:,}",
            f"{s.completion_tokens_per_point:.1f}" if s.completion_tokens_per_point is not None else "—",
            str(s.reasks),
            str(s.rejected),
            f"{s.wall_time_s:.1f}",
            end_section=(i == len(rows) - 2 and len(rows) > 1),
        )
    console = Console(file=file or sys.stdout, width=160)
    console.print(table)
    for s in scores:
        if s.error:
            console.print(f"[red]{s.cluster}: {s.error}[/red]", highlight=False)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="briefgen eval",
        description="Brief each cluster (a folder of articles + FACTS.md) and score the brief against FACTS.md.",
        epilog="Exit status: 0 when every shipped citation is verbatim source text, 1 when one is not "
        "(or a cluster failed), 2 on bad arguments.",
    )
    ap.add_argument("clusters_dir", type=Path, help="a cluster folder, or a folder of cluster folders")
    ap.add_argument("--base-url", help="OpenAI-compatible server to use (default: provider from the environment)")
    ap.add_argument("--model", help=f"model id (with --replay: the recorded one, {REPLAY_MODEL})")
    ap.add_argument("--api-key", help="API key for --base-url (default: from the environment)")
    ap.add_argument("--replay", type=Path, metavar="CASSETTE",
                    help="answer from a recorded vcrpy cassette on a loopback server "
                         "(no model needed; needs briefgen[eval])")
    ap.add_argument("--out", type=Path, help="write the scores (and the briefs) as JSON here")
    ap.add_argument("--quiet", action="store_true", help="no table")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quiet_third_party_logs()  # re-asks are counted in the table; instructor's own log is noise here
    root: Path = args.clusters_dir
    if not root.is_dir():
        print(f"briefgen eval: {root} is not a folder", file=sys.stderr)
        return 2
    clusters = find_clusters(root)
    if not clusters:
        print(f"briefgen eval: no {FACTS_FILE} in {root} or its sub-folders", file=sys.stderr)
        return 2
    for cluster in clusters:
        for problem in cluster.sheet.problems:
            print(f"briefgen eval: {cluster.name}/{FACTS_FILE}: {problem}", file=sys.stderr)

    server = None
    try:
        if args.replay is not None:
            if not args.replay.is_file():
                print(f"briefgen eval: no cassette at {args.replay}", file=sys.stderr)
                return 2
            try:
                import yaml  # noqa: F401 - the cassette is YAML; say so before any cluster is run
            except ImportError as exc:
                missing = ExtraNotInstalledError("pyyaml, which --replay needs to read the cassette,", "eval",
                                                 exc.name or "yaml")
                print(f"briefgen eval: {missing}", file=sys.stderr)
                return 2
            from briefgen.testing import FakeOpenAIServer

            server = FakeOpenAIServer.from_cassette(args.replay).start()
            # Hermetic: the recording was made with default settings, and the replay
            # must send byte-identical requests, so the environment is not read.
            # transport_retries=0: an unrecorded request is a stale cassette, not a flaky server.
            settings = Settings.resolve(env={}, base_url=server.base_url, model=args.model or REPLAY_MODEL,
                                        api_key="local", transport_retries=0)
        else:
            settings = Settings.resolve(base_url=args.base_url, model=args.model, api_key=args.api_key)
        results = [run_cluster(cluster, settings) for cluster in clusters]
    finally:
        if server is not None:
            server.stop()

    scores = [s for s, _ in results]
    if args.replay is not None:
        for score in scores:
            if score.error and "no recorded or queued answer" in score.error:
                score.error = (
                    f"{args.replay} has no answer for a request briefgen now sends: the cassette predates the "
                    "current prompts, schema or settings; re-record it (see tests/conftest.py)"
                )
    if not args.quiet:
        source = f"replay of {args.replay}" if args.replay else (settings.base_url or "provider from the environment")
        print_table(scores, title=f"briefgen eval — {source}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "clusters_dir": str(root),
            "replay": str(args.replay) if args.replay else None,
            "replay_sha256": hashlib.sha256(args.replay.read_bytes()).hexdigest() if args.replay else None,
            "model": next((b.provenance.model for _, b in results if b is not None), settings.model),
            "clusters": [s.to_dict() for s in scores],
            "total": total(scores).to_dict(),
            "briefs": {s.cluster: (b.model_dump(mode="json") if b is not None else None) for s, b in results},
        }
        args.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    failed = any(s.error for s in scores) or any(s.citations_valid != s.citations for s in scores)
    return 1 if failed else 0
