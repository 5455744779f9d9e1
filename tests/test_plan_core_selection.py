"""Which planning core runs: the compiled one unless it is missing or switched off."""

from __future__ import annotations

import os
import subprocess
import sys
from types import ModuleType

import pytest

__all__: list[str] = []


def active_core(**env: str) -> str:
    """Return ``IMPLEMENTATION`` of the core a fresh interpreter selects with *env* added."""
    completed = subprocess.run(
        [sys.executable, "-c", "import rustest._planner as p; print(p.IMPLEMENTATION)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return completed.stdout.strip()


def test_each_core_names_itself(core: ModuleType) -> None:
    assert (core.__name__, core.IMPLEMENTATION) in {
        ("rustest._core", "cython"),
        ("rustest._core_py", "python"),
    }


def test_no_extensions_switch_selects_the_pure_python_core() -> None:
    assert active_core(RUSTEST_NO_EXTENSIONS="1") == "python"


@pytest.mark.skipif(
    os.environ.get("RUSTEST_REQUIRE_EXTENSIONS") != "1",
    reason="only a build that requires the extension promises the compiled core",
)
def test_compiled_core_is_selected_when_extensions_are_required() -> None:
    assert active_core() == "cython"
