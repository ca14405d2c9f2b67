"""Turn whatever the caller hands us (text, a path, HTML, a URL) into an :class:`Article`.

Every failure here is a named :class:`~briefgen.errors.IngestError` that says
which input failed and why, so a batch can report one bad file and carry on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Union
from urllib.parse import urlparse

import httpx

from briefgen.errors import (
    ArticleNotFoundError,
    BinaryInputError,
    EmptyArticleError,
    ExtractionError,
    FetchError,
    UnsupportedFormatError,
)
from briefgen.ingest.clean import clean_text
from briefgen.ingest.dates import find_published_date
from briefgen.ingest.metadata import guess_outlet
from briefgen.ingest.segment import split_sentences
from briefgen.models import Article

ArticleInput = Union[str, Path, Article]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

# Leading bytes of formats people pass by mistake. Named so the error can say what it saw.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"RIFF", "a RIFF media file"),
    (b"\x7fELF", "an executable"),
)
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[ >])", re.IGNORECASE)


@dataclass(frozen=True)
class LoadOptions:
    """Limits for loading; the defaults live in :class:`briefgen.config.Settings`."""

    fetch_timeout: float = 20.0
    max_fetch_bytes: int = 5_000_000
    max_article_chars: int = 20_000
    user_agent: str = "briefgen (+https://example.invalid/briefgen)"


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value.strip()


def _exists(path: Path) -> bool:
    """``Path.exists`` that treats unusable names (too long, NUL bytes) as absent."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and len(value) < 512 and bool(re.search(r"\.[A-Za-z0-9]{1,6}$", value.strip()))


def load_article(item: ArticleInput, *, options: LoadOptions | None = None, article_id: str | None = None) -> Article:
    """Load one article from text, a path, HTML or a URL (see module docs)."""
    options = options or LoadOptions()
    if isinstance(item, Article):
        return item
    if isinstance(item, Path):
        return load_file(item, options=options, article_id=article_id)
    if not isinstance(item, str):
        raise UnsupportedFormatError(
            f"cannot summarise a {type(item).__name__}; pass text, a path, a URL or an Article"
        )
    value = item
    if is_url(value):
        return load_url(value.strip(), options=options, article_id=article_id)
    if _looks_like_path(value):
        path = Path(value.strip()).expanduser()
        if _exists(path):
            return load_file(path, options=options, article_id=article_id)
        raise ArticleNotFoundError("no such file", source=value.strip())
    if "\n" not in value and len(value) < 1024 and _exists(Path(value).expanduser()):
        return load_file(Path(value).expanduser(), options=options, article_id=article_id)
    if _HTML_SNIFF.match(value.encode("utf-8", "replace")[:512]):
        return from_html(value, source="<html>", options=options, article_id=article_id)
    return from_text(value, source="<text>", options=options, article_id=article_id)


def load_file(path: Path, *, options: LoadOptions | None = None, article_id: str | None = None) -> Article:
    options = options or LoadOptions()
    source = str(path)
    if not path.exists():
        raise ArticleNotFoundError("no such file", source=source)
    if path.is_dir():
        raise UnsupportedFormatError("is a folder; pass the files inside it (the CLI expands folders)", source=source)
    data = path.read_bytes()
    text = decode_bytes(data, source=source)
    stem = article_id or path.stem
    if path.suffix.lower() in HTML_SUFFIXES or _HTML_SNIFF.match(data[:512]):
        return from_html(text, source=source, options=options, article_id=stem)
    return from_text(text, source=source, options=options, article_id=stem)


def decode_bytes(data: bytes, *, source: str) -> str:
    """Decode file or HTTP bytes as text, refusing binaries with a specific message."""
    if not data.strip():
        raise EmptyArticleError("is empty", source=source)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            kind = UnsupportedFormatError if magic == b"%PDF" else BinaryInputError
            raise kind(f"looks like {what}, not text or HTML; convert it to text first", source=source)
    if b"\x00" in data[:8192]:
        raise BinaryInputError("contains NUL bytes: it looks binary, not text or HTML", source=source)
    head = data[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if control > len(head) * 0.05:
        raise BinaryInputError(
            f"{control / len(head):.0%} of its first bytes are control characters: it looks binary, not text",
            source=source,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes  # a dependency of requests/trafilatura

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura's deps
        pass
    return data.decode("latin-1")


def load_url(url: str, *, options: LoadOptions | None = None, article_id: str | None = None) -> Article:
    """Fetch a page (with a timeout and a size cap) and extract its main text."""
    options = options or LoadOptions()
    try:
        with httpx.Client(
            timeout=options.fetch_timeout,
            follow_redirects=True,
            headers={"User-Agent": options.user_agent},
        ) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}", source=url)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > options.max_fetch_bytes:
                    raise FetchError(
                        f"page is larger than {options.max_fetch_bytes:,} bytes; save the text and pass the file",
                        source=url,
                    )
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "")
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {options.fetch_timeout:g}s", source=url) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch ({exc.__class__.__name__}: {exc})", source=url) from exc
    data = b"".join(chunks)
    if "pdf" in content_type:
        raise UnsupportedFormatError("is a PDF; save its text and pass the file", source=url)
    text = decode_bytes(data, source=url)
    ident = article_id or _url_id(url)
    if "html" in content_type or _HTML_SNIFF.match(data[:512]):
        return from_html(text, source=url, url=url, options=options, article_id=ident)
    return from_text(text, source=url, url=url, options=options, article_id=ident)


