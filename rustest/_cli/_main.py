"""``python -m rustest``: collect, select, plan, execute and report, then exit with pytest's codes."""

from __future__ import annotations

import argparse
import enum
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from rustest._assertion import set_verbosity
from rustest._builtins import builtin_fixtures
from rustest._cache import Cache
from rustest._capture import FdCapture, NoCapture, OutputCapture, SysCapture
from rustest._cli._options import build_parser
from rustest._collect import Collection, UsageError, collect
from rustest._config import Config, load_config
from rustest._definitions import TestDef
from rustest._errors import DefinitionError
from rustest._events import CollectionFailed, Event, Listener, Outcome, TestReport, WarningEmitted
from rustest._executor import SessionResult, execute
from rustest._planner import plan
from rustest._reporting import JsonReporter, JUnitXmlReporter, TerminalReporter, should_use_color
from rustest._selection import select

if TYPE_CHECKING:
    from rustest._compat import CompatSession

__all__ = ["ExitCode", "RunConfig", "RunReport", "main", "run_session"]


class ExitCode(enum.IntEnum):
    """pytest's exit codes."""

    OK = 0
    TESTS_FAILED = 1
    INTERRUPTED = 2
    INTERNAL_ERROR = 3
    USAGE_ERROR = 4
    NO_TESTS_COLLECTED = 5


class RunConfig:
    """What ``request.config`` gives tests: the options of this run and its root."""

    def __init__(self, options: argparse.Namespace, config: Config, cache: Cache) -> None:
        self.option = options
        self.inicfg = config
        self.rootpath = config.rootdir
        self.rootdir = config.rootdir
        self.cache = cache

    def getoption(self, name: str, default: object = None, skip: bool = False) -> object:
        """Return the value of command-line option *name* (``"verbose"`` or ``"--verbose"``)."""
        key = name.lstrip("-").replace("-", "_")
        if hasattr(self.option, key):
            return getattr(self.option, key)
        if skip:
            from rustest._outcomes import skip as do_skip

            do_skip(f"no {name!r} option found")
        if default is not None:
            return default
        raise ValueError(f"no option named {name!r}")

    def getini(self, name: str) -> object:
        """Return configuration value *name* from ``[tool.rustest]``."""
        return getattr(self.inicfg, name)


@dataclass
class RunReport:
    """The result of a run: the exit code, one report per test, and what could not be collected."""

    exit_code: int
    reports: list[TestReport] = field(default_factory=list)
    collection_errors: list[CollectionFailed] = field(default_factory=list)
    counts: dict[Outcome, int] = field(default_factory=dict)
    duration: float = 0.0
    deselected: int = 0

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return self.counts.get(Outcome.PASSED, 0)

    @property
    def failed(self) -> int:
        """How many tests failed."""
        return self.counts.get(Outcome.FAILED, 0)

    @property
    def errors(self) -> int:
        """How many tests errored, plus files that failed to collect."""
        return self.counts.get(Outcome.ERROR, 0) + len(self.collection_errors)

    @property
    def skipped(self) -> int:
        """How many tests were skipped."""
        return self.counts.get(Outcome.SKIPPED, 0)

    @property
    def ok(self) -> bool:
        """True when the run exited 0."""
        return self.exit_code == ExitCode.OK


def _capture_for(mode: str) -> OutputCapture:
    # Logs are captured for the reports whatever happens to output, as pytest does (also with -s).
    if mode == "no":
        return NoCapture(logs=True)
    if mode == "fd":
        return FdCapture(logs=True)
    return SysCapture(logs=True)


def _order_failed_first(tests: list[TestDef], failed: set[str]) -> list[TestDef]:
    first = [t for t in tests if t.id in failed]
    return first + [t for t in tests if t.id not in failed]


def _print_collected(collection: Collection, tests: Sequence[TestDef], out: TextIO, quiet: bool) -> None:
    for test in tests:
        out.write(f"{test.id}\n")
    for error in collection.errors:
        out.write(f"ERROR collecting {error.path}\n{error.message}\n")
    if not quiet:
        out.write(f"\n{len(tests)} tests collected\n")


def run_session(
    argv: Sequence[str],
    *,
    stdout: TextIO | None = None,
    extra_listeners: Sequence[Listener] = (),
) -> RunReport:
    """Run rustest with command-line arguments *argv*, writing the terminal report to *stdout*."""
    out = stdout if stdout is not None else sys.stdout
    parser = build_parser()
    options = parser.parse_args(list(argv))
    config = load_config(options.paths, options.config_file)
    if config.addopts:
        options = parser.parse_args([*config.addopts, *argv])
    if options.strict_markers:
        config = replace(config, strict_markers=True)
    if options.backend:
        config = replace(config, default_backend=options.backend)
    os.environ["RUSTEST_RUNNING"] = "1"
    cache = Cache(config.rootdir / config.cache_dir)
    if options.cache_clear:
        cache.clear()
    if not (options.pytest_compat or config.pytest_compat):
        return _run(options, config, cache, out, extra_listeners, None)
    # Imported only here: the pytest shims are for suites that ask for them.
    from rustest._compat import install as install_compat

    compat = install_compat(config)
    try:
        return _run(options, compat.config, cache, out, extra_listeners, compat)
    finally:
        compat.uninstall()


