"""Text squeezed into one line of a message: an error, a warning, a report row."""

from __future__ import annotations


def first_line(text: str, limit: int = 400) -> str:
    """``text`` with its whitespace collapsed to single spaces, cut to ``limit`` characters (``...`` when cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
