"""A sandbox for collection tests: tiny projects in a temporary directory, imported without leaks.

Collection imports the project's files, so it changes ``sys.modules`` and
``sys.path``. ``isolated_imports`` puts both back, so every test starts from
the same interpreter state. The tests in this file check the sandbox itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rustest._collect import Collection, collect
from rustest._config import Config

__all__ = ["AUTHORING", "Project", "isolated_imports"]

AUTHORING = "from rustest import fixture, mark, param, parametrize\n"
"""The import lines a tiny project's test file starts with to get the authoring API."""


def _is_under(module: object, root: Path) -> bool:
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and Path(file).is_relative_to(root)


_SHADOWING_NAMES = frozenset({"tests", "test", "conftest"})


@contextlib.contextmanager
def isolated_imports(root: Path) -> Iterator[None]:
    """Undo what importing files under *root* does to ``sys.modules``, ``sys.path`` and ``sys.meta_path``."""
    saved_modules = dict(sys.modules)
    saved_path = list(sys.path)
    saved_meta_path = list(sys.meta_path)
    # A module the test run imported earlier under a name the project uses too (``tests`` is the
    # usual one) would shadow the project's own package; set it aside while the project imports.
    for name in [name for name in sys.modules if name.split(".")[0] in _SHADOWING_NAMES]:
        del sys.modules[name]
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):
            if saved_modules.get(name) is not module and _is_under(module, root):
                del sys.modules[name]
        for name, module in saved_modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
        sys.path[:] = saved_path
        sys.meta_path[:] = saved_meta_path
        for key in [key for key in sys.path_importer_cache if Path(key).is_relative_to(root)]:
            del sys.path_importer_cache[key]


class Project:
    """A tiny project rooted at *root*: write files, then collect them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: dict[str, str]) -> None:
        """Write each relative path with its (dedented) text, creating directories as needed."""
        for relative, text in files.items():
            path = self.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def config(self, **settings: Any) -> Config:
        """A configuration rooted at the project, with *settings* changed."""
        return dataclasses.replace(Config(rootdir=self.root), **settings)

    def collect(self, *args: str, **settings: Any) -> Collection:
        """Collect *args* (default: the project) with *settings* changed in the configuration."""
        return collect(args, self.config(**settings))

    def collect_module(self, source: str, **settings: Any) -> Collection:
        """Write *source* as ``test_a.py``, after the authoring imports, and collect the project."""
        self.write({"test_a.py": AUTHORING + source})
        return self.collect(**settings)

    def ids(self, *args: str, **settings: Any) -> list[str]:
        """The ids of the tests collected from *args*, in order."""
        return [test.id for test in self.collect(*args, **settings).tests]


def test_isolated_imports_removes_modules_imported_from_the_root(tmp_path: Path) -> None:
    (tmp_path / "sandboxed_module_a.py").write_text("VALUE = 1\n")
    with isolated_imports(tmp_path):
        sys.path.insert(0, str(tmp_path))
        __import__("sandboxed_module_a")
    assert "sandboxed_module_a" not in sys.modules


def test_isolated_imports_restores_sys_path(tmp_path: Path) -> None:
    before = list(sys.path)
    with isolated_imports(tmp_path):
        sys.path.insert(0, str(tmp_path))
    assert sys.path == before


def test_isolated_imports_restores_a_module_replaced_under_the_same_name(tmp_path: Path) -> None:
    original = sys.modules["textwrap"]
    with isolated_imports(tmp_path):
        sys.modules["textwrap"] = sys.modules["contextlib"]
    assert sys.modules["textwrap"] is original
