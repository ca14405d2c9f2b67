"""Sentence segmentation with character offsets.

Each paragraph (blank-line separated) is split on its own, by a rule chosen
from the script that writes it (:func:`briefgen.ingest.scripts.dominant_script`):

* **Spaced scripts** (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari,
  Hangul): pysbd, a rule-based segmenter that knows abbreviations ("U.S.",
  "Gen.", "No. 5") and quotations, which a regex split gets wrong on news
  text. Its language rules follow the article's language code (Hindi's
  danda ``।``, Arabic's ``؟``); codes it does not know use its English rules.
* **Chinese and Japanese**: a sentence ends at ``。！？`` (or ``!?`` between
  CJK characters), together with any closing quotes/brackets after it. A mark
  closed by a quote that the sentence then carries on from (``“……!”在北京……``,
  ``「……。」と述べた``) does not end it. pysbd's zh/ja rules cut such a
  sentence after the mark and start the next with the closing quote.
* **Thai** writes no sentence mark: a space is what ends a sentence *or a
  clause*. Sentences end at a space between two Thai letters, but only once
  the sentence has :data:`THAI_MIN_CHARS` characters and at least as many are
  left in the paragraph, so a name ("ประยุทธ์ จันทร์โอชา") or a short clause is
  not cut off alone. This is a clause-level approximation: proper Thai
  sentence segmentation needs a trained model (PyThaiNLP's CRF, a 22 MB
  dependency with a C extension), and briefgen only uses sentences as the
  unit a quote is located in and shown with, where a clause serves too.

pysbd hands back sentence strings, which we locate in the text with a moving
cursor: offsets computed that way are exact even when the same sentence occurs
twice, which pysbd's own ``char_span`` mode does not promise. The CJK and Thai
rules produce offsets directly. Every sentence satisfies
``text[start:end] == sentence.text`` and lies inside one paragraph.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pysbd

from briefgen.brief import Sentence
from briefgen.ingest.scripts import dominant_script, is_thai

# Any sentence mark with a word after it: without one, a paragraph is one
# sentence and pysbd (~1 ms a call) is skipped. Greek writes its question
# mark as ";" (U+037E looks the same).
_INNER_MARK = re.compile(r"[.!?…।॥؟۔;\u037e](?=.*\w)", re.DOTALL)

# CJK: the mark (full-width, half-width ideographic, or ASCII !? — pages
# normalised to NFKC carry "?" for "？"), then closing quotes/brackets.
_CJK_END = re.compile(r"(?:[。！？｡!?]+|\.(?=\s))([”’\"'」』）)》〉】〕]*)")
_CJK_OPENERS = "“‘\"'「『（(《〈【〔"

# Thai: fewest characters in a sentence cut at a space (see module docs).
THAI_MIN_CHARS = 40
# Mai yamok (ๆ, "repeat the word") and paiyan noi (ฯ, abbreviation) are
# followed by a space inside a sentence, so a space after them never ends one.
_THAI_NOT_FINAL = "ๆฯ"


_PER_THREAD = threading.local()


def _segmenter(language: str) -> pysbd.Segmenter:
    """One segmenter per thread and language.

    A pysbd Segmenter keeps the text it is working on in its own attributes, so one
    shared by threads mixes two articles up: a batch loading two stories at once gave
    an article 0 sentences in 2 of 20 runs, and every claim of it was rejected.
    """
    cache: dict[str, pysbd.Segmenter] = _PER_THREAD.__dict__.setdefault("segmenters", {})
    if language not in cache:
        try:
            cache[language] = pysbd.Segmenter(language=language, clean=False)
        except ValueError:  # pysbd knows ~20 languages; English rules are a sane fallback
            cache[language] = pysbd.Segmenter(language="en", clean=False)
    return cache[language]


def _base_language(language: str) -> str:
    """``zh-CN`` / ``pt_BR`` / ``EN`` (as trafilatura and HTML ``lang`` give them) → pysbd's two-letter code."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


def split_sentences(text: str, *, language: str = "en") -> list[Sentence]:
    """Split ``text`` into sentences whose ``start``/``end`` index into ``text``."""
    language = _base_language(language)
    sentences: list[Sentence] = []
    for paragraph_start, paragraph in _paragraphs(text):
        for rel_start, rel_end in _split_paragraph(paragraph, language):
            piece = paragraph[rel_start:rel_end]
            stripped = piece.strip()
            if not stripped:
                continue
            start = paragraph_start + rel_start + (len(piece) - len(piece.lstrip()))
            end = start + len(stripped)
            sentences.append(Sentence(index=len(sentences), start=start, end=end, text=stripped))
    return sentences


@lru_cache(maxsize=4096)
def _split_paragraph(paragraph: str, language: str) -> tuple[tuple[int, int], ...]:
    """Spans (relative to ``paragraph``) of its sentences, by the rule for its script.

    Cached by the paragraph's text: pysbd costs ~1 ms a paragraph (most of a brief's ingest),
    and news clusters repeat paragraphs (wire copy republished by several outlets, the same
    article in several stories of a batch); a paragraph is segmented once.
    """
    return tuple(_paragraph_spans(paragraph, language))


def _paragraph_spans(paragraph: str, language: str) -> list[tuple[int, int]]:
    script = dominant_script(paragraph)
    if script == "cjk":
        return _split_cjk(paragraph)
    if script == "thai":
        return _split_thai(paragraph)
    if not _INNER_MARK.search(paragraph.strip()):
        return [(0, len(paragraph))]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter(language).segment(paragraph):
        stripped = piece.strip()
        if not stripped:
            continue
        start = paragraph.find(stripped, cursor)
        if start < 0:  # pysbd altered the text; skip the piece rather than invent an offset
            continue
        if spans and not any(c.isalnum() for c in stripped):
            # pysbd's Hindi rules end a quoted sentence at the danda and hand the
            # closing quote back as a sentence of its own: it belongs to the last one
            spans[-1] = (spans[-1][0], start + len(stripped))
            cursor = start + len(stripped)
            continue
        spans.append((start, start + len(stripped)))
        cursor = start + len(stripped)
    return spans


def _split_cjk(paragraph: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CJK_END.finditer(paragraph):
        end = match.end()
        after = paragraph[end : end + 1]
        # "“……!”在北京……": the quote closed, the sentence goes on. Without a
        # closing quote, or when a space, the end, or a new quote follows, it ended.
        if match.group(1) and after and not after.isspace() and after not in _CJK_OPENERS:
            continue
        if paragraph[start:end].strip():
            spans.append((start, end))
        start = end
    if paragraph[start:].strip():
        spans.append((start, len(paragraph)))
    return spans


def _split_thai(paragraph: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for gap in re.finditer(r"\s+", paragraph):
        before = paragraph[gap.start() - 1] if gap.start() else ""
        after = paragraph[gap.end() : gap.end() + 1]
        if not (before and after and is_thai(before) and is_thai(after)) or before in _THAI_NOT_FINAL:
            continue
        if gap.start() - start < THAI_MIN_CHARS or len(paragraph) - gap.end() < THAI_MIN_CHARS:
            continue
        spans.append((start, gap.start()))
        start = gap.end()
    spans.append((start, len(paragraph)))
    return spans


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Paragraphs (blank-line separated) with their offsets; segmenting per paragraph
    keeps a missing full stop in one paragraph from swallowing the next."""
    out: list[tuple[int, str]] = []
    pos = 0
    for block in text.split("\n\n"):
        if block.strip():
            out.append((pos, block))
        pos += len(block) + 2
    return out
