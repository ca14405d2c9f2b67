"""Provider resolution: which server a brief's requests go to, with which key, and why.

:func:`resolve_provider` reads a resolved :class:`~briefgen.config.settings.Settings`
(and ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``, which are about the provider, not
a setting) and picks the provider in this documented order (first match wins):

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

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from briefgen.config.prices import PRICES
from briefgen.config.settings import HeadlineMode, HttpTransport, ModeName, RepairMode, Settings
from briefgen.errors import NoProviderError

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
"""A current, cheap OpenAI model that supports tool calls and temperature 0."""


REMOTE_CONCURRENCY = 8
"""Calls one brief keeps in flight on a remote server: a brief's extract calls (one per article) go
out together for up to 8 articles. At 4, a five-article brief took two round trips for its extracts,
four calls on its critical path instead of three (bench/concurrency.py, 2 s server: 70 % of ideal)."""


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
    concurrency: int = REMOTE_CONCURRENCY
    timeout: float = 60.0
    call_deadline: float = 180.0
    key_source: str = "none"
    """Where ``api_key`` came from, as messages name it: "api_key argument", "BRIEFGEN_API_KEY",
    "OPENAI_API_KEY", "the client" or "none"."""
    http_transport: HttpTransport = "aiohttp"
    repair: RepairMode = "model"
    headline: HeadlineMode = "model"

    @property
    def host(self) -> str | None:
        return urlparse(self.base_url).netloc if self.base_url else None


def default_repair(model: str) -> RepairMode:
    """How a failed claim is mended by default: by its own sentence for the packaged small models, on
    the local runtime or any server running them; by a repair call for any other model.

    The 1.5B model's repair answers, read over three live runs (fed@4, myanmar@5, german@4, 22 items):
    10 were their sentence copied, 2 the draft unchanged, 10 translations or loops that failed the
    checks; the call took 41 of the seeds brief's 174 s. The sentence, verbatim, is what it could give.
    """
    from briefgen.local.weights import PACKAGED_MODELS

    return "sentence" if model in PACKAGED_MODELS else "model"


def default_headline(model: str) -> HeadlineMode:
    """Where the headline and lede come from by default: the top points for the packaged small models,
    on the local runtime or any server running them; a headline call for any other model.

    The 1.5B model's own headline shipped in 13 of the 57 saved live runs before session 19
    (bench/results/live, each checked by the code of its day) and in 1 of the latest 6 (session 17); a failed one costs its
    call and a re-ask (14-27 s of a 70-110 s brief, ~1,500 prompt and ~130 output tokens: a fifth of
    the seeds brief's prompt) and then falls back to the top points anyway. One of the 13, "Fed cuts
    rates to 3.9% by end of 2025", was false (3.9 % is a projection).
    """
    from briefgen.local.weights import PACKAGED_MODELS

    return "points" if model in PACKAGED_MODELS else "model"


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
        concurrency: int = REMOTE_CONCURRENCY,
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
            http_transport=settings.http_transport,
            repair=settings.repair or default_repair(settings.model or model),
            headline=settings.headline or default_headline(settings.model or model),
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
            http_transport=settings.http_transport,
            repair=settings.repair or default_repair(server.model_alias),
            headline=settings.headline or default_headline(server.model_alias),
        )
    raise NoProviderError()

