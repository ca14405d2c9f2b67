"""The extract stage in code: grounding drafts, finding the sentence the model meant, what goes to repair.

Each case is a live failure of the bundled model (extract v3 / v4 drafts); no model runs here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import briefgen
from briefgen.extract import MAX_CLAIM_WORDS, extract_messages, form_problem, ground_claims
from briefgen.ingest import load_article
from briefgen.llm.schemas import ExtractedClaim, StatedClaim, extraction_model, resolve_claim
from briefgen.notices import is_foreign
from briefgen.testing import CraftedReply, FakeOpenAIServer, crafted_answer, tool_call_completion
from briefgen.verify import left_out_numbers

from .conftest import ROOT
from .crafted import settings_for, tool_name

SEED_002 = ROOT / "seeds" / "002_90632c3da004c7e2.txt"
SEED_000 = ROOT / "seeds" / "000_c48e5d5ea6a7d2cd.txt"
GERMAN_001 = ROOT / "eval" / "clusters" / "german-election-2025" / "001_berliner-tagesblatt.txt"


def test_a_right_claim_with_the_wrong_opening_is_grounded_in_the_sentence_that_states_it() -> None:
    """The 1.5B model's most common rejection: a right claim paired with the neighbouring sentence."""
    article = load_article(SEED_000)
    claim = ExtractedClaim(
        claim="Kim Jong-un has decided to send 5,000 military construction workers and 1,000 sappers to Russia, "
              "TASS reported.",
        opening="The United States on Tuesday described Russia's",  # another sentence of the article
    )
    resolution = resolve_claim(claim, article)
    assert resolution.match is not None and resolution.match.kind == "found"
    assert article.text[resolution.match.start : resolution.match.end].startswith("TASS, a Russian news agency")


def test_a_claim_copied_from_the_middle_of_a_sentence_is_not_shipped_as_a_point() -> None:
    """Live seeds run (extract v4 draft): these were grounded word for word and shipped."""
    assert form_problem("construction workers and deminers to support reconstruction work in Russia's Kursk region, "
                        "a top Russian official said.")
    assert form_problem("in Kursk, where Ukrainian troops had held territory for months last year, He stated.")
    assert form_problem("North Korea has reportedly sent workers, according to a report by Radio Free Asia (RFA) on.")
    assert form_problem("The government is investigating the causes and authorities are")
    assert form_problem("North Korea will send thousands of military construction workers.") is None
    assert form_problem("“We will send them,” Kim said.") is None
    article = load_article(SEED_002)
    outcome = ground_claims(article, [ExtractedClaim(
        claim="construction workers and deminers to support reconstruction work in Russia's Kursk region, "
              "a top Russian official said.",
        opening="SEOUL, South Korea — North Korea will send thousands")], max_claims=5)
    assert not outcome.verified
    assert [d.problem.startswith("it is a piece of a sentence") for d in outcome.drafts] == [True]


def test_a_point_that_drops_its_sentences_figures_goes_to_repair_and_is_kept_meanwhile() -> None:
    """Fed cluster, live run: "The Fed cut interest rates." cited a sentence with the new range; the
    range was only in the quote."""
    sentence = ("The Federal Reserve cut its key interest rate by a quarter of a percentage point on Wednesday, "
                "moving its benchmark range to 4.25%-4.5%.")
    assert left_out_numbers("The Federal Reserve cut its key interest rate.", sentence) == ["4.25%", "4.5%"]
    assert left_out_numbers("The Fed cut its range to 4.25%-4.5%.", sentence) == []
    assert left_out_numbers("It happened in 2024.", "It happened in 2024.") == []  # years are not asked for
    article = load_article(sentence)
    outcome = ground_claims(article, [ExtractedClaim(claim="The Federal Reserve cut its key interest rate.",
                                                     opening="The Federal Reserve cut its key")], max_claims=5)
    assert [c.text for c in outcome.verified] == ["The Federal Reserve cut its key interest rate."]
    assert outcome.drafts and outcome.drafts[0].kept is outcome.verified[0]
    assert "4.25%" in outcome.drafts[0].problem


