"""End-to-end: a test that kills the test process costs that test only; the run and its reports go on.

``python -m rustest`` runs the tests in a child process. When a test
segfaults, calls ``os._exit()`` or is killed, a new child reports it as an
error and runs the remaining tests, and the summary, exit code, report files
and ``--lf`` cache cover the whole run.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from cli_helpers import REPO_ROOT, CliRun, Project

import rustest as rustest_package
from rustest._cli._guard import crash_guard_applies, trim_dump
from rustest._cli._journal import EarlierRun, JournalWriter, Progress, progress_recorder, read_journal
from rustest._cli._options import build_parser
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

NOTE = """
import os

def note(text):
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")
"""

SEGFAULT_SUITE = (
    NOTE
    + """
import ctypes

def test_before():
    note("test_before ran")

def test_fails():
    assert 1 == 2

def test_segfault():
    note("test_segfault ran")
    ctypes.string_at(0)

def test_after():
    note("test_after ran")

def test_last():
    note("test_last ran")
"""
)
SEGFAULT = "test_segfault.py::test_segfault"


@pytest.fixture(scope="module")
def segfault_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A module whose third of five tests segfaults."""
    project = Project(tmp_path_factory.mktemp("segfault"))
    project.write("test_segfault.py", SEGFAULT_SUITE)
    return project


@pytest.fixture(scope="module")
def segfaulted(segfault_project: Project) -> CliRun:
    """The segfaulting module run once, with both report files."""
    return segfault_project.run(junitxml=True)


def _error_message(run: CliRun, name: str) -> str:
    test = run.test(name)
    assert test["outcome"] == "error", test
    message: str = test["failures"][0]["message"]
    return message


def test_tests_after_a_segfault_still_run_and_pass(segfaulted: CliRun) -> None:
    assert segfaulted.outcomes == {
        "test_segfault.py::test_before": "passed",
        "test_segfault.py::test_fails": "failed",
        SEGFAULT: "error",
        "test_segfault.py::test_after": "passed",
        "test_segfault.py::test_last": "passed",
    }, segfaulted.output


def test_a_segfault_is_an_error_that_names_the_signal(segfaulted: CliRun) -> None:
    failure = segfaulted.test("test_segfault")["failures"][0]
    assert failure["type"] == "TestProcessCrash"
    assert "died from signal SIGSEGV" in failure["message"]
    assert "captured output is lost" in failure["message"]


def test_a_segfault_report_holds_the_traceback_of_the_crash(segfaulted: CliRun) -> None:
    message = _error_message(segfaulted, "test_segfault")
    assert "Fatal Python error: Segmentation fault" in message
    assert re.search(r'File ".*test_segfault\.py", line \d+ in test_segfault', message), message
    assert "_executor.py" not in message


def test_a_run_with_a_segfault_exits_1(segfaulted: CliRun) -> None:
    assert segfaulted.exit_code == 1, segfaulted.output


def test_tests_finished_before_a_segfault_are_not_run_again(segfaulted: CliRun) -> None:
    assert Counter(segfaulted.notes) == {
        "test_before ran": 1,
        "test_segfault ran": 1,
        "test_after ran": 1,
        "test_last ran": 1,
    }


def test_the_summary_line_counts_every_test_of_a_run_with_a_segfault(segfaulted: CliRun) -> None:
    assert re.search(r"1 failed, 3 passed, 1 error in [\d.]+s", segfaulted.summary_line), segfaulted.stdout


def test_the_terminal_says_which_test_killed_the_process(segfaulted: CliRun) -> None:
    assert (
        f"rustest: the test process died from signal SIGSEGV (Segmentation fault) while running {SEGFAULT}; "
        "continuing with the remaining tests"
    ) in segfaulted.stdout
    assert segfaulted.stdout.count("test session starts") == 1
    assert f"ERROR {SEGFAULT} - TestProcessCrash" in segfaulted.stdout


def test_the_terminal_keeps_failures_shown_before_a_segfault(segfaulted: CliRun) -> None:
    assert "FAILED test_segfault.py::test_fails - assert 1 == 2" in segfaulted.stdout
    assert "ERROR at call of test_segfault" in segfaulted.stdout


def test_the_json_report_of_a_run_with_a_segfault_lists_every_test_in_run_order(segfaulted: CliRun) -> None:
    assert segfaulted.report is not None
    assert segfaulted.report["summary"] == {
        "passed": 3,
        "failed": 1,
        "error": 1,
        "skipped": 0,
        "xfailed": 0,
        "xpassed": 0,
        "total": 5,
    }
    assert [test["nodeid"].split("::")[1] for test in segfaulted.tests] == [
        "test_before",
        "test_fails",
        "test_segfault",
        "test_after",
        "test_last",
    ]
    assert segfaulted.test("test_fails")["failures"][0]["traceback"][0]["name"] == "test_fails"


