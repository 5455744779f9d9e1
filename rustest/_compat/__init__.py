"""``--pytest-compat``: run suites written for pytest, pytest-asyncio and pytest-trio unchanged.

``install(config)`` puts shim ``pytest``, ``_pytest``, ``pytest_asyncio``,
``pytest_trio`` and ``pytest_mock`` modules in ``sys.modules`` whose names
are rustest's own implementations, so ``import pytest`` in a test module or
``conftest.py`` never reaches a real pytest. The returned ``CompatSession`` adapts the
collection (compatibility fixtures, conftest hooks reported as warnings,
trio mode) and ``uninstall()`` restores ``sys.modules`` after the run. What
a suite uses and rustest lacks raises an error naming the pytest feature.
"""

from __future__ import annotations

from rustest._compat._missing import MissingPytestAttribute, MissingPytestFeature, MissingPytestModule
from rustest._compat._session import CompatSession, install

__all__ = [
    "CompatSession",
    "MissingPytestAttribute",
    "MissingPytestFeature",
    "MissingPytestModule",
    "install",
]
