"""Text folding shared by every check: case, quote marks, dashes and whitespace.

Small models copy quotes well but not perfectly (curly quotes become straight,
line breaks become spaces), so comparisons happen on folded text, and the
offset map leads back to the source's own characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_FOLD = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "…": ".",
    }
)


def fold_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).translate(_FOLD).casefold()


@lru_cache(maxsize=256)
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Folded text and, for each folded character, its offset in ``text``.

    Runs of whitespace fold to one space, so a quote that differs from the
    source only in line breaks or double spaces still matches. Cached: every
    quote of an article is looked up in the same folded text.
    """
    out: list[str] = []
    index: list[int] = []
    previous_space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not previous_space:
                out.append(" ")
                index.append(i)
            previous_space = True
            continue
        folded = fold_char(ch)
        for f in folded:
            out.append(f)
            index.append(i)
        previous_space = False
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), tuple(index)


def normalize(text: str) -> str:
    return normalize_with_map(text)[0].strip(" \"'.,;:")


