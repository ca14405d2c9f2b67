"""Merging verified claims: grouping, outlet counts, conflicts and stale articles (no model)."""

from __future__ import annotations

from datetime import date

from briefgen.brief import Article
from briefgen.conflicts import (
    attribution_conflicts,
    attributions,
    disputed_statements,
    number_conflicts,
)
from briefgen.ingest import load_article
from briefgen.merge import VerifiedClaim, find_stale, group_claims
from briefgen.ranking import build_points
from briefgen.verify import locate_quote

from .conftest import ROOT, seed_paths


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
    assert all(len(side.citations) == len({(c.article_id, c.start) for c in side.citations}) for side in conflict.sides)


# Fed cluster, live run (fed-rate-cut-dec-2024@3): the cut to 4.25%-4.5% was five points.
_FED = {
    "001": "The Fed lowered the federal funds rate — the interest rate banks charge each other for short-term loans — "
           "to a range of 4.25% to 4.5%, down from its previous target range of 4.5% to 4.75%.",
    "002": "In a move widely anticipated by markets, the Federal Open Market Committee cut its overnight lending rate to "
           "a target range of 4.25%-4.5%, back to the level it was in December 2022, when interest rates were on the "
           "move higher.",
    "003": "On Wednesday, December 18, 2024, the Federal Reserve executed its third consecutive interest rate cut, "
           "reducing its benchmark rate by 0.25 percentage points to a range of 4.25%-4.5%.",
    "004": "The Federal Reserve recently reduced the benchmark interest rate by 0.25 percentage points, the third "
           "consecutive interest rate cut of 2024.\n\nThe reduction takes the federal funds rate, the interest rate banks "
           "charge each other for short-term loans, to a target range of 4.25%-4.5%, down from its previous target range "
           "of 4.5%-4.75%.",
}


def _fed(article_id: str, text: str, quote: str, rank: int = 0) -> VerifiedClaim:
    from briefgen.ingest import from_text

    return claim(from_text(_FED[article_id], article_id=article_id), text, quote, rank)


def test_one_range_named_by_another_body_is_one_point() -> None:
    # "the Federal Open Market Committee cut ... to 4.25%-4.5%" beside "The reduction takes the federal
    # funds rate ... to 4.25%-4.5%": the committee's name kept the two apart. Two shared figures say one fact.
    reduction = _fed("004", "The reduction takes the federal funds rate to a target range of 4.25%-4.5%, down from "
                     "its previous target range of 4.5%-4.75%.", "The reduction takes the federal funds rate", 1)
    fomc = _fed("002", "The Federal Open Market Committee cut its overnight lending rate to a target range of "
                "4.25%-4.5%, back to the level it was in December 2022.", "the Federal Open Market Committee cut", 1)
    [point] = build_points(group_claims([reduction, fomc]), {"004": "A", "002": "B"}, limit=5)
    assert point.text.startswith("The reduction takes") and point.articles == ["004", "002"]


def test_groups_the_greedy_pass_left_apart_are_merged() -> None:
    # The paraphrases of the range grouped together, and the dated report of the cut with the 0.25-point
    # claim; the two groups state one fact (two shared figures) and become one point citing four articles.
    claims = [
        _fed("004", "The Federal Reserve recently reduced the benchmark interest rate by 0.25 percentage points, the "
             "third consecutive interest rate cut of 2024.", "The Federal Reserve recently reduced"),
        _fed("001", "The Fed lowered the federal funds rate to a range of 4.25% to 4.5%, down from its previous target "
             "range of 4.5% to 4.75%", "The Fed lowered the federal funds rate", 2),
        _fed("002", "The Federal Open Market Committee cut its overnight lending rate to a target range of "
             "4.25%-4.5%.", "the Federal Open Market Committee cut", 1),
        _fed("003", "On Wednesday, December 18, 2024, the Federal Reserve executed its third consecutive interest rate "
             "cut, reducing its benchmark rate by 0.25 percentage points to a range of 4.25%-4.5%.",
             "the Federal Reserve executed its third consecutive interest rate cut"),
        _fed("004", "The reduction takes the federal funds rate to a target range of 4.25%-4.5%, down from its "
             "previous target range of 4.5%-4.75%.", "The reduction takes the federal funds rate", 1),
    ]
    groups = group_claims(claims)
    assert len(groups) == 2
    [point] = build_points(groups, {k: k for k in _FED}, limit=5)
    assert point.text.startswith("On Wednesday, December 18") and sorted(point.articles) == ["001", "002", "003", "004"]
    assert len(point.citations) == 5


