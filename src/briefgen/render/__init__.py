"""Render a :class:`~briefgen.brief.Brief`: Markdown, JSON, HTML or Slack Block Kit."""

from __future__ import annotations

from briefgen.brief import Brief
from briefgen.render.markdown import render_markdown

FORMATS: tuple[str, ...] = ("md", "json", "html", "slack")


def render_json(brief: Brief, *, indent: int | None = 2) -> str:
    """The full ``Brief`` model dump: the format ``briefgen verify`` reads back."""
    return brief.model_dump_json(indent=indent)


def render(brief: Brief, fmt: str = "md") -> str:
    """Render ``brief`` as ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "md":
        return render_markdown(brief)
    if fmt == "json":
        return render_json(brief)
    if fmt == "html":
        from briefgen.render.html import render_html

        return render_html(brief)
    if fmt == "slack":
        import json

        from briefgen.render.slack import render_blocks

        return json.dumps({"blocks": render_blocks(brief)}, indent=2, ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render", "render_json", "render_markdown"]