def test_the_junit_report_of_a_run_with_a_segfault_has_every_test(segfaulted: CliRun) -> None:
    cases = {case.get("name"): case for case in segfaulted.testcases()}
    assert set(cases) == {"test_before", "test_fails", "test_segfault", "test_after", "test_last"}
    error = cases["test_segfault"].find("error")
    assert error is not None
    assert "SIGSEGV" in (error.get("message") or "") + (error.text or "")
    assert cases["test_fails"].find("failure") is not None


def test_the_summary_counts_a_segfault_without_report_files(segfault_project: Project) -> None:
    run = segfault_project.run(json_report=False)
    assert re.search(r"1 failed, 3 passed, 1 error in [\d.]+s", run.summary_line), run.stdout
    assert run.exit_code == 1


def test_last_failed_after_a_segfault_runs_the_crashed_test_again(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_segfault.py", SEGFAULT_SUITE)
    project.run()
    again = project.run("--lf")
    assert set(again.outcomes) == {SEGFAULT, "test_segfault.py::test_fails"}
    assert again.outcomes[SEGFAULT] == "error"


def test_without_the_crash_guard_a_segfault_ends_the_run(segfault_project: Project) -> None:
    run = segfault_project.run("--no-crash-guard")
    assert run.exit_code == -signal.SIGSEGV, run.output
    assert run.report is None
    assert "test_after ran" not in run.notes


def test_exit_of_the_process_in_a_test_is_an_error_naming_the_status(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_exit.py",
        NOTE
        + """
def test_exits():
    os._exit(3)

def test_after():
    note("test_after ran")
""",
    )
    run = project.run()
    assert run.outcomes == {"test_exit.py::test_exits": "error", "test_exit.py::test_after": "passed"}
    assert "exited with status 3" in _error_message(run, "test_exits")
    assert run.exit_code == 1


def test_a_test_killed_with_sigkill_is_an_error_naming_the_signal(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_kill.py",
        """
import os
import signal

def test_killed():
    os.kill(os.getpid(), signal.SIGKILL)

def test_after():
    pass
""",
    )
    run = project.run()
    assert run.outcomes == {"test_kill.py::test_killed": "error", "test_kill.py::test_after": "passed"}
    assert "died from signal SIGKILL" in _error_message(run, "test_killed")


def test_a_crash_in_the_last_test_says_no_test_remains(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_last.py", "import os\n\ndef test_first():\n    pass\n\ndef test_last():\n    os._exit(5)\n"
    )
    run = project.run()
    assert run.outcomes == {"test_last.py::test_first": "passed", "test_last.py::test_last": "error"}
    assert "while running test_last.py::test_last, the last test; reporting the run" in run.stdout


def test_two_crashes_in_one_run_are_two_errors_and_the_rest_passes(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_two.py",
        """
import ctypes
import os

def test_one():
    pass

def test_segfault():
    ctypes.string_at(0)

def test_two():
    pass

def test_exit():
    os._exit(9)

def test_three():
    pass
""",
    )
    run = project.run()
    assert run.outcomes == {
        "test_two.py::test_one": "passed",
        "test_two.py::test_segfault": "error",
        "test_two.py::test_two": "passed",
        "test_two.py::test_exit": "error",
        "test_two.py::test_three": "passed",
    }, run.output
    assert run.stdout.count("continuing with the remaining tests") == 2
    assert re.search(r"3 passed, 2 errors in [\d.]+s", run.summary_line), run.stdout


def test_a_fixture_that_crashes_once_is_set_up_afresh_for_the_remaining_tests(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_fixture.py",
        NOTE
        + """
import ctypes
from rustest import fixture

@fixture(scope="module")
def shared():
    note("setup")
    if not os.path.exists(os.environ["NOTES"] + ".crashed"):
        open(os.environ["NOTES"] + ".crashed", "w").close()
        ctypes.string_at(0)
    yield
    note("teardown")

def test_first(shared):
    pass

def test_second(shared):
    pass

def test_third(shared):
    pass
""",
    )
    run = project.run()
    assert run.outcomes == {
        "test_fixture.py::test_first": "error",
        "test_fixture.py::test_second": "passed",
        "test_fixture.py::test_third": "passed",
    }, run.output
    assert run.notes == ["setup", "setup", "teardown"]


def test_a_fixture_that_always_crashes_errors_each_of_its_tests_and_the_run_ends(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_fixture.py",
        """
import ctypes
from rustest import fixture

@fixture(scope="module")
def shared():
    ctypes.string_at(0)

def test_first(shared):
    pass

def test_second(shared):
    pass

def test_unrelated():
    pass
""",
    )
    run = project.run()
    assert run.outcomes == {
        "test_fixture.py::test_first": "error",
        "test_fixture.py::test_second": "error",
        "test_fixture.py::test_unrelated": "passed",
    }, run.output
    assert run.exit_code == 1


def test_a_crash_while_importing_tests_is_an_internal_error_and_is_not_retried(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_fine.py", "def test_fine():\n    pass\n")
    project.write(
        "test_import.py",
        NOTE
        + """
import ctypes

note("imported")
ctypes.string_at(0)
""",
    )
    run = project.run()
    assert run.exit_code == 3, run.output
    assert run.notes == ["imported"]
    assert "INTERNALERROR> the test process died from signal SIGSEGV" in run.stderr
    assert "while importing or collecting them" in run.stderr
    assert "test_import.py" in run.stderr


def test_x_stops_the_run_at_a_crash_and_reports_the_rest_as_not_run(segfault_project: Project) -> None:
    run = segfault_project.run("-x", "-k", "not fails")
    assert run.outcomes == {
        "test_segfault.py::test_before": "passed",
        SEGFAULT: "error",
        "test_segfault.py::test_after": "skipped",
        "test_segfault.py::test_last": "skipped",
    }, run.output
    assert run.test("test_after")["reason"] == "not run: stopping after 1 failure"
    assert "Interrupted: stopping after 1 failure" in run.stdout
    assert "test_after ran" not in run.notes
    assert run.exit_code == 1


def test_maxfail_counts_the_failures_before_a_crash(segfault_project: Project) -> None:
    run = segfault_project.run("--maxfail", "3")
    assert run.outcomes["test_segfault.py::test_last"] == "passed", run.output
    stopped = segfault_project.run("--maxfail", "2")
    assert stopped.test("test_after")["reason"] == "not run: stopping after 2 failures", stopped.output


def test_a_crash_after_the_run_completed_keeps_the_report_and_exits_with_the_signal(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_atexit.py",
        """
import atexit
import os

def test_registers_an_abort_at_exit():
    atexit.register(os.abort)
""",
    )
    run = project.run()
    assert run.outcomes == {"test_atexit.py::test_registers_an_abort_at_exit": "passed"}
    assert run.stdout.count("1 passed") == 1
    assert "died from signal SIGABRT" in run.stderr
    assert "after the run completed" in run.stderr
    assert run.exit_code == 128 + signal.SIGABRT


def _normalised(text: str) -> str:
    return re.sub(r"in [\d.]+s", "in Ns", text)


def test_a_run_without_crashes_prints_what_an_unguarded_run_prints(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_plain.py",
        """
from rustest import mark

def test_passes():
    print("output")

def test_fails():
    assert 1 == 2

@mark.skip(reason="not today")
def test_skipped():
    pass
""",
    )
    guarded = project.run("-rA")
    unguarded = project.run("-rA", "--no-crash-guard")
    assert _normalised(guarded.stdout) == _normalised(unguarded.stdout)
    assert guarded.stderr == unguarded.stderr == ""
    assert guarded.exit_code == unguarded.exit_code == 1
    assert guarded.outcomes == unguarded.outcomes


def test_collect_only_prints_the_same_with_or_without_the_guard(segfault_project: Project) -> None:
    guarded = segfault_project.run("--collect-only", json_report=False)
    unguarded = segfault_project.run("--collect-only", "--no-crash-guard", json_report=False)
    assert guarded.stdout == unguarded.stdout
    assert guarded.exit_code == unguarded.exit_code == 0


INTERRUPTIBLE_SUITE = (
    NOTE
    + """
import time
from rustest import fixture

@fixture
def resource():
    yield
    note("teardown")

def test_waits(resource):
    note(f"started {os.getpid()}")
    time.sleep(60)

def test_after():
    note("test_after ran")
"""
)


def _start(project: Project, notes: Path) -> subprocess.Popen[str]:
    environment = dict(os.environ, NOTES=str(notes), PYTHONPATH=str(REPO_ROOT), COLUMNS="80")
    return subprocess.Popen(
        [sys.executable, "-m", "rustest"],
        cwd=project.root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_note(notes: Path, prefix: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if notes.is_file():
            for line in notes.read_text(encoding="utf-8").splitlines():
                if line.startswith(prefix):
                    return line
        time.sleep(0.02)
    raise AssertionError(f"no note starting with {prefix!r}")


def test_ctrl_c_interrupts_the_run_once_and_reports_it(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_wait.py", INTERRUPTIBLE_SUITE)
    notes = tmp_path / "notes"
    process = _start(project, notes)
    _wait_for_note(notes, "started")
    # The terminal sends Ctrl-C to the whole process group.
    os.killpg(process.pid, signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 2, stdout
    assert "Interrupted: interrupted by KeyboardInterrupt" in stdout
    assert notes.read_text(encoding="utf-8").splitlines()[1:] == ["teardown"]
    assert "continuing" not in stdout


def test_sigterm_to_the_command_ends_the_test_process_and_the_command_dies_of_it(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_wait.py", INTERRUPTIBLE_SUITE)
    notes = tmp_path / "notes"
    process = _start(project, notes)
    child = int(_wait_for_note(notes, "started").split()[1])
    process.terminate()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the test process outlived the command")
    assert "test_after ran" not in notes.read_text(encoding="utf-8")


def test_coverage_run_keeps_the_tests_in_its_process(tmp_path: Path) -> None:
    pytest.importorskip("coverage")
    project = Project(tmp_path)
    project.write("test_covered.py", "def test_covered():\n    x = 1\n    assert x == 1\n")
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), COVERAGE_FILE=str(tmp_path / "data"))
    completed = subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--include=test_covered.py", "-m", "rustest"],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "report"],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert re.search(r"test_covered\.py\s+3\s+0\s+100%", report.stdout), report.stdout + report.stderr


# -- the parts, without a subprocess --


def _options(*args: str) -> argparse.Namespace:
    return build_parser().parse_args(list(args))


def test_the_guard_applies_to_a_plain_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The process running this suite may be traced or have imported coverage (a pytest plugin does).
    monkeypatch.setattr(sys, "gettrace", lambda: None)
    monkeypatch.setattr(sys, "getprofile", lambda: None)
    monkeypatch.delitem(sys.modules, "coverage", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        monkeypatch.setattr(monitoring, "get_tool", lambda tool: None)
    assert crash_guard_applies(_options()) is True


def test_the_guard_does_not_apply_while_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert crash_guard_applies(_options()) is False


@pytest.mark.parametrize("args", [["--collect-only"], ["--no-crash-guard"]])
def test_the_guard_does_not_apply_when_asked_not_to_or_with_collect_only(args: list[str]) -> None:
    assert crash_guard_applies(_options(*args)) is False


def test_the_guard_does_not_apply_under_a_tracer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "gettrace", lambda: print)
    assert crash_guard_applies(_options()) is False


def test_the_guard_does_not_apply_once_coverage_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "coverage", sys)
    assert crash_guard_applies(_options()) is False


def test_the_guard_does_not_apply_where_processes_cannot_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork")
    assert crash_guard_applies(_options()) is False


def _dump(*frames: str) -> str:
    lines = [f'  File "{path}", line 1 in {name}' for path, name in (frame.split(":") for frame in frames)]
    return "\n".join(
        ["Fatal Python error: Segmentation fault", "", "Current thread 0x1 (most recent call first):", *lines]
    )


RUSTEST_DIR = str(Path(rustest_package.__file__).parent)


def test_a_crash_dump_drops_the_frames_of_rustest_calling_the_test() -> None:
    dump = _dump(
        "/lib/c.py:parse", "/p/test_x.py:test_x", f"{RUSTEST_DIR}/_executor.py:call", "<frozen runpy>:run"
    )
    assert trim_dump(dump).splitlines()[3:] == [
        '  File "/lib/c.py", line 1 in parse',
        '  File "/p/test_x.py", line 1 in test_x',
    ]


def test_a_crash_dump_keeps_rustest_frames_between_frames_of_the_test() -> None:
    dump = _dump("/p/test_x.py:helper", f"{RUSTEST_DIR}/_raises.py:raises", "/p/test_x.py:test_x")
    assert len(trim_dump(dump).splitlines()) == 6


def test_a_crash_dump_keeps_a_stack_of_rustest_frames_only() -> None:
    dump = _dump(f"{RUSTEST_DIR}/_executor.py:call", f"{RUSTEST_DIR}/_executor.py:run")
    assert trim_dump(dump) == dump


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
