"""Continue a run in a new test process after the last one died: report the earlier results with the new ones.

The guard hands the new process an ``EarlierRun``: the tests already done,
the reports the final report needs, and the crash of the test that was
running. ``ResumedRun`` leaves those tests out of this process's plan,
reports the crashed test as an error (or a timed-out one as ``crash_report``
says), and sits between the executor and the reporters so that the header
is not printed twice, the progress percentage and the closing counts cover
the whole run, and the report files list every test.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence

from rustest._cli._journal import Crash, EarlierRun
from rustest._cli._timeout import Timeout, timeout_message
from rustest._definitions import TestDef
from rustest._events import (
    Event,
    Failure,
    Listener,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
)
from rustest._executor import NOT_RUN, STOPPING, mark_names, stopping_reason
from rustest._reporting import TerminalReporter

__all__ = ["CRASH_TYPE", "ResumedRun", "crash_outcome", "crash_report"]

CRASH_TYPE = "TestProcessCrash"
"""The exception type a crashed test's failure names, in the terminal and in the report files."""

_FAILING = (Outcome.FAILED, Outcome.ERROR)


def crash_outcome(crash: Crash) -> Outcome:
    """Return the outcome of the test that was running when its process died.

    A crash is an error. A timeout fails the test when it was stopped in its
    call, as a pytest-timeout user sees ``Failed: Timeout``, and is an error
    when it was stopped while its fixtures were set up or torn down, as any
    exception there is: the test itself did not fail, what it needs did.
    """
    if crash.timeout is not None and crash.phase is Phase.CALL:
        return Outcome.FAILED
    return Outcome.ERROR


def crash_report(crash: Crash, test: TestDef | None) -> TestReport:
    """Return the report of the test that was running when its process died (a crash or a timeout).

    *test* is its definition in this process's collection, for the location
    and marks (``None`` when it is no longer collected).
    """
    lost = "its captured output is lost, and the run went on in a new process"
    if crash.timeout is not None:
        exc_type = Timeout.__qualname__
        message = f"{timeout_message(crash.timeout)}; {lost}"
    else:
        exc_type = CRASH_TYPE
        message = (
            f"the test process {crash.cause} while this test ran (in its setup, call or teardown); {lost}"
        )
    if crash.dump:
        message += f"\n\n{crash.dump.rstrip()}"
    return TestReport(
        nodeid=crash.nodeid,
        outcome=crash_outcome(crash),
        when=crash.phase,
        # A timed-out test ran at least this long; a crashed one's time is lost with its process.
        duration=crash.timeout.seconds if crash.timeout is not None else 0.0,
        location=test.location if test is not None else "",
        failures=(Failure(crash.phase, exc_type, message),),
        marks=mark_names(test.marks) if test is not None and test.marks else (),
    )


