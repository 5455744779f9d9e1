"""End-to-end: a test that kills the test process costs that test only; the run and its reports go on.

``python -m rustest`` runs the tests in a child process. When a test
segfaults, calls ``os._exit()`` or is killed, a new child reports it as an
error and runs the remaining tests, and the summary, exit code, report files
and ``--lf`` cache cover the whole run.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

from rustest._cli._journal import EarlierRun, JournalWriter, Progress, progress_recorder, read_journal
from rustest._events import (
    Failure,
    Frame,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
    WarningEmitted,
)
from rustest._reporting import TerminalReporter


def _full_report() -> TestReport:
    return TestReport(
        nodeid="tests/test_a.py::test_x[1]",
        outcome=Outcome.FAILED,
        when=Phase.CALL,
        duration=0.25,
        location="tests/test_a.py:3",
        failures=(
            Failure(
                Phase.CALL, "AssertionError", "assert 1 == 2", (Frame("tests/test_a.py", 3, "test_x", "x"),)
            ),
            Failure(Phase.TEARDOWN, "RuntimeError", "boom"),
        ),
        reason="",
        stdout="out\n",
        stderr="err\n",
        log="INFO x\n",
        warnings=("careful",),
        marks=("slow",),
        properties=(("ticket", 7), ("object", object)),
    )


def test_the_journal_gives_back_the_finished_reports_with_plain_property_values(tmp_path: Path) -> None:
    progress = Progress()
    with (tmp_path / "journal").open("w+b") as journal:
        writer = JournalWriter(journal.fileno(), progress)
        record = progress_recorder(progress, writer, every_report=False)
        writer.order(["tests/test_a.py::test_pass", "tests/test_a.py::test_x[1]", "tests/test_a.py::test_z"])
        passing = TestReport("tests/test_a.py::test_pass", Outcome.PASSED, Phase.CALL, 0.1)
        for report in (passing, _full_report()):
            record(TestStarted(report.nodeid))
            record(TestFinished(report))
        record(TestStarted("tests/test_a.py::test_z"))
        record(WarningEmitted("loop left a task", None))
        earlier = EarlierRun()
        order = earlier.take(read_journal(journal.fileno(), progress.journal_end), progress.finished)
    assert (progress.started, progress.finished) == (3, 2)
    progress.close()
    assert order is not None
    assert order[2] == "tests/test_a.py::test_z"
    assert earlier.reports == [
        dataclasses.replace(_full_report(), properties=(("ticket", 7), ("object", str(object))))
    ]
    assert earlier.counts == {Outcome.PASSED: 1, Outcome.FAILED: 1}
    assert earlier.finished == {"tests/test_a.py::test_pass", "tests/test_a.py::test_x[1]"}
    assert earlier.warnings == [WarningEmitted("loop left a task", None)]


def test_the_journal_gives_back_every_report_when_asked_to(tmp_path: Path) -> None:
    progress = Progress()
    passing = TestReport(
        "tests/test_a.py::test_pass", Outcome.PASSED, Phase.CALL, 0.125, location="tests/test_a.py:1"
    )
    skipped = TestReport("tests/test_a.py::test_skip", Outcome.SKIPPED, Phase.SETUP, 0.0, reason="not today")
    with (tmp_path / "journal").open("w+b") as journal:
        writer = JournalWriter(journal.fileno(), progress)
        record = progress_recorder(progress, writer, every_report=True)
        writer.order([passing.nodeid, skipped.nodeid, _full_report().nodeid])
        for report in (passing, skipped, _full_report()):
            record(TestStarted(report.nodeid))
            record(TestFinished(report))
        earlier = EarlierRun()
        earlier.take(read_journal(journal.fileno(), progress.journal_end), progress.finished)
    progress.close()
    assert earlier.reports[:2] == [passing, skipped]
    assert earlier.counts == {Outcome.PASSED: 1, Outcome.SKIPPED: 1, Outcome.FAILED: 1}


def test_the_journal_grows_past_its_first_mapping(tmp_path: Path) -> None:
    progress = Progress()
    with (tmp_path / "journal").open("w+b") as journal:
        writer = JournalWriter(journal.fileno(), progress)
        ids = [f"tests/test_big.py::test_{index}" for index in range(5000)]
        writer.order(ids)
        big = TestReport(ids[0], Outcome.FAILED, Phase.CALL, 0.0, stdout="x" * 200_000)
        writer.report(big, 0)
        earlier = EarlierRun()
        order = earlier.take(read_journal(journal.fileno(), progress.journal_end), 1)
    progress.close()
    assert order == ids
    assert earlier.reports == [big]


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
