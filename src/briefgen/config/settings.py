"""The :class:`Settings` model: every knob of a brief, with its default, and where each value came from.

:meth:`Settings.resolve` is the one place a setting is read from the environment:
explicit argument → ``BRIEFGEN_*`` variable (and ``OPENAI_API_KEY`` for
``api_key``) → config file values (the CLI passes them, see
:mod:`briefgen.configfile`) → default. A bad value becomes one
:class:`~briefgen.errors.ConfigError` line naming the setting, where it came
from, the value and what was expected (the helpers below word it).

The limits of loading an article (``fetch_timeout``, ``max_fetch_bytes``,
``max_article_chars``) take their defaults from :mod:`briefgen.ingest`, which
sits below the settings and holds them for :class:`~briefgen.ingest.LoadOptions`
too: one number, two readers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from briefgen.errors import ConfigError
from briefgen.ingest.fetch import FETCH_TIMEOUT, MAX_FETCH_BYTES
from briefgen.ingest.loader import MAX_ARTICLE_CHARS

ModeName = Literal["tools", "json", "json_schema", "md_json"]
HttpTransport = Literal["aiohttp", "httpx"]
RepairMode = Literal["model", "sentence", "off"]
HeadlineMode = Literal["model", "points"]


class Settings(BaseModel):
    """Every knob of a brief, with its default. Build with :meth:`resolve`."""

    model: str | None = Field(default=None, description="Model id; default depends on the provider.")
    base_url: str | None = None
    api_key: str | None = None
    mode: ModeName | None = Field(default=None, description="instructor mode; default per provider.")
    local_model: str | None = Field(default=None, description="Packaged local model name or GGUF path.")
    cache_dir: Path | None = None
    language: str = "English"
    max_claims_per_article: int = Field(default=5, ge=1, le=12)
    max_points: int = Field(default=10, ge=1, le=40)
    max_retries: int = Field(default=1, ge=0, le=5, description="Re-asks after a failed validation.")
    transport_retries: int = Field(default=2, ge=0, le=10, description="Retries on 429/5xx/timeouts/dropped connections.")
    token_budget: int = Field(default=60_000, ge=1000, description="Tokens one brief may spend in all.")
    timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds per HTTP request to the model; the local runtime gets at least 900 "
        "(a small model on 2 cores takes 60-150 s a call, up to 5 minutes when starved).",
    )
    temperature: float = 0.0
    seed: int | None = 7
    concurrency: int | None = Field(default=None, ge=1, description="Parallel model calls; default per provider.")
    repair: RepairMode | None = Field(
        default=None,
        description="How a claim that fails a check is mended: 'model' (one repair call a brief), 'sentence' "
        "(its own sentence, verbatim, no call) or 'off'. Default: 'sentence' for the packaged local models, "
        "whose repairs were copies of their sentences or failed translations, wherever they run; 'model' otherwise.",
    )
    headline: HeadlineMode | None = Field(
        default=None,
        description="Where the headline and lede come from: 'model' (one call writes them from the top points, "
        "checked clause by clause against them) or 'points' (the top points themselves, no call). Default: "
        "'points' for the packaged local models, whose headlines failed the checks in 5 of the last 6 live "
        "runs (44 of 57 saved), wherever they run; 'model' otherwise.",
    )
    http_transport: HttpTransport = Field(
        default="aiohttp",
        description="HTTP client under the openai SDK: aiohttp (the SDK's option for many calls at once; "
        "~7 ms less CPU a brief with many calls in flight) or httpx (the SDK's default).",
    )
    stale_days: int = Field(default=30, ge=1)
    max_article_chars: int = Field(default=MAX_ARTICLE_CHARS, ge=500,
                                   description="Characters of one article sent to the model; longer ones are cut "
                                   "at a sentence end, with a warning.")
    max_articles: int = Field(default=40, ge=1)
    fetch_timeout: float = Field(
        default=FETCH_TIMEOUT, gt=0, allow_inf_nan=False,  # inf would mean "no deadline", which the fetch policy forbids
        description="Overall seconds for one page fetch, redirects and streamed body included.",
    )
    max_fetch_bytes: int = Field(default=MAX_FETCH_BYTES, description="Largest page body fetched, after decompression.")
    allow_private_urls: bool = Field(
        default=False,
        description="Fetch loopback, private and link-local addresses (intranet use); off by default.",
    )
    call_deadline: float | None = Field(
        default=None,
        gt=0,
        description="Overall seconds for one model call, transport retries and re-asks included. "
        "Default: 3 x timeout for a remote server (180 s: a silent server is reported within ~3 minutes), "
        "2 x timeout for the local runtime (1800 s).",
    )
    price: tuple[float, float] | None = Field(default=None, description="USD per 1M (prompt, completion) tokens.")
    _explicit: frozenset[str] = PrivateAttr(default=frozenset())
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def explicit(self) -> frozenset[str]:
        """Names of the settings given as arguments (they beat the environment)."""
        return self._explicit

    @property
    def sources(self) -> dict[str, str]:
        """Where :meth:`resolve` found each non-default setting: "argument", the variable's name
        (``BRIEFGEN_API_KEY``, ``OPENAI_API_KEY``) or the config file. Empty for a Settings built directly."""
        return self._sources

    @classmethod
    def resolve(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        file_values: Mapping[str, Any] | None = None,
        file_path: str | os.PathLike[str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Arguments first, then ``BRIEFGEN_*`` environment variables, then the config file, then defaults.

        ``file_values`` are the config file's settings as parsed (TOML types, never
        stringified: a list where a string belongs is an error), read from ``file_path``.
        ``BRIEFGEN_PRICE`` takes two numbers, ``0.4,1.6`` or ``[0.4, 1.6]``. A bad value
        is a one-line :class:`ConfigError` naming the setting, where it came from (the
        argument, the ``BRIEFGEN_*`` variable or the config file), the value and what
        was expected.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        shown: dict[str, Any] = {}
        file_label = f"config file {file_path}" if file_path else "the config file"
        check_file_keys(file_values or {}, file_label)
        for name, value in (file_values or {}).items():
            values[name], sources[name] = value, file_label
        for name in cls.model_fields:
            key = f"BRIEFGEN_{name.upper()}"
            if env.get(key, "") != "":
                values[name], sources[name] = _from_env(name, env[key]), key
                shown[name] = env[key]  # an error shows the variable as written, not as parsed
        if "api_key" not in values and env.get("OPENAI_API_KEY"):  # an api_key setting is for the user's server
            values["api_key"], sources["api_key"] = env["OPENAI_API_KEY"], "OPENAI_API_KEY"
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(cls.model_fields)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(given)
        sources.update(dict.fromkeys(given, "argument"))
        for name in given:
            shown.pop(name, None)
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            raise _invalid_setting(exc, {**values, **shown}, sources) from None
        settings._explicit = frozenset(given)
        settings._sources = sources
        return settings


def check_file_keys(values: Mapping[str, Any], label: str) -> None:
    """Refuse a config file key that names no setting (a typo must not pass silently): one line
    naming the file (``label``), the unknown keys and the known ones."""
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {', '.join(unknown)}; "
                          f"known keys: {', '.join(sorted(Settings.model_fields))}")


_PAIR_SETTINGS = frozenset({"price"})
"""Settings that take two numbers; from the environment as ``0.4,1.6`` or ``[0.4, 1.6]``."""


def _from_env(name: str, raw: str) -> Any:
    """An environment string as the setting's type expects it (pydantic parses the rest)."""
    if name not in _PAIR_SETTINGS:
        return raw
    text = raw.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return raw
    return [part.strip() for part in text.split(",")]


