"""pytest hooks and plugin lists found in ``conftest.py`` files, which rustest does not run.

pytest calls every ``pytest_*`` function of a ``conftest.py`` as a hook and
loads the plugins a ``pytest_plugins`` list names. rustest does neither, so
each hook name and each plugin is reported once, in one warning that lists
the files it was found in. The hooks that ``pytest_trio.enable_trio_mode``
brings in are the exception: they mean "run async tests on trio", and rustest
does exactly that instead of warning.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from rustest._collect._nodeids import relpath
from rustest._compat._missing import missing_message
from rustest._compat._plugin_shims import TRIO_MODE_HOOK_ATTR

__all__ = ["GENERATE_TESTS_HOOK", "HookScan", "scan_conftests"]

GENERATE_TESTS_HOOK = "pytest_generate_tests"
"""The hook that parametrizes tests; tests that depend on it are failed with a message naming it."""

_PLUGINS_VARIABLE = "pytest_plugins"


@dataclass
class HookScan:
    """What the ``conftest.py`` files of a run ask pytest for.

    ``hooks`` maps each hook name to the conftest files (relative to the
    rootdir) that define it; ``plugins`` does the same for the plugins named
    in ``pytest_plugins``. ``trio_mode`` is set when a conftest imported
    pytest-trio's trio-mode hooks.
    """

    hooks: dict[str, list[str]] = field(default_factory=dict)
    plugins: dict[str, list[str]] = field(default_factory=dict)
    trio_mode: bool = False

    def warnings(self) -> list[str]:
        """Return one warning per hook name and one per plugin, in the order they were first found."""
        messages = [
            missing_message(
                f"conftest.py hook {name} (in {', '.join(files)})",
                "it was not run; tests that depend on it may fail or behave differently",
            )
            for name, files in self.hooks.items()
        ]
        messages.extend(
            missing_message(
                f"pytest plugin {name!r} listed in pytest_plugins (in {', '.join(files)})",
                "it was not loaded; its fixtures and hooks are not available",
            )
            for name, files in self.plugins.items()
        )
        return messages


def scan_conftests(modules: Iterable[ModuleType], rootdir: Path) -> HookScan:
    """Find the pytest hooks and ``pytest_plugins`` entries of the conftest *modules*."""
    scan = HookScan()
    for module in modules:
        label = relpath(getattr(module, "__file__", None) or module.__name__, rootdir)
        for name, value in vars(module).items():
            if name == _PLUGINS_VARIABLE:
                for plugin in _plugin_names(value):
                    scan.plugins.setdefault(plugin, []).append(label)
            elif _is_hook(name, value):
                if getattr(value, TRIO_MODE_HOOK_ATTR, False):
                    scan.trio_mode = True
                else:
                    scan.hooks.setdefault(name, []).append(label)
    return scan


def _is_hook(name: str, value: object) -> bool:
    return name.startswith("pytest_") and callable(value) and not inspect.isclass(value)


def _plugin_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [repr(value)]
