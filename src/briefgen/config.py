"""Settings and provider resolution: the one place briefgen reads the environment.

Resolution order, for every setting: explicit argument → environment
(``BRIEFGEN_*``, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) → default. The
provider is chosen in this documented order:

1. an explicit ``client=`` or ``base_url=`` argument;
2. ``OPENAI_API_KEY`` — OpenAI (or ``OPENAI_BASE_URL`` if that is set too);
3. ``BRIEFGEN_BASE_URL`` — any OpenAI-compatible server (Ollama, vLLM, llama.cpp);
4. the local runtime, if ``briefgen[local]`` is installed;
5. otherwise :class:`~briefgen.errors.NoProviderError`, naming the three fixes.

Nothing below this module looks at ``os.environ``: code deeper in the
pipeline receives a :class:`Settings` and a :class:`Provider`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, PrivateAttr

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
    transport_retries: int = Field(default=3, ge=0, le=10, description="Retries on 429/5xx/timeouts.")
    token_budget: int = Field(default=60_000, ge=1000, description="Tokens one brief may spend in all.")
    timeout: float = Field(default=300.0, gt=0, description="Seconds per HTTP request to the model.")
    temperature: float = 0.0
    seed: int | None = 7
    concurrency: int | None = Field(default=None, ge=1, description="Parallel model calls; default per provider.")
    stale_days: int = Field(default=30, ge=1)
    max_article_chars: int = Field(default=12_000, ge=500)
    max_articles: int = Field(default=40, ge=1)
    fetch_timeout: float = Field(
        default=20.0, gt=0, description="Overall seconds for one page fetch, redirects and streamed body included."
    )
    max_fetch_bytes: int = 5_000_000
    allow_private_urls: bool = Field(
        default=False,
        description="Fetch loopback, private and link-local addresses (intranet use); off by default.",
    )
    call_deadline: float | None = Field(
        default=None,
        gt=0,
        description="Overall seconds for one model call, transport retries and re-asks included; "
        "default per provider.",
    )
    price: tuple[float, float] | None = Field(default=None, description="USD per 1M (prompt, completion) tokens.")
    _explicit: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def explicit(self) -> frozenset[str]:
        """Names of the settings given as arguments (they beat the environment)."""
        return self._explicit

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Arguments first, then ``BRIEFGEN_*`` environment variables, then defaults."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = f"BRIEFGEN_{name.upper()}"
            if key in env and env[key] != "":
                values[name] = env[key]
        if "api_key" not in values and env.get("OPENAI_API_KEY"):
            values["api_key"] = env["OPENAI_API_KEY"]
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(cls.model_fields)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(given)
        try:
            settings = cls.model_validate(values)
        except Exception as exc:  # pydantic's message names the field and the bad value
            raise ConfigError(f"invalid setting: {exc}") from exc
        settings._explicit = frozenset(given)
        return settings


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
    timeout: float = 300.0

    @property
    def host(self) -> str | None:
        return urlparse(self.base_url).netloc if self.base_url else None


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

    def make(kind: Any, model: str, base_url: str | None, key: str, reason: str, **kw: Any) -> Provider:
        return Provider(
            kind=kind,
            model=settings.model or model,
            base_url=base_url,
            api_key=key,
            mode=settings.mode or kw.pop("mode", "tools"),
            reason=reason,
            price=kw.pop("price", price or PRICES.get(settings.model or model)),
            concurrency=settings.concurrency or kw.pop("concurrency", 4),
            timeout=kw.pop("timeout", settings.timeout),
            **kw,
        )

    if has_client:
        return make("client", settings.model or DEFAULT_OPENAI_MODEL, settings.base_url, settings.api_key or "",
                    "an explicit client was passed")
    if settings.base_url and "base_url" in settings.explicit:
        return make("base_url", settings.model or "default", settings.base_url, settings.api_key or "not-needed",
                    "base_url was passed explicitly")
    # Only OPENAI_API_KEY or an api_key argument means OpenAI: BRIEFGEN_API_KEY is the key
    # for the BRIEFGEN_BASE_URL server and must not pull requests away from it.
    if settings.api_key and ("api_key" in settings.explicit or env.get("OPENAI_API_KEY")):
        base = env.get("OPENAI_BASE_URL") or None
        return make("openai", DEFAULT_OPENAI_MODEL, base, settings.api_key,
                    "OPENAI_API_KEY is set" + (f" (OPENAI_BASE_URL={base})" if base else ""))
    if settings.base_url:
        return make("base_url", settings.model or "default", settings.base_url, settings.api_key or "not-needed",
                    "BRIEFGEN_BASE_URL is set")
    from briefgen import local

    if local.is_installed():
        if not start_local:
            return make("local", local.DEFAULT_MODEL, None, "local", "briefgen[local] is installed",
                        concurrency=1, timeout=max(settings.timeout, 900.0), price=(0.0, 0.0))
        server = local.get_local_server(settings.local_model, cache_dir=settings.cache_dir)
        return Provider(
            kind="local",
            model=server.model_alias,
            base_url=server.base_url,
            api_key="local",
            mode=settings.mode or "tools",
            reason="no key or base URL configured; briefgen[local] is installed",
            model_name=server.model_name,
            price=(0.0, 0.0),
            concurrency=1,
            timeout=max(settings.timeout, 900.0),
        )
    raise NoProviderError()


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/briefgen``, or ``~/.cache/briefgen`` when it is unset or blank."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "briefgen"