def _run(
    options: argparse.Namespace,
    config: Config,
    cache: Cache,
    out: TextIO,
    extra_listeners: Sequence[Listener],
    compat: CompatSession | None,
) -> RunReport:
    collection = collect(
        options.paths, config, builtin_fixtures=builtin_fixtures(), codeblocks=options.codeblocks
    )
    if compat is not None:
        collection = compat.adapt(collection)
    tests: list[TestDef] = list(collection.tests)
    tests, deselected = select(tests, keyword=options.keyword, markexpr=options.markexpr)
    tests = list(tests)
    n_deselected = len(deselected)
    lastfailed_raw = cache.get("cache/lastfailed", {})
    lastfailed = set(lastfailed_raw) if isinstance(lastfailed_raw, dict) else set()
    if options.last_failed and lastfailed:
        kept = [t for t in tests if t.id in lastfailed]
        if kept:
            n_deselected += len(tests) - len(kept)
            tests = kept
    elif options.failed_first and lastfailed:
        tests = _order_failed_first(tests, lastfailed)

    verbosity = options.verbose - options.quiet
    set_verbosity(max(verbosity, 0))
    if options.collect_only:
        _print_collected(collection, tests, out, verbosity < 0)
        listed = (
            ExitCode.INTERRUPTED
            if collection.errors
            else (ExitCode.OK if tests else ExitCode.NO_TESTS_COLLECTED)
        )
        return RunReport(
            listed, collection_errors=[CollectionFailed(e.path, e.message) for e in collection.errors]
        )

    terminal = TerminalReporter(
        out,
        verbosity=verbosity,
        tb_style=options.tb,
        color=should_use_color(out, options.color),
        durations=options.durations,
        rootdir=str(config.rootdir),
        report_chars=options.report_chars,
    )
    listeners: list[Listener] = [terminal]
    if options.junitxml:
        listeners.append(JUnitXmlReporter(options.junitxml))
    if options.json:
        listeners.append(JsonReporter(options.json))
    listeners.extend(extra_listeners)
    if n_deselected:
        terminal.deselected(n_deselected)

    def emit(event: Event) -> None:
        for listener in listeners:
            listener(event)

    collection_failures = [CollectionFailed(e.path, e.message) for e in collection.errors]
    for failure in collection_failures:
        emit(failure)
    for message in collection.warnings:
        emit(WarningEmitted(message))

    capture = _capture_for(options.capture or "fd")
    the_plan = plan(collection.nodes, collection.fixtures, tests)
    try:
        result: SessionResult = execute(
            the_plan,
            listeners=listeners,
            maxfail=options.maxfail or 0,
            capture=capture,
            config=RunConfig(options, config, cache),
        )
    finally:
        capture.close()

    ran = {r.nodeid for r in result.reports}
    still_failed = {nodeid for nodeid in lastfailed if nodeid not in ran}
    still_failed.update(r.nodeid for r in result.reports if r.outcome in (Outcome.FAILED, Outcome.ERROR))
    still_failed.update(e.path for e in collection.errors)
    cache.set("cache/lastfailed", dict.fromkeys(sorted(still_failed), True))

    code: int
    if result.counts.get(Outcome.FAILED, 0) or result.counts.get(Outcome.ERROR, 0):
        code = ExitCode.TESTS_FAILED
    elif collection_failures or result.interrupted:
        code = ExitCode.INTERRUPTED
    elif not result.reports:
        code = ExitCode.NO_TESTS_COLLECTED
    else:
        code = ExitCode.OK
    if result.interrupted and "KeyboardInterrupt" in result.reason:
        code = ExitCode.INTERRUPTED
    if result.exit_code is not None:
        code = result.exit_code
    elif result.reason.startswith("exit:"):
        code = ExitCode.INTERRUPTED
    return RunReport(
        code,
        reports=result.reports,
        collection_errors=collection_failures,
        counts=result.counts,
        duration=result.duration,
        deselected=n_deselected,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (the ``rustest`` script exits with it)."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        return int(run_session(args).exit_code)
    except (UsageError, DefinitionError) as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return int(ExitCode.USAGE_ERROR)
    except SystemExit as exc:
        # argparse exits 2 on bad usage; pytest's code for usage errors is 4.
        return int(ExitCode.USAGE_ERROR) if exc.code == 2 else int(exc.code or 0)
    except KeyboardInterrupt:
        sys.stderr.write("\n!!! Interrupted: KeyboardInterrupt !!!\n")
        return int(ExitCode.INTERRUPTED)
    except Exception:
        sys.stderr.write("INTERNALERROR> " + traceback.format_exc().replace("\n", "\nINTERNALERROR> ") + "\n")
        return int(ExitCode.INTERNAL_ERROR)
