"""What the renderers that print numbered quotes share: the numbering and the source label.

Markdown footnotes and the HTML page's quote list must number the same brief
the same way, so a reader comparing the two finds quote 3 under [3] in both.
"""

from __future__ import annotations

from briefgen.brief import Brief, Citation, Source


class CitationNumbers:
    """Numbers citations in order of first use; the same span reuses its number."""

    def __init__(self) -> None:
        self.order: list[Citation] = []
        self.index: dict[tuple[str, int, int], int] = {}

    def number(self, citation: Citation) -> int:
        key = (citation.article_id, citation.start, citation.end)
        if key not in self.index:
            self.order.append(citation)
            self.index[key] = len(self.order)
        return self.index[key]


def source_label(source: Source | None, article_id: str) -> str:
    """``outlet, date`` of the cited source (the article id when the brief does not list it)."""
    if source is None:
        return article_id
    date = source.published.isoformat() if source.published else "undated"
    return f"{source.outlet or source.id}, {date}"


def sources_by_id(brief: Brief) -> dict[str, Source]:
    return {source.id: source for source in brief.sources}
