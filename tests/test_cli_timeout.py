"""End-to-end: a test that runs longer than its timeout fails, and the run goes on with the next test.

``--timeout``, the ``timeout`` setting and ``mark.timeout`` give each test a
limit on its setup, call and teardown. In a guarded run the guard watches
the deadline the test process records, has it dump its stacks and kills
it, then reports the test; with ``--no-crash-guard`` SIGALRM raises
``Timeout`` in the test. Every hanging
test here would hang for a minute or forever, so a broken implementation
fails by the subprocess's own time limit rather than hanging the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import REPO_ROOT, CliRun, Project

from rustest import _executor as rustest_executor
from rustest._cli._journal import JournalWriter, Progress, deadline_recorder, progress_recorder
from rustest._cli._timeout import SOURCES, Limit, timed_out_phase, timeout_message
from rustest._config import parse_timeout
from rustest._events import Outcome, Phase, TestFinished, TestReport, TestStarted

NOTE = """
import os

def note(text):
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")
"""

HANGING_SUITE = (
    NOTE
    + """
import time
from rustest import fixture

@fixture
def hangs_in_setup():
    time.sleep(60)
    yield

@fixture
def hangs_in_teardown():
    yield
    note("teardown started")
    time.sleep(60)

def test_before():
    note("test_before ran")

def test_sleeps():
    time.sleep(60)

def test_spins():
    while True:
        pass

def test_setup_hangs(hangs_in_setup):
    note("test_setup_hangs ran")

def test_teardown_hangs(hangs_in_teardown):
    note("test_teardown_hangs ran")

def test_after():
    note("test_after ran")
"""
)

ASYNC_SUITE = (
    NOTE
    + """
import asyncio
import trio
from rustest import fixture, mark

@fixture
async def hangs_in_setup():
    await asyncio.sleep(60)
    yield

async def test_asyncio_fixture_hangs(hangs_in_setup):
    note("test_asyncio_fixture_hangs ran")

async def test_awaits_a_task_that_hangs():
    await asyncio.create_task(asyncio.sleep(60))

def test_runs_a_loop_of_its_own_that_hangs():
    asyncio.run(asyncio.sleep(60))

async def test_asyncio_hangs():
    await asyncio.sleep(60)

@fixture
async def noted():
    yield
    note("noted torn down")

async def test_asyncio_hangs_with_a_fixture(noted):
    print("before the hang")
    await asyncio.sleep(60)

async def test_asyncio_after():
    await asyncio.sleep(0)
    note("test_asyncio_after ran")

@mark.trio
async def test_trio_hangs():
    await trio.sleep_forever()

@mark.trio
async def test_trio_after():
    await trio.sleep(0)
    note("test_trio_after ran")
"""
)

STUBBORN_SUITE = (
    NOTE
    + """
import time
from rustest import fixture

def hang():
    # Swallows the Timeout it is sent and hangs on, as code that catches BaseException does.
    while True:
        try:
            time.sleep(60)
        except BaseException:
            pass

@fixture
def hangs_in_setup():
    hang()
    yield

@fixture
def hangs_in_teardown():
    yield
    note("teardown started")
    hang()

def test_before():
    note("test_before ran")

def test_sleeps():
    hang()

def test_spins():
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass

def test_setup_hangs(hangs_in_setup):
    note("test_setup_hangs ran")

def test_teardown_hangs(hangs_in_teardown):
    note("test_teardown_hangs ran")

def test_after():
    note("test_after ran")
"""
)

SLOW_PASSING = """
import time
from rustest import mark

def test_slow():
    time.sleep(1.2)
"""

MARKED_SLEEP = """
import time
from rustest import mark

@mark.timeout({limit})
def test_sleeps():
    time.sleep(60)
"""

HANDLER_CHECK = (
    NOTE
    + """
import signal
import time
from rustest import mark

def test_sleeps():
    time.sleep(60)

@mark.timeout(0)
def test_sees_the_default_alarm_handler():
    note(f"handler {signal.getsignal(signal.SIGALRM) is signal.SIG_DFL}")
