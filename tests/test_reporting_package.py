"""The reporting package: what it exports, and that each of its modules imports on its own."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import rustest._reporting as reporting

MODULES = sorted(f"{reporting.__name__}.{info.name}" for info in pkgutil.iter_modules(reporting.__path__))


def test_package_exports_the_reporters_and_helpers() -> None:
    assert sorted(reporting.__all__) == [
        "JUnitXmlReporter",
        "JsonReporter",
        "TerminalReporter",
        "format_summary_line",
        "should_use_color",
    ]


@pytest.mark.parametrize("name", [reporting.__name__, *MODULES])
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [exported for exported in module.__all__ if not hasattr(module, exported)]
    assert missing == []


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_in_a_fresh_interpreter(name: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
