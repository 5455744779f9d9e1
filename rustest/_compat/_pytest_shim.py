"""The ``pytest`` and ``_pytest`` modules that a suite imports under ``--pytest-compat``.

Every name maps onto rustest's own implementation: ``pytest.fixture`` is
``rustest.fixture``, ``pytest.mark`` is ``rustest.mark``, ``pytest.MonkeyPatch``
is the class behind the ``monkeypatch`` fixture, and so on. A name pytest
has and rustest does not (``pytest.hookimpl``, ``pytest.Item``) raises an
``AttributeError`` (an ``ImportError`` for ``from pytest import ...``) that
names the missing feature.

``_pytest`` is a package whose known submodules (``_pytest.fixtures``,
``_pytest.monkeypatch``, ...) serve the same names plus the few private
ones suites reach for (``_pytest.outcomes.Skipped``); importing any other
submodule raises an ``ImportError`` naming it.
"""

from __future__ import annotations

from types import ModuleType

from rustest._compat._lazy import lazy_module

__all__ = [
    "PYTEST_API_VERSION",
    "PYTEST_NAMES",
    "PRIVATE_SUBMODULES",
    "build_private_package",
    "build_private_submodule",
    "build_pytest_module",
]

PYTEST_API_VERSION = (8, 3, 0)
"""The pytest release whose public API the shim follows; it is what ``pytest.version_tuple`` says."""

_API_VERSION_TEXT = ".".join(map(str, PYTEST_API_VERSION))
_WARNINGS = "rustest._compat._warning_types"

PYTEST_NAMES: dict[str, str] = {
    "fixture": "rustest._fixture_api:fixture",
    "yield_fixture": "rustest._fixture_api:fixture",
    "mark": "rustest._marks:mark",
    "param": "rustest._parametrize:param",
    "raises": "rustest._raises:raises",
    "warns": "rustest._warns:warns",
    "deprecated_call": "rustest._warns:deprecated_call",
    "approx": "rustest._approx:approx",
    "skip": "rustest._outcomes:skip",
    "fail": "rustest._outcomes:fail",
    "xfail": "rustest._outcomes:xfail",
    "exit": "rustest._outcomes:exit",
    "importorskip": "rustest._outcomes:importorskip",
    "register_assert_rewrite": "rustest._compat._assert_rewrite:register_assert_rewrite",
    "ExceptionInfo": "rustest._raises:ExceptionInfo",
    "FixtureRequest": "rustest._request:FixtureRequest",
    "FixtureLookupError": "rustest._request:FixtureLookupError",
    "Mark": "rustest._spec:Mark",
    "MarkDecorator": "rustest._marks:MarkDecorator",
    "MarkGenerator": "rustest._marks:MarkGenerator",
    "MonkeyPatch": "rustest._builtins:MonkeyPatch",
    "CaptureFixture": "rustest._builtins:CaptureFixture",
    "LogCaptureFixture": "rustest._builtins:LogCaptureFixture",
    "TempPathFactory": "rustest._builtins:TempPathFactory",
    "TempdirFactory": "rustest._builtins:TempdirFactory",
    "WarningsRecorder": "rustest._warns:WarningsRecorder",
    "Cache": "rustest._cache:Cache",
    "Config": "rustest._cli._main:RunConfig",
    "ExitCode": "rustest._cli._main:ExitCode",
    "UsageError": "rustest._config:UsageError",
    **{
        name: f"{_WARNINGS}:{name}"
        for name in (
            "PytestWarning",
            "PytestAssertRewriteWarning",
            "PytestCacheWarning",
            "PytestCollectionWarning",
            "PytestConfigWarning",
            "PytestDeprecationWarning",
            "PytestExperimentalApiWarning",
            "PytestFDWarning",
            "PytestRemovedIn9Warning",
            "PytestRemovedIn10Warning",
            "PytestReturnNotNoneWarning",
            "PytestUnhandledThreadExceptionWarning",
            "PytestUnknownMarkWarning",
            "PytestUnraisableExceptionWarning",
        )
    },
}
"""Each public ``pytest`` name rustest provides, mapped to ``"module:attribute"`` of its implementation."""

