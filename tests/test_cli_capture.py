"""End-to-end: output capture with --capture=fd|sys|no and -s."""

from __future__ import annotations

import pytest
from cli_helpers import CliRun, Project

CAPTURE_SUITE = """
import os
import sys

def test_quiet_pass():
    print("print of the passing test")

def test_loud_fail():
    print("print of the failing test")
    sys.stderr.write("stderr of the failing test\\n")
    os.write(1, b"fd write of the failing test\\n")
    assert False
"""

PASSING_PRINT = "print of the passing test"
FAILING_PRINT = "print of the failing test"
FAILING_STDERR = "stderr of the failing test"
FD_WRITE = "fd write of the failing test"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A passing test that prints and a failing test that prints, writes to stderr and to fd 1."""
    project = Project(tmp_path_factory.mktemp("capture"))
    project.write("test_capture.py", CAPTURE_SUITE)
    return project


@pytest.fixture(scope="module")
def default_run(project: Project) -> CliRun:
    """The suite run without capture options."""
    return project.run()


@pytest.fixture(scope="module")
def fd_run(project: Project) -> CliRun:
    """The suite run with ``--capture=fd``."""
    return project.run("--capture=fd")


@pytest.fixture(scope="module")
def sys_run(project: Project) -> CliRun:
    """The suite run with ``--capture=sys``."""
    return project.run("--capture=sys")


@pytest.fixture(scope="module")
def no_capture_run(project: Project) -> CliRun:
    """The suite run with ``--capture=no``."""
    return project.run("--capture=no")


def _captured_section(stdout: str) -> str:
    """Return the text from the first ``Captured`` heading to the short test summary."""
    start = stdout.index("Captured stdout call")
    return stdout[start : stdout.index("short test summary info")]


def test_output_of_a_failing_test_is_shown_under_captured_headings(default_run: CliRun) -> None:
    section = _captured_section(default_run.stdout)
    assert FAILING_PRINT in section
    assert "Captured stderr call" in section
    assert FAILING_STDERR in section


def test_output_of_a_passing_test_is_not_shown(default_run: CliRun) -> None:
    assert PASSING_PRINT not in default_run.output


def test_default_capture_catches_writes_to_file_descriptor_1(default_run: CliRun) -> None:
    assert FD_WRITE in _captured_section(default_run.stdout)
    assert default_run.stdout.splitlines().count(FD_WRITE) == 1


def test_fd_capture_catches_writes_to_file_descriptor_1(fd_run: CliRun) -> None:
    assert fd_run.test("test_loud_fail")["stdout"] == f"{FAILING_PRINT}\n{FD_WRITE}\n"
    assert fd_run.stdout.splitlines().count(FD_WRITE) == 1


def test_captured_output_is_in_the_json_report_of_each_test(fd_run: CliRun) -> None:
    assert fd_run.test("test_quiet_pass")["stdout"] == f"{PASSING_PRINT}\n"
    assert fd_run.test("test_loud_fail")["stderr"] == f"{FAILING_STDERR}\n"


def test_sys_capture_catches_print_but_lets_file_descriptor_writes_through(sys_run: CliRun) -> None:
    section = _captured_section(sys_run.stdout)
    assert FAILING_PRINT in section
    assert FD_WRITE not in section
    assert FD_WRITE in sys_run.stdout.split("FAILURES")[0]
    assert PASSING_PRINT not in sys_run.output


def test_capture_no_lets_every_output_reach_the_terminal(no_capture_run: CliRun) -> None:
    progress = no_capture_run.stdout.split("FAILURES")[0]
    for text in (PASSING_PRINT, FAILING_PRINT, FD_WRITE):
        assert text in progress
    assert FAILING_STDERR in no_capture_run.stderr


def test_capture_no_shows_no_captured_sections(no_capture_run: CliRun) -> None:
    assert no_capture_run.exit_code == 1
    assert "Captured" not in no_capture_run.stdout
    assert no_capture_run.test("test_loud_fail")["stdout"] == ""


def test_s_is_short_for_capture_no(project: Project) -> None:
    run = project.run("-s")
    assert PASSING_PRINT in run.stdout
    assert FAILING_STDERR in run.stderr
    assert "Captured" not in run.stdout


SEQUENCE_SUITE = """
import os
import subprocess
import sys

def test_1_child_process_writes():
    subprocess.run([sys.executable, "-c", "print('child output of test 1')"], check=True)
    assert False

def test_2_writes_nothing():
    assert False

def test_3_writes_a_lot():
    os.write(1, b"x" * 200_000 + b"|end of test 3\\n")
    assert False

def test_4_writes_a_little():
    os.write(2, b"little stderr of test 4\\n")
    assert False
"""


@pytest.fixture(scope="module")
def sequence_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """Failing tests in a row, each writing something different (or nothing) to fds 1 and 2."""
    project = Project(tmp_path_factory.mktemp("capture_sequence"))
    project.write("test_sequence.py", SEQUENCE_SUITE)
    return project.run("--capture=fd")


def _captured(run: CliRun, name: str) -> tuple[str, str]:
    test = run.test(name)
    return test["stdout"], test["stderr"]


def test_fd_capture_catches_output_of_child_processes(sequence_run: CliRun) -> None:
    assert _captured(sequence_run, "test_1_child_process_writes") == ("child output of test 1\n", "")


def test_fd_capture_gives_a_silent_test_nothing_of_the_test_before(sequence_run: CliRun) -> None:
    assert _captured(sequence_run, "test_2_writes_nothing") == ("", "")


def test_fd_capture_keeps_all_of_a_large_output(sequence_run: CliRun) -> None:
    stdout, _ = _captured(sequence_run, "test_3_writes_a_lot")
    assert stdout == "x" * 200_000 + "|end of test 3\n"


def test_fd_capture_after_a_large_output_holds_only_the_next_test_output(sequence_run: CliRun) -> None:
    assert _captured(sequence_run, "test_4_writes_a_little") == ("", "little stderr of test 4\n")


LOGGING_SUITE = """
import logging

log = logging.getLogger("app")

def test_logs_and_fails():
    log.warning("disk %s is full", "sda")
    log.info("below the root logger's level")
    assert False

def test_logs_and_passes():
    log.error("an error that does not fail the test")
"""


@pytest.fixture(scope="module")
def logging_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A failing and a passing test, both logging through a module logger."""
    project = Project(tmp_path_factory.mktemp("capture_logging"))
    project.write("test_logging.py", LOGGING_SUITE)
    return project


@pytest.mark.parametrize("capture", ["--capture=fd", "--capture=sys", "-s"])
def test_log_of_a_failing_test_is_shown_under_a_captured_log_heading(
    logging_project: Project, capture: str
) -> None:
    run = logging_project.run(capture)
    start = run.stdout.index("Captured log call")
    section = run.stdout[start : run.stdout.index("short test summary info")]
    assert section.splitlines()[1:-1] == ["WARNING  app:test_logging.py:6 disk sda is full"]


def test_log_of_each_test_is_in_its_json_entry(logging_project: Project) -> None:
    run = logging_project.run()
    assert run.test("test_logs_and_fails")["log"] == "WARNING  app:test_logging.py:6 disk sda is full\n"
    assert run.test("test_logs_and_passes")["log"].startswith("ERROR    app:test_logging.py:11 an error")


def test_log_of_a_passing_test_is_not_shown(logging_project: Project) -> None:
    run = logging_project.run()
    assert "an error that does not fail the test" not in run.stdout
