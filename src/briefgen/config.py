"""Settings and provider resolution: the one place briefgen reads the environment.

Resolution order, for every setting: explicit argument → environment
(``BRIEFGEN_*``, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) → config file (the
CLI passes its values to :meth:`Settings.resolve`) → default. The
provider is chosen in this documented order (first match wins):

1. an explicit ``client=``, then an explicit ``base_url=`` / ``--base-url``
   (with whichever key is configured);
2. an ``api_key=`` / ``--api-key`` argument goes to the server the user
   configured: ``BRIEFGEN_BASE_URL`` if set, else OpenAI (``OPENAI_BASE_URL``
   if set). A key never pulls requests away from a configured base URL;
3. ``BRIEFGEN_API_KEY`` (or ``api_key`` in the config file) with
   ``BRIEFGEN_BASE_URL`` (or ``base_url`` in the config file) — that server
   with that key. Without a base URL this key is sent nowhere: it never
   sends articles to OpenAI by itself;
4. ``OPENAI_API_KEY`` — OpenAI (or ``OPENAI_BASE_URL`` if that is set too).
   It comes before a key-less ``BRIEFGEN_BASE_URL``, so that a ``base_url``
   in the config file does not beat a key in the environment; the reason then
   says so, and ``base_url=`` or unsetting ``OPENAI_API_KEY`` picks the other
   server;
5. ``BRIEFGEN_BASE_URL`` — any OpenAI-compatible server (Ollama, vLLM,
   llama.cpp), without a key;
6. the local runtime, if ``briefgen[local]`` is installed (``OPENAI_BASE_URL``
   alone, without a key, selects nothing);
7. otherwise :class:`~briefgen.errors.NoProviderError`, naming the three fixes.

``OPENAI_API_KEY`` is sent to OpenAI, ``OPENAI_BASE_URL`` or an explicit
``base_url=`` only; ``BRIEFGEN_API_KEY`` to ``BRIEFGEN_BASE_URL`` or an
explicit ``base_url=`` only.

:class:`Provider` records the true reason and where the key came from
(``key_source``), so ``briefgen doctor`` and error messages can name them.

Nothing below this module looks at ``os.environ``: code deeper in the
pipeline receives a :class:`Settings` and a :class:`Provider`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from briefgen.errors import ConfigError, NoProviderError

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
"""A current, cheap OpenAI model that supports tool calls and temperature 0."""

# USD per million tokens (prompt, completion). Used for Brief.usage.cost_usd;
# unknown models report cost None rather than a guess. Override per call with
# Settings.price.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
}

ModeName = Literal["tools", "json", "json_schema", "md_json"]


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
    stale_days: int = Field(default=30, ge=1)
    max_article_chars: int = Field(default=12_000, ge=500)
    max_articles: int = Field(default=40, ge=1)
    fetch_timeout: float = Field(
        default=20.0, gt=0, allow_inf_nan=False,  # inf would mean "no deadline", which the fetch policy forbids
        description="Overall seconds for one page fetch, redirects and streamed body included.",
    )
    max_fetch_bytes: int = 5_000_000
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
        unknown_keys = sorted(set(file_values or {}) - set(cls.model_fields))
        if unknown_keys:
            raise ConfigError(f"{file_label}: unknown key(s) {', '.join(unknown_keys)}; "
                              f"known keys: {', '.join(sorted(cls.model_fields))}")
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


@dataclass(frozen=True)
class Provider:
    """Where requests go and how to talk to it; chosen by :func:`resolve_provider`."""

    kind: Literal["client", "base_url", "openai", "local"]
    model: str
    base_url: str | None
    api_key: str
    mode: ModeName
    reason: str
    model_name: str | None = None
    price: tuple[float, float] | None = None
    concurrency: int = 4
    timeout: float = 60.0
    call_deadline: float = 180.0
    key_source: str = "none"
    """Where ``api_key`` came from, as messages name it: "api_key argument", "BRIEFGEN_API_KEY",
    "OPENAI_API_KEY", "the client" or "none"."""

    @property
    def host(self) -> str | None:
        return urlparse(self.base_url).netloc if self.base_url else None


REMOTE_DEADLINE_FACTOR = 3
"""A remote call's default deadline is 3 request timeouts (180 s at the default 60 s)."""
LOCAL_TIMEOUT = 900.0
"""The local runtime's least per-request timeout: a 1.5B model on 2 cores takes 60-150 s a call,
and up to 5 minutes when the machine is starved."""
LOCAL_DEADLINE_FACTOR = 2
"""The local runtime's default deadline is 2 request timeouts (1800 s)."""


def _origin(settings: Settings, name: str, env: Mapping[str, str]) -> str:
    """Where ``settings.<name>`` came from, as messages name it.

    "<name> argument", "BRIEFGEN_<NAME>", "OPENAI_API_KEY", "<name> in config file PATH"
    or "none". :meth:`Settings.resolve` records it; for a Settings built directly the
    value is looked up in ``env``, and one found nowhere was set on the object itself,
    which is as explicit as an argument.
    """
    value = getattr(settings, name)
    if not value:
        return "none"
    source = "argument" if name in settings.explicit else settings.sources.get(name)
    if source == "argument":
        return f"{name} argument"
    if source and source.startswith(("config file", "the config file")):
        return f"{name} in {source.removeprefix('the ')}"
    if source:
        return source
    variable = f"BRIEFGEN_{name.upper()}"
    if env.get(variable) == value:
        return variable
    if name == "api_key" and env.get("OPENAI_API_KEY") == value:
        return "OPENAI_API_KEY"
    return f"{name} argument"


