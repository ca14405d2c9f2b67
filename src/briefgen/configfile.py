"""The optional config file, ``~/.config/briefgen/config.toml``.

Its keys are :class:`~briefgen.config.Settings` field names (``model``,
``base_url``, ``language``, ``max_points`` ...). The file sits *below* the
environment in the resolution order, so the full order a user sees is:

    command-line arguments → environment (BRIEFGEN_*, OPENAI_API_KEY,
    OPENAI_BASE_URL) → config file → built-in defaults

The file's values are handed to :meth:`Settings.resolve` as parsed
(``file_values=``), below the environment, so they keep their TOML types: a
list where a string belongs (``language = ["German"]``) is an error naming
this file, the key and the expected type, never a stringified value.

Example::

    model = "gpt-4.1-mini"
    language = "English"
    max_points = 8
    price = [0.4, 1.6]      # USD per 1M prompt, completion tokens
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen._paths import default_config_dir
from briefgen.config import Settings, check_file_keys
from briefgen.errors import ConfigError

CONFIG_ENV = "BRIEFGEN_CONFIG"
"""Environment variable naming another config file (or ``""`` to use none)."""


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/briefgen/config.toml``, else ``~/.config/briefgen/config.toml``."""
    return default_config_dir(env) / "config.toml"


@dataclass(frozen=True)
class ConfigFile:
    """What was read: the path looked at, whether it exists, and its settings."""

    path: Path | None
    exists: bool
    values: dict[str, Any] = field(default_factory=dict)


def config_path(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The file to read: ``--config``, else ``$BRIEFGEN_CONFIG``, else the default (None: no file)."""
    env = os.environ if env is None else env
    if explicit is not None:
        return Path(explicit).expanduser() if explicit else None
    if CONFIG_ENV in env:
        value = env[CONFIG_ENV].strip()
        return Path(value).expanduser() if value else None
    return default_config_path(env)


def load_config(explicit: str | None = None, env: Mapping[str, str] | None = None) -> ConfigFile:
    """Read and check the config file. A missing default file is fine; a missing explicit one is not."""
    env = os.environ if env is None else env
    path = config_path(explicit, env)
    if path is None:
        return ConfigFile(path=None, exists=False)
    if not path.exists():
        if explicit is not None or env.get(CONFIG_ENV):
            raise ConfigError(f"config file {path} does not exist; create it or drop --config/{CONFIG_ENV}")
        return ConfigFile(path=path, exists=False)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}; fix or remove it") from exc
    if isinstance(data.get("briefgen"), dict) and len(data) == 1:
        data = data["briefgen"]  # a [briefgen] table is accepted too
    check_file_keys(data, f"config file {path}")
    return ConfigFile(path=path, exists=True, values=dict(data))


def _as_env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        import json

        return json.dumps(list(value))
    return str(value)


def merged_env(config: ConfigFile, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment with the config file's values underneath it (real variables win).

    Settings are resolved from the file's parsed values, not from this; it is the
    environment the provider resolution sees, where a file's ``base_url`` or
    ``api_key`` counts as its ``BRIEFGEN_*`` variable would.
    """
    env = dict(os.environ if env is None else env)
    layered = {f"BRIEFGEN_{key.upper()}": _as_env_value(value) for key, value in config.values.items()}
    layered.update({k: v for k, v in env.items() if v != "" or k not in layered})
    return layered


def setting_sources(config: ConfigFile, env: Mapping[str, str], explicit: set[str]) -> dict[str, str]:
    """Where each non-default setting came from: 'argument', 'environment' or 'config file'."""
    out: dict[str, str] = {}
    for name in Settings.model_fields:
        if name in explicit:
            out[name] = "argument"
        elif env.get(f"BRIEFGEN_{name.upper()}"):
            out[name] = f"environment (BRIEFGEN_{name.upper()})"
        elif name == "api_key" and env.get("OPENAI_API_KEY"):
            out[name] = "environment (OPENAI_API_KEY)"
        elif name in config.values:
            out[name] = f"config file ({config.path})"
    return out