def test_a_whole_long_sentence_as_a_claim_goes_to_repair_to_be_shortened() -> None:
    """Live seeds run: a 52-word claim (a sentence copied whole) became the headline."""
    article = load_article(SEED_002)
    sentence = next(s.text for s in article.sentences if s.text.startswith("Wrapping up a one-day visit"))
    long_claim = sentence.removesuffix(", according to Russia's state news agency, Tass.") + ", Tass reported."
    assert len(long_claim.split()) > MAX_CLAIM_WORDS
    outcome = ground_claims(article, [ExtractedClaim(claim=long_claim, opening="Wrapping up a one-day visit")], 5)
    assert outcome.verified and any("words long" in d.problem for d in outcome.drafts)


SEED_004 = ROOT / "seeds" / "004_e167796fe4bed679.txt"


def _repair_by_sentence(drafts, claims=()):  # type: ignore[no-untyped-def]
    import asyncio

    from briefgen.extract import repair_claims
    from briefgen.llm import TokenMeter

    # no model is called in this mode: a model client would be an error to reach
    return asyncio.run(repair_claims(None, list(claims), drafts, language="English",  # type: ignore[arg-type]
                                     mode="sentence", meter=TokenMeter(budget=1000)))


def test_the_local_models_repair_is_the_sentence_itself_with_no_call() -> None:
    """seeds@8 (live): the repair call took 41 of 174 s, and the 1.5B model answered its items with their
    sentences copied, another item's sentence ("Rosyn Park reports." got a sentence about Donetsk), or
    a failed translation. Here a claim that stopped on "on" is mended by its own sentence, verbatim."""
    article = load_article(SEED_004)
    cut_off = ("North Korea has reportedly sent workers to aid in reconstruction efforts in Russian-occupied "
               "territories of Ukraine, following its earlier military dispatch to Russia, according to a report "
               "by Radio Free Asia (RFA) on.")
    outcome = ground_claims(article, [ExtractedClaim(claim=cut_off, opening="North Korea has reportedly sent")], 5)
    assert not outcome.verified and outcome.drafts
    claims, rejected, usage = _repair_by_sentence(outcome.drafts)
    assert usage is None and not rejected
    assert [c.text for c in claims] == [outcome.drafts[0].sentence.strip()]
    assert claims[0].text.endswith("on October 22.")


def test_a_sentence_repair_leaves_a_long_verified_claim_as_it_was() -> None:
    """The sentence is longer than the claim a length repair was asked to shorten: nothing to gain."""
    article = load_article(SEED_002)
    sentence = next(s.text for s in article.sentences if s.text.startswith("Wrapping up a one-day visit"))
    long_claim = sentence.removesuffix(", according to Russia's state news agency, Tass.") + ", Tass reported."
    outcome = ground_claims(article, [ExtractedClaim(claim=long_claim, opening="Wrapping up a one-day visit")], 5)
    claims, rejected, usage = _repair_by_sentence(outcome.drafts, outcome.verified)
    assert [c.text for c in claims] == [c.text for c in outcome.verified] and not rejected and usage is None


def test_a_sentence_as_a_claim_drops_a_quotation_mark_it_never_closes() -> None:
    """German cluster, live run (german-election-2025@6): the point began '" Die AfD erzielte ...', the
    closing mark of the sentence before it; a quotation the sentence opens and closes is kept."""
    from briefgen.extract import sentence_claim

    stray = ('" Die AfD erzielte mit 19,6 Prozent ihr bestes Ergebnis auf Bundesebene und wurde zweitstärkste '
             "Kraft, was fast einer Verdoppelung ihres Ergebnisses von 2021 entspricht.")
    assert sentence_claim(stray).startswith("Die AfD erzielte mit 19,6 Prozent")
    assert sentence_claim("“We will send them,” Kim said.") == "“We will send them,” Kim said."
    assert sentence_claim(' "Bitter," Scholz said. ') == '"Bitter," Scholz said.'


