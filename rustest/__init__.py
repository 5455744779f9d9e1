"""rustest: a fast test runner with automatic event-loop scopes for async fixtures.

Test authors import from here::

    from rustest import fixture, parametrize, mark, raises, approx, skip, fail, xfail, param

``rustest.core`` is the embedding API for other frameworks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rustest._fixture_api import fixture
from rustest._marks import MarkDecorator, mark
from rustest._outcomes import (
    Exit,
    Failed,
    Skipped,
    XFailed,
    exit,
    fail,
    importorskip,
    skip,
    skip_decorator,
    xfail,
)
from rustest._parametrize import param, parametrize
from rustest._spec import Mark, ParameterSet
from rustest._version import __version__

if TYPE_CHECKING:
    from rustest._approx import approx
    from rustest._builtins import (
        CaptureFixture,
        LogCaptureFixture,
        MockerFixture,
        MonkeyPatch,
        TempPathFactory,
    )
    from rustest._cli._main import RunReport
    from rustest._raises import ExceptionInfo, RaisesContext, raises
    from rustest._request import FixtureRequest
    from rustest._warns import deprecated_call, warns

# Helpers a test file may not use (approx imports decimal and pprint), and
# types of built-in fixtures for annotations: imported on first use so that
# ``import rustest`` in every test file stays cheap.
_LAZY = {
    "approx": "rustest._approx",
    "ExceptionInfo": "rustest._raises",
    "RaisesContext": "rustest._raises",
    "raises": "rustest._raises",
    "deprecated_call": "rustest._warns",
    "warns": "rustest._warns",
    "CaptureFixture": "rustest._builtins",
    "LogCaptureFixture": "rustest._builtins",
    "MockerFixture": "rustest._builtins",
    "MonkeyPatch": "rustest._builtins",
    "TempPathFactory": "rustest._builtins",
    "FixtureRequest": "rustest._request",
}

__all__ = [
    "CaptureFixture",
    "ExceptionInfo",
    "Exit",
    "Failed",
    "FixtureRequest",
    "LogCaptureFixture",
    "Mark",
    "MarkDecorator",
    "MockerFixture",
    "MonkeyPatch",
    "ParameterSet",
    "RaisesContext",
    "Skipped",
    "TempPathFactory",
    "XFailed",
    "__version__",
    "approx",
    "deprecated_call",
    "exit",
    "fail",
    "fixture",
    "importorskip",
    "mark",
    "param",
    "parametrize",
    "raises",
    "run",
    "skip",
    "skip_decorator",
    "warns",
    "xfail",
]


def run(*args: str | Sequence[str], quiet: bool = True) -> RunReport:
    """Run rustest in this process with command-line arguments and return a ``RunReport``.

    ``run("tests", "-k", "db")`` is ``python -m rustest tests -k db`` without
    the subprocess; the terminal report is written to stdout unless *quiet*.
    """
    import io

    from rustest._cli._main import run_session

    argv: list[str] = []
    for arg in args:
        argv.extend([arg] if isinstance(arg, str) else list(arg))
    return run_session(argv, stdout=io.StringIO() if quiet else None)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustest' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
