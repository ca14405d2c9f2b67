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


# --- price, config-file values, one-line errors ---------------------------------------------


@pytest.mark.parametrize("raw", ["0.4,1.6", " 0.4 , 1.6 ", "[0.4, 1.6]"])
def test_price_from_the_environment(raw: str) -> None:
    env = {"BRIEFGEN_PRICE": raw, "BRIEFGEN_BASE_URL": "http://127.0.0.1:8000/v1"}
    settings = Settings.resolve(env=env)
    assert settings.price == (0.4, 1.6)
    assert resolve_provider(settings, env=env).price == (0.4, 1.6)  # an unknown model gets a cost after all


def test_config_file_values_sit_below_the_environment_and_keep_their_types() -> None:
    file_values = {"price": [0.4, 1.6], "language": "German", "max_points": 4}
    settings = Settings.resolve(env={"BRIEFGEN_MAX_POINTS": "6"}, file_values=file_values, file_path="/c.toml")
    assert settings.price == (0.4, 1.6) and settings.language == "German" and settings.max_points == 6
    assert Settings.resolve(env={}, file_values=file_values, max_points=2).max_points == 2


@pytest.mark.parametrize(("value", "kind"), [(["German"], "a list"), ({"name": "German"}, "a table"), (7, "a number")])
def test_a_list_or_table_for_a_string_setting_is_never_stringified(value: object, kind: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.resolve(env={}, file_values={"language": value}, file_path="/home/u/.config/briefgen/config.toml")
    message = str(exc.value)
    assert message.startswith("invalid setting language=")
    assert message.endswith(f"(from config file /home/u/.config/briefgen/config.toml): must be a string, not {kind}")


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        ({"BRIEFGEN_MAX_POINTS": "0"}, {}, "invalid setting max_points=0 (from BRIEFGEN_MAX_POINTS): must be at least 1"),
        ({"BRIEFGEN_MAX_POINTS": "lots"}, {}, "invalid setting max_points=lots (from BRIEFGEN_MAX_POINTS): must be a whole number"),
        ({}, {"max_points": 41}, "invalid setting max_points=41 (from argument): must be at most 40"),
        ({"BRIEFGEN_MODE": "xml"}, {},
         "invalid setting mode=xml (from BRIEFGEN_MODE): must be one of 'tools', 'json', 'json_schema' or 'md_json'"),
        ({"BRIEFGEN_ALLOW_PRIVATE_URLS": "maybe"}, {},
         "invalid setting allow_private_urls=maybe (from BRIEFGEN_ALLOW_PRIVATE_URLS): must be true or false"),
        ({"BRIEFGEN_PRICE": "0.4"}, {}, ("invalid setting price=0.4 (from BRIEFGEN_PRICE): must be two numbers, "
                                         "USD per 1M prompt and completion tokens (e.g. 0.4,1.6)")),
        ({"BRIEFGEN_TIMEOUT": "0", "BRIEFGEN_MAX_POINTS": "0"}, {},
         "invalid setting max_points=0 (from BRIEFGEN_MAX_POINTS): must be at least 1; also invalid: timeout"),
    ],
)
def test_invalid_settings_are_one_line_naming_setting_source_value_and_expectation(
    env: dict[str, str], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.resolve(env=env, **overrides)
    assert str(exc.value) == message


def test_an_invalid_api_key_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.resolve(env={}, file_values={"api_key": ["sk-secret-123"]}, file_path="/c.toml")
    assert "sk-secret" not in str(exc.value)
    assert str(exc.value) == "invalid setting api_key=*** (from config file /c.toml): must be a string, not a list"
