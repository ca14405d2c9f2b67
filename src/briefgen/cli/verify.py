"""``briefgen verify BRIEF.json [ARTICLE...]``: re-check a saved brief's citations.

Each source of the brief stores the sha256 and length of the cleaned text its
citations index into. The articles given (files, folders, globs, URLs) are
loaded *without* truncation and matched to sources by that fingerprint — the
first ``chars`` characters must hash to ``sha256`` — so order and file names
do not matter and a brief made with any ``max_article_chars`` still matches.
An article that matches no fingerprint is paired by id (file stem) or URL and
reported as changed. With no ARTICLE, files named after the source ids are
looked for next to the brief and in the current folder (a source id that is not
a plain file name, such as ``/etc/passwd`` or ``../x``, is never looked up).

A brief is data from anyone, so its source URLs are fetched only with
``--fetch``, and then under the fetch policy (:mod:`briefgen.ingest.fetch`:
public http(s) hosts only unless ``--allow-private-urls``). Without it, a URL
source no file matches is reported as *not checked*: its citations neither
pass nor fail, and the others are still checked. URLs given as ARTICLE are
fetched (under the same policy): they were asked for.

Every citation is then checked: the quote must still be the text at its
stored span (``ok``), or at least still be found in the article (``moved``,
only possible when the article changed; exact or up to quote marks, case and
whitespace — a fuzzy near-match fails, since one changed digit is a fuzzy
match). Anything else fails, and so does a
source with no article to check against. Exit 0 = every checked citation
passes, 1 = some fail.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from briefgen._text import first_line
from briefgen.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    UsageError,
    add_fetch_options,
    add_output_options,
    escape,
    make_context,
)
from briefgen.cli.inputs import expand_inputs
from briefgen.errors import IngestError
from briefgen.ingest import LoadOptions, load_article
from briefgen.ingest.loader import ARTICLE_SUFFIXES
from briefgen.brief import Article, Brief, Citation, Source
from briefgen.verify import locate_quote

UNLIMITED_CHARS = 10**12
"""Articles are loaded whole: a brief made with any max_article_chars must still match."""
NOT_CHECKED = "not checked: pass --fetch to fetch URL sources, or give the article files"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen verify",
        description="Re-check every citation of a brief saved with `-f json` against its articles. "
                    "Articles are matched to the brief's sources by the sha256 it stores, so pass them "
                    "in any order (files, folders, globs or URLs). Exit 0 if every citation still "
                    "matches, 1 if any does not, 2 on a usage error.",
    )
    p.add_argument("brief", metavar="BRIEF.json")
    p.add_argument("articles", nargs="*", metavar="ARTICLE",
                   help="the articles (default: files named after the source ids next to the brief or here)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--config", help=argparse.SUPPRESS)
    fetching = add_fetch_options(p)
    fetching.add_argument("--fetch", action="store_true",
                          help="fetch the URL of each source no file matches (off by default: a brief's URLs "
                               "are not fetched unless asked; public hosts only, see --allow-private-urls)")
    add_output_options(p)
    return p


@dataclass
class Finding:
    where: str
    citation: Citation
    status: str  # ok | moved | changed | missing-article | not-found | not-checked
    detail: str = ""
    closest: str | None = None  # the article's text nearest the quote, when it no longer matches

    @property
    def passed(self) -> bool:
        return self.status in ("ok", "moved")

    @property
    def failed(self) -> bool:
        """A citation not checked (URL source without --fetch) neither passes nor fails."""
        return not self.passed and self.status != "not-checked"


def load_brief(path: Path) -> Brief:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; pass the brief's JSON file (made with: briefgen ARTICLES -f json)")
    try:
        return Brief.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValidationError as exc:
        raise UsageError(f"{path}: not a briefgen JSON brief ({exc.error_count()} problem(s), first: "
                         f"{exc.errors()[0]['msg']}); make one with: briefgen ARTICLES -f json > brief.json") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a briefgen JSON brief ({exc})") from None


def fingerprint(text: str, chars: int) -> str:
    return hashlib.sha256(text[:chars].encode("utf-8")).hexdigest()


def is_plain_name(source_id: str) -> bool:
    """Whether a source id can name a file in a folder: no separators, no ``..``, nothing absolute.

    The brief is data: an id like ``/etc/passwd`` or ``../../notes`` must not
    make verify read (and quote back) files outside the folders it searches.
    """
    return (bool(source_id) and source_id not in (".", "..") and "/" not in source_id and "\\" not in source_id
            and "\x00" not in source_id and ":" not in source_id)


def default_files(brief: Brief, brief_path: Path) -> list[str]:
    """Article files named like the source ids, next to the brief, then here; URLs are never added."""
    found: list[str] = []
    folders = list(dict.fromkeys([brief_path.parent, Path.cwd()]))
    listing = {folder: _article_files(folder) for folder in folders}
    for source in brief.sources:
        if not is_plain_name(source.id):
            continue
        match = next((p for folder in folders for p in listing[folder] if p.stem == source.id), None)
        if match is not None:
            found.append(str(match))
    return found


def _article_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
    except OSError:  # an unreadable folder has no articles for us
        return []


def pair_sources(brief: Brief, articles: list[Article]) -> dict[str, tuple[Article | None, bool]]:
    """source id → (article, identical?) — by fingerprint first, then by id or URL."""
    pairs: dict[str, tuple[Article | None, bool]] = {}
    for source in brief.sources:
        exact = next((a for a in articles if fingerprint(a.text, source.chars) == source.sha256), None)
        if exact is not None:
            pairs[source.id] = (exact, True)
            continue
        named = next((a for a in articles if a.id == source.id or (source.url and a.url == source.url)), None)
        pairs[source.id] = (named, False)
    return pairs


def check(brief: Brief, pairs: dict[str, tuple[Article | None, bool]],
          not_checked: frozenset[str] = frozenset()) -> list[Finding]:
    """One finding per citation; sources in ``not_checked`` (URL sources left unfetched) get "not-checked"."""
    sources = {s.id: s for s in brief.sources}
    findings: list[Finding] = []
    places: list[tuple[str, list[Citation]]] = []
    places += [(f"point {i}", p.citations) for i, p in enumerate(brief.points, 1)]
    places += [(f"background {i}", p.citations) for i, p in enumerate(brief.background, 1)]
    for i, conflict in enumerate(brief.conflicts, 1):
        places += [(f"conflict {i} ({side.label})", side.citations) for side in conflict.sides]
    for where, citations in places:
        for citation in citations:
            if citation.article_id in not_checked and pairs.get(citation.article_id, (None, False))[0] is None:
                findings.append(Finding(where, citation, "not-checked", NOT_CHECKED))
                continue
            findings.append(_check_one(where, citation, sources.get(citation.article_id), pairs))
    return findings


def _check_one(where: str, citation: Citation, source: Source | None,
               pairs: dict[str, tuple[Article | None, bool]]) -> Finding:
    if source is None:
        return Finding(where, citation, "missing-article", f"cites {citation.article_id}, which is not among the brief's sources")
    article, identical = pairs.get(source.id, (None, False))
    if article is None:
        hint = "" if is_plain_name(source.id) else " (its id is not a file name, so no file is looked up for it)"
        return Finding(where, citation, "missing-article",
                       f"no article given for source {source.id}{hint}; pass its article file")
    # Spans and quotes are the given text's (the file as read, the page's main text), not the
    # cleaned copy's: that is where a reader finds the quote with Ctrl-F.
    text = article.given_text
    if identical and text[citation.start : citation.end] == citation.quote:
        return Finding(where, citation, "ok")
    match = locate_quote(citation.quote, Article(id=article.id, text=text))
    changed = "" if identical else " (the article's text changed since the brief)"
    if match is None:
        return Finding(where, citation, "not-found", f"quote is no longer in {source.id}{changed}")
    if match.kind == "fuzzy":  # a near miss is a changed quote: a digit or a name may differ
        return Finding(where, citation, "not-found", f"quote no longer matches{changed}",
                       closest=text[match.start : match.end])
    if identical:  # same text, quote elsewhere: the stored span is wrong
        return Finding(where, citation, "changed", f"stored span {citation.start}–{citation.end} does not hold the quote")
    return Finding(where, citation, "moved", f"article changed; quote found at {match.start}–{match.end} ({match.kind})")


def _around_difference(a: str, b: str, before: int = 40, width: int = 110) -> tuple[str, str]:
    """Both texts from a little before their first difference, so the change is visible."""
    a, b = " ".join(a.split()), " ".join(b.split())
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(first - before, 0)
    lead = "..." if start else ""
    return first_line(lead + a[start:], width), first_line(lead + b[start:], width)


def _load(items: list[str], options: LoadOptions, ctx: Context) -> list[Article]:
    articles: list[Article] = []
    for item in expand_inputs(items, options=options):
        try:
            articles.append(load_article(item, options=options))
        except IngestError as exc:
            ctx.warn(f"skipped {exc}")
    return articles


def main(argv: list[str]) -> int:
    args = parser().parse_intermixed_args(argv)
    ctx = make_context(args)
    settings = ctx.settings
    options = LoadOptions.from_settings(settings, max_article_chars=UNLIMITED_CHARS)
    brief_path = Path(args.brief).expanduser()
    brief = load_brief(brief_path)
    items = args.articles or default_files(brief, brief_path)
    urls = [s for s in brief.sources if s.url]
    if not items and not (urls and args.fetch):
        if urls and len(urls) == len(brief.sources):
            raise UsageError(f"no article files to check {brief_path} against and its sources are URLs: "
                             f"pass --fetch to fetch them, or give the article files")
        odd = [s.id for s in brief.sources if not is_plain_name(s.id)]
        why = f" (source id {', '.join(odd[:3])} is not a file name, so no file is looked up for it)" if odd else ""
        raise UsageError(f"no articles to check {brief_path} against{why}: pass them, e.g. "
                         f"briefgen verify {args.brief} seeds/" + (", or --fetch for its URL sources" if urls else ""))
    articles = _load(items, options, ctx) if items else []
    pairs = pair_sources(brief, articles)
    unmatched = [s for s in urls if pairs[s.id][0] is None]
    not_checked: frozenset[str] = frozenset()
    if unmatched and args.fetch:
        articles += _load([s.url for s in unmatched if s.url], options, ctx)
        pairs = pair_sources(brief, articles)
    elif unmatched:
        not_checked = frozenset(s.id for s in unmatched)
    used = {id(a) for a, _ in pairs.values() if a is not None}
    for loaded in articles:
        if id(loaded) not in used:
            ctx.warn(f"{loaded.source or loaded.id}: matches none of the brief's sources (by text, id or URL); "
                     "not used")
    findings = check(brief, pairs, not_checked)
    failed = [f for f in findings if f.failed]
    unchecked = [f for f in findings if f.status == "not-checked"]
    checked = len(findings) - len(unchecked)
    if args.json:
        report = {
            "brief": str(brief_path),
            "passed": not failed,
            "citations": len(findings),
            "failed": len(failed),
            "not_checked": len(unchecked),
            "sources": {sid: {"article": a.source if a else None, "identical": same,
                              "checked": sid not in not_checked} for sid, (a, same) in pairs.items()},
            "findings": [{"where": f.where, "article_id": f.citation.article_id, "status": f.status,
                          "start": f.citation.start, "end": f.citation.end, "quote": f.citation.quote,
                          "detail": f.detail, "closest": f.closest} for f in findings if f.status != "ok"],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return EXIT_FAILED if failed else EXIT_OK
    if not ctx.quiet:
        for sid, (article, same) in pairs.items():
            if sid in not_checked:
                ctx.err.print(f"  {escape(sid)}: NOT CHECKED (a URL source; pass --fetch to fetch it, "
                              "or give the article file)")
                continue
            state = "identical" if same else ("CHANGED" if article else "MISSING")
            label = escape(article.source or article.id) if article else "no article given"
            ctx.err.print(f"  {escape(sid)}: {state} ({label})")
    for finding in findings:
        if finding.status in ("ok", "not-checked"):
            continue
        if finding.passed and ctx.quiet:
            continue
        mark = "[yellow]~[/]" if finding.passed else "[red]✗[/]"
        quote, closest = finding.citation.quote, finding.closest
        shown_quote = first_line(quote, 110) if closest is None else _around_difference(quote, closest)[0]
        line = (f"{mark} {finding.where}, {escape(finding.citation.article_id)}: {escape(finding.detail)}\n"
                f"    brief:   “{escape(shown_quote)}”")
        if closest is not None:
            line += f"\n    article: “{escape(_around_difference(quote, closest)[1])}”"
        (ctx.out if not finding.passed else ctx.err).print(line, soft_wrap=True)
    verdict = "FAIL" if failed else "PASS"
    summary = (f"{verdict}: {checked - len(failed)} of {checked} "
               f"{'checked ' if unchecked else ''}citation(s) match their articles"
               + (f"; {len(failed)} do not" if failed else "")
               + (f"; {len(unchecked)} {NOT_CHECKED}" if unchecked else ""))
    if failed or unchecked or not ctx.quiet:
        ctx.out.print(f"[bold {'red' if failed else 'green'}]{escape(summary)}[/]")
    return EXIT_FAILED if failed else EXIT_OK
