"""What a test process leaves behind for the process that guards it: progress counters and a journal.

The guard (see ``_guard``) creates both before it forks a test process. The
test process writes to them while it runs; when it dies in the middle of the
run, the guard reads them to learn which tests finished and which one was
running, and hands that to the next test process as an ``EarlierRun``.

Both live in shared memory, so the per-test path makes no system call:

- ``Progress`` is one page of anonymous shared memory holding how many tests
  started and finished, whether the run completed (and its exit code), how
  far the journal is written, the shortest timeout of the run, and when the
  running test started and how long it may run, which the guard watches.
- ``JournalWriter`` appends records to a temporary file mapped into memory:
  the run order once, after planning, and the report of every test the final
  report cannot do without. Those are the tests that did not simply pass
  (for the counts, the sections and ``--lf``) and tests with warnings, or
  every test when a report file or ``--durations`` lists them all. A record
  counts only once ``Progress`` says the journal reaches past its end.
"""

from __future__ import annotations

import marshal
import mmap
import os
import struct
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rustest._cli._timeout import SOURCES, Limit
from rustest._events import (
    Event,
    Failure,
    Frame,
    Listener,
    Outcome,
    Phase,
    SessionFinished,
    TestFinished,
    TestReport,
    TestStarted,
    WarningEmitted,
)

__all__ = [
    "Crash",
    "Deadline",
    "EarlierRun",
    "JournalWriter",
    "Progress",
    "deadline_recorder",
    "progress_recorder",
    "read_journal",
]

_STARTED = 0
_FINISHED = 1
_DONE = 2
_JOURNAL_END = 3
_SHORTEST_LIMIT = 4
_LIMIT = 5
_LIMIT_SOURCE = 6
_LIMIT_STARTED_AT = 7
_STOPS_ON_ALARM = 8
_STOP_REQUESTED = 9
_SLOTS = 10

_ORDER = 0
_REPORT = 1
_BARE_REPORT = 2
_WARNING = 3

_HEADER = struct.Struct("<IB")
"""A record's header: the length of its payload, and its kind."""
_BARE = struct.Struct("<IBBd")
"""A bare report's run-order index, outcome, phase and duration; its location follows."""
_OUTCOMES = tuple(Outcome)
_OUTCOME_CODES = {outcome: code for code, outcome in enumerate(_OUTCOMES)}
_PHASES = tuple(Phase)
_PHASE_CODES = {phase: code for code, phase in enumerate(_PHASES)}
_FIRST_CAPACITY = 1 << 16
_PLAIN_VALUES = (bool, int, float, str, type(None))
_NANOSECONDS = 1_000_000_000


class Deadline(NamedTuple):
    """The running test's deadline: which test it is (how many had started), and when its *limit* passes.

    ``at`` is in ``time.monotonic_ns()`` nanoseconds, a clock the guard and
    its test process share.
    """

    started: int
    at: int
    limit: Limit