def _url_id(url: str) -> str:
    host = urlparse(url).netloc.removeprefix("www.").split(":")[0]
    return f"{host}_{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def from_html(
    html: str,
    *,
    source: str,
    url: str | None = None,
    options: LoadOptions | None = None,
    article_id: str | None = None,
) -> Article:
    """Main text of an HTML page via trafilatura, then the same cleaning as plain text."""
    import trafilatura

    extracted = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    if not extracted or not extracted.strip():
        raise ExtractionError("no main article text could be extracted from this page", source=source)
    meta = trafilatura.extract_metadata(html, default_url=url)
    title = getattr(meta, "title", None) if meta else None
    outlet = getattr(meta, "sitename", None) if meta else None
    published: date | None = None
    if meta is not None and getattr(meta, "date", None):
        try:
            published = date.fromisoformat(str(meta.date)[:10])
        except ValueError:
            published = None
    language = getattr(meta, "language", None) if meta else None
    return from_text(
        extracted,
        source=source,
        url=url or (getattr(meta, "url", None) if meta else None),
        title=title,
        outlet=outlet,
        published=published,
        language=language,
        options=options,
        article_id=article_id,
    )


def from_text(
    raw: str,
    *,
    source: str = "<text>",
    url: str | None = None,
    title: str | None = None,
    outlet: str | None = None,
    published: date | None = None,
    language: str | None = None,
    options: LoadOptions | None = None,
    article_id: str | None = None,
) -> Article:
    """Clean, date and segment raw article text."""
    options = options or LoadOptions()
    if not raw.strip():
        raise EmptyArticleError("is empty", source=source)
    cleaned = clean_text(raw, title=title)
    text = cleaned.text
    if not text.strip():
        raise EmptyArticleError(
            "has no article text left after removing boilerplate (menus, captions, share prompts)",
            source=source,
        )
    warnings: list[str] = []
    if len(text) > options.max_article_chars:
        cut = _cut_at_sentence(text, options.max_article_chars)
        warnings.append(
            f"{source}: article is {len(text):,} characters; only the first {cut:,} were used "
            f"(max_article_chars={options.max_article_chars:,})"
        )
        text = text[:cut]
    lang = (language or _guess_language(text))
    sentences = split_sentences(text, language=lang if lang else "en")
    ident = article_id or f"text_{hashlib.sha256(text.encode()).hexdigest()[:10]}"
    return Article(
        id=ident,
        text=text,
        title=cleaned.title,
        outlet=outlet or guess_outlet(raw),
        url=url,
        published=published or find_published_date(raw),
        language=lang,
        source=source,
        sentences=sentences,
        warnings=warnings,
    )


def _cut_at_sentence(text: str, limit: int) -> int:
    """The last sentence or paragraph end before ``limit`` (so we never cut mid-sentence)."""
    window = text[:limit]
    for marker in ("\n\n", ". ", "! ", "? "):
        pos = window.rfind(marker)
        if pos > limit // 2:
            return pos + (1 if marker != "\n\n" else 0)
    return limit


def _guess_language(text: str) -> str:
    """Two-letter code for pysbd; 'en' unless the text is clearly not Latin-script English."""
    sample = text[:2000]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return "en"
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    if ascii_share > 0.9:
        return "en"
    scripts = {
        "ru": sum("\u0400" <= c <= "\u04ff" for c in letters),
        "ko": sum("\uac00" <= c <= "\ud7a3" for c in letters),
        "ja": sum("\u3040" <= c <= "\u30ff" for c in letters),
        "zh": sum("\u4e00" <= c <= "\u9fff" for c in letters),
        "ar": sum("\u0600" <= c <= "\u06ff" for c in letters),
    }
    best = max(scripts, key=lambda k: scripts[k])
    return best if scripts[best] > len(letters) * 0.3 else "en"
