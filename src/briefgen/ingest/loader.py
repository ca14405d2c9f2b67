"""Turn whatever the caller hands us (text, a path, HTML, a URL) into an :class:`Article`.

Every failure here is a named :class:`~briefgen.errors.IngestError` that says
which input failed and why, so a batch can report one bad file and carry on.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from briefgen.brief import Article
from briefgen.errors import (
    ArticleNotFoundError,
    BinaryInputError,
    EmptyArticleError,
    ExtractionError,
    UnsupportedFormatError,
)
from briefgen.ingest.clean import clean_text
from briefgen.ingest.dates import find_published_date
from briefgen.ingest.fetch import (
    DEFAULT_USER_AGENT,
    FETCH_TIMEOUT,
    MAX_FETCH_BYTES,
    FetchPolicy,
    fetch_page,
)
from briefgen.ingest.frontmatter import outlet_from_url, split_front_matter
from briefgen.ingest.metadata import guess_outlet
from briefgen.ingest.scripts import guess_language
from briefgen.ingest.segment import split_sentences

if TYPE_CHECKING:  # ingest sits below the settings: only the type is needed
    from briefgen.config import Settings

ArticleInput = str | Path | Article

MAX_ARTICLE_CHARS = 12_000
"""Characters of one article kept by default (cut at a sentence or paragraph end, with a
warning). ``Settings.max_article_chars`` and :class:`LoadOptions` both default to it, so a
library caller loading an article by hand keeps what a brief would send."""

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
ARTICLE_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"}) | HTML_SUFFIXES
"""The files a folder of articles contributes (the CLI, ``batch``, ``verify`` and eval); others are ignored."""

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
    """Limits for loading, with the same defaults as :class:`briefgen.config.Settings`
    (both read :data:`MAX_ARTICLE_CHARS` and :mod:`briefgen.ingest.fetch`'s
    ``FETCH_TIMEOUT`` and ``MAX_FETCH_BYTES``): a caller that builds one by hand
    gets what a brief gets. :meth:`from_settings` builds one from settings.

    ``fetch_timeout`` bounds a whole page fetch (redirects and body included);
    ``allow_private_urls`` lifts the fetch policy's refusal of loopback, private
    and link-local hosts (see :mod:`briefgen.ingest.fetch`).
    """

    fetch_timeout: float = FETCH_TIMEOUT
    max_fetch_bytes: int = MAX_FETCH_BYTES
    max_article_chars: int = MAX_ARTICLE_CHARS
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_urls: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> LoadOptions:
        """The options :class:`~briefgen.config.Settings` asks for (``overrides`` win)."""
        values: dict[str, Any] = {
            "fetch_timeout": settings.fetch_timeout,
            "max_fetch_bytes": settings.max_fetch_bytes,
            "max_article_chars": settings.max_article_chars,
            "allow_private_urls": settings.allow_private_urls,
        }
        return cls(**(values | overrides))


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")


def is_url(value: str) -> bool:
    """``scheme://...`` in one word. Any scheme, so that ``file://`` or ``gopher://`` reach
    :func:`load_url` and are refused by name instead of being read as a line of text."""
    return bool(_SCHEME.match(value.strip()))


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
    bom_text = _decode_bom(data, source=source)
    if bom_text is not None:
        return bom_text
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


# Byte-order marks of the UTF-16/32 encodings (UTF-8's is handled by "utf-8-sig").
# Checked before the NUL-byte test: UTF-16 text is half NUL bytes. UTF-32 LE
# must come before UTF-16 LE, whose mark is its prefix.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (big-endian)"),
)


# Control, unassigned, private-use and surrogate code points: rare in text, common in decoded noise.
_NOT_TEXT = frozenset({"Cc", "Cn", "Co", "Cs"})


def _decode_bom(data: bytes, *, source: str) -> str | None:
    """Text of a file that starts with a UTF-16/32 byte-order mark; None without one.

    A binary that happens to start with ``FF FE`` decodes "successfully" into
    random ideographs, so the decoded text must also look like text: few
    control, unassigned or private-use characters.
    """
    for bom, codec, name in _BOMS:
        if not data.startswith(bom):
            continue
        try:
            text = data.decode(codec)  # these codecs read the mark, pick the byte order and drop it
        except UnicodeDecodeError as exc:
            raise BinaryInputError(
                f"starts with a {name} byte-order mark but is not valid {name} "
                f"({exc.reason} at byte {exc.start:,}); re-save it as UTF-8 text",
                source=source,
            ) from None
        head = text[:4096]
        junk = sum(1 for c in head if unicodedata.category(c) in _NOT_TEXT and c not in "\t\n\f\r")
        if head and junk > len(head) * 0.05:
            raise BinaryInputError(
                f"starts with a {name} byte-order mark but {junk / len(head):.0%} of what follows is not "
                "text (control, unassigned or private-use characters): it looks binary; re-save it as UTF-8 text",
                source=source,
            )
        return text
    return None


def load_url(
    url: str,
    *,
    options: LoadOptions | None = None,
    article_id: str | None = None,
    policy: FetchPolicy | None = None,
) -> Article:
    """Fetch a page under the fetch policy (public http(s) hosts only unless
    ``options.allow_private_urls``; every redirect hop checked; one overall
    ``fetch_timeout``; a size cap) and extract its main text.

    ``policy`` replaces the policy built from ``options`` (tests, unusual resolvers).
    """
    options = options or LoadOptions()
    page = fetch_page(
        url,
        policy=policy or FetchPolicy(allow_private=options.allow_private_urls),
        timeout=options.fetch_timeout,
        max_bytes=options.max_fetch_bytes,
        user_agent=options.user_agent,
    )
    data, content_type = page.data, page.content_type
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
    """Clean, date and segment raw article text.

    Front-matter lines at the top (``url:``, ``source:``, ``title:``, ``date:``; see
    :mod:`briefgen.ingest.frontmatter`) fill what the caller did not give and are not
    article text.
    """
    options = options or LoadOptions()
    if not raw.strip():
        raise EmptyArticleError("is empty", source=source)
    given = raw
    meta, raw = split_front_matter(raw)
    body_offset = len(given) - len(raw)  # the body is a suffix of what was given
    url = url or meta.url
    title = title or meta.title
    outlet = outlet or meta.outlet
    published = published or meta.published
    language = language or meta.language
    if not raw.strip():
        raise EmptyArticleError("has front-matter lines but no article text after them", source=source)
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
    offsets = [body_offset + i for i in cleaned.offsets[: len(text)]]
    lang = (language or _guess_language(text))
    sentences = split_sentences(text, language=lang if lang else "en")
    ident = article_id or f"text_{hashlib.sha256(text.encode()).hexdigest()[:10]}"
    return Article(
        id=ident,
        text=text,
        title=cleaned.title,
        outlet=outlet or guess_outlet(raw) or outlet_from_url(url),
        url=url,
        published=published or find_published_date(raw),
        language=lang,
        source=source,
        sentences=sentences,
        warnings=warnings,
        original=given,
        offsets=offsets,
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
    """Two-letter code for the segmenter, from the script that writes most of the text
    ('en' for Latin script; see :func:`briefgen.ingest.scripts.guess_language`)."""
    return guess_language(text)
