"""The documentation: README.md and docs/*.md link only to files and headings that exist.

No network: links with a scheme (https:, mailto:) are not followed. A link to a
heading (``page.md#anchor``) must name a heading of that page, as mkdocs or
GitHub spell its anchor. Also: the mkdocs nav lists every page, the command-line
page documents every option and command, and (when mkdocs is installed: the
``docs`` extra) the site builds with ``--strict``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from ..conftest import ROOT

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def links(page: Path) -> list[str]:
    text = prose(page.read_text(encoding="utf-8"))
    return [m.group(1) for pattern in (_LINK, _IMAGE, _REFERENCE) for m in pattern.finditer(text)]


def anchors(page: Path) -> set[str]:
    """Each heading's anchor as mkdocs (python-markdown's toc) and as GitHub spell it."""
    found: set[str] = set()
    for match in _HEADING.finditer(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        title = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1)).strip().lower()
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
        found.add(re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_title)).strip("-"))  # mkdocs
        found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))  # GitHub
    return found


def test_there_are_pages_and_they_have_links() -> None:
    assert len(PAGES) > 5 and all(links(p) for p in (ROOT / "README.md", DOCS / "index.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file_and_heading(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto: ... not followed
            continue
        path_part, _, anchor = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor.lower() not in anchors(path):
            broken.append(f"{target}: {path.name} has no heading #{anchor}")
        elif not path.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
    assert broken == [], f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_checker_finds_broken_links_and_anchors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Fetch policy\n\n[a](other.md) [b](#fetch-policy) `[c](nowhere.md)`\n"
                    "```\n[d](nowhere.md)\n```\n[e]: https://example.org\n", encoding="utf-8")
    assert links(page) == ["other.md", "#fetch-policy", "https://example.org"]
    assert "fetch-policy" in anchors(page)


def test_the_mkdocs_nav_lists_every_page_once() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = [next(iter(item.values())) for item in config["nav"]]
    assert sorted(listed) == sorted(p.name for p in DOCS.glob("*.md"))
    assert len(listed) == len(set(listed))


def test_the_command_line_page_documents_every_option_and_command() -> None:
    from briefgen.cli import COMMANDS, batch, brief, doctor, verify

    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    parsers = [brief.parser(), batch.parser(), verify.parser(), doctor.parser("doctor")]
    options = {o for p in parsers for a in p._actions for o in a.option_strings if o.startswith("--")}
    missing = sorted(o for o in options - {"--help", "--version"} if o not in page)
    assert not missing, f"docs/cli.md does not mention {missing}"
    assert all(f"briefgen {c}" in page or c == "brief" for c in COMMANDS)


def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="the docs extra is not installed (pip install -e '.[docs]')")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "cli" / "index.html").exists()
