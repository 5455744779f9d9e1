"""The argument parser of ``python -m rustest``; the CLI reference in the docs is generated from it."""

from __future__ import annotations

import argparse

from rustest._config import parse_timeout
from rustest._version import __version__

__all__ = ["build_parser"]


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return number


def _timeout(value: str) -> float:
    try:
        return parse_timeout(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``python -m rustest``, with options grouped as in ``--help``."""
    parser = argparse.ArgumentParser(
        prog="rustest",
        description="Run tests: sync and async (asyncio, trio) with automatic event-loop scopes.",
        epilog="Exit codes: 0 all passed, 1 tests failed, 2 interrupted or collection errors, "
        "3 internal error, 4 usage error, 5 no tests collected.",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files, directories or node ids (file.py::Class::test[id])"
    )
    parser.add_argument("--version", action="version", version=f"rustest {__version__}")

    select = parser.add_argument_group("selection")
    select.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="only tests whose names match EXPR (and/or/not)"
    )
    select.add_argument("-m", dest="markexpr", metavar="EXPR", help="only tests whose marks match EXPR")
    select.add_argument(
        "--lf",
        "--last-failed",
        dest="last_failed",
        action="store_true",
        help="run only the tests that failed last time (all, if none failed)",
    )
    select.add_argument(
        "--ff",
        "--failed-first",
        dest="failed_first",
        action="store_true",
        help="run the tests that failed last time first, then the rest",
    )
    select.add_argument(
        "--collect-only",
        "--co",
        dest="collect_only",
        action="store_true",
        help="only collect and list the tests; do not run them",
    )
    select.add_argument(
        "--no-codeblocks",
        dest="codeblocks",
        action="store_false",
        help="do not collect python code blocks of Markdown files as tests",
    )

    running = parser.add_argument_group("running")
    running.add_argument(
        "-x",
        "--exitfirst",
        dest="maxfail",
        action="store_const",
        const=1,
        help="stop after the first failure or error",
    )
    running.add_argument(
        "--maxfail", dest="maxfail", type=_positive, metavar="N", help="stop after N failures or errors"
    )
    running.add_argument(
        "--timeout",
        dest="timeout",
        type=_timeout,
        default=None,
        metavar="SECONDS",
        help="fail a test that runs longer than SECONDS, setup and teardown included, and go on with "
        "the next (config: timeout; mark.timeout overrides it; default 0: no limit)",
    )
    running.add_argument(
        "--backend",
        choices=("asyncio", "trio"),
        default=None,
        help="default backend of async tests (config: default_backend; default asyncio)",
    )
    running.add_argument(
        "-s",
        dest="capture",
        action="store_const",
        const="no",
        help="do not capture output (same as --capture=no)",
    )
    running.add_argument(
        "--capture",
        choices=("fd", "sys", "no"),
        default=None,
        help="how test output is captured (default fd)",
    )
    running.add_argument(
        "--strict-markers",
        dest="strict_markers",
        action="store_true",
        help="an unregistered mark is an error, not a warning",
    )
    running.add_argument(
        "--no-crash-guard",
        dest="crash_guard",
        action="store_false",
        help="run the tests in this process: a test that crashes it (segfault, os._exit, out of memory) "
        "ends the run, instead of costing only that test",
    )
    running.add_argument(
        "--pytest-compat",
        dest="pytest_compat",
        action="store_true",
        default=None,
        help="make 'import pytest' in the suite resolve to rustest",
    )

    report = parser.add_argument_group("reporting")
    report.add_argument(
        "-v",
        "--verbose",
        dest="verbose",
        action="count",
        default=0,
        help="one line per test; repeat for more detail",
    )
    report.add_argument("-q", "--quiet", dest="quiet", action="count", default=0, help="less output")
    report.add_argument(
        "--tb",
        dest="tb",
        choices=("auto", "long", "short", "line", "no"),
        default="auto",
        help="traceback style of failures",
    )
    report.add_argument(
        "--durations",
        dest="durations",
        type=_positive,
        default=None,
        metavar="N",
        help="show the N slowest tests (0: all)",
    )
    report.add_argument(
        "--color",
        dest="color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (auto: only on a terminal, and not with NO_COLOR)",
    )
    report.add_argument(
        "-r",
        dest="report_chars",
        default="fE",
        metavar="CHARS",
        help="summary lines for (f)ailed (E)rror (s)kipped (x)failed (X)passed (a)ll but "
        "passed (A)ll; default fE",
    )
    report.add_argument(
        "--junitxml", "--junit-xml", dest="junitxml", metavar="PATH", help="write a JUnit XML report"
    )
    report.add_argument("--json", dest="json", metavar="PATH", help="write a JSON report of every test")

    config = parser.add_argument_group("configuration")
    config.add_argument(
        "-c",
        "--config-file",
        dest="config_file",
        metavar="FILE",
        help="read [tool.rustest] from FILE instead of the nearest pyproject.toml",
    )
    config.add_argument(
        "--cache-clear",
        dest="cache_clear",
        action="store_true",
        help="clear the cache (last failures, cache fixture) before the run",
    )
    return parser
