"""Quotes: find a model's quote in the article and cite whole sentences of it.

Small models copy quotes well but not perfectly: curly quotes become straight,
whitespace changes, a word drifts. So a quote is located in three tiers, each
reported in ``Citation.match``:

* ``exact`` — the quote occurs verbatim;
* ``normalized`` — it occurs after folding case, quote marks, dashes and
  whitespace (offsets are mapped back to the original text);
* ``fuzzy`` — a bounded rapidfuzz alignment scores at least ``min_fuzzy``.

Whatever the tier, the match is then widened to the *whole sentences* it
covers (:func:`sentence_span`), and the citation stores the article's text at
that span: a shipped quote is one sentence, or consecutive sentences of one
paragraph, verbatim, findable with Ctrl-F. A match that runs across a
paragraph break (a fuzzy window over three paragraphs was seen shipping a
false claim) is refused, never trimmed into something the model did not quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from briefgen.brief import Article, Citation
from briefgen.verify.text import normalize, normalize_with_map


@dataclass(frozen=True)
class QuoteMatch:
    start: int
    end: int
    kind: str
    score: float


def locate_quote(quote: str, article: Article, *, min_fuzzy: float = 88.0) -> QuoteMatch | None:
    """Where ``quote`` occurs in ``article.text`` (see module docs), or None."""
    text = article.text
    stripped = quote.strip().strip("\"'“”‘’").strip()
    if len(stripped) < 8:
        return None
    pos = text.find(stripped)
    if pos >= 0:
        return QuoteMatch(pos, pos + len(stripped), "exact", 100.0)
    norm_text, mapping = normalize_with_map(text)
    norm_quote = normalize(stripped)
    if len(norm_quote) < 8:
        return None
    pos = norm_text.find(norm_quote)
    if pos >= 0:
        start = mapping[pos]
        end = mapping[pos + len(norm_quote) - 1] + 1
        return QuoteMatch(start, end, "normalized", 100.0)
    alignment = fuzz.partial_ratio_alignment(norm_quote, norm_text, score_cutoff=min_fuzzy)
    if alignment is None:
        return None
    length = alignment.dest_end - alignment.dest_start
    if length < 0.8 * len(norm_quote) or length > 1.25 * len(norm_quote):
        return None
    start = mapping[alignment.dest_start]
    end = mapping[min(alignment.dest_end, len(mapping)) - 1] + 1
    start, end = _snap_to_words(text, start, end)
    return QuoteMatch(start, end, "fuzzy", round(alignment.score, 1))


def _snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


# A touched edge sentence is dropped when the match only grazes it: live runs showed quotes
# such as "Ukraine. According to Russia's RIA Novosti..." (the last word of the previous
# sentence) and "...resolution.\n\nTASS...". Below both bounds the overlap is a copying slip,
# not a citation of that sentence.
_GRAZE_CHARS = 12
_GRAZE_SHARE = 0.25


@dataclass(frozen=True)
class SentenceSpan:
    """Whole sentences a quote resolves to, or why it cannot be cited."""

    start: int
    end: int
    first: int | None  # index of the first sentence
    problem: str | None = None


def sentence_span(article: Article, match: QuoteMatch) -> SentenceSpan:
    """Widen ``match`` to the whole sentences it covers, all in one paragraph.

    Sentences the match merely grazes at either edge are left out; what is
    left must be consecutive sentences of one paragraph (no blank line
    between them), else the quote is refused with a reason for the model.
    """
    touched = [s for s in article.sentences if s.start < match.end and s.end > match.start]
    if not touched:
        return SentenceSpan(match.start, match.end, None, "the quote is not part of any sentence of the article")

    def grazed(sentence_start: int, sentence_end: int) -> bool:
        overlap = min(sentence_end, match.end) - max(sentence_start, match.start)
        return overlap < _GRAZE_CHARS or overlap < _GRAZE_SHARE * (sentence_end - sentence_start)

    while len(touched) > 1 and grazed(touched[0].start, touched[0].end):
        touched.pop(0)
    while len(touched) > 1 and grazed(touched[-1].start, touched[-1].end):
        touched.pop()
    start, end = touched[0].start, touched[-1].end
    if "\n\n" in article.text[start:end] or len(touched) > MAX_QUOTE_SENTENCES:
        return SentenceSpan(
            start, end, touched[0].index,
            "the quote runs across several paragraphs or sentences; quote ONE sentence of the article",
        )
    return SentenceSpan(start, end, touched[0].index)


MAX_QUOTE_SENTENCES = 3
"""A quote is one sentence; up to three consecutive ones of a paragraph are accepted
because segmenters split at abbreviations and quoted speech the model reads as one."""


def make_citation(article: Article, match: QuoteMatch) -> Citation:
    """The citation of ``match`` (a span of the cleaned text) as the user will check it.

    Span and quote are the *given* text's (:attr:`Article.given_text`: the file, the pasted
    text, the page's main text), so the quote is findable there verbatim with Ctrl-F even
    where cleaning joined glued sentences or dropped a speaker label.
    """
    sentence = article.sentence_at(match.start)
    start, end = article.original_span(match.start, match.end)
    return Citation(
        article_id=article.id,
        sentence_index=sentence.index if sentence else None,
        start=start,
        end=end,
        quote=article.given_text[start:end],
        match=match.kind,  # type: ignore[arg-type]
        score=match.score,
    )
