"""Where briefgen keeps files on this machine: the cache folder and the config folder.

Both follow the XDG base directory rules. They live here, below everything
else, because the settings (:mod:`briefgen.config`), the config file
(:mod:`briefgen.configfile`), the brief cache of the CLI and the local model
runtime (:mod:`briefgen.local`) all need them, and none of those should import
another just for a folder name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def _xdg(env: Mapping[str, str] | None, variable: str, fallback: str) -> Path:
    env = os.environ if env is None else env
    value = env.get(variable, "").strip()
    return Path(value).expanduser() if value else Path.home() / fallback


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/briefgen``, or ``~/.cache/briefgen`` when it is unset or blank."""
    return _xdg(env, "XDG_CACHE_HOME", ".cache") / "briefgen"


def default_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/briefgen``, or ``~/.config/briefgen`` when it is unset or blank."""
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / "briefgen"
