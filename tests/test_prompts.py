"""The prompt templates (briefgen/prompts.py and prompts/*.txt): they load, carry versions, and every
placeholder is filled.

The templates are edited as text, so the checks are on every file in ``prompts/``,
not on a list kept here: a new template is checked the day it is added.
"""

from __future__ import annotations

import re

import pytest

import briefgen
from briefgen.prompts import load_template, parse_template, prompt_version
from briefgen.testing import FakeOpenAIServer

from .conftest import ROOT
from .crafted import ARTICLE, crafted_server, settings_for  # noqa: F401 - crafted_server: the `server` fixture

NAMES = sorted(path.stem for path in (ROOT / "prompts").glob("*.txt"))


def test_there_are_templates() -> None:
    assert {"extract", "synthesize"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_template_loads_with_its_own_name_a_version_and_valid_placeholders(name: str) -> None:
    template = load_template(name)
    assert template.name == name
    assert re.fullmatch(r"[1-9]\d*", template.version), f"{name}: version {template.version!r}"
    for part in (template.system, template.user):
        assert part.is_valid(), f"{name}: a '$' that is no placeholder (write '$$' for a dollar sign)"
    assert template.system.template.strip() and template.user.template.strip()


@pytest.mark.parametrize("name", NAMES)
def test_rendering_fills_every_placeholder_and_keeps_braces_and_dollars_in_values(name: str) -> None:
    template = load_template(name)
    fields = set(template.system.get_identifiers()) | set(template.user.get_identifiers())
    values = {field: f"<{field}: {{{{ 7*7 }}}} costs $5>" for field in fields}
    messages = template.render(**values)
    assert [m["role"] for m in messages] == ["system", "user"]
    text = "\n".join(m["content"] for m in messages)
    for field in fields:
        assert f"<{field}: {{{{ 7*7 }}}} costs $5>" in text
        assert not re.search(rf"\$\{{?{field}\b", text.replace("costs $5", "")), f"${field} left in {name}"
    if fields:
        missing = min(fields)
        with pytest.raises(KeyError, match=missing):
            template.render(**{k: v for k, v in values.items() if k != missing})


def test_provenance_records_the_version_of_every_template() -> None:
    recorded = dict(part.split("@") for part in prompt_version().split("+"))
    assert recorded == {name: load_template(name).version for name in NAMES}


def test_a_template_without_its_two_parts_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="prompt template 'broken' needs '=== system ===' and '=== user ==='"):
        parse_template("# name: broken\n# version: 1\nJust text.\n", fallback_name="broken")
    parsed = parse_template("=== system ===\nS $a\n=== user ===\nU $b\n", fallback_name="plain")
    assert (parsed.name, parsed.version) == ("plain", "0")


def test_the_requests_of_a_brief_carry_no_placeholder(server: FakeOpenAIServer) -> None:
    briefgen.summarize(ARTICLE, settings=settings_for(server))
    fields = {f for name in NAMES for part in (load_template(name).system, load_template(name).user)
              for f in part.get_identifiers()}
    sent = "\n".join(str(m.get("content")) for request in server.requests for m in request["messages"])
    assert server.requests
    assert not [f for f in fields if re.search(rf"\$\{{?{f}\b", sent)]
