"""End-to-end: a test that kills the test process costs that test only; the run and its reports go on.

``python -m rustest`` runs the tests in a child process. When a test
segfaults, calls ``os._exit()`` or is killed, a new child reports it as an
error and runs the remaining tests, and the summary, exit code, report files
and ``--lf`` cache cover the whole run.
"""

from __future__ import annotations

import io
import re

from rustest._events import (
    Failure,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
)
from rustest._reporting import TerminalReporter


def _terminal_output(verbosity: int = 0) -> str:
    stream = io.StringIO()
    terminal = TerminalReporter(stream, verbosity=verbosity)
    earlier_failure = TestReport(
        "test_a.py::test_failed",
        Outcome.FAILED,
        Phase.CALL,
        0.0,
        failures=(Failure(Phase.CALL, "AssertionError", "assert earlier"),),
    )
    terminal.continue_run(3, {Outcome.PASSED: 2, Outcome.FAILED: 1}, [earlier_failure])
    terminal(SessionStarted(4))
    later = TestReport("test_a.py::test_later", Outcome.PASSED, Phase.CALL, 0.0)
    terminal(TestStarted(later.nodeid))
    terminal(TestFinished(later))
    terminal(SessionFinished({Outcome.PASSED: 3, Outcome.FAILED: 1}, 0.5))
    return stream.getvalue()


def test_a_continued_terminal_report_prints_no_second_header() -> None:
    assert "test session starts" not in _terminal_output()


def test_a_continued_terminal_report_counts_the_earlier_tests_in_its_progress() -> None:
    assert re.search(r"test_a\.py \.\s+\[100%\]", _terminal_output())


def test_a_continued_terminal_report_shows_earlier_failures_in_its_sections() -> None:
    output = _terminal_output()
    assert "FAILED test_a.py::test_failed - assert earlier" in output
    assert "1 failed, 3 passed in 0.50s" in output
