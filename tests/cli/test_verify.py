"""``briefgen verify``: re-check a saved brief's citations against its articles.

Briefs are made with the crafted stand-in model (tests/cli/fixtures.py, not a
recording); what is tested is the re-check, which involves no model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.cli import main
from briefgen.brief import Brief

from ..conftest import seed_paths
from .fixtures import CRAFTED_MODEL, crafted_server


@pytest.fixture(scope="module")
def server() -> Iterator:
    with crafted_server() as fake:
        yield fake


@pytest.fixture
def saved(tmp_path: Path, server, capsys) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A JSON brief of copies of the seed articles: (brief path, articles folder)."""
    articles = tmp_path / "articles"
    articles.mkdir()
    for path in seed_paths():
        shutil.copy(path, articles / path.name)
    code = main([str(articles), "-f", "json", "-o", str(tmp_path / "brief.json"),
                 "--base-url", server.base_url, "--model", CRAFTED_MODEL])
    assert code == 0
    capsys.readouterr()
    return tmp_path / "brief.json", articles


def verify(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["verify", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_unchanged_articles_pass_in_any_order(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    files = sorted(articles.iterdir(), reverse=True)
    code, out, err = verify(capsys, str(brief_path), *map(str, files))
    assert code == 0, out + err
    total = len(Brief.model_validate_json(brief_path.read_text(encoding="utf-8")).citations())
    assert f"PASS: {total} of {total} citation(s)" in out
    assert "identical" in err


def test_articles_are_found_next_to_the_brief_by_default(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    for path in articles.iterdir():
        shutil.copy(path, brief_path.parent / path.name)
    code, out, _ = verify(capsys, str(brief_path))
    assert code == 0 and "PASS" in out


def test_a_changed_number_fails_and_names_the_citation(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    brief = Brief.model_validate_json(brief_path.read_text(encoding="utf-8"))
    target = brief.points[0].citations[0]
    path = next(p for p in articles.iterdir() if p.stem == target.article_id)
    original = path.read_text(encoding="utf-8")
    digit = next(ch for ch in target.quote if ch.isdigit()) if any(ch.isdigit() for ch in target.quote) else None
    changed_quote = target.quote.replace(digit, "9", 1) if digit and digit != "9" else target.quote.replace(" ", "  X ", 1)
    path.write_text(original.replace(target.quote, changed_quote), encoding="utf-8")
    code, out, err = verify(capsys, str(brief_path), str(articles))
    assert code == 1
    assert "FAIL" in out and "point 1" in out and target.article_id in out
    assert "CHANGED" in err


def test_missing_article_fails(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    first = min(articles.iterdir())
    code, out, _ = verify(capsys, str(brief_path), str(first))
    assert code == 1
    assert "no article given for source" in out


def test_tampered_brief_quote_fails_against_identical_text(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    data = json.loads(brief_path.read_text(encoding="utf-8"))
    data["points"][0]["citations"][0]["quote"] = "North Korea will send 60,000 soldiers to the moon."
    brief_path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = verify(capsys, str(brief_path), str(articles))
    assert code == 1 and "quote is no longer in" in out


def test_brief_made_with_a_smaller_article_limit_still_matches(capsys, server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BRIEFGEN_MAX_ARTICLE_CHARS", "900")
    seed = seed_paths()[2]
    brief_path = tmp_path / "small.json"
    assert main([str(seed), "-o", str(brief_path), "--base-url", server.base_url, "--model", CRAFTED_MODEL]) == 0
    monkeypatch.delenv("BRIEFGEN_MAX_ARTICLE_CHARS")
    assert Brief.model_validate_json(brief_path.read_text(encoding="utf-8")).sources[0].chars <= 900
    code, out, _ = verify(capsys, str(brief_path), str(seed))
    assert code == 0 and "PASS" in out


def test_json_report(capsys, saved) -> None:  # type: ignore[no-untyped-def]
    brief_path, articles = saved
    code, out, _ = verify(capsys, str(brief_path), str(articles), "--json")
    report = json.loads(out)
    assert code == 0 and report["passed"] is True and report["failed"] == 0
    assert all(s["identical"] for s in report["sources"].values())


@pytest.mark.parametrize("content", ["not json", '{"headline": "x"}'])
def test_not_a_brief_is_a_usage_error(capsys, tmp_path: Path, content: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = verify(capsys, str(path), str(seed_paths()[0]))
    assert code == 2
    assert "not a briefgen JSON brief" in err and len(err.strip().splitlines()) == 1


def test_missing_brief_file_is_a_usage_error(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = verify(capsys, str(tmp_path / "none.json"))
    assert code == 2 and "no such file" in err
