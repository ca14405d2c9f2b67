"""Markdown and JSON rendering of a hand-built brief (no model)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from briefgen.brief import (
    Brief,
    Citation,
    Conflict,
    ConflictSide,
    Point,
    Provenance,
    Source,
    StaleArticle,
    Usage,
)
from briefgen.render import render


def sample_brief() -> Brief:
    tass = Citation(article_id="002", sentence_index=3, start=10, end=40, quote="according to Russia's state news agency, Tass")
    ria = Citation(article_id="001", sentence_index=5, start=5, end=30, quote="According to Russia’s RIA Novosti news agency")
    return Brief(
        headline="North Korea to send 6,000 workers to Kursk",
        lede="Kim Jong Un will send 1,000 sappers and 5,000 builders, Russian state media said.",
        points=[Point(text="Kim will send 1,000 sappers and 5,000 builders.", citations=[tass, ria], articles=["002", "001"], outlets=2)],
        background=[Point(text="Workers were seen in Donetsk.", citations=[Citation(article_id="004", sentence_index=0, start=0, end=20, quote="North Korean workers")], articles=["004"], outlets=1)],
        conflicts=[Conflict(kind="attribution", topic="Who reported the dispatch", sides=[ConflictSide(label="Tass", citations=[tass]), ConflictSide(label="RIA Novosti", citations=[ria])])],
        stale=[StaleArticle(article_id="004", published=date(2024, 10, 22), reference_date=date(2025, 6, 17), days_apart=238, reason="published 2024-10-22, 238 days before the other articles")],
        sources=[
            Source(id="001", outlet="KBS", title=None, url=None, published=date(2025, 6, 18), sha256="a" * 64, chars=100),
            Source(id="002", outlet="NPR", title="North Korea plans", url="https://example.org/npr", published=date(2025, 6, 17), sha256="b" * 64, chars=100),
            Source(id="004", outlet="Korea Daily", title=None, url=None, published=date(2024, 10, 22), sha256="c" * 64, chars=100, stale=True),
        ],
        usage=Usage(prompt_tokens=100, completion_tokens=20, total_tokens=120, wall_time_s=1.0),
        provenance=Provenance(model="m", provider="base_url", prompt_version="extract@1+synthesize@1", briefgen_version="0.1.0", input_sha256=[], created_at=datetime(2025, 6, 18, tzinfo=UTC)),
    )


def test_markdown_has_footnotes_conflicts_background_and_sources() -> None:
    text = render(sample_brief(), "md")
    assert text.startswith("# North Korea to send 6,000 workers to Kursk")
    assert "- Kim will send 1,000 sappers and 5,000 builders.[^1][^2] _(2 outlets)_" in text
    assert "**Credited differently**" in text and "Tass[^1]" in text and "RIA Novosti[^2]" in text
    assert "## Background (older reporting" in text and "238 days" in text
    assert "[^1]: NPR, 2025-06-17: “according to Russia's state news agency, Tass”" in text
    assert "<https://example.org/npr>" in text and "**(stale)**" in text


def test_json_round_trips() -> None:
    brief = sample_brief()
    again = Brief.model_validate_json(render(brief, "json"))
    assert again == brief
