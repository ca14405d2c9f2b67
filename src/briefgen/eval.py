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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from briefgen.config import Settings
from briefgen.errors import BriefgenError
from briefgen.ingest import LoadOptions, load_article
from briefgen.models import Article, Brief, Citation
from briefgen.render.markdown import render_markdown

FACTS_FILE = "FACTS.md"
ARTICLE_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"}
REPLAY_MODEL = "qwen2.5-coder-1.5b"
"""The model id the bundled cassettes were recorded with (the local server's alias)."""

# --- FACTS.md ---------------------------------------------------------------------------


@dataclass
class Fact:
    text: str
    pattern: str
    files: list[str]
    note: str = ""

    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


@dataclass
class ConflictSpec:
    text: str
    label: str
    keys: list[str]


@dataclass
class StaleSpec:
    file: str
    text: str


@dataclass
class FactSheet:
    facts: list[Fact] = field(default_factory=list)
    conflicts: list[ConflictSpec] = field(default_factory=list)
    stale: list[StaleSpec] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# File ids are 000-099 (the clusters' file prefixes). Any 3-digit number was an id before, so
# conflict keys such as the death tolls 144 and 694 were dropped; "000, 001" kept "000," as a key.
_FILE_ID = re.compile(r"(?<![\w.,])(0\d\d)(?!\d|,\d)")
_STALE_WORDS = re.compile(
    r"\b(stale|outdated|different event|earlier,? (?:different )?(?:event|article|report)s?|"
    r"set (?:it |them )?apart|is from \d{1,2} \w+ \d{4}|is dated)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
# Capitalised words that are not names, when they start a key phrase.
_NOT_NAMES = frozenset(
    ["A", "An", "The", "This", "That", "These", "Those", "It", "Its", "Ukraine's", "Unverified", "Date", "Attribution", "Moscow's", "Pyongyang's"]
)


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        heading = re.match(r"^#{2,6}\s+(.*)$", line)
        if heading:
            current = heading.group(1).strip().lower()
            sections.setdefault(current, [])
        else:
            sections[current].append(line)
    return sections


def _bullets(lines: Sequence[str]) -> list[str]:
    """Bullet items, with wrapped continuation lines joined on."""
    items: list[str] = []
    for line in lines:
        if re.match(r"^\s*[-*]\s+", line):
            items.append(re.sub(r"^\s*[-*]\s+", "", line).strip())
        elif items and line.strip() and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
    return items


def parse_files(field_text: str) -> list[str]:
    """``"000, 001, 002 (003 paraphrases it)"`` → ``["000", "001", "002"]``."""
    without_comments = re.sub(r"\([^)]*\)", " ", field_text)
    return [token for token in re.split(r"[\s,;]+", without_comments) if re.fullmatch(r"[\w.-]+", token)]


def parse_fact(line: str) -> Fact:
    parts = line.split(" | ")
    if len(parts) < 3:
        raise ValueError(f"expected 'fact | regex | files', got: {line!r}")
    text, files_field = parts[0].strip(), parts[-1].strip()
    pattern = " | ".join(parts[1:-1]).strip()
    re.compile(pattern, re.IGNORECASE)  # fail here, naming the line, rather than mid-scoring
    note = " ".join(re.findall(r"\(([^)]*)\)", files_field))
    return Fact(text=text, pattern=pattern, files=parse_files(files_field), note=note)


def conflict_keys(text: str) -> list[str]:
    """The numbers and names a conflict bullet hinges on (what a brief must mention)."""
    body = text.split(":", 1)[1] if re.match(r"^[\w ]{1,30}:", text) else text
    body = _FILE_ID.sub(" ", body)
    keys: list[str] = []
    for number in re.findall(r"\d[\d,.]*\d|\d", body):
        keys.append(number.strip(".,"))
    for quoted in _QUOTED.findall(body):
        keys.append((quoted[0] or quoted[1]).strip())
    unquoted = _QUOTED.sub(" ", body)
    for name in re.findall(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", unquoted):
        words = [w for w in name.split() if w not in _NOT_NAMES]
        if words:
            keys.append(" ".join(words).removesuffix("'s").removesuffix("’s"))
    return list(dict.fromkeys(k for k in keys if k))


def _stale_ids(text: str) -> list[str]:
    ids: list[str] = []
    for sentence in re.split(r"(?<=[.;])\s+", text):
        if _STALE_WORDS.search(sentence):
            ids.extend(_FILE_ID.findall(sentence))
    return list(dict.fromkeys(ids))


def parse_facts(text: str) -> FactSheet:
    """Parse a FACTS.md (see module docs); unparseable lines are listed in ``problems``."""
    sheet = FactSheet()
    for title, lines in _sections(text).items():
        if not title:
            continue
        if "stale" in title:
            for item in _bullets(lines):
                for file_id in _FILE_ID.findall(item.split(":", 1)[0]) or _FILE_ID.findall(item)[:1]:
                    sheet.stale.append(StaleSpec(file=file_id, text=item))
        elif "boilerplate" in title:
            body = "\n".join(lines)
            for quoted in _QUOTED.findall(body):
                value = (quoted[0] or quoted[1]).strip().rstrip("…").rstrip(".").strip()
                if value:
                    sheet.boilerplate.append(value)
        elif "conflict" in title or "caution" in title:
            for item in _bullets(lines):
                stale = _stale_ids(item)
                if stale:
                    sheet.stale.extend(StaleSpec(file=f, text=item) for f in stale if f not in {s.file for s in sheet.stale})
                    continue
                label = item.split(":", 1)[0].strip() if re.match(r"^[\w ]{1,30}:", item) else ""
                sheet.conflicts.append(ConflictSpec(text=item, label=label, keys=conflict_keys(item)))
        elif "fact" in title:
            for item in _bullets(lines):
                try:
                    sheet.facts.append(parse_fact(item))
                except (ValueError, re.error) as exc:
                    sheet.problems.append(f"{title}: {exc}")
    return sheet


# --- scoring ---------------------------------------------------------------------------


def matches_file(article_id: str, file_id: str) -> bool:
    """``"000"`` names article ``000_c48e...`` (a prefix) or the file stem itself."""
    return article_id == file_id or article_id.startswith(file_id)


def brief_items(brief: Brief) -> list[tuple[str, str, list[Citation]]]:
    """(kind, text, citations) for everything a reader sees that states facts."""
    items: list[tuple[str, str, list[Citation]]] = [("headline", brief.headline, []), ("lede", brief.lede, [])]
    items += [("point", p.text, p.citations) for p in brief.points]
    items += [("background", p.text, p.citations) for p in brief.background]
    for conflict in brief.conflicts:
        text = " ".join([conflict.topic, *(s.label for s in conflict.sides)])
        items.append(("conflict", text, [c for s in conflict.sides for c in s.citations]))
    return items


def _number_variants(key: str) -> list[str]:
    bare = key.replace(",", "")
    variants = {key, bare}
    if bare.isdigit() and len(bare) > 3:
        variants.add(f"{int(bare):,}")
    return sorted(variants)


def _mentions(text: str, key: str) -> bool:
    if re.fullmatch(r"[\d,.]+", key):
        return any(re.search(rf"(?<![\d,.]){re.escape(v)}(?![\d]|,\d)", text) for v in _number_variants(key))
    return key.casefold() in text.casefold()


def _leak_pattern(value: str) -> re.Pattern[str]:
    head = r"(?<![\w:])" if value[:1].isalnum() else ""
    tail = r"(?![\w:])" if value[-1:].isalnum() else ""
    return re.compile(head + re.escape(value) + tail, re.IGNORECASE)


@dataclass
class ClusterScore:
    cluster: str
    articles: int
    error: str | None = None
    citations: int = 0
    citations_valid: int = 0
    invalid_citations: list[dict[str, Any]] = field(default_factory=list)
    facts: int = 0
    facts_covered: int = 0
    facts_cited_correctly: int = 0
    covered_uncited: int = 0
    fact_details: list[dict[str, Any]] = field(default_factory=list)
    conflicts: int = 0
    conflicts_surfaced: int = 0
    conflict_details: list[dict[str, Any]] = field(default_factory=list)
    stale: int = 0
    stale_detected: int = 0
    stale_details: list[dict[str, Any]] = field(default_factory=list)
    stale_false_positives: list[str] = field(default_factory=list)
    boilerplate_leaks: list[str] = field(default_factory=list)
    unsupported_names: list[dict[str, Any]] = field(default_factory=list)
    points: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    reasks: int = 0
    rejected: int = 0
    model_calls: int = 0

    @staticmethod
    def _ratio(numerator: int, denominator: int) -> float | None:
        return round(numerator / denominator, 3) if denominator else None

    @property
    def citation_validity(self) -> float | None:
        return self._ratio(self.citations_valid, self.citations)

    @property
    def fact_coverage(self) -> float | None:
        return self._ratio(self.facts_covered, self.facts)

    @property
    def citation_correctness(self) -> float | None:
        return self._ratio(self.facts_cited_correctly, self.facts_covered - self.covered_uncited)

    @property
    def conflict_rate(self) -> float | None:
        return self._ratio(self.conflicts_surfaced, self.conflicts)

    @property
    def stale_rate(self) -> float | None:
        return self._ratio(self.stale_detected, self.stale)

    @property
    def completion_tokens_per_point(self) -> float | None:
        return round(self.completion_tokens / self.points, 1) if self.points else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["scores"] = {
            "citation_validity": self.citation_validity,
            "fact_coverage": self.fact_coverage,
            "citation_correctness": self.citation_correctness,
            "conflicts_surfaced": self.conflict_rate,
            "stale_detection": self.stale_rate,
            "boilerplate_leaks": len(self.boilerplate_leaks),
            "points_with_unsupported_names": len(self.unsupported_names),
            "completion_tokens_per_point": self.completion_tokens_per_point,
        }
        return data


def score_brief(brief: Brief, sheet: FactSheet, articles: dict[str, Article], *, cluster: str = "") -> ClusterScore:
    """Score one brief against its fact sheet; ``articles`` maps article id → cleaned article."""
    score = ClusterScore(cluster=cluster, articles=len(brief.sources))

    # citation validity: the shipped quote is the article's text at the span, verbatim
    for citation in brief.citations():
        score.citations += 1
        article = articles.get(citation.article_id)
        if article is not None and article.given_text[citation.start : citation.end] == citation.quote and citation.quote:
            score.citations_valid += 1
        else:
            score.invalid_citations.append(
                {"article_id": citation.article_id, "start": citation.start, "end": citation.end,
                 "quote": citation.quote[:200],
                 "reason": "unknown article" if article is None else "quote is not the text at the span"}
            )

    # facts: coverage on the text, correctness on the citations of the items that state them
    items = brief_items(brief)
    for fact in sheet.facts:
        regex = fact.regex()
        stating = [(kind, cites) for kind, text, cites in items if regex.search(text)]
        covered = bool(stating)
        cited = [c.article_id for kind, cites in stating for c in cites]
        correct = any(matches_file(a, f) for a in cited for f in fact.files)
        uncited = covered and not cited
        score.facts += 1
        score.facts_covered += covered
        score.facts_cited_correctly += covered and correct
        score.covered_uncited += uncited
        score.fact_details.append(
            {"fact": fact.text, "covered": covered, "in": sorted({k for k, _ in stating}),
             "cited": sorted(set(cited)), "expected_files": fact.files,
             "cited_correctly": None if not covered or uncited else correct}
        )

    # conflicts: at least half of each bullet's key numbers and names appear in the brief's conflicts
    conflict_text = " ".join(
        " ".join([c.topic, *(s.label for s in c.sides), *(q.quote for s in c.sides for q in s.citations)])
        for c in brief.conflicts
    )
    for spec in sheet.conflicts:
        found = [k for k in spec.keys if _mentions(conflict_text, k)]
        surfaced = bool(spec.keys) and len(found) * 2 >= len(spec.keys)
        score.conflicts += 1
        score.conflicts_surfaced += surfaced
        score.conflict_details.append(
            {"conflict": spec.label or spec.text[:60], "keys": spec.keys, "found": found, "surfaced": surfaced}
        )

    # stale: flagged stale, and kept out of the key points
    flagged = [s.article_id for s in brief.stale]
    in_points = {c.article_id for p in brief.points for c in p.citations}
    for stale in sheet.stale:
        is_flagged = any(matches_file(a, stale.file) for a in flagged)
        blended = any(matches_file(a, stale.file) for a in in_points)
        score.stale += 1
        score.stale_detected += is_flagged and not blended
        score.stale_details.append({"file": stale.file, "flagged": is_flagged, "cited_in_points": blended})
    expected = [s.file for s in sheet.stale]
    score.stale_false_positives = [a for a in flagged if not any(matches_file(a, f) for f in expected)]

    # names: a capitalised word or acronym of a point that none of its quotes contains (a warning sign
    # that the claim says more than its source: "North Korea supports US weapons programs")
    for point in [*brief.points, *brief.background]:
        quotes = " ".join(c.quote for c in point.citations).casefold()
        words = re.findall(r"\b[A-Z][\w'’.-]*", point.text)[1:]  # the first word is capitalised anyway
        missing = [w for w in dict.fromkeys(w.rstrip(".'’") for w in words) if w and w.casefold() not in quotes]
        if missing:
            score.unsupported_names.append({"point": point.text, "names": missing})

    # boilerplate: anywhere in what a reader sees, footnote quotes included
    rendered = render_markdown(brief)
    score.boilerplate_leaks = [b for b in sheet.boilerplate if _leak_pattern(b).search(rendered)]

    usage = brief.usage
    score.points = len(brief.points) + len(brief.background)
    score.prompt_tokens = usage.prompt_tokens
    score.completion_tokens = usage.completion_tokens
    score.wall_time_s = usage.wall_time_s
    score.reasks = usage.reasks
    score.rejected = len(brief.rejected)
    score.model_calls = sum(c.attempts for c in usage.calls)
    return score


# --- running clusters ---------------------------------------------------------------------


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
    options = LoadOptions(fetch_timeout=settings.fetch_timeout, max_fetch_bytes=settings.max_fetch_bytes,
                          max_article_chars=settings.max_article_chars,
                          allow_private_urls=settings.allow_private_urls)
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


def total(scores: Sequence[ClusterScore]) -> ClusterScore:
    """Pooled counts over clusters (each fact, citation and conflict weighs the same)."""
    out = ClusterScore(cluster="TOTAL", articles=sum(s.articles for s in scores))
    for name in ("citations", "citations_valid", "facts", "facts_covered", "facts_cited_correctly", "covered_uncited",
                 "conflicts", "conflicts_surfaced", "stale", "stale_detected", "points", "prompt_tokens",
                 "completion_tokens", "reasks", "rejected", "model_calls"):
        setattr(out, name, sum(getattr(s, name) for s in scores))
    out.wall_time_s = round(sum(s.wall_time_s for s in scores), 3)
    out.boilerplate_leaks = [leak for s in scores for leak in s.boilerplate_leaks]
    out.unsupported_names = [u for s in scores for u in s.unsupported_names]
    out.stale_false_positives = [fp for s in scores for fp in s.stale_false_positives]
    errors = [s.error for s in scores if s.error]
    out.error = f"{len(errors)} cluster(s) failed" if errors else None
    return out


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


def build_parser() -> argparse.ArgumentParser:
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
                    help="answer from a recorded vcrpy cassette on a loopback server (no model needed)")
    ap.add_argument("--out", type=Path, help="write the scores (and the briefs) as JSON here")
    ap.add_argument("--quiet", action="store_true", help="no table")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from briefgen.cli_common import quiet_third_party_logs

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


if __name__ == "__main__":
    raise SystemExit(main())
