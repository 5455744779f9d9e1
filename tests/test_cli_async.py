"""End-to-end: async tests on the command line, their loops, --backend, and what sync tests may do."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import CliRun, Project

ASYNC_SUITE = """
import asyncio
import os

import trio
from rustest import fixture, mark

fresh_loops = []

@fixture(scope="session")
async def shared():
    yield {"loop": asyncio.get_running_loop(), "users": 0}

async def test_fresh_loop_one():
    fresh_loops.append(asyncio.get_running_loop())

async def test_fresh_loop_two():
    fresh_loops.append(asyncio.get_running_loop())
    assert fresh_loops[0] is not fresh_loops[1]

async def test_session_user_one(shared):
    assert asyncio.get_running_loop() is shared["loop"]
    shared["users"] += 1

async def test_session_user_two(shared):
    assert asyncio.get_running_loop() is shared["loop"]
    shared["users"] += 1
    assert shared["users"] == 2

def test_sync_test_calls_asyncio_run():
    async def answer():
        await asyncio.sleep(0)
        return 42
    assert asyncio.run(answer()) == 42

def test_sync_test_calls_trio_run():
    async def answer():
        await trio.sleep(0)
        return 42
    assert trio.run(answer) == 42

@mark.trio
async def test_trio_marked():
    await trio.sleep(0)
    assert trio.lowlevel.current_root_task() is not None

def test_rustest_running_is_set():
    assert os.environ.get("RUSTEST_RUNNING") == "1"
"""

BACKEND_SUITE = """
import asyncio

import trio

async def test_on_trio():
    await trio.sleep(0)
    trio.lowlevel.current_root_task()

async def test_on_asyncio():
    await asyncio.sleep(0)
    asyncio.get_running_loop()
"""


@pytest.fixture(scope="module")
def async_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One run of a suite of unmarked async tests, a session async fixture, trio and sync tests."""
    project = Project(tmp_path_factory.mktemp("async"))
    project.write("test_async.py", ASYNC_SUITE)
    return project.run()


@pytest.fixture(scope="module")
def backend_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Two unmarked async tests: one passes only on trio, the other only on asyncio."""
    project = Project(tmp_path_factory.mktemp("backend"))
    project.write("test_backend.py", BACKEND_SUITE)
    return project


def _assert_passed(run: CliRun, name: str) -> None:
    assert run.test(name)["outcome"] == "passed", run.stdout


def test_the_async_suite_passes_as_a_whole(async_run: CliRun) -> None:
    assert async_run.exit_code == 0, async_run.output
    assert async_run.counts == {"passed": 8}


def test_async_tests_without_marks_run_each_on_a_fresh_loop(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_fresh_loop_two")


def test_async_tests_using_a_session_async_fixture_share_its_loop_and_instance(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_session_user_two")


def test_a_sync_test_can_call_asyncio_run(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_sync_test_calls_asyncio_run")


def test_a_sync_test_can_call_trio_run(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_sync_test_calls_trio_run")


def test_a_trio_marked_test_runs_on_trio(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_trio_marked")


def test_rustest_running_is_set_while_tests_run(async_run: CliRun) -> None:
    _assert_passed(async_run, "test_rustest_running_is_set")


def test_unmarked_async_tests_run_on_asyncio_by_default(backend_project: Project) -> None:
    run = backend_project.run()
    assert run.outcomes == {
        "test_backend.py::test_on_trio": "failed",
        "test_backend.py::test_on_asyncio": "passed",
    }


def test_backend_trio_runs_unmarked_async_tests_on_trio(backend_project: Project) -> None:
    run = backend_project.run("--backend", "trio")
    assert run.outcomes == {
        "test_backend.py::test_on_trio": "passed",
        "test_backend.py::test_on_asyncio": "failed",
    }


def test_backend_asyncio_overrides_the_configured_default_backend(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ndefault_backend = "trio"\n')
    project.write("test_backend.py", BACKEND_SUITE)
    run = project.run("--backend=asyncio")
    assert run.outcomes == {
        "test_backend.py::test_on_trio": "failed",
        "test_backend.py::test_on_asyncio": "passed",
    }


def test_an_unknown_backend_is_a_usage_error(backend_project: Project) -> None:
    run = backend_project.run("--backend", "curio")
    assert run.exit_code == 4
    assert "invalid choice: 'curio'" in run.stderr


def test_a_run_of_sync_tests_leaves_asyncio_and_trio_unimported(tmp_path: Path) -> None:
    # Importing asyncio costs every run tens of milliseconds; only a loop that opens needs it.
    project = Project(tmp_path)
    project.write(
        "test_sync_only.py",
        """
        import sys

        def test_no_event_loop_library_was_imported():
            assert "asyncio" not in sys.modules
            assert "trio" not in sys.modules
        """,
    )
    for guard in ([], ["--no-crash-guard"]):
        run = project.run(*guard)
        nodeid = "test_sync_only.py::test_no_event_loop_library_was_imported"
        assert run.outcomes == {nodeid: "passed"}, run.output
