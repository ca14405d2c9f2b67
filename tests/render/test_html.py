"""The HTML renderer: one self-contained page with hover/click citations.

Briefs are built directly from briefgen.brief (no model involved). The last
test opens the page in headless Chromium when it is installed
(``apt-get install -y chromium``) and checks the screenshot is a real page;
scripts/html_screenshot.py is the same check for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import struct
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefgen.brief import (
    Brief,
    Citation,
    Conflict,
    ConflictSide,
    Point,
    Provenance,
    Source,
    Usage,
)
from briefgen.render import render
from briefgen.render.html import render_html

TEXT_A = "The bridge reopened on Monday after six weeks of repairs. Engineers replaced 40 cables."
TEXT_B = "Officials said the bridge would reopen Monday. Repairs cost 12 million euros <script>alert(1)</script>."


def cite(article_id: str, text: str, quote: str) -> Citation:
    start = text.index(quote)
    return Citation(article_id=article_id, sentence_index=0, start=start, end=start + len(quote), quote=quote)


def make_brief(*, single: bool = False) -> Brief:
    a = cite("a", TEXT_A, "The bridge reopened on Monday after six weeks of repairs.")
    b = cite("b", TEXT_B, "Officials said the bridge would reopen Monday.")
    evil = cite("b", TEXT_B, "Repairs cost 12 million euros <script>alert(1)</script>.")
    sources = [
        Source(id="a", outlet="Harbour Times", title="Bridge reopens", url="https://example.com/a?x=1&y=<2>",
               published=date(2025, 6, 17), sha256="0" * 64, chars=len(TEXT_A)),
        Source(id="b", outlet=None, title=None, url=None, published=None, sha256="1" * 64, chars=len(TEXT_B)),
    ]
    return Brief(
        headline="Bridge <reopens> after repairs",
        lede="The harbour bridge reopened on Monday & traffic resumed.",
        points=[
            Point(text="The bridge reopened on Monday.", citations=[a, b], articles=["a", "b"], outlets=2),
            Point(text="Repairs cost 12 million euros.", citations=[evil], articles=["b"], outlets=1),
        ],
        conflicts=[Conflict(kind="number", topic="repair cost", sides=[ConflictSide(label="b", citations=[evil])])],
        sources=sources[:1] if single else sources,
        single_source=single,
        usage=Usage(total_tokens=1234, wall_time_s=2.5),
        provenance=Provenance(model="m", provider="base_url", prompt_version="extract@1", briefgen_version="0.1.0",
                              input_sha256=["0" * 64], created_at=datetime(2025, 6, 18, tzinfo=UTC)),
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def test_page_is_self_contained() -> None:
    html = render_html(make_brief())
    tags = parse(html)
    assert html.startswith("<!doctype html>")
    assert not any(tag == "link" for tag, _ in tags)
    assert not any(tag in ("script", "img") and attrs.get("src") for tag, attrs in tags)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_every_string_from_the_brief_is_escaped() -> None:
    html = render_html(make_brief())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Bridge &lt;reopens&gt; after repairs</title>" in html
    assert "Monday &amp; traffic" in html
    assert 'href="https://example.com/a?x=1&amp;y=&lt;2&gt;"' in html
    assert sum(1 for tag, _ in parse(html) if tag == "script") == 1  # only our own


def test_citation_markers_carry_quote_and_source_in_a_popover() -> None:
    html = render_html(make_brief())
    markers = re.findall(r'<a class="cite" href="#note-(\d+)" aria-describedby="(pop-\d+)">\[(\d+)\]'
                         r'<span class="pop" role="tooltip" id="(pop-\d+)"><q>(.*?)</q>'
                         r'<span class="pop-source">(.*?)</span>', html)
    assert [(m[0], m[2]) for m in markers] == [("1", "1"), ("2", "2"), ("3", "3"), ("3", "3")]
    assert all(m[1] == m[3] for m in markers)
    assert len({m[1] for m in markers}) == len(markers)  # popover ids are unique
    assert markers[0][4] == "The bridge reopened on Monday after six weeks of repairs."
    assert markers[0][5] == "Harbour Times, 2025-06-17"
    assert markers[1][5] == "b, undated"
    assert 'id="note-3"' in html  # the no-JS click target holds the same quote
    assert "2 outlets" in html


def test_hover_focus_and_pinned_states_show_the_popover() -> None:
    html = render_html(make_brief())
    assert ".cite:hover .pop,.cite:focus .pop,.cite.pinned .pop{display:block}" in html
    assert "classList.toggle('pinned')" in html and "Escape" in html


def test_sections_single_source_and_footer() -> None:
    html = render_html(make_brief(single=True))
    for needle in ("Key points", "Conflicts and caveats", "Numbers differ", "Sources", "Quotes",
                   "Single source: every point rests on one article.", "1,234 tokens", "briefgen 0.1.0"):
        assert needle in html, needle
    assert "Single source" not in render_html(make_brief())


def test_render_dispatches_html() -> None:
    assert render(make_brief(), "html") == render_html(make_brief())


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium not installed (apt-get install -y chromium)")
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from html_screenshot import pinned, screenshot

    html = render_html(make_brief())
    page = tmp_path / "brief.html"
    page.write_text(pinned(html), encoding="utf-8")
    png = screenshot(page, tmp_path / "brief.png", size="900,700")
    assert png_size(png) == (900, 700)
    assert png.stat().st_size > 15_000  # a page with text, not a blank canvas