_PRIVATE_NAMES: dict[str, str] = {
    "OutcomeException": "rustest._outcomes:OutcomeException",
    "Skipped": "rustest._outcomes:Skipped",
    "Failed": "rustest._outcomes:Failed",
    "XFailed": "rustest._outcomes:XFailed",
    "Exit": "rustest._outcomes:Exit",
    "ParameterSet": "rustest._spec:ParameterSet",
    "WarningsChecker": "rustest._warns:WarningsChecker",
    "RaisesContext": "rustest._raises:RaisesContext",
    "ApproxBase": "rustest._approx:ApproxBase",
    "MockerFixture": "rustest._builtins:MockerFixture",
}

PRIVATE_SUBMODULES = frozenset(
    {
        "capture",
        "config",
        "fixtures",
        "logging",
        "mark",
        "mark.structures",
        "monkeypatch",
        "outcomes",
        "python_api",
        "raises",
        "recwarn",
        "tmpdir",
        "warning_types",
    }
)
"""The ``_pytest`` submodules (without the prefix) that can be imported; each serves every known name."""

_COLLECTION_TREE = (
    "rustest has no collection-node objects; a fixture's request.node gives the test's nodeid, "
    "marks, function and callspec"
)
_HOOKS = "rustest does not run pytest hooks or plugins; conftest.py hooks are listed in a warning"

_HINTS: dict[str, str] = {
    "hookimpl": _HOOKS,
    "hookspec": _HOOKS,
    "PytestPluginManager": _HOOKS,
    "Parser": "command-line options cannot be added (pytest_addoption is not run)",
    "OptionGroup": "command-line options cannot be added (pytest_addoption is not run)",
    "Metafunc": "pytest_generate_tests is not run; parametrize with mark.parametrize instead",
    "Pytester": "pytester runs pytest itself in a sandbox, which rustest cannot do",
    "Testdir": "pytester runs pytest itself in a sandbox, which rustest cannot do",
    "RunResult": "pytester runs pytest itself in a sandbox, which rustest cannot do",
    "LineMatcher": "pytester runs pytest itself in a sandbox, which rustest cannot do",
    "HookRecorder": "pytester runs pytest itself in a sandbox, which rustest cannot do",
    "RaisesGroup": "check exception groups with raises(ExceptionGroup) and inspect excinfo.value",
    "RaisesExc": "use raises(...) as a context manager",
    "main": "run 'python -m rustest' instead",
    "console_main": "run 'python -m rustest' instead",
    "set_trace": "call breakpoint() and run with -s",
    **{
        name: _COLLECTION_TREE
        for name in ("Item", "Function", "Class", "Module", "Package", "Session", "Collector", "File", "Dir")
    },
    **{name: _COLLECTION_TREE for name in ("Directory", "DoctestItem", "FixtureDef", "Stash", "StashKey")},
}


def build_pytest_module() -> ModuleType:
    """Return a fresh ``pytest`` shim module."""
    return lazy_module(
        "pytest",
        "pytest's public API, served by rustest (--pytest-compat).",
        PYTEST_NAMES,
        hints=_HINTS,
        values={
            "__version__": _API_VERSION_TEXT,
            "version_tuple": PYTEST_API_VERSION,
        },
    )


def build_private_package() -> ModuleType:
    """Return a fresh ``_pytest`` shim package (its submodules come from ``build_private_submodule``)."""
    package = lazy_module(
        "_pytest",
        "pytest's private package, served by rustest (--pytest-compat) for the names suites import.",
        {},
        hints={"version": "pytest's own version module is not provided"},
        # Libraries such as hypothesis read it to decide which pytest internals to expect.
        values={"__version__": _API_VERSION_TEXT},
    )
    package.__path__ = []
    return package


def build_private_submodule(name: str) -> ModuleType:
    """Return a fresh ``_pytest.<name>`` shim module; *name* must be in ``PRIVATE_SUBMODULES``."""
    module = lazy_module(
        f"_pytest.{name}",
        f"_pytest.{name}, served by rustest (--pytest-compat).",
        {**PYTEST_NAMES, **_PRIVATE_NAMES},
        hints=_HINTS,
    )
    if name == "mark":
        module.__path__ = []
    return module
