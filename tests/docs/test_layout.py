"""The layout in docs/development.md names every module of src/briefgen, and nothing that is gone.

A newcomer finds their way by that tree, so it must not drift: a module added
without a line there, or a line left for a module that moved, fails here.
"""

from __future__ import annotations

import re

from ..conftest import ROOT

PACKAGE = ROOT / "src" / "briefgen"


def documented_paths() -> set[str]:
    """Paths (relative to src/, so ``briefgen/api.py``) of the tree in the "Layout" section, rebuilt from its indentation."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = re.search(r"## Layout\n.*?```text\n(.*?)```", text, re.DOTALL)
    assert block, "docs/development.md has no Layout tree"
    stack: list[str] = []
    paths: set[str] = set()
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        stack[depth:] = [name.rstrip("/")]
        paths.add("/".join(stack).removeprefix("src/"))
    return paths


def test_the_layout_names_every_module_and_only_existing_ones() -> None:
    documented = documented_paths()
    actual = {str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
              if p.name != "__init__.py" or p.parent == PACKAGE}
    actual |= {str(p.parent.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("__init__.py")}
    assert sorted(actual - documented) == [], "add these to the Layout tree in docs/development.md"
    assert sorted(documented - actual) == [], "these are in the Layout tree but not in src/briefgen"
