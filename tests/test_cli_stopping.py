"""End-to-end: stopping early with -x / --maxfail and on KeyboardInterrupt; teardowns still run."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import CliRun, Project

ONE = "test_stop.py::test_one"
TWO = "test_stop.py::test_two"
THREE = "test_stop.py::test_three"
FOUR = "test_stop.py::test_four"

STOP_SUITE = """
import os
from rustest import fixture

def note(text):
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")

@fixture(scope="module")
def resource():
    yield
    note("module teardown")

@fixture
def each():
    yield
    note("function teardown")

def test_one(resource, each):
    assert False, "first failure"

def test_two(resource, each):
    assert 1 == 2

def test_three(resource):
    note("test_three ran")

def test_four():
    note("test_four ran")
"""

INTERRUPT_SUITE = """
import os
from rustest import fixture

def note(text):
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")

@fixture(scope="session")
async def session_resource():
    yield
    note("async session teardown")

@fixture
def each():
    yield
    note("function teardown")

async def test_before(session_resource):
    pass

def test_interrupt(session_resource, each):
    raise KeyboardInterrupt

def test_after():
    note("test_after ran")
"""


@pytest.fixture(scope="module")
def stop_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Two failing tests that use module and function fixtures, then two passing tests."""
    project = Project(tmp_path_factory.mktemp("stopping"))
    project.write("test_stop.py", STOP_SUITE)
    return project


@pytest.fixture(scope="module")
def exitfirst(stop_project: Project) -> CliRun:
    """The suite run with ``-x``."""
    return stop_project.run("-x")


@pytest.fixture(scope="module")
def maxfail_two(stop_project: Project) -> CliRun:
    """The suite run with ``--maxfail 2``."""
    return stop_project.run("--maxfail", "2")


def test_x_exits_1_after_reporting_the_first_failure(exitfirst: CliRun) -> None:
    assert exitfirst.exit_code == 1, exitfirst.output
    assert exitfirst.outcomes[ONE] == "failed"
    assert "AssertionError: first failure" in exitfirst.stdout


def test_x_reports_the_remaining_tests_as_not_run(exitfirst: CliRun) -> None:
    remaining = [exitfirst.test(nodeid) for nodeid in (TWO, THREE, FOUR)]
    assert [test["outcome"] for test in remaining] == ["skipped"] * 3
    assert {test["reason"] for test in remaining} == {"not run: stopping after 1 failure"}
    assert "test_three ran" not in exitfirst.notes
    assert "test_four ran" not in exitfirst.notes


def test_x_still_runs_the_teardowns_of_what_was_set_up(exitfirst: CliRun) -> None:
    assert exitfirst.notes == ["function teardown", "module teardown"]


def test_x_shows_why_the_run_stopped(exitfirst: CliRun) -> None:
    assert "Interrupted: stopping after 1 failure" in exitfirst.stdout
    assert "1 failed, 3 skipped" in exitfirst.summary_line


def test_exitfirst_is_the_long_form_of_x(stop_project: Project, exitfirst: CliRun) -> None:
    assert stop_project.run("--exitfirst").outcomes == exitfirst.outcomes


def test_maxfail_stops_after_that_many_failures(maxfail_two: CliRun) -> None:
    assert maxfail_two.exit_code == 1
    assert maxfail_two.outcomes == {ONE: "failed", TWO: "failed", THREE: "skipped", FOUR: "skipped"}
    assert maxfail_two.test(THREE)["reason"] == "not run: stopping after 2 failures"


def test_maxfail_still_runs_the_teardowns_of_what_was_set_up(maxfail_two: CliRun) -> None:
    assert maxfail_two.notes == ["function teardown", "function teardown", "module teardown"]


def test_maxfail_above_the_number_of_failures_runs_every_test(stop_project: Project) -> None:
    stopped = stop_project.run("--maxfail=3")
    assert stopped.outcomes == {ONE: "failed", TWO: "failed", THREE: "passed", FOUR: "passed"}
    assert "Interrupted" not in stopped.stdout


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """A suite whose second test raises KeyboardInterrupt, run once."""
    project = Project(tmp_path_factory.mktemp("interrupt"))
    project.write("test_interrupt.py", INTERRUPT_SUITE)
    return project.run()


def test_keyboard_interrupt_in_a_test_exits_with_code_2(interrupted: CliRun) -> None:
    assert interrupted.exit_code == 2, interrupted.output


def test_keyboard_interrupt_still_runs_every_pending_teardown(interrupted: CliRun) -> None:
    assert interrupted.notes == ["function teardown", "async session teardown"]


def test_keyboard_interrupt_runs_no_further_test(interrupted: CliRun) -> None:
    assert "test_after ran" not in interrupted.notes
    assert interrupted.test("test_after")["outcome"] == "skipped"


def test_keyboard_interrupt_is_shown_in_the_summary(interrupted: CliRun) -> None:
    assert "!! Interrupted: interrupted by KeyboardInterrupt !!" in interrupted.stdout
    assert interrupted.outcomes["test_interrupt.py::test_interrupt"] == "error"


def test_keyboard_interrupt_leaves_every_collected_test_with_one_outcome(interrupted: CliRun) -> None:
    assert "collected 3 items" in interrupted.stdout
    assert len(interrupted.tests) == len(interrupted.outcomes) == 3
    assert interrupted.report is not None
    assert interrupted.report["summary"]["total"] == 3


ASYNC_INTERRUPT_SUITE = """
import asyncio
import os
from rustest import fixture

def note(text):
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")

@fixture
async def resource():
    task = asyncio.current_task()
    yield
    note(f"async teardown in the setup task: {asyncio.current_task() is task}")

async def test_interrupt(resource):
    raise KeyboardInterrupt
"""


def test_keyboard_interrupt_in_an_async_test_tears_its_fixture_down_in_the_setup_task(
    tmp_path: Path,
) -> None:
    project = Project(tmp_path)
    project.write("test_async_interrupt.py", ASYNC_INTERRUPT_SUITE)
    run = project.run()
    assert run.exit_code == 2, run.output
    assert run.notes == ["async teardown in the setup task: True"]


def test_keyboard_interrupt_while_collecting_exits_2_and_says_interrupted(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_a.py", "def test_a():\n    pass\n")
    project.write("test_b.py", "raise KeyboardInterrupt\n")
    run = project.run()
    assert run.exit_code == 2
    assert "Interrupted: KeyboardInterrupt" in run.stderr
