"""The pytest-asyncio and pytest-trio settings of a suite's pytest configuration file.

pytest reads the first of ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml``
(``[tool.pytest.ini_options]``), ``tox.ini`` (``[pytest]``) and ``setup.cfg``
(``[tool:pytest]``) in the rootdir that has a pytest section; so does this
module. Two plugin keys change what rustest does:

- ``trio_mode = true`` (pytest-trio): async tests without a backend mark
  run on trio.
- ``asyncio_default_test_loop_scope`` (pytest-asyncio): the loop scope of
  async tests without an explicit one, checked like one from ``[tool.rustest]``.

``asyncio_mode`` needs no counterpart: rustest runs async tests and
fixtures without markers in either mode. ``asyncio_default_fixture_loop_scope``
is not needed either: rustest gives every async fixture the loop its scope
and its users require.
"""

from __future__ import annotations

import configparser
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from rustest._config import ConfigError
from rustest._scope import Scope

__all__ = ["PluginSettings", "read_plugin_settings"]


def _toml_module() -> ModuleType | None:
    """Return ``tomllib``, else ``tomli``, else ``None`` (then pyproject.toml is not read)."""
    for name in ("tomllib", "tomli"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_TOML = _toml_module()

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class PluginSettings:
    """What the pytest configuration asks of the async plugins; ``source`` is the file it came from."""

    trio_mode: bool = False
    test_loop_scope: Scope | None = None
    source: Path | None = None


def read_plugin_settings(rootdir: Path, config_file: Path | None = None) -> PluginSettings:
    """Read the plugin settings of *config_file* (a pyproject.toml) or the first pytest file in *rootdir*.

    Raises ``ConfigError`` for a value pytest's plugins would reject too.
    """
    found = next(_pytest_tables(rootdir, config_file), None)
    if found is None:
        return PluginSettings()
    path, table = found
    return _settings(table, path)


def _pytest_tables(rootdir: Path, config_file: Path | None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Yield ``(file, pytest settings)`` for every pytest section, in the order pytest looks for them."""
    candidates: list[tuple[Path, str | None]] = []
    if config_file is not None and config_file.name == "pyproject.toml":
        candidates.append((config_file, None))
    candidates += [
        (rootdir / "pytest.ini", "pytest"),
        (rootdir / ".pytest.ini", "pytest"),
        (rootdir / "pyproject.toml", None),
        (rootdir / "tox.ini", "pytest"),
        (rootdir / "setup.cfg", "tool:pytest"),
    ]
    for path, section in candidates:
        table = _pyproject_table(path) if section is None else _ini_table(path, section)
        if table is not None:
            yield path, table


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    if _TOML is None or not path.is_file():
        return None
    try:
        document = _TOML.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # rustest's own configuration reader reports an unreadable pyproject.toml
    table = document.get("tool", {}).get("pytest", {}).get("ini_options")
    return table if isinstance(table, dict) else None


def _ini_table(path: Path, section: str) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not parser.has_section(section):
        return None
    return dict(parser.items(section))


def _settings(table: dict[str, Any], path: Path) -> PluginSettings:
    trio_mode = table.get("trio_mode", False)
    if isinstance(trio_mode, str):
        lowered = trio_mode.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ConfigError(f"{path}: trio_mode must be true or false, got {trio_mode!r}")
        trio_mode = lowered in _TRUE
    if not isinstance(trio_mode, bool):
        raise ConfigError(f"{path}: trio_mode must be true or false, got {trio_mode!r}")
    scope_name = table.get("asyncio_default_test_loop_scope")
    scope: Scope | None = None
    if scope_name is not None:
        try:
            scope = Scope.parse(str(scope_name).strip())
        except ValueError as exc:
            raise ConfigError(f"{path}: asyncio_default_test_loop_scope: {exc}") from None
    return PluginSettings(trio_mode=trio_mode, test_loop_scope=scope, source=path)