def test_a_fact_an_article_states_twice_is_one_point() -> None:
    # Valencia cluster, live run: the two sentences of one article were two points ("Thursday",
    # "Spain" and "Officials" in the second are names the first does not give).
    from briefgen.ingest import from_text

    totals = "At least 155 deaths recorded in the eastern region of Valencia, two in Castilla-La Mancha and one in Andalusia."
    bodies = ("The body coordinating rescue work in the eastern region of Valencia announced on Thursday that 155 bodies "
              "had been recovered there. Officials in Castilla-La Mancha in central Spain reported two deaths, and "
              "Andalusia in the south announced one.")
    article = from_text(f"{totals}\n\n{bodies}", article_id="003")
    claims = [claim(article, totals, totals), claim(article, bodies, bodies, rank=2)]
    [point] = build_points(group_claims(claims), {"003": "A"}, limit=5)
    assert point.text == totals and len(point.citations) == 2
    # from another article, the second sentence's other names keep it from being cited for the totals; the
    # totals add no figure and no name to it, so they are left out as its repeat (briefgen.repeats)
    from briefgen.ranking import select_points

    other = from_text(bodies, article_id="005")
    claims = [claim(article, totals, totals), claim(other, bodies, bodies, rank=2)]
    [point], [repeat] = select_points(group_claims(claims), {"003": "A", "005": "B"}, limit=5)
    assert [c.article_id for c in point.citations] == ["005"] and point.text == bodies
    assert (repeat.claim, repeat.stage) == (totals, "merge")


# --- repeats: one fact in other words (briefgen.repeats), six live runs read by hand ----------------

def _cluster(name: str, prefix: str) -> Article:
    from .conftest import ROOT

    [path] = (ROOT / "eval" / "clusters" / name).glob(f"{prefix}_*.txt")
    return load_article(path)


def _seeds_kursk() -> tuple[VerifiedClaim, VerifiedClaim]:
    s = _seeds()
    deminers = claim(s["002"], "North Korea will send thousands of military construction workers and deminers to support "
                     "reconstruction work in Russia's Kursk region, a top Russian official said.",
                     "North Korea will send thousands of military construction workers and deminers")
    rebuilding = claim(s["001"], "North Korea will send thousands of its military workers to Russia’s Kursk region to help "
                       "with rebuilding efforts in the war-hit area, which had been seized by Ukraine for months.",
                       "North Korea will send thousands of its military workers to Russia’s Kursk region", rank=1)
    return deminers, rebuilding


def test_one_fact_in_other_words_is_one_point_and_the_repeat_is_rejected_naming_it() -> None:
    # seeds@10: two points said North Korea sends thousands of workers to Kursk; neither sentence states the
    # other's text ("deminers"; "Ukraine"), so the one that adds nothing (no figure, no name) is left out.
    from briefgen.ranking import select_points

    deminers, rebuilding = _seeds_kursk()
    points, rejected = select_points(group_claims([deminers, rebuilding]), {}, limit=5)
    assert [p.text for p in points] == [rebuilding.text]
    assert [c.article_id for c in points[0].citations] == [rebuilding.article.id]  # never cited for the other's text
    [repeat] = rejected
    assert (repeat.stage, repeat.claim, repeat.article_id) == ("merge", deminers.text, deminers.article.id)
    assert repeat.reason.startswith('repeats point "North Korea will send thousands of its military workers')


def test_a_repeat_that_names_a_party_the_point_lacks_is_kept() -> None:
    # The other way round the seeds pair is no repeat: "Ukraine" is in one sentence only.
    from briefgen.repeats import repeats

    deminers, rebuilding = _seeds_kursk()
    assert repeats(deminers, rebuilding) and not repeats(rebuilding, deminers)


