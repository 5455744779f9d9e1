"""Putting the shim modules in ``sys.modules`` for a run, and taking them out again.

While installed, ``pytest``, ``_pytest``, ``pytest_asyncio``,
``pytest_trio`` and ``pytest_mock`` (and their submodules) are rustest's shims: the real
packages, even when installed, are never imported, and any that were
already imported (rustest run from inside a pytest session) are set aside
and put back on ``uninstall``. A meta-path finder serves the submodules;
one it does not know raises an ``ImportError`` naming the missing feature.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from rustest._compat._missing import MissingPytestModule
from rustest._compat._plugin_shims import (
    build_pytest_asyncio_module,
    build_pytest_mock_module,
    build_pytest_trio_module,
    build_trio_mode_module,
)
from rustest._compat._pytest_shim import (
    PRIVATE_SUBMODULES,
    build_private_package,
    build_private_submodule,
    build_pytest_module,
)

__all__ = ["SHIMMED_PACKAGES", "ShimModules"]

SHIMMED_PACKAGES = ("pytest", "_pytest", "pytest_asyncio", "pytest_trio", "pytest_mock")
"""The top-level names whose modules (and submodules) the shims replace."""

_TOP_LEVEL: dict[str, Callable[[], ModuleType]] = {
    "pytest": build_pytest_module,
    "_pytest": build_private_package,
    "pytest_asyncio": build_pytest_asyncio_module,
    "pytest_trio": build_pytest_trio_module,
    "pytest_mock": build_pytest_mock_module,
}

_SUBMODULES: dict[str, Callable[[], ModuleType]] = {
    "pytest_trio.enable_trio_mode": build_trio_mode_module,
    **{f"_pytest.{name}": functools.partial(build_private_submodule, name) for name in PRIVATE_SUBMODULES},
}


def _shimmed(name: str) -> bool:
    return name.partition(".")[0] in SHIMMED_PACKAGES


class _ShimLoader(importlib.abc.Loader):
    """Creates a shim submodule, or raises the error naming a submodule the shims lack."""

    def __init__(self, build: Callable[[], ModuleType] | None) -> None:
        self._build = build

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """Return the shim for *spec*, or raise ``MissingPytestModule`` for an unknown submodule."""
        if self._build is None:
            raise MissingPytestModule(
                f"module {spec.name}",
                spec.name,
                "rustest serves pytest's public API (and its plugins' main modules), not its internals",
            )
        return self._build()

    def exec_module(self, module: ModuleType) -> None:
        """Do nothing: a shim is complete when it is created."""


class _ShimFinder(importlib.abc.MetaPathFinder):
    """Finds every submodule of the shimmed packages, before any finder could find the real one."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a spec for a submodule of a shimmed package; ``None`` for any other module."""
        if not _shimmed(fullname):
            return None
        build = _SUBMODULES.get(fullname) or _TOP_LEVEL.get(fullname)
        return importlib.machinery.ModuleSpec(fullname, _ShimLoader(build))


class ShimModules:
    """The shims, installed in ``sys.modules`` by the constructor until ``uninstall()``."""

    def __init__(self) -> None:
        self._set_aside = {name: module for name, module in sys.modules.items() if _shimmed(name)}
        for name in self._set_aside:
            del sys.modules[name]
        for name, build in _TOP_LEVEL.items():
            sys.modules[name] = build()
        self._finder = _ShimFinder()
        sys.meta_path.insert(0, self._finder)

    def uninstall(self) -> None:
        """Remove the shims and put back the modules that were there before."""
        while self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for name in [name for name in sys.modules if _shimmed(name)]:
            del sys.modules[name]
        sys.modules.update(self._set_aside)