"""
)


LINUX_PROC = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux's /proc")

WATCHDOG_FREE = (
    NOTE
    + """
import os
import threading

def test_counts_threads():
    note(f"python threads {threading.active_count()}")
    note(f"os threads {len(os.listdir('/proc/self/task'))}")

def test_forks():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    note(f"child status {os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}")
"""
)

DUMP_SIGNAL_CHECK = (
    NOTE
    + """
import signal

def test_reads_caught_signals():
    with open("/proc/self/status") as status:
        caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
    note(f"catches the dump signal {bool(caught >> (signal.SIGUSR2 - 1) & 1)}")
"""
)


@pytest.fixture(scope="module")
def hanging_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A module whose tests hang in their call, a fixture's setup and a fixture's teardown."""
    project = Project(tmp_path_factory.mktemp("hanging"))
    project.write("test_hangs.py", HANGING_SUITE)
    return project


@pytest.fixture(scope="module")
def guarded(hanging_project: Project) -> CliRun:
    """The hanging module run once in guarded test processes, with both report files."""
    return hanging_project.run("--timeout", "0.5", junitxml=True)


@pytest.fixture(scope="module")
def stubborn(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """Tests that swallow the Timeout they are sent, run once in guarded test processes: they are killed."""
    project = Project(tmp_path_factory.mktemp("stubborn"))
    project.write("test_stubborn.py", STUBBORN_SUITE)
    return project.run("--timeout", "0.5", junitxml=True)


@pytest.fixture(scope="module")
def unguarded(hanging_project: Project) -> CliRun:
    """The hanging module run once in the command's own process, stopped by SIGALRM."""
    return hanging_project.run("--timeout", "0.5", "--no-crash-guard", junitxml=True)


@pytest.fixture(scope="module")
def async_guarded(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """Async tests that hang on asyncio and on trio, run in guarded test processes."""
    pytest.importorskip("trio")
    project = Project(tmp_path_factory.mktemp("async_guarded"))
    project.write("test_async_hangs.py", ASYNC_SUITE)
    return project.run("--timeout", "0.5")


@pytest.fixture(scope="module")
def async_unguarded(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """Async tests that hang on asyncio and on trio, run in the command's own process."""
    pytest.importorskip("trio")
    project = Project(tmp_path_factory.mktemp("async_unguarded"))
    project.write("test_async_hangs.py", ASYNC_SUITE)
    return project.run("--timeout", "0.5", "--no-crash-guard")


def _line_of(suite: str, text: str, after: str) -> int:
    """Return the number of the first line of *suite* (as written) that is *text*, after line *after*."""
    lines = suite.lstrip("\n").splitlines()
    return lines.index(text, lines.index(after)) + 1


def _failure(run: CliRun, name: str) -> dict[str, Any]:
    failures = run.test(name)["failures"]
    assert len(failures) == 1, failures
    failure: dict[str, Any] = failures[0]
    return failure


# -- guarded runs: the guard raises Timeout in the test, which stops --


def test_a_test_that_hangs_in_its_call_fails_and_the_other_tests_pass(guarded: CliRun) -> None:
    assert guarded.outcomes == {
        "test_hangs.py::test_before": "passed",
        "test_hangs.py::test_sleeps": "failed",
        "test_hangs.py::test_spins": "failed",
        "test_hangs.py::test_setup_hangs": "error",
        "test_hangs.py::test_teardown_hangs": "error",
        "test_hangs.py::test_after": "passed",
    }, guarded.output


def test_a_busy_loop_is_stopped_at_its_timeout(guarded: CliRun) -> None:
    failure = _failure(guarded, "test_spins")
    assert failure["type"] == "Timeout"
    assert failure["traceback"][-1]["name"] == "test_spins", failure


def test_a_timeout_report_names_the_limit_and_where_it_was_set(guarded: CliRun) -> None:
    message = _failure(guarded, "test_sleeps")["message"]
    assert message == "the test ran longer than its 0.5 s timeout (--timeout) and was stopped", message


def test_a_timeout_report_shows_the_line_the_test_hung_on(guarded: CliRun) -> None:
    failure = _failure(guarded, "test_sleeps")
    assert failure["traceback"][-1]["source"] == "time.sleep(60)", failure


def test_a_hang_in_a_fixture_setup_is_an_error_in_setup(guarded: CliRun) -> None:
    test = guarded.test("test_setup_hangs")
    assert (test["when"], test["failures"][0]["type"]) == ("setup", "Timeout")
    assert test["failures"][0]["traceback"][-1]["name"] == "hangs_in_setup"
    assert "test_setup_hangs ran" not in guarded.notes


def test_a_hang_in_a_fixture_teardown_is_an_error_in_teardown(guarded: CliRun) -> None:
    test = guarded.test("test_teardown_hangs")
    assert (test["when"], test["failures"][0]["type"]) == ("teardown", "Timeout")
    assert test["failures"][0]["traceback"][-1]["name"] == "hangs_in_teardown"
    assert "teardown started" in guarded.notes


def test_the_tests_after_a_timeout_run_once(guarded: CliRun) -> None:
    assert guarded.notes.count("test_after ran") == 1
    assert guarded.notes.count("test_before ran") == 1


def test_a_timed_out_test_lasted_at_least_its_limit(guarded: CliRun) -> None:
    assert guarded.test("test_sleeps")["duration"] >= 0.5


def test_a_test_that_stops_at_its_timeout_goes_on_in_the_same_test_process(guarded: CliRun) -> None:
    assert "rustest:" not in guarded.stdout
    assert "the test process" not in guarded.stdout
    assert "2 failed, 2 passed, 2 errors" in guarded.summary_line


# -- guarded runs: a test that does not stop is killed, after its stacks are dumped --


def test_a_test_that_does_not_stop_is_killed_and_the_other_tests_pass(stubborn: CliRun) -> None:
    assert stubborn.outcomes == {
        "test_stubborn.py::test_before": "passed",
        "test_stubborn.py::test_sleeps": "failed",
        "test_stubborn.py::test_spins": "failed",
        "test_stubborn.py::test_setup_hangs": "error",
        "test_stubborn.py::test_teardown_hangs": "error",
        "test_stubborn.py::test_after": "passed",
    }, stubborn.output


def test_a_busy_loop_that_does_not_stop_is_killed(stubborn: CliRun) -> None:
    failure = _failure(stubborn, "test_spins")
    assert failure["type"] == "Timeout"
    assert re.search(r'File ".*test_stubborn\.py", line \d+ in test_spins', failure["message"]), failure


def test_a_killed_test_report_names_the_limit_and_says_its_output_is_lost(stubborn: CliRun) -> None:
    message = _failure(stubborn, "test_sleeps")["message"]
    expected = (
        "the test ran longer than its 0.5 s timeout (--timeout) and was stopped; its captured output is lost"
    )
    assert message.startswith(expected), message


def test_a_killed_test_report_shows_the_line_the_test_hung_on(stubborn: CliRun) -> None:
    message = _failure(stubborn, "test_sleeps")["message"]
    line = _line_of(STUBBORN_SUITE, "            time.sleep(60)", "def hang():")
    assert re.search(rf'File ".*test_stubborn\.py", line {line} in hang', message), message
    assert re.search(r'File ".*test_stubborn\.py", line \d+ in test_sleeps', message), message
    assert "_executor.py" not in message


def test_a_killed_hang_in_a_fixture_setup_is_an_error_in_setup(stubborn: CliRun) -> None:
    test = stubborn.test("test_setup_hangs")
    assert (test["when"], test["failures"][0]["type"]) == ("setup", "Timeout")
    assert "in hangs_in_setup" in test["failures"][0]["message"]
    assert "test_setup_hangs ran" not in stubborn.notes


def test_a_killed_hang_in_a_fixture_teardown_is_an_error_in_teardown(stubborn: CliRun) -> None:
    test = stubborn.test("test_teardown_hangs")
    assert (test["when"], test["failures"][0]["type"]) == ("teardown", "Timeout")
    assert "in hangs_in_teardown" in test["failures"][0]["message"]
    assert "teardown started" in stubborn.notes


def test_the_tests_after_a_killed_test_run_once(stubborn: CliRun) -> None:
    assert stubborn.notes.count("test_after ran") == 1
    assert stubborn.notes.count("test_before ran") == 1


def test_a_killed_test_lasted_its_limit(stubborn: CliRun) -> None:
    assert stubborn.test("test_sleeps")["duration"] == 0.5


def test_the_terminal_calls_a_kill_at_a_timeout_a_timeout_not_a_crash(stubborn: CliRun) -> None:
    assert "test_stubborn.py::test_sleeps: the test ran longer than its 0.5 s timeout" in stubborn.stdout
    assert "crash" not in stubborn.stdout.lower()
    assert "the test process" not in stubborn.stdout
    assert "2 failed, 2 passed, 2 errors" in stubborn.summary_line
    assert stubborn.exit_code == 1


def test_exitfirst_stops_the_run_at_a_timeout(hanging_project: Project) -> None:
    run = hanging_project.run("--timeout", "0.5", "-x")
    assert [nodeid for nodeid, outcome in run.outcomes.items() if outcome != "skipped"] == [
        "test_hangs.py::test_before",
        "test_hangs.py::test_sleeps",
    ], run.output
    assert run.exit_code == 1
    assert "stopping after 1 failure" in run.stdout


def test_a_run_with_a_timeout_exits_1(guarded: CliRun) -> None:
    assert guarded.exit_code == 1, guarded.output


def test_the_junit_report_has_one_testcase_per_test_and_a_failure_for_the_timeout(guarded: CliRun) -> None:
    cases = {case.get("name", ""): case for case in guarded.testcases()}
    assert sorted(cases) == sorted(
        ["test_before", "test_sleeps", "test_spins", "test_setup_hangs", "test_teardown_hangs", "test_after"]
    )
    failure = cases["test_sleeps"].find("failure")
    assert failure is not None
    assert "0.5 s timeout" in (failure.get("message") or "")
    assert cases["test_after"].find("failure") is None


def test_last_failed_after_a_timeout_runs_the_timed_out_tests_again(hanging_project: Project) -> None:
    hanging_project.run("--timeout", "0.5", "-k", "sleeps or before")
    again = hanging_project.run("--lf", "--timeout", "0.5", "-k", "sleeps or before")
    assert again.outcomes == {"test_hangs.py::test_sleeps": "failed"}, again.output


def test_an_asyncio_test_that_hangs_fails_and_the_next_runs(async_guarded: CliRun) -> None:
    assert async_guarded.test("test_asyncio_hangs")["outcome"] == "failed", async_guarded.output
    assert async_guarded.test("test_asyncio_after")["outcome"] == "passed"
    assert "test_asyncio_after ran" in async_guarded.notes


def test_an_asyncio_test_stopped_by_the_guard_shows_its_await_and_its_fixtures_are_torn_down(
    async_guarded: CliRun,
) -> None:
    test = async_guarded.test("test_asyncio_hangs_with_a_fixture")
    assert test["outcome"] == "failed", async_guarded.output
    assert test["failures"][0]["traceback"][-1]["source"] == "await asyncio.sleep(60)", test
    assert "before the hang" in test["stdout"]
    assert "noted torn down" in async_guarded.notes


def test_a_trio_test_that_hangs_fails_and_the_next_runs(async_guarded: CliRun) -> None:
    assert async_guarded.test("test_trio_hangs")["outcome"] == "failed", async_guarded.output
    assert async_guarded.test("test_trio_after")["outcome"] == "passed"
    assert "test_trio_after ran" in async_guarded.notes


# -- guarded runs: what a limit costs the test process, and when the guard looks --


@LINUX_PROC
def test_a_guarded_test_with_a_limit_runs_without_a_watchdog_thread(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_threads.py", WATCHDOG_FREE)
    run = project.run("--timeout", "30")
    assert run.exit_code == 0, run.output
    assert run.notes == ["python threads 1", "os threads 1", "child status 7"]


@LINUX_PROC
@pytest.mark.parametrize(("limit", "caught"), [("30", True), ("0", False)], ids=["limit", "no-limit"])
def test_only_a_test_process_with_limits_catches_the_dump_signal(
    tmp_path: Path, limit: str, caught: bool
) -> None:
    project = Project(tmp_path)
    project.write("test_signals.py", DUMP_SIGNAL_CHECK)
    run = project.run("--timeout", limit)
    assert run.exit_code == 0, run.output
    assert run.notes == [f"catches the dump signal {caught}"]


def test_tests_that_finish_within_their_limit_are_never_reported(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_quick.py",
        """
        import time
        from rustest import parametrize

        @parametrize("n", list(range(40)))
        def test_naps(n):
            time.sleep(0.01)
        """,
    )
    run = project.run("--timeout", "0.3")
    assert run.counts == {"passed": 40}, run.output
    assert "timeout" not in run.output


def test_a_short_limit_after_a_long_one_is_enforced_on_time(tmp_path: Path) -> None:
    project = Project(tmp_path)
    # The guard, which saw the first test's 60 s deadline, must look again before the second one's.
    project.write(
        "test_marked.py",
        """
        import time
        from rustest import mark

        @mark.timeout(60)
        def test_quick():
            time.sleep(0.2)

        @mark.timeout(0.5)
        def test_sleeps():
            time.sleep(60)
        """,
    )
    began = time.monotonic()
    run = project.run()
    assert time.monotonic() - began < 15
    assert run.outcomes == {"test_marked.py::test_quick": "passed", "test_marked.py::test_sleeps": "failed"}


def test_without_a_pidfd_the_guard_still_stops_a_test_at_its_limit(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_hangs.py", STUBBORN_SUITE)
    # As on a system without pidfd_open() (macOS, Linux before 5.3): the guard polls for the child's end.
    script = (
        "import os, sys\n"
        "del os.pidfd_open\n"
        "from rustest._cli._main import main\n"
        "sys.exit(main(['--timeout', '0.5', '-k', 'before or sleeps or after'], crash_guard=True))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200", "NOTES": str(tmp_path / "notes")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "test_hangs.py::test_sleeps: the test ran longer than its 0.5 s timeout" in completed.stdout
    assert "1 failed, 2 passed, 3 deselected" in completed.stdout


# -- unguarded runs: SIGALRM raises Timeout in the test --


def test_without_the_guard_the_hanging_tests_fail_and_the_others_pass(unguarded: CliRun) -> None:
    assert unguarded.outcomes == {
        "test_hangs.py::test_before": "passed",
        "test_hangs.py::test_sleeps": "failed",
        "test_hangs.py::test_spins": "failed",
        "test_hangs.py::test_setup_hangs": "error",
        "test_hangs.py::test_teardown_hangs": "error",
        "test_hangs.py::test_after": "passed",
    }, unguarded.output


def test_without_the_guard_the_timeout_is_raised_at_the_line_of_the_sleep(unguarded: CliRun) -> None:
    failure = _failure(unguarded, "test_sleeps")
    assert failure["type"] == "Timeout"
    assert failure["message"] == "the test ran longer than its 0.5 s timeout (--timeout) and was stopped"
    assert failure["traceback"][-1]["source"] == "time.sleep(60)", failure


def test_without_the_guard_a_hang_in_a_fixture_is_an_error_of_its_phase(unguarded: CliRun) -> None:
    assert unguarded.test("test_setup_hangs")["when"] == "setup"
    assert unguarded.test("test_teardown_hangs")["when"] == "teardown"


def test_without_the_guard_the_run_goes_on_in_the_same_process(unguarded: CliRun) -> None:
    assert unguarded.exit_code == 1, unguarded.output
    assert unguarded.notes.count("test_after ran") == 1


def test_without_the_guard_the_previous_alarm_handler_is_restored(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_handler.py", HANDLER_CHECK)
    run = project.run("--timeout", "0.5", "--no-crash-guard")
    assert run.test("test_sleeps")["outcome"] == "failed", run.output
    assert run.notes == ["handler True"]


def test_without_the_guard_an_asyncio_test_is_stopped_at_its_await(async_unguarded: CliRun) -> None:
    failure = _failure(async_unguarded, "test_asyncio_hangs")
    assert failure["type"] == "Timeout", failure
    assert failure["traceback"][-1]["source"] == "await asyncio.sleep(60)", failure
    assert async_unguarded.test("test_asyncio_after")["outcome"] == "passed"


def test_without_the_guard_an_async_fixture_is_stopped_at_its_await(async_unguarded: CliRun) -> None:
    test = async_unguarded.test("test_asyncio_fixture_hangs")
    assert (test["outcome"], test["when"]) == ("error", "setup"), async_unguarded.output
    assert test["failures"][0]["traceback"][-1]["source"] == "await asyncio.sleep(60)"


def test_without_the_guard_a_test_awaiting_a_task_is_stopped_in_that_task(
    async_unguarded: CliRun,
) -> None:
    failure = _failure(async_unguarded, "test_awaits_a_task_that_hangs")
    assert failure["type"] == "Timeout", failure


def test_without_the_guard_a_loop_a_sync_test_runs_itself_is_stopped(async_unguarded: CliRun) -> None:
    failure = _failure(async_unguarded, "test_runs_a_loop_of_its_own_that_hangs")
    assert failure["type"] == "Timeout", failure
    assert any(frame["source"] == "asyncio.run(asyncio.sleep(60))" for frame in failure["traceback"]), failure


def test_without_the_guard_a_trio_test_is_stopped(async_unguarded: CliRun) -> None:
    assert _failure(async_unguarded, "test_trio_hangs")["type"] == "Timeout", async_unguarded.output
    assert async_unguarded.test("test_trio_after")["outcome"] == "passed"


def test_where_nothing_can_stop_a_test_the_run_warns_once_and_sets_no_limit(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_slow.py", SLOW_PASSING)
    # A process that can neither fork a guarded child nor use SIGALRM, as on Windows.
    script = (
        "import signal, sys\n"
        "del signal.setitimer\n"
        "from rustest._cli._main import main\n"
        "sys.exit(main(['--timeout', '0.5']))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.count("timeouts are not enforced in this run") == 1, completed.stdout


# -- where the limit comes from --


def test_the_timeout_setting_applies_to_every_test(tmp_path: Path) -> None:
    project = Project(tmp_path, "[tool.rustest]\ntimeout = 0.5\n")
    project.write("test_hang.py", "import time\n\ndef test_sleeps():\n    time.sleep(60)\n")
    run = project.run()
    message = _failure(run, "test_sleeps")["message"]
    assert "0.5 s timeout (timeout setting)" in message, run.output


def test_the_pytest_timeout_setting_is_honoured(tmp_path: Path) -> None:
    project = Project(tmp_path, '[tool.pytest.ini_options]\ntimeout = "0.5"\n')
    project.write("test_hang.py", "import time\n\ndef test_sleeps():\n    time.sleep(60)\n")
    assert project.run().test("test_sleeps")["outcome"] == "failed"


def test_the_command_line_timeout_wins_over_the_setting(tmp_path: Path) -> None:
    project = Project(tmp_path, "[tool.rustest]\ntimeout = 0.5\n")
    project.write("test_slow.py", SLOW_PASSING)
    run = project.run("--timeout", "0")
    assert run.outcomes == {"test_slow.py::test_slow": "passed"}, run.output


def test_a_mark_gives_a_test_a_timeout_when_none_is_set(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_marked.py", MARKED_SLEEP.format(limit=0.5))
    message = _failure(project.run(), "test_sleeps")["message"]
    assert "0.5 s timeout (mark.timeout)" in message


def test_a_longer_mark_overrides_the_command_line(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_marked.py",
        "import time\nfrom rustest import mark\n\n@mark.timeout(60)\ndef test_slow():\n    time.sleep(1.2)\n",
    )
    assert project.run("--timeout", "0.5").outcomes == {"test_marked.py::test_slow": "passed"}


def test_a_shorter_mark_overrides_the_setting(tmp_path: Path) -> None:
    project = Project(tmp_path, "[tool.rustest]\ntimeout = 60\n")
    project.write("test_marked.py", MARKED_SLEEP.format(limit=0.5))
    assert "0.5 s timeout (mark.timeout)" in _failure(project.run(), "test_sleeps")["message"]


@pytest.mark.parametrize("guard", [[], ["--no-crash-guard"]], ids=["guarded", "unguarded"])
def test_a_mark_of_zero_turns_the_timeout_off_for_its_test(tmp_path: Path, guard: list[str]) -> None:
    project = Project(tmp_path)
    # The quick test's timer, set when it started, must be gone when the slow one runs.
    project.write(
        "test_marked.py",
        """
        import time
        from rustest import mark

        def test_quick():
            pass

        @mark.timeout(0)
        def test_slow():
            time.sleep(1.2)
        """,
    )
    run = project.run("--timeout", "0.5", *guard)
    assert run.outcomes == {"test_marked.py::test_quick": "passed", "test_marked.py::test_slow": "passed"}


def test_a_class_mark_applies_to_its_methods_and_a_method_mark_wins(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_marked.py",
        """
        import time
        from rustest import mark

        @mark.timeout(0.5)
        class TestGroup:
            def test_sleeps(self):
                time.sleep(60)

            @mark.timeout(0)
            def test_slow(self):
                time.sleep(1.2)
        """,
    )
    run = project.run()
    assert run.outcomes == {
        "test_marked.py::TestGroup::test_sleeps": "failed",
        "test_marked.py::TestGroup::test_slow": "passed",
    }, run.output


@pytest.mark.parametrize("guard", [[], ["--no-crash-guard"]], ids=["guarded", "unguarded"])
def test_a_timed_out_xfail_test_fails(tmp_path: Path, guard: list[str]) -> None:
    project = Project(tmp_path)
    project.write(
        "test_xfail.py",
        "import time\nfrom rustest import mark\n\n@mark.xfail(reason='known bug')\n"
        "def test_hangs():\n    time.sleep(60)\n",
    )
    run = project.run("--timeout", "0.5", *guard)
    assert run.outcomes == {"test_xfail.py::test_hangs": "failed"}, run.output


def test_the_timeout_mark_is_known_under_strict_markers(tmp_path: Path) -> None:
    project = Project(tmp_path, "[tool.rustest]\nstrict_markers = true\n")
    project.write(
        "test_marked.py", "from rustest import mark\n\n@mark.timeout(5)\ndef test_quick():\n    pass\n"
    )
    run = project.run()
    assert run.exit_code == 0, run.output


def test_a_pytest_timeout_method_argument_is_accepted(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_marked.py",
        "from rustest import mark\n\n@mark.timeout(5, method='thread')\ndef test_quick():\n    pass\n",
    )
    assert project.run().exit_code == 0


# -- wrong values --


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf"])
def test_a_wrong_command_line_timeout_is_a_usage_error(tmp_path: Path, value: str) -> None:
    project = Project(tmp_path)
    project.write("test_quick.py", "def test_quick():\n    pass\n")
    run = project.run(f"--timeout={value}")
    assert run.exit_code == 4, run.output
    assert "argument --timeout: a timeout is a number of seconds >= 0" in run.stderr


@pytest.mark.parametrize("value", ["-1", '"soon"', "true"])
def test_a_wrong_timeout_setting_is_a_usage_error(tmp_path: Path, value: str) -> None:
    project = Project(tmp_path, f"[tool.rustest]\ntimeout = {value}\n")
    project.write("test_quick.py", "def test_quick():\n    pass\n")
    run = project.run()
    assert run.exit_code == 4, run.output
    assert "timeout: a timeout is a number of seconds >= 0" in run.stderr


@pytest.mark.parametrize("arguments", ["-1", "'soon'", "", "5, 6", "5, func_only=True"])
def test_a_wrong_timeout_mark_is_a_usage_error_naming_the_test(tmp_path: Path, arguments: str) -> None:
    project = Project(tmp_path)
    project.write(
        "test_marked.py",
        f"from rustest import mark\n\n@mark.timeout({arguments})\ndef test_marked():\n    pass\n",
    )
    run = project.run()
    assert run.exit_code == 4, run.output
    assert "test_marked.py::test_marked: mark.timeout(" in run.stderr
    assert "write @mark.timeout(5)" in run.stderr


# -- the parts, without a subprocess --


@pytest.mark.parametrize(("value", "seconds"), [(5, 5.0), (0.5, 0.5), ("2.5", 2.5), (0, 0.0)])
def test_a_timeout_is_a_number_of_seconds(value: object, seconds: float) -> None:
    assert parse_timeout(value) == seconds


@pytest.mark.parametrize("value", [True, -0.1, "5s", float("nan"), float("inf"), None])
def test_a_timeout_is_not_anything_else(value: object) -> None:
    with pytest.raises(ValueError, match="a timeout is a number of seconds >= 0"):
        parse_timeout(value)


def test_a_timeout_message_names_the_seconds_and_the_source() -> None:
    message = timeout_message(Limit(5.0, SOURCES[0]))
    assert message == "the test ran longer than its 5 s timeout (--timeout) and was stopped"


@pytest.mark.parametrize(
    ("innermost", "phase"),
    [("setup", Phase.SETUP), ("call_test", Phase.CALL), ("run_finalizers", Phase.TEARDOWN)],
)
def test_the_innermost_executor_frame_of_a_dump_gives_the_phase(innermost: str, phase: Phase) -> None:
    executor = rustest_executor.__file__
    dump = (
        "Thread 0x1 (most recent call first):\n"
        '  File "t.py", line 3 in hangs\n'
        f'  File "{executor}", line 9 in {innermost}\n'
        f'  File "{executor}", line 7 in teardown\n'
    )
    assert timed_out_phase(dump) is phase


def test_a_dump_without_executor_frames_counts_as_the_call() -> None:
    dump = 'Thread 0x1 (most recent call first):\n  File "t.py", line 3 in test_x\n'
    assert timed_out_phase(dump) is Phase.CALL


@pytest.fixture
def progress(tmp_path: Path) -> Any:
    """A guard's progress page, kept up to date by a test process's recorder and deadline listener."""
    page = Progress()
    with tempfile.TemporaryFile(dir=tmp_path) as journal:
        recorder = progress_recorder(page, JournalWriter(journal.fileno(), page), every_report=False)
        limits = [Limit(0.5, SOURCES[0]), Limit(0.0, SOURCES[0]), Limit(2.0, SOURCES[2])]
        deadlines = deadline_recorder(page, limits)

        def emit(event: object) -> None:
            recorder(event)  # type: ignore[arg-type]
            deadlines(event)  # type: ignore[arg-type]

        yield page, emit
    page.close()


def _finished(nodeid: str) -> TestFinished:
    return TestFinished(TestReport(nodeid, Outcome.PASSED, Phase.CALL, 0.0))


def test_the_running_test_with_a_limit_has_a_deadline_its_limit_after_its_start(progress: Any) -> None:
    page, emit = progress
    before = time.monotonic_ns()
    emit(TestStarted("t::a"))
    deadline = page.deadline()
    assert deadline is not None
    assert deadline.started == 1
    assert deadline.limit == Limit(0.5, SOURCES[0])
    assert before + 500_000_000 <= deadline.at <= time.monotonic_ns() + 500_000_000


def test_a_finished_test_and_a_test_without_a_limit_have_no_deadline(progress: Any) -> None:
    page, emit = progress
    emit(TestStarted("t::a"))
    emit(_finished("t::a"))
    assert page.deadline() is None
    emit(TestStarted("t::b"))
    assert page.deadline() is None


def test_a_deadline_no_longer_runs_once_its_test_finished_even_when_the_next_has_a_limit(
    progress: Any,
) -> None:
    page, emit = progress
    emit(TestStarted("t::a"))
    deadline = page.deadline()
    assert deadline is not None
    assert page.still_running(deadline)
    for event in (_finished("t::a"), TestStarted("t::b"), _finished("t::b"), TestStarted("t::c")):
        emit(event)
    assert not page.still_running(deadline)
    later = page.deadline()
    assert later is not None
    assert (later.started, later.limit.source) == (3, SOURCES[2])