def test_the_model_writes_claims_alone_and_picks_sentences_of_an_article_in_another_language() -> None:
    """Extract v5 / pick v1. On the v4 live runs every grounded claim from an English article was
    grounded on the same sentence without its opening; for a German, Spanish or Portuguese page the
    model's translated claim could not be checked, and in the v5 Myanmar run it translated the opening
    too, so the Spanish page gave nothing. Such a page is now listed by numbered sentence."""
    english = load_article(SEED_000)
    german = load_article(GERMAN_001)
    assert (is_foreign(english, "English"), is_foreign(german, "English")) == (False, True)
    system = extract_messages(english, max_claims=5, language="English")[0]["content"]
    schema = json.dumps(extraction_model(5, 3).model_json_schema())
    assert "opening" not in system and '"opening"' not in schema
    assert '"title": "Claim"' not in schema  # field titles are not re-sent with every call


def test_an_article_in_another_language_is_cited_by_the_sentences_the_model_picks() -> None:
    """The German page's sentences are numbered for the model; its picks are cited verbatim, a number
    past the end or a repeat is ignored."""
    seen: list[dict[str, Any]] = []

    def answer(request: dict[str, Any]) -> CraftedReply:
        seen.append(request)
        if tool_name(request) == "Picks":
            return CraftedReply(body=tool_call_completion({"sentences": [3, 1, 3, 999]}, name="Picks"))
        return crafted_answer(request)

    with FakeOpenAIServer(fallback=answer) as server:
        brief = briefgen.summarize([str(GERMAN_001)], settings=settings_for(server))
    [picks] = [r for r in seen if tool_name(r) == "Picks"]
    listed = re.findall(r"^\[(\d+)\] (.+)$", picks["messages"][1]["content"], re.MULTILINE)
    article = load_article(GERMAN_001)
    assert [text for _, text in listed][:3] == [" ".join(s.text.split()) for s in article.sentences[:3]]
    cited = [c.quote for p in [*brief.points, *brief.background] for c in p.citations]
    # both picks, in the brief's order: sentence 3 ("Dies bedeutet ...") leans on the one before it, so it ranks last
    assert cited == [article.sentences[0].text, article.sentences[2].text]
    assert all(p.text in (article.sentences[2].text, article.sentences[0].text) for p in brief.points)


def test_a_claim_without_an_opening_is_grounded_in_the_sentence_that_states_it() -> None:
    """Seeds, live run (extract v4): two claims of article 001, their openings ("North Korea",
    "Pyongyang") taken away, are grounded on the same sentences by their words; a claim that fails
    still names the sentence it is about and the checker's reason, for the repair and for ``rejected``."""
    article = load_article(ROOT / "seeds" / "001_34c3b9da6c95dac3.txt")
    for claim, opening in (
        ("North Korea will send thousands of its military workers to Russia’s Kursk region to help with "
         "rebuilding efforts in the war-hit area, which had been seized by Ukraine for months.", "North Korea"),
        ("The move is yet another sign of the deepening alliance between Pyongyang and Moscow", "Pyongyang"),
    ):
        resolution = resolve_claim(StatedClaim(claim=claim), article)
        pointed = resolve_claim(ExtractedClaim(claim=claim, opening=opening), article)
        assert resolution.match is not None and pointed.match is not None
        assert (resolution.match.start, resolution.match.end) == (pointed.match.start, pointed.match.end)
    # seeds 000, same run: the sentence reports ("Russian media reported"), the claim only "described"
    article = load_article(SEED_000)
    failed = resolve_claim(StatedClaim(
        claim="The United States described Russia's continued use of North Korean workers and troops for "
              "operations against Ukraine as deeply concerning."), article)
    assert failed.match is None and failed.problem.startswith("the sentence attributes this")
    assert failed.sentence is not None and article.text[slice(*failed.sentence)].startswith("The United States on Tuesday")
    unstated = resolve_claim(StatedClaim(claim="Kim will ride a unicorn to Moscow."), article)
    assert unstated.match is None and unstated.problem.startswith("no sentence of the article states it")


