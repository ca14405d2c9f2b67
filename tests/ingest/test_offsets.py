"""Quotes are findable with Ctrl-F in the text the user gave, not only in the cleaned copy.

Real failure (issue "Nothing false ships"): the KBS seed has glued sentences
("...the United States.Rosyn Park reports.Reporter: Russian Security Council...");
cleaning inserts spaces and drops the speaker label, so a quote cut from the cleaned
text ("United States. Rosyn Park reports.") was not in the file at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.ingest import from_text, load_file
from briefgen.verify import QuoteMatch, make_citation

from ..conftest import ROOT, SEEDS

FILES = sorted(SEEDS.glob("0*.txt")) + sorted((ROOT / "eval" / "clusters").glob("*/0*.txt"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name[:3]}")
def test_every_sentence_cited_is_verbatim_in_the_file(path: Path) -> None:
    article = load_file(path)
    raw = path.read_text(encoding="utf-8-sig")
    assert article.given_text == raw
    for sentence in article.sentences:
        citation = make_citation(article, QuoteMatch(sentence.start, sentence.end, "exact", 100.0))
        assert raw[citation.start : citation.end] == citation.quote
        assert citation.quote in raw


def test_glued_sentences_and_speaker_labels_map_back_to_the_file() -> None:
    kbs = load_file(SEEDS / "001_34c3b9da6c95dac3.txt")
    assert "United States. Rosyn Park reports." in kbs.text  # the cleaned copy repairs the glue
    start = kbs.text.index("which had been seized by Ukraine")
    end = kbs.text.index("Rosyn Park reports.") + len("Rosyn Park reports.")
    citation = make_citation(kbs, QuoteMatch(start, end, "exact", 100.0))
    assert citation.quote.endswith("United States.Rosyn Park reports.")  # as the file has it
    assert citation.quote in (SEEDS / "001_34c3b9da6c95dac3.txt").read_text(encoding="utf-8")


def test_front_matter_and_collapsed_whitespace_keep_offsets_into_what_was_given() -> None:
    given = ("source: Outlet\ndate: 2025-03-29\n\nThe quake  struck\u00a0on Friday, killing 144 people, "
             "officials said.\r\n\r\nRescuers   searched the rubble overnight, the Red Cross said.")
    article = from_text(given)
    sentence = article.sentences[0]
    citation = make_citation(article, QuoteMatch(sentence.start, sentence.end, "exact", 100.0))
    assert citation.quote == "The quake  struck\u00a0on Friday, killing 144 people, officials said."
    assert given[citation.start : citation.end] == citation.quote
