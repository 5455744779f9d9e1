"""Configuration: the rootdir, and the ``[tool.rustest]`` table of ``pyproject.toml``.

How the rootdir is found (a simplified form of pytest's rule):

1. With an explicit configuration file, the rootdir is that file's directory.
2. Otherwise take the common ancestor of the path arguments (the current
   directory when there are none) and walk up from it. The first
   ``pyproject.toml`` holding ``[tool.rustest]`` or
   ``[tool.pytest.ini_options]`` is the configuration file and its directory
   is the rootdir.
3. Failing that, the directory of the nearest ``pyproject.toml`` of any kind
   is the rootdir (no configuration is read from it).
4. Failing that, the common ancestor itself is the rootdir.

``pytest.ini``, ``tox.ini`` and ``setup.cfg`` are not read.

When ``[tool.rustest]`` is present it is the whole configuration. Without
it, the pytest keys that mean the same thing here are honoured from
``[tool.pytest.ini_options]`` (``testpaths``, ``python_files``,
``python_classes``, ``python_functions``, ``norecursedirs``, ``markers``,
``xfail_strict``, and pytest-timeout's ``timeout``); its other keys belong to
pytest and are ignored.
pytest's ``addopts`` are ignored too: they name pytest's and its plugins'
flags (``--cov``, ``-p no:cacheprovider``), which rustest's command line
does not know.

TOML is read with ``tomllib`` (Python 3.11+) or ``tomli`` if installed. On
Python 3.10 without ``tomli`` a ``pyproject.toml`` that has a
``[tool.rustest]`` table is an error (its settings cannot be honoured); a
pytest table alone is then ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import os
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from rustest._errors import DefinitionError
from rustest._scope import Scope

__all__ = [
    "Config",
    "ConfigError",
    "UsageError",
    "find_rootdir",
    "load_config",
    "parse_markers",
    "parse_timeout",
]

_PYPROJECT = "pyproject.toml"


class UsageError(DefinitionError):
    """The command line or the configuration asks for something impossible; nothing is collected."""


class ConfigError(UsageError):
    """The configuration file cannot be read or holds a wrong key or value."""


@dataclass(frozen=True)
class Config:
    """The settings of one run.

    ``rootdir`` is the directory node ids are relative to (``load_config``
    finds it; a ``Config`` made directly uses the current directory).
    ``python_files`` are file-name globs; ``python_classes`` and
    ``python_functions`` are name prefixes or globs (as in pytest).
    ``norecursedirs`` are directory-name globs and ``exclude`` gitignore-style
    paths relative to the rootdir, both skipped on top of the built-in list
    (``.git``, ``.venv``, ``build``, ...). ``markers`` maps registered mark
    names to their descriptions. ``backends`` lists the backends every async
    test runs on (several entries run each async test once per backend).
    ``pytest_compat`` makes ``import pytest`` in the suite resolve to rustest,
    as ``--pytest-compat`` does. ``timeout`` is the longest a test may run, in
    seconds, before it is stopped and fails (0: no limit); ``--timeout`` and
    ``mark.timeout`` override it.
    """

    rootdir: Path = field(default_factory=Path.cwd)
    config_file: Path | None = None
    testpaths: tuple[str, ...] = ()
    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    norecursedirs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    markers: Mapping[str, str] = field(default_factory=dict, hash=False)
    strict_markers: bool = False
    xfail_strict: bool = True
    default_backend: str = "asyncio"
    backends: tuple[str, ...] = ("asyncio",)
    default_loop_scope: Scope | None = None
    addopts: tuple[str, ...] = ()
    cache_dir: str = ".rustest_cache"
    pytest_compat: bool = False
    timeout: float = 0.0


def parse_timeout(value: object) -> float:
    """Return *value* as a timeout in seconds: a number >= 0, or a string holding one (0: no timeout).

    Raises ``ValueError`` for anything else (``True``, ``"5s"``, a negative
    number, NaN or infinity), with a message that says what to write.
    """
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"a timeout is a number of seconds >= 0, such as 5 or 0.5 (0 turns it off), got {value!r}"
        )
    return seconds


def load_config(args: Sequence[str], explicit_file: str | os.PathLike[str] | None = None) -> Config:
    """Find the rootdir for *args* and read its configuration; see the module docstring for the rule.

    *explicit_file* (``-c FILE``) names the ``pyproject.toml`` to use. Raises
    ``ConfigError`` for an unreadable file, an unknown key in
    ``[tool.rustest]`` or a value of the wrong type.
    """
    rootdir, config_file = find_rootdir(args, explicit_file)
    base = Config(rootdir=rootdir, config_file=config_file)
    if config_file is None:
        return base
    document = _parse_toml(config_file)
    if document is None:
        return base
    tool = document.get("tool", {})
    rustest_table = tool.get("rustest")
    if rustest_table is not None:
        return _apply(
            base, _expect_table(rustest_table, "[tool.rustest]", config_file), config_file, _RUSTEST_KEYS
        )
    pytest_table = tool.get("pytest", {}).get("ini_options")
    if pytest_table is not None:
        settings = _expect_table(pytest_table, "[tool.pytest.ini_options]", config_file)
        honoured = {key: value for key, value in settings.items() if key in _PYTEST_KEYS}
        return _apply(base, honoured, config_file, _PYTEST_KEYS)
    return base


def find_rootdir(
    args: Sequence[str], explicit_file: str | os.PathLike[str] | None = None
) -> tuple[Path, Path | None]:
    """Return the rootdir for *args* and the configuration file found there (or ``None``)."""
    if explicit_file is not None:
        config_file = Path(os.path.abspath(explicit_file))
        if not config_file.is_file():
            raise ConfigError(f"configuration file not found: {explicit_file}")
        return config_file.parent, config_file
    ancestor = _common_ancestor(args)
    candidates = [ancestor, *ancestor.parents]
    for directory in candidates:
        pyproject = directory / _PYPROJECT
        if pyproject.is_file() and _has_config_table(pyproject):
            return directory, pyproject
    for directory in candidates:
        if (directory / _PYPROJECT).is_file():
            return directory, None
    return ancestor, None


def parse_markers(lines: Sequence[str]) -> dict[str, str]:
    """Map mark names to descriptions from pytest-style ``"name(args): description"`` lines."""
    markers: dict[str, str] = {}
    for line in lines:
        head, _, description = line.partition(":")
        name = head.split("(", 1)[0].strip()
        if name:
            markers[name] = description.strip()
    return markers


def _common_ancestor(args: Sequence[str]) -> Path:
    """Return the deepest directory holding every path argument (node-id parts stripped)."""
    cwd = Path.cwd()
    directories = []
    for arg in args:
        path = Path(os.path.abspath(cwd / arg.split("::", 1)[0]))
        directories.append(path if path.is_dir() else path.parent)
    if not directories:
        return cwd
    return Path(os.path.commonpath(directories))


_TABLE_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*(rustest|pytest\s*\.\s*ini_options)\s*\]", re.MULTILINE)
_RUSTEST_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*rustest\s*\]", re.MULTILINE)


def _has_config_table(pyproject: Path) -> bool:
    """Tell whether *pyproject* holds ``[tool.rustest]`` or ``[tool.pytest.ini_options]``."""
    text = _read_text(pyproject)
    if "rustest" not in text and "ini_options" not in text:
        # Every spelling of either table names it: most packaging-only files need no parsing.
        return False
    document = _parse_toml(pyproject)
    if document is None:
        return _TABLE_HEADER.search(_read_text(pyproject)) is not None
    tool = document.get("tool", {})
    return "rustest" in tool or "ini_options" in tool.get("pytest", {})


@functools.cache
def _toml_module() -> ModuleType | None:
    """Return ``tomllib``, else ``tomli``, else ``None`` (Python 3.10 without tomli), imported once."""
    for name in ("tomllib", "tomli"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _parse_toml(path: Path) -> dict[str, Any] | None:
    """Parse *path*; ``None`` when no TOML parser is available and the file has no rustest table.

    The rootdir search and the reading of the settings parse the same file:
    the document is kept for as long as the file is unchanged.
    """
    try:
        stat = path.stat()
    except OSError:
        return _parse_toml_text(path, _read_text(path))
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None:
        cached = _PARSED[key] = (_parse_toml_text(path, _read_text(path)),)
    return cached[0]


_PARSED: dict[tuple[str, int, int], tuple[dict[str, Any] | None]] = {}


def _parse_toml_text(path: Path, text: str) -> dict[str, Any] | None:
    toml = _toml_module()
    if toml is None:
        if _RUSTEST_HEADER.search(text):
            raise ConfigError(
                f"{path} has a [tool.rustest] table, but reading it needs a TOML parser: "
                "install 'tomli' or use Python 3.11+"
            )
        return None
    try:
        document: dict[str, Any] = toml.loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return document


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def _expect_table(value: object, label: str, config_file: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{config_file}: {label} must be a table")
    return value


Converter = Callable[[object, str], Any]


def _apply(
    base: Config, settings: Mapping[str, Any], config_file: Path, known: Mapping[str, Converter]
) -> Config:
    """Return *base* with *settings* converted and validated by the converters in *known*."""
    changes: dict[str, Any] = {}
    for key, value in settings.items():
        convert = known.get(key)
        if convert is None:
            names = ", ".join(sorted(known))
            raise ConfigError(f"{config_file}: unknown key {key!r} in [tool.rustest]; known keys: {names}")
        try:
            changes[key] = convert(value, key)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
    return dataclasses.replace(base, **changes)


def _strings(value: object, key: str) -> tuple[str, ...]:
    """A list of strings, or one string of whitespace-separated words (pytest's ini form)."""
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise TypeError(f"{key} must be a list of strings, got {value!r}")


def _arguments(value: object, key: str) -> tuple[str, ...]:
    """Command-line words: a list of strings, or one string split like a shell would."""
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return _strings(value, key)


def _boolean(value: object, key: str) -> bool:
    """A TOML boolean, or pytest's ini spelling (``"true"``, ``"0"``, ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
    raise TypeError(f"{key} must be true or false, got {value!r}")


def _text(value: object, key: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise TypeError(f"{key} must be a non-empty string, got {value!r}")


def _scope(value: object, key: str) -> Scope:
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a scope name, got {value!r}")
    try:
        return Scope.parse(value)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


def _backends(value: object, key: str) -> tuple[str, ...]:
    backends = _strings(value, key)
    if not backends:
        raise ValueError(f"{key} must name at least one backend")
    return backends


def _timeout(value: object, key: str) -> float:
    try:
        return parse_timeout(value)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


def _marker_table(value: object, key: str) -> dict[str, str]:
    """Markers as a table (name = description) or as pytest's list of ``"name: description"`` lines."""
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    if isinstance(value, str):
        return parse_markers(value.splitlines())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return parse_markers(value)
    raise TypeError(f"{key} must be a table of name = description, or a list of 'name: description' lines")


_RUSTEST_KEYS: dict[str, Converter] = {
    "testpaths": _strings,
    "python_files": _strings,
    "python_classes": _strings,
    "python_functions": _strings,
    "norecursedirs": _strings,
    "exclude": _strings,
    "markers": _marker_table,
    "strict_markers": _boolean,
    "xfail_strict": _boolean,
    "default_backend": _text,
    "backends": _backends,
    "default_loop_scope": _scope,
    "addopts": _arguments,
    "cache_dir": _text,
    "pytest_compat": _boolean,
    "timeout": _timeout,
}

_PYTEST_KEYS: dict[str, Converter] = {
    key: _RUSTEST_KEYS[key]
    for key in (
        "testpaths",
        "python_files",
        "python_classes",
        "python_functions",
        "norecursedirs",
        "markers",
        "xfail_strict",
        "timeout",
    )
}
