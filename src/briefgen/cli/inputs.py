"""Command-line inputs → things :func:`briefgen.summarize` accepts.

Files, quoted globs, folders (every text/HTML file inside, recursively), URLs
and ``-`` for stdin, mixed freely. Paths that do not exist are a usage error
here, before any model call; files that exist but cannot be used (empty,
binary, PDF...) are left to the loader, which names the problem per file.
"""

from __future__ import annotations

import glob
import re
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from briefgen.cli.common import UsageError
from briefgen.ingest import ArticleInput, LoadOptions
from briefgen.ingest.loader import ARTICLE_SUFFIXES, from_html, from_text, is_url

SKIPPED_NAMES = ("readme", "facts", "license", "licence", "changelog", "notes")
"""Folder files that are about the articles, not articles (seeds/FACTS.md)."""


def folder_articles(folder: Path) -> list[Path]:
    """Every text/HTML file under ``folder`` (recursively, sorted), minus hidden and README-like files."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if path.stem.lower().startswith(SKIPPED_NAMES):
            continue
        found.append(path)
    return found


def _has_magic(value: str) -> bool:
    return any(ch in value for ch in "*?[")


def expand_inputs(
    items: list[str],
    *,
    stdin: TextIO | None = None,
    title: str | None = None,
    published: date | None = None,
    options: LoadOptions | None = None,
) -> list[ArticleInput]:
    """Turn command-line arguments into loader inputs (see module docs)."""
    out: list[ArticleInput] = []
    stdin_used = False
    for item in items:
        if item == "-":
            if stdin_used:
                raise UsageError("'-' (stdin) was given twice; pass it once")
            stdin_used = True
            out.append(read_stdin(stdin or sys.stdin, title=title, published=published, options=options))
            continue
        if is_url(item):
            out.append(item.strip())
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            files = folder_articles(path)
            if not files:
                raise UsageError(
                    f"{item}: folder has no text or HTML files ({', '.join(sorted(ARTICLE_SUFFIXES))})"
                )
            out.extend(files)
        elif path.exists():
            out.append(path)
        elif _has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
            files = [m for m in matches if m.is_file()]
            for folder in (m for m in matches if m.is_dir()):
                files.extend(folder_articles(folder))
            if not files:
                raise UsageError(f"{item}: no files match this pattern")
            out.extend(files)
        else:
            looks_like_site = re.match(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?$", item, re.IGNORECASE)
            hint = ""
            if looks_like_site and path.suffix.lower() not in ARTICLE_SUFFIXES:
                hint = f"; for a web page, add the scheme: https://{item}"
            raise UsageError(f"{item}: no such file or folder{hint}")
    if (title or published) and not stdin_used:
        raise UsageError("--title and --date describe stdin; use them with '-'")
    return out


def read_stdin(
    stream: TextIO,
    *,
    title: str | None = None,
    published: date | None = None,
    options: LoadOptions | None = None,
) -> ArticleInput:
    """The article piped on stdin (text or HTML), with optional title/date overrides."""
    if stream.isatty():
        raise UsageError("'-' reads an article from stdin, but nothing is piped; try: cat article.txt | briefgen -")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        from briefgen.ingest.loader import decode_bytes

        text = decode_bytes(buffer.read(), source="<stdin>")
    else:
        text = stream.read()
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article")):
        article = from_html(text, source="<stdin>", options=options, article_id="stdin")
        if title or published:
            updates: dict[str, object] = {}
            if title:
                updates["title"] = title
            if published:
                updates["published"] = published
            article = article.model_copy(update=updates)
        return article
    return from_text(text, source="<stdin>", title=title, published=published, options=options, article_id="stdin")
