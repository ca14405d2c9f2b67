"""The CLI's brief cache: the same articles, model and settings give back the saved brief.

Briefs are made at temperature 0 with a fixed seed, and a local brief of five
articles takes minutes on a laptop CPU, so re-running a command — to get the
HTML after the Markdown, say — should not ask the model again. The key covers
everything the brief depends on: each article's cleaned text (sha256) and
metadata, in order; every setting that reaches the model or the merge; the
provider kind, model and base URL; the prompt templates' version; and the
briefgen version. Keys, timeouts and retry counts are left out.

Stored as ``<cache>/briefs/<key>.json`` (``$XDG_CACHE_HOME/briefgen`` by
default, or ``cache_dir``). ``--no-cache`` skips the lookup and refreshes the
entry. Only whole briefs are cached, never errors; ``batch`` does not use the
cache (it has its own resume).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from briefgen._files import write_atomic
from briefgen._paths import default_cache_dir
from briefgen._version import __version__
from briefgen.config import Provider, Settings
from briefgen.errors import OutputError
from briefgen.brief import Article, Brief

IGNORED_SETTINGS = frozenset({
    "api_key", "timeout", "transport_retries", "concurrency", "cache_dir", "fetch_timeout", "max_fetch_bytes",
})


def cache_folder(settings: Settings, env: Mapping[str, str]) -> Path:
    base = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir(env)
    return base / "briefs"


def cache_key(articles: list[Article], settings: Settings, provider: Provider) -> str:
    from briefgen.prompts import prompt_version

    material = {
        "articles": [
            [a.id, a.sha256, a.title, a.outlet, a.url, a.published.isoformat() if a.published else None]
            for a in articles
        ],
        "settings": {k: v for k, v in settings.model_dump(mode="json").items() if k not in IGNORED_SETTINGS},
        "provider": [provider.kind, provider.model, provider.base_url, provider.mode],
        "prompts": prompt_version(),
        "briefgen": __version__,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def lookup(folder: Path, key: str) -> Brief | None:
    path = folder / f"{key}.json"
    try:
        return Brief.model_validate_json(path.read_bytes())
    except (OSError, ValueError):  # absent, unreadable or from an incompatible version: a miss
        return None


def store(folder: Path, key: str, brief: Brief) -> None:
    """Write atomically; a cache that cannot be written is not worth failing a brief for.

    No fsync: a cache file torn by a crash fails validation and is a miss.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", brief.model_dump_json(), fsync=False)
    except (OSError, OutputError):
        pass
