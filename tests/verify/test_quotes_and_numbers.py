"""Quote resolution and number checks: the heart of "every citation is verified"."""

from __future__ import annotations

import pytest

from briefgen.ingest import load_article
from briefgen.llm.schemas import ExtractedClaim, Extraction, claim_problem, resolve_claim
from briefgen.verify import check_numbers, extract_numbers, locate_quote, make_citation

from ..conftest import SEEDS

NPR = SEEDS / "002_90632c3da004c7e2.txt"
KBS = SEEDS / "001_34c3b9da6c95dac3.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,000 sappers", {1000}),
        ("1000 sappers", {1000}),
        ("one thousand sappers", {1000}),
        ("one-thousand engineers", {1000}),
        ("six-thousand military personnel", {6000}),
        ("$200,000 for each soldier", {200000}),
        ("1.5 million people", {1_500_000}),
        ("his third visit in three months", {3}),
        ("thousands of troops", set()),
        ("about 15,000 soldiers and 600 deaths", {15000, 600}),
        # rate moves in every form (fed@11, session 20: one cut told three times, as words and as figures)
        ("cut its key interest rate by a quarter of a percentage point", {0.25}),
        ("a quarter-point cut", {0.25}),
        ("lowered its benchmark interest rate by 25 basis points", {0.25}),
        ("a cut of half a percentage point in September", {0.5}),
        ("the third reduction in a row and one that struck a note of warning", {3}),  # "one that": a pronoun
        ("a quarter of the buildings", set()),  # a share, not a rate move
    ],
)
def test_extract_numbers(text: str, expected: set[float]) -> None:
    assert extract_numbers(text) == expected


def test_number_check_accepts_sums_and_flags_inventions() -> None:
    source = "Kim decided to send 1,000 sappers and 5,000 military construction workers."
    total = check_numbers("North Korea will send 6,000 workers", source)
    assert total.ok and total.derived == {6000}
    wrong = check_numbers("North Korea will send 7,000 workers", source)
    assert not wrong.ok and wrong.missing == {7000}
    words = check_numbers("one-thousand engineers", "1,000 engineers")
    assert words.ok


def test_locate_quote_tiers() -> None:
    article = load_article(NPR)
    exact = locate_quote("Kim Jong Un decided to send 1,000 sappers to clear mines", article)
    assert exact is not None and exact.kind == "exact"
    # straight apostrophe and different case: still found, offsets map to the source
    folded = locate_quote("according to russia's state news agency, tass", article)
    assert folded is not None and folded.kind == "normalized"
    assert article.text[folded.start : folded.end] == "according to Russia's state news agency, Tass"
    # one word changed: fuzzy, and the citation carries the source's words
    fuzzy = locate_quote("about 15,000 North Korean troops have been deployed to Russia", article)
    assert fuzzy is not None and fuzzy.kind == "fuzzy"
    citation = make_citation(article, fuzzy)
    assert citation.quote in article.text and "soldiers" in citation.quote
    assert locate_quote("North Korea sent 40,000 bananas to the moon", article) is None
    assert locate_quote("short", article) is None


def test_citation_points_at_its_sentence() -> None:
    article = load_article(KBS)
    match = locate_quote("one-thousand engineers to remove landmines", article)
    assert match is not None
    citation = make_citation(article, match)
    sentence = article.sentences[citation.sentence_index]  # type: ignore[index]
    assert sentence.start <= citation.start < sentence.end
    assert "RIA Novosti" in sentence.text


def test_claim_problem_messages_are_written_for_the_model() -> None:
    article = load_article(NPR)
    ok = ExtractedClaim(
        claim="Kim Jong Un decided to send 1,000 sappers to the Kursk region, Shoigu said.",
        quote="decided to send 1,000 sappers to clear mines",
    )
    assert claim_problem(ok, article) is None
    # the same claim without who said it: completed from the sentence (live runs dropped "said")
    unattributed = ExtractedClaim(claim="Kim decided to send 1,000 sappers to Kursk.", quote="decided to send 1,000 sappers to clear mines")
    assert claim_problem(unattributed, article) is None
    assert (resolve_claim(unattributed, article).text or "").endswith("according to Russia's state news agency, Tass.")
    invented = ExtractedClaim(claim="Kim will send 9,000 sappers.", quote="decided to send 1,000 sappers to clear mines")
    assert "9,000" in (claim_problem(invented, article) or "")
    missing = ExtractedClaim(claim="Kim visited Paris.", quote="Kim visited Paris in May with his sister")
    assert "not in the article" in (claim_problem(missing, article) or "")


def test_extraction_validator_reasks_with_every_failing_claim() -> None:
    article = load_article(NPR)
    payload = {
        "claims": [
            {"claim": "Kim decided to send 1,000 sappers, Shoigu said.", "quote": "decided to send 1,000 sappers to clear mines"},
            {"claim": "Kim will send 9,000 sappers.", "quote": "decided to send 1,000 sappers to clear mines"},
            {"claim": "Kim visited Paris.", "quote": "Kim visited Paris in May with his sister"},
        ]
    }
    with pytest.raises(ValueError) as info:
        Extraction.model_validate(payload, context={"article": article})
    message = str(info.value)
    assert "claims[1]" in message and "claims[2]" in message and "claims[0]" not in message
    lenient = Extraction.model_validate(payload, context={"article": article, "lenient": True})
    assert len(lenient.claims) == 3


def test_a_decimal_comma_is_one_figure_and_thousands_stay_thousands() -> None:
    """German cluster, live run (german-election-2025@6): "16,4 Prozent" was read as 16 and 4, so the
    point "Deutliche Verluste verzeichnet die SPD, die mit nur 16,4 Prozent ..." also cited "Die SPD
    erlitt mit 16 Prozent historische Verluste" as stating its figure."""
    from briefgen.verify import check_numbers, extract_numbers

    assert extract_numbers("mit nur 16,4 Prozent") == {16.4}
    assert extract_numbers("28,5% der Stimmen") == {28.5}
    assert extract_numbers("1,000 sappers and 12,345 people") == {1000.0, 12345.0}
    assert not check_numbers("Die SPD erzielte 16,4 Prozent.", "Die SPD erlitt mit 16 Prozent historische Verluste.").ok
