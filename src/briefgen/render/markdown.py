"""Markdown: points with footnote-style citations, conflicts, background and a source list.

Footnotes carry the verbatim quote and where it sits, so a reader of the
plain text can check a claim without opening the JSON.
"""

from __future__ import annotations

from briefgen.brief import Brief, Citation, Conflict, Point
from briefgen.render.notes import CitationNumbers, source_label, sources_by_id


class _Notes(CitationNumbers):
    """Footnote markers: ``[^n]``, numbered by :class:`CitationNumbers`."""

    def refs(self, citations: list[Citation]) -> str:
        return "".join(f"[^{self.number(c)}]" for c in citations)


def _point_line(point: Point, notes: _Notes) -> str:
    support = f" _({point.outlets} outlets)_" if point.outlets > 1 else ""
    return f"- {point.text}{notes.refs(point.citations)}{support}"


def _conflict_line(conflict: Conflict, notes: _Notes) -> str:
    if conflict.kind == "disputed":
        side = conflict.sides[0]
        return f"- **Caveat** ({side.label}): “{conflict.topic}”{notes.refs(side.citations)}"
    sides = "; ".join(f"{s.label}{notes.refs(s.citations)}" for s in conflict.sides)
    kind = "Credited differently" if conflict.kind == "attribution" else "Numbers differ"
    return f"- **{kind}** — {conflict.topic} — {sides}"


def render_markdown(brief: Brief) -> str:
    notes = _Notes()
    sources = sources_by_id(brief)
    lines = [f"# {brief.headline}", "", brief.lede, ""]
    if brief.single_source:
        lines += ["> Single source: every point rests on one article.", ""]
    lines += ["## Key points", ""]
    lines += [_point_line(p, notes) for p in brief.points] or ["- No claim could be verified."]
    if brief.conflicts:
        lines += ["", "## Conflicts and caveats", ""]
        lines += [_conflict_line(c, notes) for c in brief.conflicts]
    if brief.background:
        lines += ["", "## Background (older reporting, not part of this news)", ""]
        for stale in brief.stale:
            lines.append(f"- _{source_label(sources.get(stale.article_id), stale.article_id)}_: {stale.reason}.")
        lines += [_point_line(p, notes) for p in brief.background]
    lines += ["", "## Sources", ""]
    for source in brief.sources:
        date = source.published.isoformat() if source.published else "undated"
        title = f" — {source.title}" if source.title else ""
        url = f" — <{source.url}>" if source.url else ""
        flag = " **(stale)**" if source.stale else ""
        lines.append(f"- `{source.id}` {source.outlet or 'unknown outlet'}, {date}{title}{url}{flag}")
    if brief.unverified:
        lines += ["", f"_{len(brief.unverified)} claim(s) failed verification and were left out (see JSON `rejected`)._"]
    if brief.repeats:
        lines += ["", f"_{len(brief.repeats)} verified claim(s) repeated a point in other words and were left out "
                      "(see JSON `rejected`, stage `merge`)._"]
    lines += [""]
    for number, citation in enumerate(notes.order, 1):
        where = f"{citation.article_id}, chars {citation.start}–{citation.end}"
        lines.append(f"[^{number}]: {source_label(sources.get(citation.article_id), citation.article_id)}: “{citation.quote}” ({where})")
    usage = brief.usage
    cost = f", ${usage.cost_usd:.4f}" if usage.cost_usd else ""
    lines += [
        "",
        (f"<sub>{brief.provenance.model} · {usage.total_tokens:,} tokens{cost} · "
         f"{usage.wall_time_s:.1f}s · prompts {brief.provenance.prompt_version} · "
         f"briefgen {brief.provenance.briefgen_version}</sub>"),
        "",
    ]
    return "\n".join(lines)
