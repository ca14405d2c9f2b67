"""Slack Block Kit rendering: Slack's limits, numbered citation links, conflicts, stale, trimming (no model)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from briefgen.brief import (
    Brief,
    Citation,
    Conflict,
    ConflictSide,
    Point,
    Provenance,
    RejectedClaim,
    Source,
    StaleArticle,
    Usage,
)
from briefgen.render import render
from briefgen.render.slack import MAX_SECTION_CHARS, layout, quote_url, render_blocks


def cite(article_id: str, quote: str, start: int = 0) -> Citation:
    return Citation(article_id=article_id, sentence_index=0, start=start, end=start + len(quote), quote=quote)


def make_brief(points: int = 3, *, sources: int = 3, point_chars: int = 0, conflicts: bool = True,
               stale: bool = True) -> Brief:
    """A hand-built brief (ids a0, a1, ...): ``points`` points, optionally padded to ``point_chars``."""
    ids = [f"a{i}" for i in range(sources)]
    made = []
    for n in range(points):
        text = f"Point {n} says the council approved 3 new bridges & <roads>."
        if point_chars:
            text = (text + " More detail follows here.") * (point_chars // 60 + 1)
            text = text[:point_chars]
        made.append(Point(text=text, citations=[cite(ids[n % sources], f"quote number {n} from the article"),
                                                cite(ids[(n + 1) % sources], "another source agrees")],
                          articles=[ids[n % sources], ids[(n + 1) % sources]], outlets=2))
    return Brief(
        headline="Council approves three bridges",
        lede="The city council approved three bridges on Monday, according to two outlets.",
        points=made,
        background=[Point(text="A similar plan failed in 2019.", citations=[cite(ids[-1], "failed in 2019")],
                          articles=[ids[-1]], outlets=1)] if stale else [],
        conflicts=[
            Conflict(kind="number", topic="cost of the bridges", sides=[
                ConflictSide(label="Daily Post: $40 million", citations=[cite(ids[0], "$40 million")]),
                ConflictSide(label="City Wire: $55 million", citations=[cite(ids[1 % sources], "$55 million")]),
            ]),
            Conflict(kind="disputed", topic="the vote was unanimous", sides=[
                ConflictSide(label="City Wire", citations=[cite(ids[1 % sources], "not confirmed")]),
            ]),
        ] if conflicts else [],
        stale=[StaleArticle(article_id=ids[-1], published=date(2019, 5, 1), reference_date=date(2025, 6, 2),
                            days_apart=2224, reason="published 2224 days before the story")] if stale else [],
        rejected=[RejectedClaim(article_id=ids[0], claim="x", quote="y", reason="not in article")],
        sources=[Source(id=i, outlet=f"Outlet {i}", title=f"Title {i}", url=f"https://news{k}.example/story?id={k}",
                        published=date(2025, 6, 2), sha256="0" * 64, chars=1000, stale=stale and k == sources - 1)
                 for k, i in enumerate(ids)],
        single_source=sources == 1,
        warnings=["skipped https://bad.example: HTTP 404 Not Found"],
        usage=Usage(total_tokens=1234, wall_time_s=5.2),
        provenance=Provenance(model="crafted", provider="client", prompt_version="extract@1",
                              briefgen_version="0.1.0", input_sha256=[], created_at=datetime.now(UTC)),
    )


def all_text(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def assert_within_slack_limits(blocks: list[dict], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        assert block["type"] in {"header", "section", "context", "divider"}
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= MAX_SECTION_CHARS
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
    assert len(json.dumps({"blocks": blocks})) < 40_000


def test_brief_renders_headline_points_numbered_citation_links_and_sources() -> None:
    blocks = render_blocks(make_brief())
    assert_within_slack_limits(blocks)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Council approves three bridges", "emoji": True}}
    text = all_text(blocks)
    # [n] is source n, linked to its URL with a text fragment pointing at the verified quote
    assert "<https://news0.example/story?id=0#:~:text=quote%20number%200%20from%20the%20article|[1]>" in text
    assert "<https://news1.example/story?id=1#:~:text=another%20source%20agrees|[2]>" in text
    assert "[1] *Outlet a0* · 2025-06-02 · <https://news0.example/story?id=0|Title a0>" in text
    assert "_(2 outlets)_" in text
    # mrkdwn control characters from article text are escaped
    assert "3 new bridges &amp; &lt;roads&gt;." in text
    assert "crafted · 1,234 tokens" in text


def test_conflicts_stale_background_warnings_and_rejections_are_visible() -> None:
    text = all_text(render_blocks(make_brief()))
    assert "Conflicts and caveats" in text
    assert "*Numbers differ* — cost of the bridges: Daily Post: $40 million" in text
    assert "*Caveat* (City Wire): “the vote was unanimous”" in text
    assert "Background (older reporting" in text
    assert "Outlet a2 [3] (2019-05-01): published 2224 days before the story" in text
    assert ":warning: _stale_" in text
    assert "skipped https://bad.example: HTTP 404 Not Found" in text
    assert "1 claim(s) failed verification" in text


def test_single_source_brief_says_so() -> None:
    text = all_text(render_blocks(make_brief(2, sources=1, conflicts=False, stale=False)))
    assert "Single source" in text


def test_long_brief_is_trimmed_to_slack_limits_with_a_link_to_the_full_brief() -> None:
    brief = make_brief(40, sources=12, point_chars=700)
    message = layout(brief, full_url="https://files.example/brief.html")
    assert message.trimmed
    assert_within_slack_limits(message.blocks)
    text = all_text(message.blocks)
    assert len(text) <= 12_000
    assert message.omitted["points"] > 0
    assert message.blocks[-1]["type"] == "context"
    note = message.blocks[-1]["elements"][0]["text"]
    assert f"{message.omitted['points']} points" in note
    assert "<https://files.example/brief.html|Open the full brief>" in note
    # the points that are shown come first and in order; the sources their [n] refer to stay
    assert "Point 0 says" in text and "Point 39 says" not in text
    assert message.omitted["sources"] == 0 and "[12] *Outlet a11*" in text


def test_many_blocks_are_capped_at_max_blocks() -> None:
    brief = make_brief(40, sources=40, point_chars=2600)  # one section per point would be 40+ blocks
    for limit in (50, 10, 3):
        blocks = render_blocks(brief, max_blocks=limit)
        assert_within_slack_limits(blocks, max_blocks=limit)
    assert "Trimmed to fit Slack" in all_text(render_blocks(brief, max_blocks=10))


def test_short_brief_is_not_trimmed() -> None:
    message = layout(make_brief())
    assert not message.trimmed
    assert "Trimmed" not in all_text(message.blocks)


def test_render_slack_format_is_a_block_kit_payload() -> None:
    payload = json.loads(render(make_brief(), "slack"))
    assert payload["blocks"][0]["type"] == "header"


def test_quote_url_fragment_encodes_reserved_characters_and_keeps_existing_fragments() -> None:
    assert quote_url("https://a.example/x", "co-op, 5&6") == "https://a.example/x#:~:text=co%2Dop%2C%205%266"
    long = "one two three four five six seven eight nine ten"
    assert quote_url("https://a.example/x", long).endswith("#:~:text=one%20two%20three%20four,seven%20eight%20nine%20ten")
    assert quote_url("https://a.example/x#top", long) == "https://a.example/x#top"
    assert quote_url(None, long) is None


def test_too_small_max_blocks_is_refused() -> None:
    with pytest.raises(ValueError):
        render_blocks(make_brief(), max_blocks=2)


def test_a_repeat_is_not_counted_as_a_failed_verification_in_any_format() -> None:
    """Live seeds run: "North Korea will send thousands of military construction workers and deminers
    to ... Kursk region" beside "... thousands of its military workers to Russia's Kursk region ...";
    the second is left out as a repeat (stage merge). It was verified: the notes and --strict must
    not call it a verification failure."""
    brief = make_brief(3)
    brief.rejected.append(RejectedClaim(
        article_id=brief.sources[1].id, stage="merge",
        claim="North Korea will send thousands of its military workers to Russia's Kursk region.",
        quote="North Korea will send thousands of its military workers to Russia's Kursk region.",
        reason='repeats point "North Korea will send thousands of military construction workers" in other words'))
    assert (len(brief.unverified), len(brief.repeats)) == (1, 1)
    markdown = render(brief, "md")
    assert "_1 claim(s) failed verification" in markdown and "1 verified claim(s) repeated a point" in markdown
    assert "1 verified claim(s) repeated a point" in render(brief, "html")
    assert "1 verified claim(s) repeated a point" in all_text(render_blocks(brief))
