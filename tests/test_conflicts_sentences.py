"""Number conflicts found in the articles' own sentences (briefgen.places.sentence_reports), each
test built from the dev clusters' real pages (eval/clusters/) and what a replay of their saved live
runs shipped (bench/conflicts_saved.py). No model."""

from __future__ import annotations

from pathlib import Path

from briefgen.brief import Article
from briefgen.conflicts import MAX_SIDES, number_conflicts
from briefgen.ingest import load_article
from briefgen.measures import measured_figures
from briefgen.places import places_in, sentence_reports

from .conftest import ROOT
from .test_merge import claim

CLUSTERS = ROOT / "eval" / "clusters"


def _page(cluster: str, name: str) -> Article:
    return load_article(next((CLUSTERS / cluster).glob(f"{name}_*.txt")))


def _myanmar() -> list[Article]:
    return [_page("myanmar-quake-2025", f"00{i}") for i in range(6)]


def _text(text: str, name: str) -> Article:
    return load_article(text).model_copy(update={"id": name})


def _figures_of(conflict_topic: str) -> list[str]:
    return conflict_topic.split(": ", 1)[1].split(" / ")


def test_the_death_toll_no_claim_gave_is_found_in_the_sentences_quoted_whole_and_verbatim() -> None:
    """Myanmar cluster, saved run @4: only the claims' death tolls and injured counts were conflicts; the
    magnitudes 7.5 / 7.7, aftershocks 6.4 / 6.7 / 7.0 and the tower's 30 / 33 storeys were in sentences."""
    articles = _myanmar()
    conflicts = {c.topic.split(":")[0].split(" (")[0]: c
                 for c in number_conflicts([], {a.id: a.label for a in articles}, sentence_reports(articles))}
    assert _figures_of(conflicts["dead"].topic) == ["144", "694", "1,644"]  # not Bangkok's 10, nor 150 "across" two
    assert _figures_of(conflicts["magnitude"].topic) == ["7.5", "7.7"]
    assert _figures_of(conflicts["aftershock"].topic) == ["6.4", "6.7", "7"]
    assert _figures_of(conflicts["storeys"].topic) == ["30", "33"]
    by_id = {a.id: a for a in articles}
    for conflict in conflicts.values():
        for side in conflict.sides:
            assert len({c.article_id for c in side.citations}) == len(side.citations)  # one sentence per article
            for citation in side.citations:
                article = by_id[citation.article_id]
                assert article.given_text[citation.start : citation.end] == citation.quote
                assert any(s.text == citation.quote for s in article.sentences)  # a whole sentence
    # the Spanish page's "694 muertos y 1.670 heridos" are in "Birmania", a place no English page names: no side
    assert all(not c.article_id.startswith("004") for k in conflicts.values() for s in k.sides for c in s.citations)


def test_counts_minutes_lists_and_ranges_next_to_a_measure_are_not_its_figure() -> None:
    """Myanmar cluster, sentences of the saved runs: "11 minutes later" read as an aftershock of 11,
    "at least 14 aftershocks" as one of 14, "between magnitudes 3 and 5" as magnitude 3, two
    aftershocks "measuring 4.9 and 6.7" as one of 4.9."""
    assert measured_figures("It was followed 11 minutes later by a 6.4-magnitude aftershock.") == {"aftershock": 6.4}
    assert measured_figures("Since the initial quake, there have been at least 14 aftershocks, with tremors mostly "
                            "registering between magnitudes 3 and 5.") == {}
    assert measured_figures("Two significant aftershocks, measuring 4.9 and 6.7, were reported approximately 20 "
                            "miles from Mandalay, Myanmar’s second-largest city, which experienced considerable "
                            "damage.") == {}
    assert measured_figures("The strongest aftershock was a magnitude 6.7 tremor, occurring about ten minutes "
                            "after the major earthquake.") == {"aftershock": 6.7}
    assert "dead" not in measured_figures("A powerful 7.7-magnitude earthquake struck Southeast Asia on Friday, "
                                          "killing more than 150 people across Myanmar and Thailand")


def test_the_source_a_sentence_credits_is_not_its_place() -> None:
    """Myanmar cluster: India's seismology centre's 7.5 named no place in common with the USGS's 7.7."""
    assert places_in("The earthquake of magnitude 7.5 took place at 11.50 am local time, according to India’s "
                     "National Center for Seismology.") == frozenset()
    assert places_in("Myanmar’s death toll from Friday’s powerful earthquake reached 1,644") == {"myanmar"}


