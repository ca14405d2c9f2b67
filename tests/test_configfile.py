"""The config file (briefgen/configfile.py): where it is looked for, and one line for each way it can be wrong.

What the file's values then do (they sit below the environment, keep their TOML
types) is in ``test_config.py``; the command line's exit code 2 for a bad file,
in ``cli/test_brief.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.config import Settings
from briefgen.configfile import (
    ConfigFile,
    default_config_path,
    load_config,
    merged_env,
    setting_sources,
)
from briefgen.errors import ConfigError


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(str(path), env={})
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize(
    "text",
    ["model = \n", 'model = "unterminated\n', "[briefgen\nmodel = 'x'\n", "max_points = 4\nmax_points = 5\n"],
    ids=["no-value", "open-string", "open-table", "key-twice"],
)
def test_a_file_that_is_not_toml_is_one_line_saying_where_and_what_to_do(tmp_path: Path, text: str) -> None:
    message = error_of(write(tmp_path, text))
    assert message.startswith(f"config file {tmp_path / 'config.toml'} is not valid TOML: ")
    assert "(at line" in message and message.endswith("; fix or remove it")


def test_a_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    assert "cannot read config file" in error_of(write(tmp_path, b'model = "caf\xe9"\n'))  # Latin-1, not UTF-8
    folder = tmp_path / "config.toml"
    folder.unlink()
    folder.mkdir()
    assert "cannot read config file" in error_of(folder)


def test_an_unknown_key_is_named_as_settings_name_it(tmp_path: Path) -> None:
    """The file and Settings.resolve(file_values=...) share one check, so they word it alike."""
    path = write(tmp_path, 'modle = "typo"\nlanguage = "German"\n')
    message = error_of(path)
    assert message.startswith(f"config file {path}: unknown key(s) modle; known keys: ")
    with pytest.raises(ConfigError) as info:
        Settings.resolve(env={}, file_values={"modle": "typo"}, file_path=path)
    assert str(info.value) == message


def test_a_briefgen_table_is_read_like_top_level_keys(tmp_path: Path) -> None:
    config = load_config(str(write(tmp_path, '[briefgen]\nmodel = "m"\nmax_points = 4\n')), env={})
    assert config.exists and config.values == {"model": "m", "max_points": 4}


def test_which_file_is_read(tmp_path: Path) -> None:
    xdg = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert default_config_path(xdg) == tmp_path / "xdg" / "briefgen" / "config.toml"
    assert load_config(env=xdg) == ConfigFile(path=tmp_path / "xdg" / "briefgen" / "config.toml", exists=False)
    assert load_config(env={**xdg, "BRIEFGEN_CONFIG": ""}) == ConfigFile(path=None, exists=False)  # "" means none
    assert load_config("", env=xdg) == ConfigFile(path=None, exists=False)
    for explicit, env in ((str(tmp_path / "nope.toml"), xdg), (None, {**xdg, "BRIEFGEN_CONFIG": str(tmp_path / "nope.toml")})):
        with pytest.raises(ConfigError, match=r"nope\.toml does not exist; create it or drop --config/BRIEFGEN_CONFIG"):
            load_config(explicit, env=env)


def test_the_environment_beats_the_file_and_sources_are_named(tmp_path: Path) -> None:
    config = ConfigFile(path=tmp_path / "c.toml", exists=True,
                        values={"model": "file", "price": [0.4, 1.6], "allow_private_urls": True, "language": "German"})
    env = {"BRIEFGEN_MODEL": "env", "BRIEFGEN_LANGUAGE": ""}
    merged = merged_env(config, env)
    assert merged["BRIEFGEN_MODEL"] == "env"
    assert merged["BRIEFGEN_LANGUAGE"] == "German"  # an empty variable does not hide the file's value
    assert (merged["BRIEFGEN_PRICE"], merged["BRIEFGEN_ALLOW_PRIVATE_URLS"]) == ("[0.4, 1.6]", "true")
    sources = setting_sources(config, env, explicit={"max_points"})
    assert sources["max_points"] == "argument"
    assert sources["model"] == "environment (BRIEFGEN_MODEL)"
    assert sources["language"] == f"config file ({tmp_path / 'c.toml'})"
    assert "timeout" not in sources
