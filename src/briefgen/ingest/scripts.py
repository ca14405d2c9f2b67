"""Writing systems: which script a line is in, and what that changes for ingest.

Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari and Hangul put spaces
between words and end sentences with a mark (``. ? ! ؟ ।``), so "count the
words, look for the closing mark" works for them. Two families do not:

* **CJK** (Chinese, Japanese) puts no spaces between words and ends sentences
  with ``。！？``: to ``str.split`` a whole Chinese paragraph is one word.
* **Thai** puts no spaces between words and has *no sentence mark at all*: a
  space is what ends a sentence (or a clause).

:mod:`briefgen.ingest.clean` measures lines in :func:`word_units` so that its
"is this prose?" test means the same thing in every script, and
:mod:`briefgen.ingest.segment` picks its splitting rule with
:func:`dominant_script`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

# How many characters make one English-word equivalent. Rule-of-thumb rates,
# not measured here: 100 English words translate to roughly 150-200 Chinese
# or 200-250 Japanese characters (2 is on the low side on purpose, so a short
# menu item does not pass for a sentence), and to roughly 400 Thai characters
# (Thai vowel and tone marks are characters of their own).
CJK_CHARS_PER_WORD = 2.0
THAI_CHARS_PER_WORD = 4.0

Script = Literal["cjk", "thai", "spaced"]


# Character classes as regexes: counting with findall runs in C, and ingest
# measures every line of pages up to the 5 MB fetch cap.
_CJK_CLASS = (
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\u3400-\u4dbf"  # extension A
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0002ffff"  # extensions B and later
    "\u3040-\u30ff"  # hiragana, katakana
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\uff66-\uff9f"  # half-width katakana
)
_KANA_CLASS = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_THAI_CLASS = "\u0e00-\u0e7f"
_CJK = re.compile(f"[{_CJK_CLASS}]")
_KANA = re.compile(f"[{_KANA_CLASS}]")
_THAI = re.compile(f"[{_THAI_CLASS}]")
_CJK_OR_THAI = re.compile(f"[{_CJK_CLASS}{_THAI_CLASS}]")
_LETTER = re.compile(r"[^\W\d_]")


def is_thai(ch: str) -> bool:
    return 0x0E00 <= ord(ch) <= 0x0E7F


def word_units(line: str) -> float:
    """Length of ``line`` in English-word equivalents.

    A whitespace-separated token counts as one word unless it holds CJK or Thai
    characters; then it counts its characters at the rates above (anything else
    in it, digits or punctuation, at four characters a word).
    """
    if line.isascii():
        return float(len(line.split()))
    units = 0.0
    for token in line.split():
        if token.isascii() or not _CJK_OR_THAI.search(token):
            units += 1
            continue
        cjk = len(_CJK.findall(token))
        thai = len(_THAI.findall(token))
        rest = len(token) - cjk - thai
        units += cjk / CJK_CHARS_PER_WORD + thai / THAI_CHARS_PER_WORD + rest / 4
    return units


def dominant_script(text: str) -> Script:
    """``cjk`` or ``thai`` when that script writes most of the letters in ``text``, else ``spaced``.

    Thai vowel signs count as Thai letters (``isalpha`` is false for the
    combining ones); digits and punctuation do not count, so a date or a Latin
    brand name does not tip a paragraph either way.
    """
    if text.isascii():
        return "spaced"
    cjk = len(_CJK.findall(text))
    thai = len(_THAI.findall(text))
    other = len(_LETTER.findall(_CJK_OR_THAI.sub("", text)))
    total = cjk + thai + other
    if not total:
        return "spaced"
    if cjk / total > 0.5:
        return "cjk"
    if thai / total > 0.5:
        return "thai"
    return "spaced"


# Script ranges → language code for the sentence segmenter. One code per
# script is enough: it picks pysbd's punctuation rules (Hindi's danda, Greek's
# question mark), not a dictionary. Scripts pysbd does not know ("he", "ko",
# "th") fall back to its English rules or to segment.py's own rules.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0400, 0x052F, "ru"),  # Cyrillic
    (0x0370, 0x03FF, "el"),  # Greek
    (0x1F00, 0x1FFF, "el"),  # Greek extended (polytonic)
    (0x0590, 0x05FF, "he"),  # Hebrew
    (0x0600, 0x06FF, "ar"),  # Arabic
    (0x0750, 0x077F, "ar"),  # Arabic supplement
    (0x0900, 0x097F, "hi"),  # Devanagari
    (0x0E00, 0x0E7F, "th"),  # Thai
    (0xAC00, 0xD7A3, "ko"),  # Hangul syllables
    (0x1100, 0x11FF, "ko"),  # Hangul jamo
)


# Letters counted by guess_language: isalpha() characters, plus the Thai and Devanagari vowel signs,
# which are not isalpha() but are the script. One regex per script: counting with findall runs in C
# (a per-character loop was half of a warm ingest, 9 of 19 ms a brief, bench/overhead.py --cpu).
_SIGNS = re.compile(f"[{_THAI_CLASS}\u0900-\u097f]")  # Thai, Devanagari
_LETTER_OR_SIGN = re.compile(rf"[^\W\d_]|{_SIGNS.pattern}")
_RANGE_LETTERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(f"[{''.join(f'{chr(low)}-{chr(high)}' for low, high, c in _RANGES if c == code)}]"))
    for code in dict.fromkeys(code for _, _, code in _RANGES)
)


def guess_language(text: str) -> str:
    """Two-letter code of the script that writes most of ``text``; for Latin script, the language
    :func:`latin_language` finds.

    Japanese and Chinese share the Han ideographs; Japanese prose is a third
    to a half kana, Chinese has none, so a tenth of the CJK letters being kana
    is taken to mean Japanese.
    """
    sample = text[:2000]
    if sample.isascii():
        return latin_language(sample) if any(c.isalpha() for c in sample) else "en"
    cjk = len(_CJK.findall(sample))
    kana = len(_KANA.findall(sample))
    rest = _CJK.sub("", sample)
    letters = [m for m in _LETTER_OR_SIGN.findall(rest) if m.isalpha() or _SIGNS.match(m)]
    if not cjk and not letters:
        return "en"
    spaced = "".join(letters)
    counts = {code: len(pattern.findall(spaced)) for code, pattern in _RANGE_LETTERS}
    counts["ja" if kana >= 0.1 * cjk else "zh"] = cjk
    best = max(counts, key=lambda k: counts[k])
    if counts[best] > (cjk + len(letters)) * 0.3:
        return best
    return latin_language(sample)


LATIN_LANGUAGES = ("en", "de", "es", "pt", "fr", "it", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "tr", "id",
                   "hu", "ca")
"""The Latin-script languages a page is told apart among (py3langid, restricted so a short
English paragraph is never called Latin or Tagalog)."""


LANGUAGE_SAMPLE = 1000
"""Characters py3langid reads (~150 words). Its cost is linear in them; 1,000 and 2,000 give the same
language on all 47 articles of the seeds, the eval clusters and the test pages, at half the CPU
(py3langid was a third of a warm ingest, bench/overhead.py --cpu)."""


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(LATIN_LANGUAGES))
    return identifier


def latin_language(text: str) -> str:
    """The language of Latin-script ``text``: German cluster, live run, every German page was read
    as English, so German claims were stemmed and negation-checked with English rules."""
    return str(_identifier().classify(text[:LANGUAGE_SAMPLE])[0])