def test_sentences_whose_place_is_in_another_sentence_or_another_language_are_not_read_alone() -> None:
    """Valencia cluster: "this town" (Paiporta) and "there" (Valencia province) are named in the sentence
    before, so each is read only quoted with it (tests/test_conflicts_units.py); Iberian cluster: an
    English page quoting a Spanish sentence ("La magnitud del apagón ... 50 millones")."""
    valencia = _page("valencia-floods-2024", "002")
    texts = [r.text for r in sentence_reports([valencia])]
    assert not any(t.startswith(("At least 40 people died in this town", "Officials say")) for t in texts)
    assert any(t.startswith("One of the hardest-hit areas is Paiporta") and "this town alone" in t for t in texts)
    catalan = _page("iberian-blackout-2025", "002")
    assert catalan.language == "en"
    assert not any("magnitud" in r.text for r in sentence_reports([catalan]))
    spanish = [r.text for r in sentence_reports([_page("valencia-floods-2024", "005")])]
    assert not any("hay menores" in t for t in spanish)  # read in Spanish, only where it gives a measured figure


def test_a_small_count_of_a_part_is_no_side_of_the_total() -> None:
    """Valencia cluster, saved run @2: 'dead: 2 / 155 / 205', the 2 being Castilla-La Mancha's; and the
    Spanish pages' counts: Paiporta's mayor's 34 then 62 are a quantity of their own, "las primeras cifras
    recogían 13 fallecidos" (a total over Paiporta, Torrent, Chiva ...) and "213 fallecidos" (no place:
    the province's, or Paiporta's?) are no side."""
    articles = [_page("valencia-floods-2024", f"00{i}") for i in range(6)]
    conflicts = number_conflicts([], {a.id: a.label for a in articles}, sentence_reports(articles))
    assert [c.topic for c in conflicts] == ["dead (Valencia): 51 / 92 / 155 / 205", "dead (Paiporta): 34 / 40 / 62"]


def test_one_outlet_updating_its_own_count_is_no_conflict() -> None:
    one = _text("Officials said at least 144 people died in Myanmar on Friday. By Saturday the death toll in "
                "Myanmar had risen to 694, officials said.", "a")
    assert not number_conflicts([], {"a": "A"}, sentence_reports([one]))
    other = _text("The death toll in Myanmar reached 1,644 on Sunday.", "b")
    assert len(number_conflicts([], {"a": "A", "b": "B"}, sentence_reports([one, other]))) == 1


def test_a_claims_figure_keeps_its_citation_and_sentences_add_the_other_figures() -> None:
    """Myanmar cluster: the claim-found 694 and the sentence-found 144 and 1,644 are one conflict."""
    articles = _myanmar()
    savera = next(a for a in articles if a.id.startswith("003"))
    told = claim(savera, "The death toll has surged to 694, according to the military junta.",
                 "earthquake in Myanmar has surged to 694")
    conflicts = [c for c in number_conflicts([told], {}, sentence_reports(articles)) if c.topic.startswith("dead")]
    assert len(conflicts) == 1
    side = next(s for s in conflicts[0].sides if s.label.startswith("694"))
    assert side.citations == [told.citation]


def test_compound_party_names_are_one_subject_and_sides_are_capped() -> None:
    """German cluster: "The CDU-CSU won 28.5 percent" and "The CDU/CSU emerged ... with 28.6%" were no conflict."""
    a = _text("The CDU-CSU won 28.5 percent of the vote and will lead the next government.", "a")
    b = _text("- The CDU/CSU emerged as the largest party with 28.6% of the vote, paving the way for Friedrich "
              "Merz to become Germany's next chancellor.", "b")
    assert [c.topic for c in number_conflicts([], {}, sentence_reports([a, b]))] == ["CDU/CSU vote share: 28.5 / 28.6"]
    many = [_text(f"The death toll in Myanmar has risen to {n}, officials said.", f"x{n}") for n in range(100, 900, 100)]
    (conflict,) = number_conflicts([], {}, sentence_reports(many))
    assert len(conflict.sides) == MAX_SIDES


def test_sentences_of_the_saved_seeds_run_add_no_number_conflict() -> None:
    seeds = [load_article(p) for p in sorted(Path(ROOT / "seeds").glob("0*.txt"))]
    assert not number_conflicts([], {}, sentence_reports(seeds))