def _is_set(source: str) -> str:
    """"api_key was passed", "BRIEFGEN_API_KEY is set", "api_key is set in config file X" (for reasons)."""
    if source.endswith(" argument"):
        return f"{source.removesuffix(' argument')} was passed"
    if " in config file" in source:
        name, _, where = source.partition(" in ")
        return f"{name} is set in {where}"
    return f"{source} is set"


def resolve_provider(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    has_client: bool = False,
    start_local: bool = True,
) -> Provider:
    """Pick the provider (see module docs). ``start_local=False`` only reports."""
    env = os.environ if env is None else env
    price = settings.price
    key_source = _origin(settings, "api_key", env)
    url_source = _origin(settings, "base_url", env)
    openai_base = env.get("OPENAI_BASE_URL") or None

    def make(
        kind: Any,
        model: str,
        base_url: str | None,
        key: str,
        reason: str,
        *,
        concurrency: int = 4,
        timeout: float | None = None,
        deadline_factor: float = REMOTE_DEADLINE_FACTOR,
        price_: tuple[float, float] | None = None,
        source: str | None = None,
    ) -> Provider:
        timeout = settings.timeout if timeout is None else timeout
        return Provider(
            kind=kind,
            model=settings.model or model,
            base_url=base_url,
            api_key=key,
            mode=settings.mode or "tools",
            reason=reason,
            price=price_ or price or PRICES.get(settings.model or model),
            concurrency=settings.concurrency or concurrency,
            timeout=timeout,
            call_deadline=settings.call_deadline or deadline_factor * timeout,
            key_source=source or (key_source if key != "not-needed" else "none"),
        )

    if has_client:
        return make("client", settings.model or DEFAULT_OPENAI_MODEL, settings.base_url, settings.api_key or "",
                    "an explicit client was passed", source="the client")
    if url_source == "base_url argument":
        return make("base_url", settings.model or "default", settings.base_url, settings.api_key or "not-needed",
                    "base_url was passed explicitly")
    if key_source == "api_key argument":
        # A key given as an argument goes to the server the user configured, never elsewhere.
        if settings.base_url:
            return make("base_url", settings.model or "default", settings.base_url, settings.api_key or "",
                        f"api_key was passed and {_is_set(url_source)}")
        return make("openai", DEFAULT_OPENAI_MODEL, openai_base, settings.api_key or "",
                    "api_key was passed" + (" and OPENAI_BASE_URL is set" if openai_base else ""))
    # BRIEFGEN_API_KEY (or api_key in the config file) is the key of the BRIEFGEN_BASE_URL
    # server: it goes there and nowhere else, and never sends articles to OpenAI by itself.
    unused_key = key_source not in ("none", "OPENAI_API_KEY") and not settings.base_url
    if key_source not in ("none", "OPENAI_API_KEY") and settings.base_url:
        return make("base_url", settings.model or "default", settings.base_url, settings.api_key or "",
                    f"{_is_set(key_source)} and {_is_set(url_source)}")
    openai_key = settings.api_key if key_source == "OPENAI_API_KEY" else (env.get("OPENAI_API_KEY") or None)
    if openai_key:
        if openai_base:
            reason = "OPENAI_API_KEY is set and OPENAI_BASE_URL is set"
        elif settings.base_url:
            reason = (f"OPENAI_API_KEY is set, which comes before {url_source} "
                      "(pass base_url= or unset OPENAI_API_KEY to use that server)")
        else:
            reason = "OPENAI_API_KEY is set"
        if unused_key:
            reason += f" ({key_source} is sent only to BRIEFGEN_BASE_URL, which is not set)"
        return make("openai", DEFAULT_OPENAI_MODEL, openai_base, openai_key, reason, source="OPENAI_API_KEY")
    if settings.base_url:
        return make("base_url", settings.model or "default", settings.base_url, "not-needed", _is_set(url_source))
    from briefgen import local

    if local.is_installed():
        reason = "no API key or base URL is configured; briefgen[local] is installed"
        notes = []
        if unused_key:
            notes.append(f"{key_source} is sent only to BRIEFGEN_BASE_URL, which is not set")
        if openai_base:
            notes.append("OPENAI_BASE_URL is used only together with an API key")
        if notes:
            reason = "no model server is configured; briefgen[local] is installed (" + "; ".join(notes) + ")"
        local_timeout = max(settings.timeout, LOCAL_TIMEOUT)
        if not start_local:
            return make("local", local.DEFAULT_MODEL, None, "local", reason, concurrency=1, timeout=local_timeout,
                        deadline_factor=LOCAL_DEADLINE_FACTOR, price_=(0.0, 0.0), source="none")
        server = local.get_local_server(settings.local_model, cache_dir=settings.cache_dir)
        return Provider(
            kind="local",
            model=server.model_alias,
            base_url=server.base_url,
            api_key="local",
            mode=settings.mode or "tools",
            reason=reason,
            model_name=server.model_name,
            price=(0.0, 0.0),
            concurrency=1,
            timeout=local_timeout,
            call_deadline=settings.call_deadline or LOCAL_DEADLINE_FACTOR * local_timeout,
            key_source="none",
        )
    raise NoProviderError()

