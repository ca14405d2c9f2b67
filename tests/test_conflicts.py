"""Conflicts and merging by meaning, each test built from a live run of the dev clusters (no model).

The sentences are the real pages' (eval/clusters/); the claims are the ones the bundled model
wrote for them, or shorter forms of them.
"""

from __future__ import annotations

from briefgen.brief import Article
from briefgen.conflicts import number_conflicts, same_quantity
from briefgen.ingest import load_article
from briefgen.merge import group_claims
from briefgen.ranking import build_points, select_points

from .conftest import ROOT
from .test_merge import claim  # the claim verified at the sentence holding ``quote``

MYANMAR = ROOT / "eval" / "clusters" / "myanmar-quake-2025"


def _article(name: str) -> Article:
    return load_article(next(MYANMAR.glob(f"{name}_*.txt")))


def _text(text: str, name: str) -> Article:
    article = load_article(text)
    return article.model_copy(update={"id": name})


def test_death_tolls_of_three_outlets_are_one_conflict_naming_each_figure_and_outlet() -> None:
    """Myanmar cluster, live run: 144, 694 and 1,644 dead were separate points and no conflict."""
    a = claim(_article("002"), "Myanmar's military government reported at least 144 dead.",
              "Myanmar's military government reported at least 144 dead")
    b = claim(_article("003"), "The death toll has surged to 694, according to the military junta.",
              "earthquake in Myanmar has surged to 694")
    c = claim(_article("005"), "Myanmar's death toll reached 1,644.", "Myanmar’s death toll from Friday’s powerful")
    conflicts = number_conflicts([a, b, c], {a.article.id: "Business Times", b.article.id: "Savera Times"})
    assert len(conflicts) == 1 and conflicts[0].kind == "number"
    labels = [side.label for side in conflicts[0].sides]
    assert any(label.startswith("144") and "Business Times" in label for label in labels)
    assert any(label.startswith("694") and "Savera Times" in label for label in labels)
    assert any(label.startswith("1,644") for label in labels)
    assert all(side.citations for side in conflicts[0].sides)


def test_one_party_given_close_vote_shares_by_two_outlets_is_a_conflict() -> None:
    """German cluster: 28.5 % (final result) and 28.6 % (another outlet) for the CDU/CSU, no conflict."""
    a = _text("German conservatives, led by Friedrich Merz, won the national election with 28.5% of the vote.", "a")
    b = _text("The CDU/CSU emerges as largest party with 28.6% of vote, ahead of the AfD.", "b")
    one = claim(a, "German conservatives, led by Friedrich Merz, won with 28.5% of the vote.", "German conservatives")
    two = claim(b, "CDU/CSU emerges as largest party with 28.6% of vote.", "The CDU/CSU emerges")
    assert not same_quantity(one, two)  # different names for the party: not claimed as one
    three = _text("Friedrich Merz won the national election with 28.6% of the vote, officials said.", "c")
    other = claim(three, "Friedrich Merz won the national election with 28.6% of the vote.", "Friedrich Merz won")
    first = claim(a, "Friedrich Merz won the national election with 28.5% of the vote.", "German conservatives")
    assert same_quantity(first, other)
    assert [s.label.split(" ")[0] for s in number_conflicts([first, other], {})[0].sides] == ["28.5", "28.6"]


def test_the_same_measure_in_different_places_is_not_a_conflict() -> None:
    bangkok = _text("Nine people died in Bangkok when a tower under construction collapsed.", "bkk")
    myanmar = _text("At least 144 people died in Myanmar, the military government said.", "mm")
    a = claim(bangkok, "Nine people died in Bangkok.", "Nine people died in Bangkok")
    b = claim(myanmar, "At least 144 people died in Myanmar, the military government said.", "At least 144 people")
    assert not same_quantity(a, b) and not number_conflicts([a, b], {})


def test_a_short_claim_inside_a_fuller_one_is_one_point_its_repeat_when_its_sentence_lacks_the_figure() -> None:
    """Fed cluster, live run: "The Fed lowered its benchmark interest rate by 25 basis points." and
    "The Fed cut interest rates." were two points of one brief. German cluster, live run (session 19):
    a sentence with most of a point's words but not its figure was cited for it."""
    full = _text("The Fed lowered its benchmark interest rate by 25 basis points on Wednesday.", "x")
    short = _text("The Fed cut interest rates again, its third reduction in a row.", "y")
    a = claim(full, "The Fed lowered its benchmark interest rate by 25 basis points.", "The Fed lowered")
    b = claim(short, "The Fed cut interest rates.", "The Fed cut interest")
    points, [repeat] = select_points(group_claims([a, b]), {"x": "X", "y": "Y"}, limit=10)
    assert len(points) == 1 and "25 basis points" in points[0].text
    # y's sentence does not state the 25 (session 19): it is not cited for the point, and its claim, a
    # part of the point, is left out as a repeat, naming it
    assert points[0].articles == ["x"] and repeat.claim == "The Fed cut interest rates." and repeat.stage == "merge"


def test_won_and_wins_of_one_party_are_one_point() -> None:
    """German cluster, live run: "CDU won the early parliamentary elections" and "CDU/CSU coalition
    wins Germany's election" were separate points."""
    a = _text("The CDU won the election on Sunday, with Friedrich Merz set to become chancellor.", "a")
    b = _text("The CDU wins the snap election, preliminary results show.", "b")
    one = claim(a, "The CDU won the election.", "The CDU won")
    two = claim(b, "The CDU wins the snap election, preliminary results show.", "The CDU wins")
    assert len(build_points(group_claims([one, two]), {"a": "A", "b": "B"}, limit=10)) == 1


