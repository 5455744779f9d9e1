"""``mocker`` and its wider-scoped siblings, each giving a ``MockerFixture`` undone after its scope.

``MockerFixture`` is imported only when one of these fixtures is set up:
``unittest.mock`` imports ``asyncio`` and costs a run that mocks nothing
tens of milliseconds.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef
from rustest._scope import Scope

if TYPE_CHECKING:
    from rustest._builtins._mocker import MockerFixture

__all__ = ["class_mocker", "fixtures", "mocker", "module_mocker", "package_mocker", "session_mocker"]


def _managed_mocker() -> Generator[MockerFixture, None, None]:
    from rustest._builtins._mocker import MockerFixture

    mocker = MockerFixture()
    try:
        yield mocker
    finally:
        mocker.stopall()


def mocker() -> Generator[MockerFixture, None, None]:
    """Give the test a ``MockerFixture``; every patch it made is undone after the test."""
    yield from _managed_mocker()


def class_mocker() -> Generator[MockerFixture, None, None]:
    """Give a ``MockerFixture`` shared by a test class; its patches are undone after the class."""
    yield from _managed_mocker()


def module_mocker() -> Generator[MockerFixture, None, None]:
    """Give a ``MockerFixture`` shared by a module; its patches are undone after the module."""
    yield from _managed_mocker()


def package_mocker() -> Generator[MockerFixture, None, None]:
    """Give a ``MockerFixture`` shared by a package; its patches are undone after the package."""
    yield from _managed_mocker()


def session_mocker() -> Generator[MockerFixture, None, None]:
    """Give a ``MockerFixture`` shared by the run; its patches are undone at the end of the run."""
    yield from _managed_mocker()


def fixtures() -> list[FixtureDef]:
    """Return the mocker fixture definitions, one per scope."""
    return [
        builtin(mocker),
        builtin(class_mocker, Scope.CLASS),
        builtin(module_mocker, Scope.MODULE),
        builtin(package_mocker, Scope.PACKAGE),
        builtin(session_mocker, Scope.SESSION),
    ]