def test_the_same_counts_and_words_in_other_words_are_one_fact() -> None:
    # fed@7: "penciling in just two rate cuts in 2025, down from the four" and "projecting only two additional
    # rate cuts instead of the previously anticipated four" share no figure and few words, but every count.
    from briefgen.repeats import repeats

    pencil = claim(_cluster("fed-rate-cut-dec-2024", "004"), "The Fed is now penciling in just two rate cuts in 2025, "
                   "down from the four it had forecasted in September.", "the Fed is now penciling in just two rate cuts")
    hint = claim(_cluster("fed-rate-cut-dec-2024", "003"), "Despite this, the central bank hinted at a more cautious "
                 "approach for 2025, projecting only two additional rate cuts instead of the previously anticipated four.",
                 "projecting only two additional rate cuts instead of the previously anticipated four")
    assert repeats(hint, pencil)


def test_a_shared_figure_and_a_few_words_make_a_repeat_but_not_another_figure() -> None:
    # myanmar@8: the 7.7 quake "reverberated across Southeast Asia" repeats "struck Southeast Asia ... killing
    # more than 150"; the reverse would drop the 150, and "unknown" beside "694" is another fact.
    from briefgen.repeats import repeats

    mirror, times, savera = (_cluster("myanmar-quake-2025", p) for p in ("001", "002", "003"))
    struck = claim(times, "A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, killing more than 150 "
                   "people across Myanmar and Thailand, officials said.", "earthquake struck Southeast Asia on Friday")
    reverberated = claim(mirror, "A 7.7-magnitude earthquake centered in Myanmar reverberated across Southeast Asia on "
                         "Friday, with the scale of destruction slowly coming into view in the isolated and war-ravaged "
                         "nation, NBC News reports.", "earthquake centered in Myanmar reverberated across Southeast Asia")
    unknown = claim(mirror, "The death toll in Myanmar is unknown.", "The death toll in Myanmar is unknown")
    surged = claim(savera, "The death toll from the recent magnitude 7.7 earthquake in Myanmar has surged to 694, with "
                   "1,670 individuals reported injured.", "in Myanmar has surged to 694")
    assert repeats(reverberated, struck) and not repeats(struck, reverberated)
    assert not repeats(unknown, surged)


def test_words_a_point_shares_with_a_fact_it_mentions_in_passing_are_no_repeat() -> None:
    # seeds@10: the sappers' demining in Kursk shares "sappers", "operations", "troops" with the United States'
    # "deeply concerning" point, which names Kursk and Ukraine too: 3 of 10 words, another fact.
    from briefgen.repeats import repeats

    s = _seeds()
    concern = claim(s["000"], "The United States on Tuesday described Russia's continued use of North Korean workers and "
                    "troops for operations against Ukraine as \"deeply concerning,\" after Russian media reported Pyongyang "
                    "will send an additional 6,000 military workers and sappers to Russia's front-line Kursk region.",
                    "The United States on Tuesday described Russia's continued use of North Korean workers")
    demining = claim(s["003"], "He stated the sappers would focus on demining operations in Kursk, where Ukrainian troops "
                     "had held territory for months last year.", "He stated the sappers would focus on demining operations")
    assert not repeats(demining, concern)


def test_a_point_of_an_english_brief_shows_its_english_sentence_when_it_cites_one() -> None:
    """Myanmar, live run: the point was the Spanish sentence (it has the most numbers, a date among
    them) while the English sentence it cites for sharing 694 and 1,670 says the same in English."""
    from briefgen.merge import Group
    from briefgen.ranking import select_points

    folder = ROOT / "eval" / "clusters" / "myanmar-quake-2025"
    spanish = load_article(folder / "004_actualidad-uy.txt")
    english = load_article(folder / "003_thesaveratimes.txt")
    es = "Un potente terremoto de magnitud 7,7 sacudió este viernes el centro-norte de Birmania (Myanmar)"
    en = "Naypyidaw [Myanmar]: The death toll from the recent magnitude 7.7 earthquake in Myanmar has surged to 694"
    group = Group([claim(spanish, spanish.text[slice(*_sentence_at(spanish, es))], es, rank=0),
                   claim(english, english.text[slice(*_sentence_at(english, en))], en, rank=1)])
    [shown], _ = select_points([group], {}, limit=10)
    assert shown.text.startswith("Un potente terremoto")  # no brief language said: the most numbers
    [point], _ = select_points([group], {}, limit=10, foreign={spanish.id})
    assert point.text.startswith("Naypyidaw [Myanmar]: The death toll") and point.articles == [english.id, spanish.id]


def _sentence_at(article: Article, opening: str) -> tuple[int, int]:
    match = locate_quote(opening, article)
    assert match is not None
    return next((s.start, s.end) for s in article.sentences if s.start <= match.start < s.end)