class ResumedRun:
    """The listener between the executor and the *reporters* of a test process that continues a run.

    *tests* are the tests this process collected and selected; ``remaining``
    are those still to run, and ``maxfail`` is what is left of ``--maxfail``
    once the earlier failures count. When nothing is left, no test runs and
    the rest are reported as not run, as the executor does after ``-x``. The
    terminal reporter is told of the earlier tests without printing them
    again; the latest crash is shown like any finished test.
    """

    def __init__(
        self,
        earlier: EarlierRun,
        tests: Sequence[TestDef],
        reporters: Sequence[Listener],
        terminal: TerminalReporter,
        maxfail: int,
    ) -> None:
        self._reporters = list(reporters)
        self._terminal = terminal
        self._earlier = earlier
        by_id = {test.id: test for test in tests}
        latest = earlier.latest
        # What earlier processes showed on the terminal already.
        self._shown = [
            crash_report(entry, by_id.get(entry.nodeid)) if isinstance(entry, Crash) else entry
            for entry in earlier.entries
            if entry is not latest
        ]
        # What this process shows before its own tests: the latest crash, and the tests -x stops.
        self._new = [crash_report(latest, by_id.get(latest.nodeid))] if latest is not None else []
        shown_counts = Counter(earlier.counts)
        shown_counts.update(crash_outcome(crash) for crash in earlier.crashes if crash is not latest)
        terminal.continue_run(len(earlier.finished) - len(self._new), shown_counts, self._shown)

        remaining = [test for test in tests if test.id not in earlier.finished]
        self._earlier_failing = shown_counts[Outcome.FAILED] + shown_counts[Outcome.ERROR] + len(self._new)
        self._stopped = bool(maxfail) and self._earlier_failing >= maxfail
        if self._stopped:
            reason = NOT_RUN + stopping_reason(self._earlier_failing)
            self._new += [
                TestReport(test.id, Outcome.SKIPPED, Phase.SETUP, 0.0, location=test.location, reason=reason)
                for test in remaining
            ]
            remaining = []
        self._counts = Counter(shown_counts)
        self._counts.update(report.outcome for report in self._new)
        self._local_failing = 0

        self.remaining: list[TestDef] = remaining
        """The tests this process has still to run."""
        self.maxfail = maxfail - self._earlier_failing if maxfail and not self._stopped else 0
        """What is left of ``--maxfail`` for this process's executor (0: no limit)."""
        self.reports: list[TestReport] = [*self._shown, *self._new]
        """The reports of the tests this process reports but does not run, in run order."""
        self.finished: set[str] = earlier.finished | {report.nodeid for report in self._new}
        """The ids of those tests, also of passes that left no report."""
        self.failing = {report.nodeid for report in self.reports if report.outcome in _FAILING}
        """The ids of those tests that failed or errored, for ``--lf``."""
        self.duration = earlier.duration
        """How long the earlier processes ran, in seconds."""

    def counts(self, local: Mapping[Outcome, int]) -> dict[Outcome, int]:
        """Return the outcome counts of the whole run, given this process's executor's *local* counts."""
        total = Counter(self._counts)
        total.update(local)
        return {outcome: count for outcome, count in total.items() if count}

    def interrupted(self, local: bool) -> bool:
        """Tell whether the whole run stopped early, given whether this process's executor did."""
        return local or self._stopped

    def reason(self, local: str) -> str:
        """Return why the whole run stopped, given this process's executor's *local* reason."""
        if self._stopped:
            return stopping_reason(self._earlier_failing)
        if local.startswith(STOPPING):
            return stopping_reason(self._earlier_failing + self._local_failing)
        return local

    def __call__(self, event: Event) -> None:
        """Pass an event of this process's executor on to the reporters, with the earlier results."""
        if isinstance(event, TestFinished):
            event = self._finished(event.report)
        elif isinstance(event, SessionStarted):
            self._started(event.item_count)
            return
        elif isinstance(event, SessionFinished):
            event = SessionFinished(
                self.counts(event.counts),
                event.duration + self.duration,
                self.interrupted(event.interrupted),
                self.reason(event.reason),
            )
        self._emit(event)

    def _emit(self, event: Event, *, shown: bool = False) -> None:
        for reporter in self._reporters:
            # The terminal reporter already has what earlier processes showed.
            if not (shown and reporter is self._terminal):
                reporter(event)

    def _started(self, item_count: int) -> None:
        self._emit(SessionStarted(item_count + len(self.finished)))
        for warning in self._earlier.warnings:
            self._emit(warning)
        for report in self._shown:
            self._emit(TestFinished(report), shown=True)
        for report in self._new:
            self._emit(TestStarted(report.nodeid, report.location))
            self._emit(TestFinished(report))

    def _finished(self, report: TestReport) -> TestFinished:
        if report.outcome in _FAILING:
            self._local_failing += 1
        elif report.outcome is Outcome.SKIPPED and report.reason.startswith(NOT_RUN + STOPPING):
            # The executor counts only this process's failures; the run stopped after all of them.
            total = self._earlier_failing + self._local_failing
            report = dataclasses.replace(report, reason=NOT_RUN + stopping_reason(total))
        return TestFinished(report)
