"""The shape of the package, checked by reading its imports (ast; nothing is imported).

* No import cycle among the modules of ``src/briefgen``.
* No import from a lower layer to a higher one (:data:`LAYERS`): the rules a
  brief is checked by never depend on the pipeline, the pipeline never on a
  command line. Imports inside functions count too; only imports under
  ``if TYPE_CHECKING:`` (types, never run) are left out.
* No module over :data:`MAX_LINES` lines, but those in :data:`NOT_YET_SPLIT`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "briefgen"
MAX_LINES = 400

LAYERS: list[tuple[str, list[str]]] = [
    ("foundation: data, errors, files, folders, version, test doubles", [
        "briefgen._version", "briefgen._paths", "briefgen._files", "briefgen._text", "briefgen.errors", "briefgen.brief",
        "briefgen.prompts", "briefgen.testing", "briefgen.testing_batches",
    ]),
    ("the promise and its inputs: verification rules, ingest, rendering, the local runtime", [
        "briefgen.verify", "briefgen.ingest", "briefgen.render", "briefgen.local",
    ]),
    ("settings", ["briefgen.config", "briefgen.configfile"]),
    ("the model: what it fills, the client, reading its answers, merging", [
        "briefgen.llm", "briefgen.merge", "briefgen.ranking", "briefgen.stale", "briefgen.repeats", "briefgen.events", "briefgen.shares", "briefgen.measures", "briefgen.places", "briefgen.conflicts",
        "briefgen.extract", "briefgen.notices", "briefgen.fallback",
    ]),
    ("the pipeline", ["briefgen.pipeline"]),
    ("the library surface, and the batch path it offers", ["briefgen.api", "briefgen.batchapi", "briefgen"]),
    ("the other surfaces: command line, Slack bot, evaluation harness", [
        "briefgen.cli", "briefgen.slack", "briefgen.eval", "briefgen.__main__",
    ]),
]
"""Lowest first. A module may import its own layer and those below; a package prefix covers its modules."""

NOT_YET_SPLIT: dict[str, str] = {}
"""Modules still over :data:`MAX_LINES`, each with why it is not split yet. Remove an entry once it is."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def _owner(name: str) -> str:
    """The module that ``name`` (a module, or a name inside one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(name: str) -> Iterator[tuple[str, int]]:
    """(imported briefgen module, line) for every import statement of module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "briefgen":
                    yield _owner(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "briefgen":
                continue
            for alias in node.names:
                target = f"{source}.{alias.name}"
                yield (target if target in MODULES else _owner(source)), node.lineno


GRAPH = {name: {target for target, _ in imports_of(name) if target != name} for name in MODULES}


def layer_of(name: str) -> int:
    best, index = "", -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best):
                best, index = prefix, i
    return index


def test_every_module_has_a_layer() -> None:
    assert [name for name in MODULES if layer_of(name) < 0] == []


def test_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(MODULES):
        if name not in state:
            visit(name)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    upward = [
        f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)}) at line {line}"
        for name in MODULES
        for target, line in imports_of(name)
        if layer_of(target) > layer_of(name)
    ]
    assert upward == [], "\n".join(upward)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_the_line_limit(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    if name in NOT_YET_SPLIT:
        # A listed module that has shrunk below the limit must leave the list, so it cannot grow back.
        assert lines > MAX_LINES, f"{name} is {lines} lines now: remove it from NOT_YET_SPLIT"
    else:
        assert lines <= MAX_LINES, f"{name} is {lines} lines (limit {MAX_LINES}): split it by concern"


def test_the_checker_sees_lazy_imports_and_skips_type_only_ones() -> None:
    # briefgen.config.provider starts the local runtime lazily, inside resolve_provider
    assert "briefgen.local" in GRAPH["briefgen.config.provider"]
    # ingest.loader names Settings for its type only (LoadOptions.from_settings)
    assert "briefgen.config" not in GRAPH["briefgen.ingest.loader"]
    assert "briefgen.ingest.loader" in GRAPH["briefgen.ingest"]  # a package's re-exports are its imports


def test_no_helper_is_written_twice() -> None:
    """Two functions with the same body (docstrings aside) are one helper that wants one home."""
    bodies: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                dump = ast.dump(ast.Module(body=body, type_ignores=[]))
                if len(dump) > 200:  # one-liners such as ``return self`` are not helpers
                    bodies.setdefault(dump, []).append(f"{name}.{node.name}")
    twins = [places for places in bodies.values() if len(places) > 1]
    assert twins == [], f"the same body in: {twins}"