def _invalid_setting(exc: ValidationError, values: Mapping[str, Any], sources: Mapping[str, str]) -> ConfigError:
    """``invalid setting max_points=0 (from BRIEFGEN_MAX_POINTS): must be at least 1`` — one line."""
    errors = exc.errors()
    first = errors[0]
    name = str(first["loc"][0]) if first["loc"] else "settings"
    value = values.get(name, first.get("input"))
    message = (f"invalid setting {name}={_shown(name, value)} (from {sources.get(name, 'argument')}): "
               f"{_expected(name, first, value)}")
    others = sorted({str(e["loc"][0]) for e in errors[1:] if e["loc"]} - {name})
    if others:
        message += f"; also invalid: {', '.join(others)}"
    return ConfigError(message)


def _shown(name: str, value: Any) -> str:
    if name == "api_key":
        return "***"  # never echo a secret
    if isinstance(value, str):
        text = value if value and value.strip() == value and " " not in value else repr(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    """The TOML/JSON name of what was given, for 'must be a string, not a list'."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _expected(name: str, error: Any, value: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if name in _PAIR_SETTINGS:
        return "must be two numbers, USD per 1M prompt and completion tokens (e.g. 0.4,1.6)"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": "at least {ge}", "greater_than": "greater than {gt}",
                 "less_than_equal": "at most {le}", "less_than": "less than {lt}"}[kind]
        return "must be " + bound.format(**ctx)
    given = "" if isinstance(value, (str, int, float)) and not isinstance(value, bool) else f", not {_kind(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{given}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number{given}"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "string_type":
        return f"must be a string, not {_kind(value)}"
    if kind == "path_type":
        return f"must be a path (a string), not {_kind(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
