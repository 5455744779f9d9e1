"""One run of the command line in this process: collect, select, plan, execute and report.

A guarded test process (see ``_guard``) runs the same session, and also
keeps its guard informed (``GuardedProcess``); one that continues a run an
earlier test process began leaves out the tests already done and reports
them with its own (``_resume``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from rustest._assertion import set_verbosity
from rustest._builtins import builtin_fixtures
from rustest._cache import Cache
from rustest._capture import FdCapture, NoCapture, OutputCapture, SysCapture
from rustest._cli._alarm import alarm_listener, can_raise_in_tests
from rustest._cli._main import ExitCode, RunConfig, RunReport
from rustest._cli._resume import ResumedRun
from rustest._cli._timeout import (
    COMMAND_LINE,
    CONFIGURATION,
    NO_ENFORCEMENT_WARNING,
    Limit,
    item_limits,
)
from rustest._collect import Collection, collect
from rustest._config import Config
from rustest._definitions import TestDef
from rustest._events import CollectionFailed, Event, Listener, Outcome, WarningEmitted
from rustest._executor import execute
from rustest._planner import plan
from rustest._reporting import JsonReporter, JUnitXmlReporter, TerminalReporter, should_use_color
from rustest._selection import select

if TYPE_CHECKING:
    from rustest._cli._guard import GuardedProcess
    from rustest._compat import CompatSession

__all__ = ["run_invocation"]


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


def _needs_every_report(options: argparse.Namespace) -> bool:
    """Tell whether the final report lists passing tests too, so a guarded run must journal every report."""
    return bool(
        options.junitxml
        or options.json
        or options.durations is not None
        or any(char in options.report_chars for char in "pPA")
    )


def _default_limit(options: argparse.Namespace, config: Config) -> Limit:
    """Return the timeout of tests without ``mark.timeout``: ``--timeout``, else the configuration's."""
    if options.timeout is not None:
        return Limit(options.timeout, COMMAND_LINE)
    return Limit(config.timeout, CONFIGURATION)


def _timeout_enforcers(limits: list[Limit], guarded: GuardedProcess | None) -> list[Listener]:
    """Return the listeners that stop tests at their *limits*, none where nothing can stop them."""
    if guarded is not None:
        return guarded.timeout_listeners(limits)
    if can_raise_in_tests():
        return [alarm_listener(limits)]
    return []


def _exit_code_of(
    counts: Mapping[Outcome, int],
    *,
    collection_failed: bool,
    interrupted: bool,
    reason: str,
    requested_exit: int | None,
    any_report: bool,
) -> int:
    """Return pytest's exit code for a run with these outcome *counts* that ended for *reason*."""
    code: int
    if counts.get(Outcome.FAILED, 0) or counts.get(Outcome.ERROR, 0):
        code = ExitCode.TESTS_FAILED
    elif collection_failed or interrupted:
        code = ExitCode.INTERRUPTED
    elif not any_report:
        code = ExitCode.NO_TESTS_COLLECTED
    else:
        code = ExitCode.OK
    if interrupted and "KeyboardInterrupt" in reason:
        code = ExitCode.INTERRUPTED
    if requested_exit is not None:
        code = requested_exit
    elif reason.startswith("exit:"):
        code = ExitCode.INTERRUPTED
    return int(code)


def run_invocation(
    options: argparse.Namespace,
    config: Config,
    cache: Cache,
    out: TextIO,
    *,
    extra_listeners: Sequence[Listener] = (),
    guarded: GuardedProcess | None = None,
) -> RunReport:
    """Run the tests *options* select under *config*, report them on *out*, and return the result."""
    if not (options.pytest_compat or config.pytest_compat):
        return _run(options, config, cache, out, extra_listeners, None, guarded)
    # Imported only here: the pytest shims are for suites that ask for them.
    from rustest._compat import install as install_compat

    compat = install_compat(config)
    try:
        return _run(options, compat.config, cache, out, extra_listeners, compat, guarded)
    finally:
        compat.uninstall()


def _run(
    options: argparse.Namespace,
    config: Config,
    cache: Cache,
    out: TextIO,
    extra_listeners: Sequence[Listener],
    compat: CompatSession | None,
    guarded: GuardedProcess | None,
) -> RunReport:
    if sys.dont_write_bytecode:
        # Rewritten test modules are then kept in the cache folder, from the first run on.
        cache.create()
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

    maxfail = options.maxfail or 0
    executed_listeners: list[Listener] = listeners
    resumed: ResumedRun | None = None
    if guarded is not None:
        executed_listeners = [guarded.recorder(every_report=_needs_every_report(options))]
        earlier = guarded.earlier
        if earlier is None:
            executed_listeners.extend(listeners)
        else:
            resumed = ResumedRun(earlier, tests, listeners, terminal, maxfail)
            tests = resumed.remaining
            maxfail = resumed.maxfail
            executed_listeners.append(resumed)

    capture = _capture_for(options.capture or "fd")
    the_plan = plan(collection.nodes, collection.fixtures, tests)
    if guarded is not None:
        guarded.planned(the_plan.item_ids)
    limits = item_limits(the_plan, _default_limit(options, config))
    if limits is None and guarded is not None:
        # The guard then just waits for this process to end.
        guarded.timeout_listeners(None)
    elif limits is not None:
        enforcers = _timeout_enforcers(limits, guarded)
        if not enforcers:
            emit(WarningEmitted(NO_ENFORCEMENT_WARNING))
        # After the guard's recorder: a timed-out test is the one the recorder counted as started.
        executed_listeners = [*executed_listeners, *enforcers]
    try:
        result = execute(
            the_plan,
            listeners=executed_listeners,
            maxfail=maxfail,
            capture=capture,
            config=RunConfig(options, config, cache),
        )
    finally:
        capture.close()

    reports = result.reports
    counts = result.counts
    ran = {r.nodeid for r in reports}
    failing = {r.nodeid for r in reports if r.outcome in (Outcome.FAILED, Outcome.ERROR)}
    duration = result.duration
    interrupted, reason = result.interrupted, result.reason
    if resumed is not None:
        reports = resumed.reports + reports
        counts = resumed.counts(result.counts)
        ran |= resumed.finished
        failing |= resumed.failing
        duration += resumed.duration
        interrupted, reason = resumed.interrupted(result.interrupted), resumed.reason(result.reason)

    still_failed = {nodeid for nodeid in lastfailed if nodeid not in ran}
    still_failed |= failing
    still_failed.update(e.path for e in collection.errors)
    if still_failed != lastfailed or not isinstance(lastfailed_raw, dict):
        cache.set("cache/lastfailed", dict.fromkeys(sorted(still_failed), True))

    code = _exit_code_of(
        counts,
        collection_failed=bool(collection_failures),
        interrupted=interrupted,
        reason=reason,
        requested_exit=result.exit_code,
        any_report=bool(ran),
    )
    return RunReport(
        code,
        reports=reports,
        collection_errors=collection_failures,
        counts=counts,
        duration=duration,
        deselected=n_deselected,
    )