class Progress:
    """Counters shared with a test process: it writes them as it runs, the guard reads them after it ends."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, mmap.PAGESIZE)
        self.slots = memoryview(self._memory).cast("q")

    def reset(self) -> None:
        """Zero every counter, for the next test process."""
        for slot in range(_SLOTS):
            self.slots[slot] = 0

    @property
    def started(self) -> int:
        """How many tests the test process started."""
        return self.slots[_STARTED]

    @property
    def finished(self) -> int:
        """How many tests the test process finished (a test finishes before the next one starts)."""
        return self.slots[_FINISHED]

    @property
    def exit_code(self) -> int | None:
        """The exit code the test process completed its run with, or ``None`` while it has not."""
        done = self.slots[_DONE]
        return done - 1 if done else None

    def complete(self, exit_code: int) -> None:
        """Record that the run completed (reports written, cache saved) with *exit_code*."""
        self.slots[_DONE] = exit_code + 1

    @property
    def journal_end(self) -> int:
        """How many bytes of the journal hold whole records."""
        return self.slots[_JOURNAL_END]

    def expect_limits(self, shortest: float) -> None:
        """Record that tests of this run have limits, the *shortest* of them in seconds, before any starts."""
        self.slots[_SHORTEST_LIMIT] = _nanoseconds(shortest)

    @property
    def shortest_limit(self) -> int:
        """The shortest limit of the run's tests in nanoseconds, 0 when none has one."""
        return self.slots[_SHORTEST_LIMIT]

    def deadline(self) -> Deadline | None:
        """Return the deadline of the running test, or ``None`` when no test with a limit runs."""
        slots = self.slots
        while True:
            started, limit = slots[_STARTED], slots[_LIMIT]
            if not limit or slots[_FINISHED] >= started:
                return None
            started_at, source = slots[_LIMIT_STARTED_AT], slots[_LIMIT_SOURCE]
            # The test process goes on meanwhile: the values belong together if the test is the same.
            if slots[_STARTED] == started and slots[_LIMIT] == limit:
                return Deadline(started, started_at + limit, Limit(limit / _NANOSECONDS, SOURCES[source]))

    def stop_on_alarm(self) -> None:
        """Record that ``SIGALRM`` raises ``Timeout`` in the running test, when the guard asked for it."""
        self.slots[_STOPS_ON_ALARM] = 1

    @property
    def stops_on_alarm(self) -> bool:
        """Tell whether the test process raises ``Timeout`` in the test the guard asks it to stop."""
        return bool(self.slots[_STOPS_ON_ALARM])

    def request_stop(self, deadline: Deadline) -> None:
        """Ask the test process to stop the test of *deadline*, before the guard sends it ``SIGALRM``."""
        self.slots[_STOP_REQUESTED] = deadline.started

    def stop_requested(self) -> int:
        """Return which test the guard asked to stop last, as a count of started tests (0: none)."""
        return self.slots[_STOP_REQUESTED]

    def still_running(self, deadline: Deadline) -> bool:
        """Tell whether the test of *deadline* still runs, still with a limit."""
        slots = self.slots
        started = deadline.started
        return slots[_STARTED] == started and slots[_FINISHED] < started and bool(slots[_LIMIT])

    def close(self) -> None:
        """Release the shared memory."""
        self.slots.release()
        self._memory.close()


class JournalWriter:
    """Append records to the journal file *fd* through a shared mapping that grows as needed."""

    def __init__(self, fd: int, progress: Progress) -> None:
        self._fd = fd
        self._progress = progress
        self._end = 0
        self._memory: mmap.mmap | None = None

    def order(self, nodeids: list[str]) -> None:
        """Record the test ids in the order the tests will run."""
        self._append(_ORDER, marshal.dumps(nodeids))

    def report(self, report: TestReport, index: int) -> None:
        """Record the report of the test at *index* in the run order."""
        if (
            report.failures
            or report.reason
            or report.stdout
            or report.stderr
            or report.log
            or report.warnings
            or report.marks
            or report.properties
        ):
            self._append(_REPORT, marshal.dumps(_encode_report(report)))
            return
        # Most reports say no more than this: a few packed numbers, for the cost of every test.
        bare = _BARE.pack(index, _OUTCOME_CODES[report.outcome], _PHASE_CODES[report.when], report.duration)
        self._append(_BARE_REPORT, bare + report.location.encode("utf-8", "surrogatepass"))

    def warning(self, warning: WarningEmitted) -> None:
        """Record a warning that belongs to no one test's report."""
        self._append(_WARNING, marshal.dumps((warning.message, warning.nodeid)))

    def _append(self, kind: int, payload: bytes) -> None:
        start = self._end
        end = start + _HEADER.size + len(payload)
        memory = self._memory
        if memory is None or end > len(memory):
            memory = self._grow(end)
        _HEADER.pack_into(memory, start, len(payload), kind)
        memory[start + _HEADER.size : end] = payload
        self._end = end
        self._progress.slots[_JOURNAL_END] = end

    def _grow(self, needed: int) -> mmap.mmap:
        capacity = _FIRST_CAPACITY
        while capacity < needed:
            capacity *= 2
        os.ftruncate(self._fd, capacity)
        # A fresh mapping rather than mmap.resize(), which needs mremap() and so Linux.
        memory = mmap.mmap(self._fd, capacity)
        if self._memory is not None:
            self._memory.close()
        self._memory = memory
        return memory


