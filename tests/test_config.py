"""Settings (briefgen/config/settings.py): precedence, parsing, and one-line errors for bad values.

Which provider the settings pick is in ``test_provider.py``."""

from __future__ import annotations

import pytest

from briefgen.config import Settings, resolve_provider
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


def test_load_options_built_by_hand_have_the_settings_defaults() -> None:
    """LoadOptions() kept 20,000 characters of an article while a brief (Settings) kept 12,000: a library
    caller loading an article by hand saw text the model would never see. Both now read one constant."""
    from briefgen.ingest import LoadOptions

    assert LoadOptions() == LoadOptions.from_settings(Settings())
    assert LoadOptions().max_article_chars == Settings().max_article_chars == 12_000
