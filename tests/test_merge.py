"""Merging verified claims: grouping, outlet counts, conflicts and stale articles (no model)."""

from __future__ import annotations

from datetime import date

from briefgen.ingest import load_article
from briefgen.conflicts import attribution_conflicts, attributions, disputed_statements, number_conflicts
from briefgen.merge import VerifiedClaim, build_points, find_stale, group_claims
from briefgen.brief import Article
from briefgen.verify import locate_quote

from .conftest import seed_paths


def _seeds() -> dict[str, Article]:
    return {p.stem[:3]: load_article(p) for p in seed_paths()}


def claim(article: Article, text: str, quote: str, rank: int = 0) -> VerifiedClaim:
    match = locate_quote(quote, article)
    assert match is not None, quote
    return VerifiedClaim.at(article, text, match, rank)


def test_stale_article_is_flagged_against_the_story_date() -> None:
    seeds = _seeds()
    stale, reference = find_stale(list(seeds.values()), stale_days=30)
    assert reference == date(2025, 6, 17)
    assert [s.article_id for s in stale] == [seeds["004"].id]
    assert stale[0].days_apart == 238
    assert find_stale([seeds["001"]], 30) == ([], date(2025, 6, 18))


def test_same_fact_from_four_outlets_becomes_one_point() -> None:
    s = _seeds()
    claims = [
        claim(s["000"], "Russian media reported Pyongyang will send 6,000 military workers and sappers to Kursk.",
              "Pyongyang will send an additional 6,000 military workers and sappers"),
        claim(s["001"], "Kim Jong-un intends to send six-thousand military personnel to Kursk.",
              "intends to send six-thousand military personnel"),
        claim(s["002"], "Kim decided to send 1,000 sappers and 5,000 military construction workers to Kursk, according to Tass.",
              "decided to send 1,000 sappers to clear mines in the Kursk region and 5,000 military construction workers"),
        claim(s["003"], "Kim Jong Un plans to send 6,000 workers to Russia's Kursk region.",
              "plans to send 6,000 workers to assist Russia in the Kursk region"),
        claim(s["002"], "Moscow and Pyongyang agreed to erect memorials to North Korean soldiers.",
              "agreed to erect memorials in both countries", rank=3),
    ]
    groups = group_claims(claims)
    outlet_of = {a.id: a.label for a in s.values()}
    points = build_points(groups, outlet_of, limit=10)
    top = points[0]
    assert len(top.articles) == 4 and top.outlets == 4
    assert "1,000" in top.text and "5,000" in top.text  # the representative states the parts
    assert any("memorials" in p.text for p in points[1:])
    for citation in top.citations:
        assert citation.quote in s[citation.article_id[:3]].text


def test_attribution_conflict_names_each_side() -> None:
    s = _seeds()
    claims = [
        claim(s["000"], "Tass reported Kim will send 5,000 construction workers and 1,000 sappers.",
              "has decided to send 5,000 military construction workers and 1,000 sappers"),
        claim(s["001"], "According to RIA Novosti, the North will send 1,000 engineers and 5,000 construction workers.",
              "dispatch one-thousand engineers to remove landmines in Russian territory and five-thousand construction workers"),
    ]
    groups = group_claims(claims)
    assert len(groups) == 1
    conflicts = attribution_conflicts(groups, {a.id: a.label for a in s.values()})
    assert len(conflicts) == 1
    labels = {side.label for side in conflicts[0].sides}
    assert labels == {"Tass", "RIA Novosti"}


def test_attributions_recognise_agencies_and_state_media() -> None:
    assert attributions("according to Russia's state news agency, Tass.") == {"Tass"}
    assert attributions("North Korea's official Korean Central News Agency said") == {"KCNA"}
    assert attributions("according to Russian state media released Tuesday") == {"Russian state media"}


def test_unrelated_numbers_about_one_fact_are_a_conflict() -> None:
    s = _seeds()
    a = claim(s["002"], "About 15,000 North Korean soldiers have been deployed to Russia.",
              "about 15,000 North Korean soldiers have been deployed to Russia")
    b = claim(s["003"], "About 600 North Korean soldiers have been deployed to Russia.",
              "South Korea‘s foreign ministry expressed serious concerns")  # quote irrelevant here
    conflicts = number_conflicts([a, b], {})
    assert conflicts and conflicts[0].kind == "number"


