"""Prompt templates: versioned text files in ``prompts/``, shipped inside the wheel.

A template file has ``# key: value`` header lines (``name`` and ``version``),
then ``=== system ===`` and ``=== user ===`` parts. Placeholders use
``string.Template`` syntax (``$text``), so braces in article text are never
mistaken for template fields. The versions of the templates used are
recorded in every brief's provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

_PART = re.compile(r"^=== (system|user) ===$", re.MULTILINE)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    system: Template
    user: Template

    def render(self, **values: object) -> list[dict[str, str]]:
        """Chat messages with ``values`` substituted (missing keys are an error)."""
        text_values = {k: str(v) for k, v in values.items()}
        return [
            {"role": "system", "content": self.system.substitute(text_values).strip()},
            {"role": "user", "content": self.user.substitute(text_values).strip()},
        ]


def _prompt_dir() -> Path:
    packaged = resources.files("briefgen") / "prompts"
    if packaged.is_dir():  # installed wheel: prompts/ is force-included in the package
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "prompts"  # editable install / source checkout


def parse_template(source: str, *, fallback_name: str = "prompt") -> PromptTemplate:
    headers = dict(re.findall(r"^# (\w+): (.+)$", source, re.MULTILINE))
    pieces = _PART.split(source)
    parts = {pieces[i]: pieces[i + 1] for i in range(1, len(pieces) - 1, 2)}
    if "system" not in parts or "user" not in parts:
        raise ValueError(f"prompt template {fallback_name!r} needs '=== system ===' and '=== user ===' parts")
    return PromptTemplate(
        name=headers.get("name", fallback_name).strip(),
        version=headers.get("version", "0").strip(),
        system=Template(parts["system"]),
        user=Template(parts["user"]),
    )


@lru_cache(maxsize=None)
def load_template(name: str) -> PromptTemplate:
    path = _prompt_dir() / f"{name}.txt"
    return parse_template(path.read_text(encoding="utf-8"), fallback_name=name)


def prompt_version() -> str:
    """e.g. ``extract@4+repair@1+synthesize@2``: recorded in provenance and cassette names."""
    return "+".join(f"{t.name}@{t.version}" for t in map(load_template, ("extract", "pick", "repair", "synthesize")))
