"""Front-matter lines at the top of a saved page name its outlet, URL, title and date.

Real failure (issue "A brief worth reading"): every page of a real cluster saved as
a file showed outlet "None", because `url:`, `source:` and `title:` lines were read
as article text, so outlet counts and "credited differently" conflicts could not work.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from briefgen.ingest import from_text, load_file
from briefgen.ingest.frontmatter import split_front_matter

PAGE = """url: https://www.apnews.com/article/myanmar-earthquake
source: Associated Press
title: Powerful earthquake kills more than 1,000 in Myanmar
date: 2025-03-29

A powerful earthquake struck Myanmar on Friday, killing more than 1,000 people, the military government said.

Rescuers dug through the rubble of collapsed buildings in Mandalay.
"""


def test_front_matter_fills_outlet_url_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "000_ap.txt"
    path.write_text(PAGE, encoding="utf-8")
    article = load_file(path)
    assert article.outlet == "Associated Press"
    assert article.url == "https://www.apnews.com/article/myanmar-earthquake"
    assert article.published == date(2025, 3, 29)
    assert "url:" not in article.text and "source:" not in article.text
    assert article.text.startswith("A powerful earthquake") or article.title


def test_url_domain_names_the_outlet_when_nothing_else_does() -> None:
    article = from_text("url: https://www.reuters.com/world/asia/quake\n\nA powerful earthquake struck Myanmar on Friday, "
                        "killing at least 144 people, the junta said.")
    assert article.outlet == "reuters.com"


def test_fenced_front_matter_and_explicit_arguments_win() -> None:
    raw = "---\ntitle: A\nsource: Outlet A\n---\nThe quake struck on Friday, killing 144 people, officials said."
    meta, body = split_front_matter(raw)
    assert meta.outlet == "Outlet A" and body.startswith("The quake")
    assert from_text(raw, outlet="Given").outlet == "Given"


def test_prose_that_starts_like_a_key_is_article_text() -> None:
    raw = "Note: the quake struck on Friday and killed 144 people in the city, officials said."
    meta, body = split_front_matter(raw)
    assert meta.outlet is None and body == raw
    # an unknown key anywhere in the block means it is not front matter at all
    raw = "source: Outlet\nreporter note: x\n\nThe quake struck on Friday, killing 144 people."
    assert split_front_matter(raw)[1] == raw
