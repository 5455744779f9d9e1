"""The pytest_compat switch of [tool.rustest], and the plugin settings read from pytest's configuration."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rustest._compat._ini import PluginSettings, read_plugin_settings
from rustest._config import ConfigError, load_config
from rustest._scope import Scope


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_pytest_compat_is_off_by_default(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.rustest]\n")
    assert load_config([str(tmp_path)]).pytest_compat is False


def test_pytest_compat_switch_is_read_from_tool_rustest(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.rustest]\npytest_compat = true\n")
    assert load_config([str(tmp_path)]).pytest_compat is True


def test_pytest_compat_switch_must_be_a_boolean(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.rustest]\npytest_compat = "sometimes"\n')
    with pytest.raises(ConfigError, match="pytest_compat must be true or false"):
        load_config([str(tmp_path)])


def test_no_pytest_configuration_means_default_plugin_settings(tmp_path: Path) -> None:
    assert read_plugin_settings(tmp_path) == PluginSettings()


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        pytest.param("pytest.ini", "[pytest]\ntrio_mode = true\n", id="pytest.ini"),
        pytest.param("pyproject.toml", "[tool.pytest.ini_options]\ntrio_mode = true\n", id="pyproject.toml"),
        pytest.param("tox.ini", "[pytest]\ntrio_mode = yes\n", id="tox.ini"),
        pytest.param("setup.cfg", "[tool:pytest]\ntrio_mode = 1\n", id="setup.cfg"),
    ],
)
def test_trio_mode_is_read_from_each_pytest_configuration_file(
    tmp_path: Path, filename: str, text: str
) -> None:
    write(tmp_path / filename, text)
    assert read_plugin_settings(tmp_path) == PluginSettings(trio_mode=True, source=tmp_path / filename)


def test_pytest_ini_takes_precedence_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\ntrio_mode = false\n")
    write(tmp_path / "pyproject.toml", "[tool.pytest.ini_options]\ntrio_mode = true\n")
    assert not read_plugin_settings(tmp_path).trio_mode


def test_a_file_without_a_pytest_section_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[metadata]\nname = x\n")
    write(tmp_path / "tox.ini", "[pytest]\ntrio_mode = true\n")
    assert read_plugin_settings(tmp_path).trio_mode


def test_explicit_configuration_file_is_read_first(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config_file = write(elsewhere / "pyproject.toml", "[tool.pytest.ini_options]\ntrio_mode = true\n")
    assert read_plugin_settings(tmp_path, config_file).trio_mode


def test_invalid_trio_mode_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\ntrio_mode = maybe\n")
    with pytest.raises(ConfigError, match="trio_mode must be true or false"):
        read_plugin_settings(tmp_path)


def test_asyncio_default_test_loop_scope_is_read(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_test_loop_scope = module\n")
    assert read_plugin_settings(tmp_path).test_loop_scope is Scope.MODULE


def test_unknown_asyncio_default_test_loop_scope_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path / "pytest.ini", "[pytest]\nasyncio_default_test_loop_scope = forever\n")
    with pytest.raises(ConfigError, match="asyncio_default_test_loop_scope"):
        read_plugin_settings(tmp_path)