def progress_recorder(progress: Progress, journal: JournalWriter, *, every_report: bool) -> Listener:
    """Return the listener that keeps *progress* and *journal* up to date as tests start and finish.

    It runs for every test of every guarded run, so it does the least it can:
    two stores to shared memory per test, and a journal record only for the
    reports the final report needs (all of them with *every_report*).
    """
    slots = progress.slots
    passed = Outcome.PASSED
    journal_report = journal.report
    journal_warning = journal.warning
    started = 0
    finished = 0

    def record(event: Event) -> None:
        nonlocal started, finished
        kind = event.__class__
        if kind is TestStarted:
            started += 1
            slots[_STARTED] = started
        elif kind is TestFinished:
            report = event.report  # type: ignore[union-attr]
            if every_report or report.outcome is not passed or report.warnings:
                # Written before the count moves on: a finished test always has its record.
                journal_report(report, finished)
            finished += 1
            slots[_FINISHED] = finished
        elif kind is WarningEmitted:
            journal_warning(event)  # type: ignore[arg-type]

    return record


def _nanoseconds(seconds: float) -> int:
    return round(seconds * _NANOSECONDS)


def deadline_recorder(progress: Progress, limits: Sequence[Limit]) -> Listener:
    """Return the listener that records in *progress* when each test with a limit starts, and its limit.

    *limits* are the items' limits in run order. The guard reads the start
    time and limit, and stops a test that runs past it. Plain stores into
    the shared page, for the cost of every test: no system call, no thread.
    Place it after ``progress_recorder``, whose count says which test runs.
    """
    slots = progress.slots
    monotonic_ns = time.monotonic_ns
    started = 0
    running = False
    last: Limit | None = None
    nanoseconds = source = 0

    def record(event: Event) -> None:
        nonlocal started, running, last, nanoseconds, source
        kind = event.__class__
        if kind is TestStarted:
            limit = limits[started]
            started += 1
            if not limit.seconds:
                return
            if limit is not last:
                # Most tests share one limit: it is converted once, not for every test.
                last, nanoseconds, source = limit, _nanoseconds(limit.seconds), SOURCES.index(limit.source)
            slots[_LIMIT_SOURCE] = source
            slots[_LIMIT_STARTED_AT] = monotonic_ns()
            # Written last: a limit tells the guard that the other two belong to the running test.
            slots[_LIMIT] = nanoseconds
            running = True
        elif running and (kind is TestFinished or kind is SessionFinished):
            slots[_LIMIT] = 0
            running = False

    return record


def read_journal(fd: int, length: int) -> Iterator[tuple[int, bytes]]:
    """Yield the kind and payload of each record in the first *length* bytes of the journal file *fd*."""
    data = bytearray()
    while len(data) < length:
        chunk = os.pread(fd, length - len(data), len(data))
        if not chunk:
            break
        data += chunk
    position = 0
    while position + _HEADER.size <= len(data):
        size, kind = _HEADER.unpack_from(data, position)
        start = position + _HEADER.size
        if start + size > len(data):
            return
        position = start + size
        yield kind, bytes(data[start:position])


def _decode_bare_report(payload: bytes, order: list[str]) -> TestReport:
    index, outcome, when, duration = _BARE.unpack_from(payload)
    location = payload[_BARE.size :].decode("utf-8", "surrogatepass")
    return TestReport(order[index], _OUTCOMES[outcome], _PHASES[when], duration, location=location)


def _plain(value: object) -> object:
    # A recorded property may be any object; the report files show the plain ones as they are
    # and the string of the rest, so the string is all a later process needs.
    return value if isinstance(value, _PLAIN_VALUES) else str(value)


def _encode_report(report: TestReport) -> tuple[Any, ...]:
    failures = tuple(
        (
            failure.phase.value,
            failure.exc_type,
            failure.message,
            tuple((frame.filename, frame.lineno, frame.name, frame.line) for frame in failure.frames),
        )
        for failure in report.failures
    )
    properties = tuple((name, _plain(value)) for name, value in report.properties)
    return (
        report.nodeid,
        report.outcome.value,
        report.when.value,
        report.duration,
        report.location,
        failures,
        report.reason,
        report.stdout,
        report.stderr,
        report.log,
        report.warnings,
        report.marks,
        properties,
    )