def test_disputed_statements_surface_the_sources_own_caveats() -> None:
    s = _seeds()
    found = disputed_statements([s["002"], s["004"]], {a.id: a.label for a in s.values()}, limit=10)
    topics = " ".join(c.topic for c in found)
    assert "Ukraine has insisted it still has troops present there" in topics
    assert "didn't mention the dispatch" in topics
    assert "yet to be substantiated" in topics
    assert "Special Buryat Battalion" in topics
    for conflict in found:
        citation = conflict.sides[0].citations[0]
        assert citation.quote == conflict.topic


def test_a_claim_about_another_country_is_not_cited_for_this_one() -> None:
    # Myanmar cluster, live run: "Myanmar declared a state of emergency" also cited a sentence
    # saying Thailand declared one in Bangkok.
    from briefgen.ingest import from_text

    myanmar = from_text("A state of emergency was declared in six regions of Myanmar, including Naypyidaw, the capital.",
                        article_id="002")
    thailand = from_text("The authorities in neighbouring Thailand declared a state of emergency in the capital Bangkok, "
                         "AFP reported.", article_id="000")
    claims = [
        claim(myanmar, "Myanmar declared a state of emergency", "A state of emergency was declared in six regions of Myanmar"),
        claim(thailand, "Thailand declared a state of emergency in Bangkok, AFP reported.",
              "Thailand declared a state of emergency in the capital Bangkok"),
    ]
    points = build_points(group_claims(claims), {"002": "B", "000": "A"}, limit=5)
    assert len(points) == 2
    for point in points:
        assert len(point.citations) == 1


def test_differently_credited_reports_of_one_fact_stay_one_point() -> None:
    s = _seeds()
    claims = [
        claim(s["000"], "Tass reported Kim will send 5,000 construction workers and 1,000 sappers.",
              "has decided to send 5,000 military construction workers and 1,000 sappers"),
        claim(s["001"], "According to RIA Novosti, the North will send 1,000 engineers and 5,000 construction workers.",
              "dispatch one-thousand engineers to remove landmines in Russian territory and five-thousand construction workers"),
    ]
    points = build_points(group_claims(claims), {a.id: a.label for a in s.values()}, limit=5)
    assert len(points) == 1 and len(points[0].citations) == 2


def test_a_sentence_that_does_not_say_the_point_is_not_cited_for_it() -> None:
    # Fed cluster, live run: "Federal Reserve cuts benchmark interest rate" cited, beside the
    # sentence about the cut, a sentence defining the federal funds rate.
    from briefgen.ingest import from_text

    cut = from_text("The Federal Reserve recently reduced the benchmark interest rate by 0.25 percentage points, "
                    "the third consecutive interest rate cut of 2024.", article_id="004")
    definition = from_text("The federal funds rate is the target interest rate at which commercial banks borrow "
                           "and lend their extra reserves to one another overnight.", article_id="000")
    claims = [
        claim(cut, "Federal Reserve cuts benchmark interest rate", "The Federal Reserve recently reduced the benchmark interest rate"),
        claim(definition, "The federal funds rate is the target interest rate at which banks lend reserves",
              "The federal funds rate is the target interest rate"),
    ]
    points = build_points(group_claims(claims, threshold=30.0), {"004": "A", "000": "B"}, limit=5)
    cited_for_cut = next(p for p in points if p.text.startswith("Federal Reserve cuts"))
    assert [c.article_id for c in cited_for_cut.citations] == ["004"]


def test_a_sentence_two_claims_cite_is_cited_once_on_its_side_of_a_conflict() -> None:
    """Seeds replay: "Russian media[^4][^4]" in the credited-differently conflict."""
    from briefgen.merge import Group

    s = _seeds()
    sentence = "after Russian media reported Pyongyang will send an additional 6,000 military workers"
    one = claim(s["000"], "Russian media reported Pyongyang will send an additional 6,000 military workers.", sentence)
    two = claim(s["000"], "Pyongyang will send 6,000 military workers, Russian media reported.", sentence, rank=1)
    tass = claim(s["002"], "Kim Jong Un decided to send 1,000 sappers and 5,000 military construction workers, "
                 "according to Tass.", "North Korean leader Kim Jong Un decided to send 1,000 sappers")
    [conflict] = attribution_conflicts([Group([one, two, tass])], {})
    assert all(len(side.citations) == len(set((c.article_id, c.start) for c in side.citations)) for side in conflict.sides)
