"""Generate equivalent test suites for rustest, for pytest, and a floor script that does the bare minimum.

``write_suite(root, shape)`` writes three things under *root*:

- ``for_rustest/``: the suite written for rustest (``from rustest import ...``);
- ``for_pytest/``: the same tests written for pytest (with pytest-asyncio for the
  async shapes), from the same template, so both runners see the same test
  bodies, fixtures, scopes and parameters;
- ``floor.py``: a script that imports the rustest variant's modules and calls
  every test function in order, resolving fixtures by hand and running async
  tests on a new event loop each (``async_fresh``) or on one loop for the
  whole run (``async_session``). It is the least work any runner must do,
  so its wall time is the floor the runners are measured against.

Every shape has ``n_tests`` tests in ``n_files`` modules, and every run of
each variant ends with ``"<n_tests> passed"`` on stdout, which the benchmark
checks so that the three never measure different work.

Shapes:

``plain``
    Functions with no arguments.
``fixtures``
    Each test requests a function-scoped generator fixture, which requests a
    module-scoped fixture, which requests a session-scoped one from
    ``conftest.py``; the test also requests the session fixture directly.
``parametrized``
    Ten functions per module, each parametrized over ten cases.
``async_fresh``
    Async tests without fixtures: each runs on a fresh event loop.
``async_session``
    Async tests that share a session-scoped async generator fixture, so all
    of them run on the session's loop.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CASES_PER_FUNCTION", "SHAPES", "Suite", "write_suite"]

SHAPES = ("plain", "fixtures", "parametrized", "async_fresh", "async_session")
"""The suite shapes ``write_suite`` can generate, in the order the benchmark reports them."""

CASES_PER_FUNCTION = 10
"""How many parameter cases each function of the ``parametrized`` shape has."""

ASYNC_SHAPES = frozenset({"async_fresh", "async_session"})


@dataclass(frozen=True)
class Suite:
    """Where one generated shape lives: its two suite directories and its floor script."""

    shape: str
    n_tests: int
    rustest_dir: Path
    pytest_dir: Path
    floor_script: Path

    @property
    def is_async(self) -> bool:
        """Tell whether the pytest variant needs pytest-asyncio."""
        return self.shape in ASYNC_SHAPES


@dataclass(frozen=True)
class _Spelling:
    """How one runner spells the decorators and marks a template uses."""

    header: str
    fixture: str
    module_fixture: str
    session_fixture: str
    async_session_fixture: str
    parametrize: str
    fresh_async_module: str
    session_async_module: str


_RUSTEST = _Spelling(
    header="from rustest import fixture, parametrize",
    fixture="@fixture",
    module_fixture='@fixture(scope="module")',
    session_fixture='@fixture(scope="session")',
    async_session_fixture='@fixture(scope="session")',
    parametrize="@parametrize",
    fresh_async_module="",
    session_async_module="",
)

_PYTEST = _Spelling(
    header="import pytest\nimport pytest_asyncio",
    fixture="@pytest.fixture",
    module_fixture='@pytest.fixture(scope="module")',
    session_fixture='@pytest.fixture(scope="session")',
    async_session_fixture='@pytest_asyncio.fixture(scope="session", loop_scope="session")',
    parametrize="@pytest.mark.parametrize",
    fresh_async_module="pytestmark = pytest.mark.asyncio",
    session_async_module='pytestmark = pytest.mark.asyncio(loop_scope="session")',
)

_PYTEST_PLAIN_HEADER = "import pytest"

_RUSTEST_CONFIG = "[tool.rustest]\n"
_PYTEST_CONFIG = "[tool.pytest.ini_options]\n"
_PYTEST_ASYNC_CONFIG = (
    '[tool.pytest.ini_options]\nasyncio_mode = "strict"\nasyncio_default_fixture_loop_scope = "function"\n'
)


def write_suite(root: Path, shape: str, n_tests: int = 5000, n_files: int = 50) -> Suite:
    """Write the rustest and pytest variants of *shape* and its floor script under *root*.

    *n_tests* must be a positive multiple of ``10 * n_files`` so every module
    holds the same number of tests and the ``parametrized`` shape can give
    every function ``CASES_PER_FUNCTION`` cases.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if n_files <= 0 or n_tests <= 0 or n_tests % (CASES_PER_FUNCTION * n_files):
        raise ValueError(
            f"n_tests ({n_tests}) must be a positive multiple of {CASES_PER_FUNCTION} * n_files ({n_files})"
        )
    per_file = n_tests // n_files
    # Not named "rustest" and "pytest": the floor script's directory is first on sys.path, and such
    # directories would shadow the real packages there.
    suite = Suite(shape, n_tests, root / "for_rustest", root / "for_pytest", root / "floor.py")
    is_async = shape in ASYNC_SHAPES
    for directory, spelling, config in (
        (suite.rustest_dir, _RUSTEST, _RUSTEST_CONFIG),
        (suite.pytest_dir, _PYTEST, _PYTEST_ASYNC_CONFIG if is_async else _PYTEST_CONFIG),
    ):
        directory.mkdir(parents=True, exist_ok=True)
        _write(directory / "pyproject.toml", config)
        conftest = _CONFTESTS.get(shape)
        if conftest is not None:
            _write(directory / "conftest.py", conftest.format(s=spelling, header=_header(shape, spelling)))
        for index in range(n_files):
            _write(directory / f"{_module_name(index)}.py", _module_text(shape, spelling, index, per_file))
    _write(suite.floor_script, _floor_text(shape, suite.rustest_dir, n_files))
    return suite