def test_a_point_that_states_nothing_to_check_comes_after_those_that_do() -> None:
    """Live runs of session 19: filler took three of ten places while figures and names waited below."""
    from briefgen.verify import names_someone

    valencia = ("One of the hardest-hit areas is Paiporta, a town of 29,000. Paiporta is the epicenter of the "
                "tragedy. The floods left roads unrecognisable.")
    assert names_someone("Paiporta is the epicenter of the tragedy.", valencia)  # the page capitalises it inside
    assert not names_someone("The floods left roads unrecognisable.", valencia)
    assert not names_someone("Causes of the incidents have not yet been identified.",
                             "Power outages hit. Causes of the incidents have not yet been identified.")
    assert not names_someone("If the federal funds rate continues to decrease, the cost of consumer borrowing "
                             "should go down over time.", "If the federal funds rate continues to decrease.")
    assert names_someone("Consumer prices remained above the Fed’s target.", "")
    assert names_someone("Die Grünen erreichen elf Prozent.", "")  # German nouns: never taken for filler


def test_filler_is_ordered_after_points_with_a_figure_or_a_name_of_the_same_support() -> None:
    from briefgen.ingest import from_text
    from briefgen.merge import Group
    from briefgen.ranking import select_points, states_something

    article = from_text("The floods left roads unrecognisable. Consumer prices rose 2.7% in November.", article_id="a")
    filler = claim(article, "The floods left roads unrecognisable.", "The floods left roads unrecognisable.", 0)
    figure = claim(article, "Consumer prices rose 2.7% in November.", "Consumer prices rose 2.7% in November.", 1)
    assert not states_something(Group([filler])) and states_something(Group([figure]))
    points, _ = select_points([Group([filler]), Group([figure])], {"a": "A"}, limit=1)
    assert [p.text for p in points] == ["Consumer prices rose 2.7% in November."]  # the model listed the filler first


def test_an_opening_function_word_names_no_one_even_where_the_page_capitalises_it_inside() -> None:
    """Fed, live run (session 19): "The federal funds rate is the target interest rate ..." ranked as a point
    stating something because Newsweek's page writes "The" inside a sentence ("... told The Hill")."""
    from briefgen.verify import names_someone

    page = "It was a close call, Powell told The Hill. The federal funds rate is the target interest rate."
    assert not names_someone("The federal funds rate is the target interest rate.", page)
    assert names_someone("Powell called it a closer call.", page)


def test_a_sentence_without_the_points_figure_is_not_cited_for_it() -> None:
    """German cluster, live run (session 19, german-election-2025@12): "Chancellor Olaf Scholz's Social
    Democrats fell to 16.5%." cited, beside News Minimalist's sentence, Foster Instant News' "Chancellor Olaf
    Scholz has acknowledged defeat ...", which shares five of its six words and not the 16.5."""
    from briefgen.ranking import select_points

    minimalist, foster = _cluster("german-election-2025", "004"), _cluster("german-election-2025", "003")
    fell = "Chancellor Olaf Scholz's Social Democrats (SPD) fell to 16.5%"
    defeat = "Chancellor Olaf Scholz has acknowledged defeat for his centre-left Social Democrats"
    claims = [claim(minimalist, "Chancellor Olaf Scholz's Social Democrats fell to 16.5%", fell, 0),
              claim(foster, foster.text[slice(*_sentence_at(foster, defeat))], defeat, 1)]
    points, _ = select_points(group_claims(claims), {}, limit=10)
    [spd] = [p for p in points if "16.5" in p.text]
    assert all("16.5" in c.quote for c in spd.citations)
    assert any(p.text.startswith("Chancellor Olaf Scholz has acknowledged defeat") for p in points)


def test_one_another_is_no_figure_that_makes_a_point_state_something() -> None:
    """Fed, live run (session 19): Newsweek's definition of the federal funds rate ("... lend their extra
    reserves to one another overnight.") ranked third of ten: "one another" was read as the number 1."""
    from briefgen.ingest import from_text
    from briefgen.merge import Group
    from briefgen.ranking import states_something

    text = ("The federal funds rate is the target interest rate at which commercial banks borrow and lend their "
            "extra reserves to one another overnight.")
    article = from_text(text, article_id="n")
    assert not states_something(Group([claim(article, text, "The federal funds rate is the target", 0)]))