def _decode_report(data: tuple[Any, ...]) -> TestReport:
    (
        nodeid,
        outcome,
        when,
        duration,
        location,
        failures,
        reason,
        stdout,
        stderr,
        log,
        warnings,
        marks,
        properties,
    ) = data
    return TestReport(
        nodeid=nodeid,
        outcome=Outcome(outcome),
        when=Phase(when),
        duration=duration,
        location=location,
        failures=tuple(
            Failure(Phase(phase), exc_type, message, tuple(Frame(*frame) for frame in frames))
            for phase, exc_type, message, frames in failures
        ),
        reason=reason,
        stdout=stdout,
        stderr=stderr,
        log=log,
        warnings=warnings,
        marks=marks,
        properties=properties,
    )


@dataclass(frozen=True)
class Crash:
    """A test process that died while running test *nodeid*: how it died, and the traceback it left.

    ``cause`` reads after "the test process", as in ``died from signal
    SIGSEGV (Segmentation fault)``. ``dump`` is the Python traceback of every
    thread that faulthandler wrote when the process received a fatal signal
    or when its test ran past its timeout, or ``""``. ``timeout`` is the limit
    the test ran out of when that is why the process ended (``None`` for a
    crash), and ``phase`` the phase the test was in then.
    """

    nodeid: str
    cause: str
    dump: str = ""
    timeout: Limit | None = None
    phase: Phase = Phase.CALL


@dataclass
class EarlierRun:
    """What the test processes that died before this one had done, in the order they did it.

    ``entries`` holds the journaled reports and the crashes, interleaved as
    they happened. ``counts`` counts the outcomes of every finished test
    (crashed tests excluded), including passes that left no report.
    ``finished`` names every test done with: finished or crashed. ``latest``
    is the crash of the process that died last, not yet shown on the
    terminal (``None`` when that process was running no test).
    """

    entries: list[TestReport | Crash] = field(default_factory=list)
    counts: Counter[Outcome] = field(default_factory=Counter)
    finished: set[str] = field(default_factory=set)
    warnings: list[WarningEmitted] = field(default_factory=list)
    duration: float = 0.0
    latest: Crash | None = None

    @property
    def crashes(self) -> list[Crash]:
        """The crashes so far, oldest first."""
        return [entry for entry in self.entries if isinstance(entry, Crash)]

    @property
    def reports(self) -> list[TestReport]:
        """The journaled reports, in the order the tests finished."""
        return [entry for entry in self.entries if isinstance(entry, TestReport)]

    def take(self, records: Iterator[tuple[int, bytes]], finished: int) -> list[str] | None:
        """Add what one dead test process left: its journal *records* and how many tests it *finished*.

        Returns that process's run order, or ``None`` when it died before it
        planned its tests.
        """
        order: list[str] | None = None
        reports: list[TestReport | bytes] = []
        for kind, payload in records:
            if kind == _ORDER:
                order = marshal.loads(payload)
            elif kind == _REPORT:
                reports.append(_decode_report(marshal.loads(payload)))
            elif kind == _BARE_REPORT:
                reports.append(payload)
            elif kind == _WARNING:
                self.warnings.append(WarningEmitted(*marshal.loads(payload)))
        if order is None:
            return None
        done = order[:finished]
        done_set = set(done)
        decoded = [
            report if isinstance(report, TestReport) else _decode_bare_report(report, order)
            for report in reports
        ]
        # A report journaled just before the process died, with its count not yet moved on, is the
        # running test's: that test is reported as crashed instead.
        kept = [report for report in decoded if report.nodeid in done_set]
        self.entries.extend(kept)
        self.finished.update(done)
        not_passed = [report.outcome for report in kept if report.outcome is not Outcome.PASSED]
        self.counts.update(not_passed)
        self.counts[Outcome.PASSED] += len(done) - len(not_passed)
        return order

    def add_crash(self, crash: Crash | None) -> None:
        """Add the crash of the test that was running when the last test process died (``None``: none was)."""
        if crash is not None:
            self.entries.append(crash)
            self.finished.add(crash.nodeid)
        self.latest = crash
