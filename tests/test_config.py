"""Settings precedence and provider resolution order (documented in config.py and the README)."""

from __future__ import annotations

import pytest

from briefgen import local
from briefgen.config import DEFAULT_OPENAI_MODEL, Settings, resolve_provider
from briefgen.errors import ConfigError


def test_arguments_beat_environment_beat_defaults() -> None:
    env = {"BRIEFGEN_MAX_POINTS": "5", "BRIEFGEN_LANGUAGE": "German"}
    settings = Settings.resolve(env=env, language="French")
    assert settings.max_points == 5
    assert settings.language == "French"
    assert settings.max_retries == 1  # default
    assert settings.explicit == {"language"}


def test_bad_values_and_unknown_names_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_points"):
        Settings.resolve(env={"BRIEFGEN_MAX_POINTS": "lots"})
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.resolve(env={}, max_pointz=3)


def test_explicit_base_url_beats_openai_key() -> None:
    env = {"OPENAI_API_KEY": "sk-test"}
    provider = resolve_provider(Settings.resolve(env=env, base_url="http://127.0.0.1:11434/v1"), env=env)
    assert provider.kind == "base_url" and provider.base_url == "http://127.0.0.1:11434/v1"
    assert provider.api_key == "sk-test"


def test_openai_key_beats_briefgen_base_url() -> None:
    env = {"OPENAI_API_KEY": "sk-test", "BRIEFGEN_BASE_URL": "http://127.0.0.1:8000/v1"}
    provider = resolve_provider(Settings.resolve(env=env), env=env)
    assert provider.kind == "openai"
    assert provider.model == DEFAULT_OPENAI_MODEL
    assert provider.price is not None


def test_briefgen_base_url_without_key() -> None:
    env = {"BRIEFGEN_BASE_URL": "http://127.0.0.1:8000/v1", "BRIEFGEN_MODEL": "llama3.2"}
    provider = resolve_provider(Settings.resolve(env=env), env=env)
    assert provider.kind == "base_url" and provider.model == "llama3.2"
    assert provider.price is None  # unknown price: cost is reported as None, not guessed


def test_local_is_the_fallback_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "is_installed", lambda: True)
    provider = resolve_provider(Settings.resolve(env={}), env={}, start_local=False)
    assert provider.kind == "local" and provider.concurrency == 1 and provider.price == (0.0, 0.0)


def test_mode_override() -> None:
    env = {"BRIEFGEN_BASE_URL": "http://127.0.0.1:8000/v1", "BRIEFGEN_MODE": "json_schema"}
    assert resolve_provider(Settings.resolve(env=env), env=env).mode == "json_schema"


def test_briefgen_api_key_goes_with_briefgen_base_url() -> None:
    env = {"BRIEFGEN_BASE_URL": "http://127.0.0.1:8000/v1", "BRIEFGEN_API_KEY": "vllm-key"}
    provider = resolve_provider(Settings.resolve(env=env), env=env)
    assert provider.kind == "base_url" and provider.api_key == "vllm-key"