def test_different_figures_for_one_fact_stay_apart_as_points_but_are_a_conflict() -> None:
    """A point cites only sentences that agree with it: 694 never cites the sentence saying 1,644."""
    b = claim(_article("003"), "The death toll has surged to 694, according to the military junta.",
              "earthquake in Myanmar has surged to 694")
    c = claim(_article("005"), "Myanmar's death toll reached 1,644.", "Myanmar’s death toll from Friday’s powerful")
    points = build_points(group_claims([b, c]), {}, limit=10)
    assert len(points) == 2
    assert number_conflicts([b, c], {})


def test_each_figure_is_read_with_the_measure_nearest_to_it() -> None:
    """Myanmar cluster, live run: one 'death toll' conflict mixed 7.7 (a magnitude), 150 dead and a
    USGS forecast of 10,000 deaths. Each figure now goes with its own measure; forecasts apart."""
    from briefgen.conflicts import measured_figures

    assert measured_figures("The death toll from the recent magnitude 7.7 earthquake in Myanmar has surged to "
                            "694, with 1,670 individuals reported injured") == {
        "magnitude": 7.7, "dead": 694.0, "injured": 1670.0}
    assert measured_figures("Myanmar's military government reported at least 144 dead and more than 730 injured, "
                            "with officials warning that the death toll was likely to rise.") == {
        "dead": 144.0, "injured": 730.0}
    assert measured_figures("The USGS has projected that the total death toll from the central Myanmar earthquake "
                            "could surpass 10,000.") == {"forecast dead": 10000.0}
    assert measured_figures("The Fed cut rates in 2024.") == {}


def test_the_story_most_articles_tell_leads_when_every_point_has_one_outlet() -> None:
    """Myanmar cluster, live run: "At least two people died in the accident, Thai emergency services
    said." (article 000's first claim) led the brief above the 7.7-magnitude quake other articles lead with."""
    side = claim(_article("000"), "At least two people died in the accident, Thai emergency services said.",
                 "Thai emergency services said that at least two people died")
    quake_a = claim(_article("001"), "A 7.7-magnitude earthquake centered in Myanmar reverberated across Southeast Asia.",
                    "A 7.7-magnitude earthquake centered in Myanmar", rank=1)
    quake_b = claim(_article("002"), "A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, killing more "
                    "than 150 people across Myanmar and Thailand, officials said.",
                    "A powerful 7.7-magnitude earthquake struck", rank=1)
    outlets = {c.article.id: c.article.id for c in (side, quake_a, quake_b)}
    points = build_points(group_claims([side, quake_a, quake_b]), outlets, limit=10)
    assert "7.7-magnitude" in points[0].text


def test_reports_of_one_rate_range_are_one_point() -> None:
    """Fed cluster, live run: five points of one brief gave the new 4.25%-4.5% range in other words."""
    a = _text("The Fed lowered the federal funds rate to a range of 4.25% to 4.5%, down from 4.5% to 4.75%.", "a")
    b = _text("The reduction takes the federal funds rate to a target range of 4.25%-4.5%, as markets expected.", "b")
    one = claim(a, "The Fed lowered the federal funds rate to a range of 4.25% to 4.5%.", "The Fed lowered")
    two = claim(b, "The reduction takes the federal funds rate to a target range of 4.25%-4.5%.", "The reduction takes")
    points = build_points(group_claims([one, two]), {"a": "A", "b": "B"}, limit=10)
    assert len(points) == 1 and points[0].outlets == 2


def test_figures_go_with_their_own_measure_across_languages_and_spellings() -> None:
    """Myanmar and German clusters, live runs of the final code: "three people were killed and at least
    80 people remain trapped" read as 80 dead; a Spanish "magnitud 7,7" as magnitude 7; German "Die"
    as "died"; "Myanmar's" and "Myanmar" as two places, splitting one death-toll conflict in two."""
    from briefgen.conflicts import measured_figures

    assert measured_figures("In neighboring Thailand, at least three people were killed and at least 80 people "
                            "remain trapped under a 33-story high-rise") == {"dead": 3.0, "storeys": 33.0}
    assert measured_figures("Un potente terremoto de magnitud 7,7 sacudió Birmania") == {"magnitude": 7.7}
    german = _text("Die Union hat die Bundestagswahl 2025 mit 28,6 Prozent der Stimmen gewonnen.", "de")
    english = _text("The CDU won 28.5 percent of the vote, and at least 2 people died in a crash.", "en")
    assert german.language == "de"
    assert not number_conflicts([claim(german, german.text, "Die Union hat"),
                                 claim(english, english.text, "The CDU won")], {})
    a = claim(_article("002"), "Myanmar's military government reported at least 144 dead.",
              "Myanmar's military government reported at least 144 dead")
    b = claim(_article("003"), "The death toll in Myanmar has surged to 694.", "earthquake in Myanmar has surged to 694")
    c = claim(_article("005"), "Myanmar’s death toll reached 1,644.", "Myanmar’s death toll from Friday’s powerful")
    assert len(number_conflicts([a, b, c], {})) == 1


def test_two_parties_vote_shares_in_one_claim_are_not_a_conflict_with_one_of_them() -> None:
    """German cluster, live run of the final code: 'vote share: 20.8 / 28.5', the AfD's 20.8 against
    the CDU-CSU's 28.5, because the longer claim named the AfD too."""
    a = _text("The CDU-CSU won 28.5 percent of the vote and will lead the next government, while Alice Weidel's "
              "AfD reached a record 20.5 percent.", "a")
    b = _text("The far-right AfD doubled its vote share to 20.8%, becoming the second-largest party.", "b")
    one = claim(a, a.text, "The CDU-CSU won")
    two = claim(b, b.text, "The far-right AfD doubled")
    assert not any("28.5" in side.label for c in number_conflicts([one, two], {}) for side in c.sides)