def _module_name(index: int) -> str:
    return f"test_{index:03d}"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _header(shape: str, spelling: _Spelling) -> str:
    """Return the imports a module of *shape* needs: pytest_asyncio only for the async shapes."""
    if spelling is _PYTEST and shape not in ASYNC_SHAPES:
        return _PYTEST_PLAIN_HEADER
    return spelling.header


def _module_text(shape: str, spelling: _Spelling, index: int, per_file: int) -> str:
    header = _header(shape, spelling)
    first = index * per_file
    if shape == "parametrized":
        functions = per_file // CASES_PER_FUNCTION
        tests = [_PARAMETRIZED_TEST.format(s=spelling, n=first + k) for k in range(functions)]
    else:
        tests = [_TESTS[shape].format(s=spelling, n=first + k) for k in range(per_file)]
    prelude = _PRELUDES[shape].format(s=spelling)
    return f"{header}\n{prelude}\n" + "".join(tests)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


_PRELUDES = {
    "plain": "",
    "fixtures": _dedent(
        """

        {s.module_fixture}
        def table(settings):
            return {{"factor": settings["factor"], "rows": []}}


        {s.fixture}
        def row(table):
            table["rows"].append(table["factor"])
            yield len(table["rows"])
            table["rows"].pop()
        """
    ),
    "parametrized": f"\nCASES = [(k, k + 1) for k in range({CASES_PER_FUNCTION})]\n",
    "async_fresh": "import asyncio\n{s.fresh_async_module}\n",
    "async_session": "{s.session_async_module}\n",
}

_TESTS = {
    "plain": _dedent(
        """

        def test_{n}():
            value = {n}
            assert value + 1 > value
        """
    ),
    "fixtures": _dedent(
        """

        def test_{n}(row, settings):
            assert row == 1 and settings["factor"] == 2
        """
    ),
    "async_fresh": _dedent(
        """

        async def test_{n}():
            await asyncio.sleep(0)
            assert {n} >= 0
        """
    ),
    "async_session": _dedent(
        """

        async def test_{n}(pool):
            assert await pool.get({n}) == {n}
        """
    ),
}

_PARAMETRIZED_TEST = _dedent(
    """

    {s.parametrize}("left, right", CASES)
    def test_{n}(left, right):
        assert left < right
    """
)

_CONFTESTS = {
    "fixtures": _dedent(
        """
        {header}


        {s.session_fixture}
        def settings():
            return {{"factor": 2}}
        """
    ),
    "async_session": _dedent(
        """
        import asyncio

        {header}


        class Pool:
            async def get(self, key):
                await asyncio.sleep(0)
                return key


        {s.async_session_fixture}
        async def pool():
            yield Pool()
        """
    ),
}


def _floor_text(shape: str, suite_dir: Path, n_files: int) -> str:
    """Return the floor script: import each module of *suite_dir*, call each test, count passes."""
    return _FLOOR_HEAD.format(suite_dir=str(suite_dir), n_files=n_files) + _FLOOR_BODIES[shape] + _FLOOR_TAIL


_FLOOR_HEAD = _dedent(
    '''
    """The floor: import the suite's modules and call its tests with as little work as possible."""

    import importlib
    import sys

    sys.path.insert(0, {suite_dir!r})
    MODULES = [importlib.import_module(f"test_{{index:03d}}") for index in range({n_files})]


    def tests_of(module):
        return [value for name, value in vars(module).items() if name.startswith("test_")]


    passed = failed = 0
    '''
)

_FLOOR_TAIL = 'print(f"{passed} passed, {failed} failed")\nsys.exit(1 if failed else 0)\n'

_FLOOR_BODIES = {
    "plain": _dedent(
        """
        for module in MODULES:
            for test in tests_of(module):
                try:
                    test()
                except Exception:
                    failed += 1
                else:
                    passed += 1
        """
    ),
    "fixtures": _dedent(
        """
        conftest = importlib.import_module("conftest")
        settings = conftest.settings()
        for module in MODULES:
            table = module.table(settings)
            for test in tests_of(module):
                row_fixture = module.row(table)
                try:
                    test(next(row_fixture), settings)
                except Exception:
                    failed += 1
                else:
                    passed += 1
                finally:
                    for _ in row_fixture:
                        pass
        """
    ),
    "parametrized": _dedent(
        """
        for module in MODULES:
            for test in tests_of(module):
                for left, right in module.CASES:
                    try:
                        test(left, right)
                    except Exception:
                        failed += 1
                    else:
                        passed += 1
        """
    ),
    "async_fresh": _dedent(
        """
        import asyncio

        for module in MODULES:
            for test in tests_of(module):
                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(test())
                except Exception:
                    failed += 1
                else:
                    passed += 1
                finally:
                    loop.close()
        """
    ),
    "async_session": _dedent(
        """
        import asyncio

        conftest = importlib.import_module("conftest")
        loop = asyncio.new_event_loop()
        pool_fixture = conftest.pool()
        pool = loop.run_until_complete(pool_fixture.__anext__())
        for module in MODULES:
            for test in tests_of(module):
                try:
                    loop.run_until_complete(test(pool))
                except Exception:
                    failed += 1
                else:
                    passed += 1
        try:
            loop.run_until_complete(pool_fixture.__anext__())
        except StopAsyncIteration:
            pass
        loop.close()
        """
    ),
}
