"""Sentence segmentation with character offsets.

pysbd is a rule-based segmenter that knows abbreviations ("U.S.", "Gen.",
"No. 5") and quotations, which a regex split gets wrong on news text. We ask
it for sentence strings and locate each one in the text ourselves with a
moving cursor: offsets computed that way are exact even when the same
sentence occurs twice, which pysbd's own ``char_span`` mode does not promise.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from briefgen.models import Sentence


_INNER_MARK = re.compile(r"[.!?…](?=.*\w)", re.DOTALL)


@lru_cache(maxsize=8)
def _segmenter(language: str) -> pysbd.Segmenter:
    try:
        return pysbd.Segmenter(language=language, clean=False)
    except ValueError:  # pysbd knows ~20 languages; English rules are a sane fallback
        return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str, *, language: str = "en") -> list[Sentence]:
    """Split ``text`` into sentences whose ``start``/``end`` index into ``text``."""
    sentences: list[Sentence] = []
    cursor = 0
    for paragraph_start, paragraph in _paragraphs(text):
        # pysbd costs ~1 ms a call; a paragraph with no sentence mark before its end is one sentence
        pieces = [paragraph] if not _INNER_MARK.search(paragraph.strip()) else _segmenter(language).segment(paragraph)
        for piece in pieces:
            stripped = piece.strip()
            if not stripped:
                continue
            start = text.find(stripped, max(cursor, paragraph_start))
            if start < 0:  # pysbd altered the text; fall back to the paragraph cursor
                continue
            end = start + len(stripped)
            sentences.append(Sentence(index=len(sentences), start=start, end=end, text=stripped))
            cursor = end
    return sentences


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