def test_a_picked_sentence_longer_than_a_written_claim_may_be_is_still_cited() -> None:
    """Iberian cluster, live run: the model picked sentence 5 of the Portuguese page, 337 characters
    (“A REN tem todos os seus recursos empenhados ...”); building the claim raised a traceback
    because a claim the model *writes* is bounded to 300 characters."""
    page = ROOT / "eval" / "clusters" / "iberian-blackout-2025" / "004_aquinoticias.txt"

    def answer(request: dict[str, Any]) -> CraftedReply:
        if tool_name(request) == "Picks":
            return CraftedReply(body=tool_call_completion({"sentences": [5]}, name="Picks"))
        return crafted_answer(request)

    with FakeOpenAIServer(fallback=answer) as server:
        brief = briefgen.summarize([str(page)], settings=settings_for(server))
    [point] = brief.points
    assert point.text.startswith("“A REN tem todos os seus recursos") and len(point.text) > 300


def test_a_claim_that_stops_at_a_possessive_is_not_a_sentence() -> None:
    """Seeds, live run (extract v5): the model stopped at the quotation mark of 'Pyongyang's
    "unlawful" weapons of mass destruction ...' and the point shipped ending in "Pyongyang's."."""
    assert form_problem("The spokesperson also stressed that North Korean workers financially support Pyongyang's.")
    assert form_problem("The move is yet another sign of the deepening alliance between Pyongyang and Moscow.") is None


def test_a_page_in_another_language_that_gave_no_claim_is_named_with_what_was_tried() -> None:
    """Since its sentences are picked by number, a German page gives no claim only when every pick was
    refused (a byline): the warning says so, not that a claim in English could not be checked."""
    from briefgen.notices import language_warnings

    german = load_article(GERMAN_001)
    [warning] = language_warnings([german], {german.id}, [], [], "English")
    assert warning == (f"{german.id}: written in de, not English; none of the sentences picked from it could be "
                       "cited (see rejected); it is listed in the sources but not cited")


def test_a_heading_asked_as_a_question_is_no_claim() -> None:
    """Fed cluster, live run (session 19, fed-rate-cut-dec-2024@11): the page's heading "When Was The Last
    Fed Reserve Interest Rate Cut?" was copied as a claim, grounded on itself and shipped as a point."""
    assert "question" in (form_problem("When Was The Last Fed Reserve Interest Rate Cut?") or "")
    assert "question" in (form_problem('Why did the Fed cut rates again?"') or "")
    assert form_problem("The Fed cut rates by a quarter point on Wednesday.") is None


def test_a_sentence_past_the_length_bound_is_cut_at_its_last_whole_clause() -> None:
    """german-election-2025@14 (live, session 21): the claim left out the AfD's 20.5 of its sentence, the
    sentence repair shipped that sentence, and the length bound cut it to "... in the relationship with the
    United…", the brief's first point and its lede. The clause before the semicolon states the result whole."""
    article = load_article(ROOT / "eval" / "clusters" / "german-election-2025" / "003_fosterinstantnews.txt")
    claim = "CDU-CSU won 28.5 percent of the vote and will lead the next government"
    outcome = ground_claims(article, [StatedClaim(claim=claim)], 5)
    claims, rejected, _ = _repair_by_sentence(outcome.drafts, outcome.verified)
    whole = ("The CDU-CSU won 28.5 percent of the vote and will lead the next government, while Alice Weidel's AfD "
             "reached a record 20.5 percent and pushed the Social Democrats into third place.")
    assert [c.text for c in claims] == [whole] and not rejected
