"""The quality harness (briefgen.eval): FACTS.md parsing, scoring, and a replay of the seeds.

Parser and scoring tests need no model. The replay test runs the harness on
seeds/ against tests/cassettes/seeds_brief.yaml (a real local-model
recording, served by FakeOpenAIServer) and checks the figures against the
recorded run's, stored in tests/data/eval_seeds_expected.json.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefgen import eval as harness
from briefgen.eval.score import _leak_pattern
from briefgen.brief import (
    Article,
    Brief,
    Citation,
    Conflict,
    ConflictSide,
    Point,
    Provenance,
    Source,
    StaleArticle,
    Usage,
)

from ..conftest import CASSETTES, ROOT, SEEDS

CASSETTE = CASSETTES / "seeds_brief.yaml"
EXPECTED = Path(__file__).resolve().parents[1] / "data" / "eval_seeds_expected.json"
# Figures that depend on the machine, not on the recording.
VOLATILE = {"wall_time_s"}


# --- parsing ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_sheet() -> harness.FactSheet:
    return harness.parse_facts((SEEDS / "FACTS.md").read_text(encoding="utf-8"))


def test_seed_facts_are_parsed_with_regexes_and_files(seeds_sheet: harness.FactSheet) -> None:
    assert len(seeds_sheet.facts) == 13
    assert seeds_sheet.problems == []
    first = seeds_sheet.facts[0]
    assert first.files == ["000", "001", "002", "003"]
    assert first.regex().search("North Korea will send 1,000 SAPPERS to Kursk")
    tass = next(f for f in seeds_sheet.facts if f.pattern == "tass|ria novosti")  # bare | stays in the regex
    assert tass.files == ["000", "001", "002"]


def test_parenthesised_comments_are_not_files(seeds_sheet: harness.FactSheet) -> None:
    concerning = next(f for f in seeds_sheet.facts if "deeply concerning" in f.pattern)
    assert concerning.files == ["000", "001", "002"]
    assert "003 paraphrases" in concerning.note
    third = next(f for f in seeds_sheet.facts if f.pattern.startswith("third"))
    assert third.files == ["002", "003"]


def test_stale_article_is_read_from_the_date_bullet(seeds_sheet: harness.FactSheet) -> None:
    assert [s.file for s in seeds_sheet.stale] == ["004"]


def test_conflict_bullets_keep_their_numbers_and_names(seeds_sheet: harness.FactSheet) -> None:
    assert len(seeds_sheet.conflicts) == 4  # the Date bullet is a stale bullet, not a conflict
    attribution = next(c for c in seeds_sheet.conflicts if c.label == "Attribution")
    assert {"6,000", "Tass", "RIA Novosti"} <= set(attribution.keys)
    assert "000" not in attribution.keys  # file ids are not keys
    kursk = next(c for c in seeds_sheet.conflicts if c.label == "Kursk control")
    assert {"Kursk", "Moscow", "Pyongyang"} <= set(kursk.keys)
    visits = next(c for c in seeds_sheet.conflicts if "21 March" in c.text)
    assert "Shoigu" in visits.keys  # "the earlier visits" does not make this a stale bullet


def test_boilerplate_strings_are_the_quoted_ones(seeds_sheet: harness.FactSheet) -> None:
    assert seeds_sheet.boilerplate == [
        "Log in to Twitter or Facebook account", "Play Live Radio", "0:00", "75 F Los Angeles", "- Advertisement -",
    ]


def test_parser_is_forgiving_and_reports_bad_lines() -> None:
    sheet = harness.parse_facts(
        "# Title\n\n## Key facts\n"
        "- a fact | (unclosed | 001\n"
        "- too few fields | 001\n"
        "- fine | fine|okay | a1, b2 (b3 says so)\n"
        "## Stale\n- 007: published a year earlier\n"
        "## Cautions\n- Date: 003 is from 1 May 2020, an earlier, different event.\n"
        "## Boilerplate\n“Subscribe now” and \"Sign in…\"\n"
    )
    assert [f.text for f in sheet.facts] == ["fine"]
    assert sheet.facts[0].files == ["a1", "b2"]
    assert len(sheet.problems) == 2
    assert [s.file for s in sheet.stale] == ["007", "003"]
    assert sheet.conflicts == []
    assert sheet.boilerplate == ["Subscribe now", "Sign in"]


# --- scoring on a hand-built brief -------------------------------------------------------

A_TEXT = "Officials said 1,000 deminers will go to Kursk. Tass reported the plan on Tuesday."
B_TEXT = "RIA Novosti said 6,000 workers in total would go. Play Live Radio. Critics called it troubling."
C_TEXT = "An older report from last year described workers in Donetsk."


def _article(ident: str, text: str) -> Article:
    return Article(id=ident, text=text)


def _cite(article: Article, quote: str) -> Citation:
    start = article.text.index(quote)
    return Citation(article_id=article.id, sentence_index=0, start=start, end=start + len(quote), quote=quote)


def _point(text: str, *citations: Citation) -> Point:
    ids = list(dict.fromkeys(c.article_id for c in citations))
    return Point(text=text, citations=list(citations), articles=ids, outlets=len(ids))


def _brief() -> tuple[Brief, dict[str, Article]]:
    a, b, c = _article("000_aaaa", A_TEXT), _article("001_bbbb", B_TEXT), _article("002_cccc", C_TEXT)
    brief = Brief(
        headline="North Korea sends deminers to Kursk",
        lede="Pyongyang will send 1,000 deminers, Tass reported.",
        points=[
            _point("North Korea will send 1,000 deminers to Kursk.", _cite(a, "1,000 deminers will go to Kursk")),
            _point("Critics called the plan troubling.", _cite(b, "Critics called it troubling")),
        ],
        background=[_point("Workers were reported in Donetsk last year.", _cite(c, "workers in Donetsk"))],
        conflicts=[
            Conflict(kind="attribution", topic="6,000 workers in total",
                     sides=[ConflictSide(label="Tass", citations=[_cite(a, "Tass reported the plan")]),
                            ConflictSide(label="RIA Novosti", citations=[_cite(b, "RIA Novosti said 6,000 workers")])]),
        ],
        stale=[StaleArticle(article_id="002_cccc", published=date(2024, 10, 22), reference_date=date(2025, 6, 17),
                            days_apart=238, reason="older")],
        sources=[Source(id=x.id, outlet=None, title=None, url=None, published=None, sha256=x.sha256, chars=len(x.text))
                 for x in (a, b, c)],
        usage=Usage(prompt_tokens=900, completion_tokens=150, total_tokens=1050, reasks=1, wall_time_s=2.5),
        provenance=Provenance(model="m", provider="base_url", prompt_version="p", briefgen_version="0",
                              input_sha256=[], created_at=datetime(2025, 6, 18, tzinfo=UTC)),
    )
    return brief, {x.id: x for x in (a, b, c)}


SHEET = harness.parse_facts(
    "## Facts\n"
    "- 1,000 deminers | 1,?000 (sappers|deminers) | 000, 001\n"
    "- 6,000 in total | 6,?000 | 001\n"
    "- troubling | deeply concerning|troubling | 000 (001 paraphrases)\n"
    "- Tass reported it | tass | 000\n"
    "- never mentioned | memorial | 001\n"
    "## Conflicts\n"
    "- Attribution: 000 credits it to Tass, 001 to RIA Novosti.\n"
    "- Kursk control: Moscow says it holds Kursk.\n"
    "- Date: 002 is from 22 October 2024 and concerns an earlier, different event.\n"
    "## Boilerplate\n\"Play Live Radio\", \"0:00\"\n"
)


def test_scores_of_a_hand_built_brief() -> None:
    brief, articles = _brief()
    score = harness.score_brief(brief, SHEET, articles, cluster="toy")
    assert (score.citations, score.citations_valid, score.citation_validity) == (5, 5, 1.0)
    # 1,000 (point), 6,000 (conflict), troubling (point), tass (lede + conflict label) covered; memorial not
    assert (score.facts, score.facts_covered) == (5, 4)
    details = {d["fact"]: d for d in score.fact_details}
    assert details["1,000 deminers"]["cited_correctly"] is True
    assert details["troubling"]["cited_correctly"] is False  # cites 001, FACTS.md lists only 000
    assert details["6,000 in total"]["in"] == ["conflict"]
    assert score.citation_correctness == 0.75
    assert (score.conflicts, score.conflicts_surfaced) == (2, 1)
    assert (score.stale, score.stale_detected, score.stale_false_positives) == (1, 1, [])
    assert score.boilerplate_leaks == []
    assert (score.points, score.prompt_tokens, score.completion_tokens, score.reasks) == (3, 900, 150, 1)
    assert score.completion_tokens_per_point == 50.0


def test_a_quote_that_is_not_the_source_text_is_invalid() -> None:
    brief, articles = _brief()
    bad = brief.points[0].citations[0].model_copy(update={"quote": "1,000 deminers will go to Moscow"})
    brief.points[0].citations[0] = bad
    score = harness.score_brief(brief, SHEET, articles)
    assert score.citations_valid == score.citations - 1
    assert score.invalid_citations[0]["reason"] == "quote is not the text at the span"


def test_blended_stale_article_and_leaked_boilerplate_are_caught() -> None:
    brief, articles = _brief()
    c = articles["002_cccc"]
    b = articles["001_bbbb"]
    brief.points.append(_point("Workers were in Donetsk.", _cite(c, "workers in Donetsk")))
    brief.points.append(_point("Play Live Radio", _cite(b, "Play Live Radio")))
    score = harness.score_brief(brief, SHEET, articles)
    assert score.stale_detected == 0
    assert score.stale_details == [{"file": "002", "flagged": True, "cited_in_points": True}]
    assert score.boilerplate_leaks == ["Play Live Radio"]
    assert score.citation_validity == 1.0  # boilerplate is verbatim source text: valid, but a leak


def test_leak_patterns_respect_word_boundaries() -> None:
    assert _leak_pattern("0:00").search("it ended at 0:00 today")
    assert not _leak_pattern("0:00").search("at 10:00 GMT")
    assert _leak_pattern("- Advertisement -").search("text - Advertisement - more")


def test_file_ids_match_article_id_prefixes() -> None:
    assert harness.matches_file("000_c48e5d5ea6a7d2cd", "000")
    assert harness.matches_file("000_c48e5d5ea6a7d2cd", "000_c48e5d5ea6a7d2cd")
    assert not harness.matches_file("001_x", "000")


def test_totals_pool_counts() -> None:
    brief, articles = _brief()
    one = harness.score_brief(brief, SHEET, articles, cluster="a")
    two = harness.score_brief(brief, SHEET, articles, cluster="b")
    both = harness.total([one, two])
    assert (both.facts, both.facts_covered, both.citations) == (10, 8, 10)
    assert both.fact_coverage == one.fact_coverage


# --- the command -------------------------------------------------------------------------


def test_main_rejects_a_folder_without_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main([str(tmp_path)]) == 2
    assert "no FACTS.md" in capsys.readouterr().err
    assert harness.main([str(tmp_path / "missing")]) == 2


def test_clusters_are_found_in_sub_folders(tmp_path: Path) -> None:
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "FACTS.md").write_text("## Facts\n- x | x | 000\n", encoding="utf-8")
        (tmp_path / name / "000_one.txt").write_text("Some text.", encoding="utf-8")
    (tmp_path / "not-a-cluster").mkdir()
    clusters = harness.find_clusters(tmp_path)
    assert [c.name for c in clusters] == ["a", "b"]
    assert [p.name for p in clusters[0].articles] == ["000_one.txt"]


def _stable(score: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in score.items() if k not in VOLATILE}


@pytest.mark.cassette
@pytest.mark.skipif(not CASSETTE.exists(), reason="tests/cassettes/seeds_brief.yaml not recorded yet")
def test_replay_of_the_seeds_scores_as_recorded(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    code = harness.main([str(SEEDS), "--replay", str(CASSETTE), "--out", str(out), "--quiet"])
    report = json.loads(out.read_text(encoding="utf-8"))
    seeds = report["clusters"][0]
    assert seeds["error"] is None
    assert seeds["scores"]["citation_validity"] == 1.0
    assert code == 0
    regenerate = f"python -m briefgen.eval seeds --replay {CASSETTE.relative_to(ROOT)} --out {EXPECTED.relative_to(ROOT)}"
    if not EXPECTED.exists():
        pytest.skip(f"no expected figures yet: {regenerate}")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    if expected["replay_sha256"] != report["replay_sha256"]:
        pytest.skip(f"the cassette was re-recorded after the expected figures were written: {regenerate}")
    assert _stable(seeds) == _stable(expected["clusters"][0])


def test_names_a_point_adds_to_its_quotes_are_flagged() -> None:
    brief, articles = _brief()
    b = articles["001_bbbb"]
    brief.points.append(_point("Critics in Washington called it troubling.", _cite(b, "Critics called it troubling")))
    score = harness.score_brief(brief, SHEET, articles)
    flagged = {u["point"]: u["names"] for u in score.unsupported_names}
    assert flagged["Critics in Washington called it troubling."] == ["Washington"]
    assert "Critics called the plan troubling." not in flagged


def test_a_name_is_found_in_its_quote_whichever_apostrophe_either_uses() -> None:
    """Seeds recording (extract v6): the point said "Russia's" where the page says "Russia’s"."""
    brief, articles = _brief()
    b = articles["001_bbbb"]
    brief.points.append(_point("Critics called it troubling.", _cite(b, "Critics called it troubling")))
    brief.points[-1] = brief.points[-1].model_copy(update={"text": "Critics called Critics's plan troubling."})
    quoted = brief.points[-1].citations[0].model_copy(update={"quote": "Critics called Critics’s plan troubling"})
    brief.points[-1] = brief.points[-1].model_copy(update={"citations": [quoted]})
    score = harness.score_brief(brief, SHEET, articles)
    assert "Critics called Critics's plan troubling." not in {u["point"] for u in score.unsupported_names}


def test_conflict_keys_keep_three_digit_numbers_and_drop_file_ids() -> None:
    # eval/clusters/myanmar-quake-2025: the tolls 144 and 694 were read as file ids and dropped,
    # and "000, 001" left "000," behind as a key.
    from briefgen.eval import conflict_keys

    keys = conflict_keys("Death toll: 002 gives 144 dead and 730 injured; 003 and 004 give 694 dead; 000, 001 say 1,000.")
    assert {"144", "730", "694", "1,000"} <= set(keys)
    assert not {"002", "003", "004", "000", "001", "000,"} & set(keys)


def test_replay_without_pyyaml_is_one_line_naming_the_eval_extra(monkeypatch, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    cassette = tmp_path / "cassette.yaml"
    cassette.write_text("interactions: []\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)  # what a base install without briefgen[eval] looks like
    code = harness.main([str(SEEDS), "--replay", str(cassette), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--replay" in err and "pip install 'briefgen[eval]'" in err and len(err.strip().splitlines()) == 1
