"""End-to-end: plan-time errors are errors of the affected tests, with the planner's message; the rest run."""

from __future__ import annotations

import pytest
from cli_helpers import CliRun, Project

PLAN_SUITE = """
from rustest import fixture, mark

def note(text):
    import os
    with open(os.environ["NOTES"], "a") as stream:
        stream.write(text + "\\n")

@fixture(scope="session")
async def db():
    note("db set up")
    yield "db"

@fixture
async def user(db):
    return db + "-user"

@fixture
def narrow():
    return 1

@fixture(scope="module")
def wide(narrow):
    return narrow

@fixture
def chicken(egg):
    return egg

@fixture
def egg(chicken):
    return chicken

def test_unknown(no_such_fixture):
    pass

def test_cycle(chicken):
    pass

def test_scope_mismatch(wide):
    pass

@mark.asyncio(loop_scope="function")
async def test_loop_conflict(user):
    note("test_loop_conflict ran")

async def test_automatic_loop(user):
    assert user == "db-user"

def test_plain():
    pass
"""

SOURCES_CONFTEST = """
from rustest import fixture

@fixture(scope="session")
async def db():
    yield "db"

@fixture(scope="module")
async def module_resource():
    yield "module"
"""

SOURCES_SUITE = """
from rustest import mark

pytestmark = mark.asyncio(loop_scope="class")

@mark.asyncio(loop_scope="class")
class TestGroup:
    async def test_in_class(self, module_resource):
        pass

async def test_module_level(module_resource):
    pass
"""

CONFIG_SOURCE_SUITE = """
async def test_config_level(db):
    pass
"""

SHARED_SUITE = """
from rustest import fixture, mark

@fixture(scope="session")
async def db():
    yield "db"

@fixture(scope="module")
async def cache():
    yield "cache"

@mark.asyncio(loop_scope="module")
async def test_pinned_to_module(cache):
    pass

async def test_needs_session(cache, db):
    pass
"""


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One run of a module holding one test per kind of plan error, and two healthy tests."""
    project = Project(tmp_path_factory.mktemp("plan-errors"))
    project.write("test_plan.py", PLAN_SUITE)
    return project.run()


def _error_message(run: CliRun, name: str) -> str:
    test = run.test(name)
    assert (test["outcome"], test["when"]) == ("error", "setup"), test
    [failure] = test["failures"]
    return f"{failure['type']}: {failure['message']}"


def test_healthy_tests_still_run_beside_tests_with_plan_errors(plan_run: CliRun) -> None:
    assert plan_run.exit_code == 1, plan_run.output
    assert plan_run.test("test_automatic_loop")["outcome"] == "passed"
    assert plan_run.test("test_plain")["outcome"] == "passed"
    assert "2 passed, 4 errors" in plan_run.summary_line


def test_an_unknown_fixture_is_an_error_of_the_test_that_requests_it(plan_run: CliRun) -> None:
    message = _error_message(plan_run, "test_unknown")
    assert message.startswith(
        "UnknownFixtureError: fixture 'no_such_fixture' not found (requested by the test)"
    )
    assert "looked in: test_plan.py (module), project (session), built-in fixtures" in message


def test_a_fixture_cycle_is_an_error_naming_the_cycle(plan_run: CliRun) -> None:
    message = _error_message(plan_run, "test_cycle")
    assert message.startswith(
        "FixtureCycleError: fixtures request each other in a cycle: chicken -> egg -> chicken"
    )


def test_a_scope_mismatch_is_an_error_naming_both_fixtures_and_scopes(plan_run: CliRun) -> None:
    message = _error_message(plan_run, "test_scope_mismatch")
    assert message.startswith(
        "ScopeMismatchError: fixture 'wide' (module scope) at test_plan.py:21 requests "
        "'narrow' (function scope) at test_plan.py:17"
    )
    assert "make 'wide' function-scoped, or 'narrow' module-scoped" in message


def test_a_loop_scope_conflict_is_reported_with_path_reason_and_fixes(plan_run: CliRun) -> None:
    message = _error_message(plan_run, "test_loop_conflict")
    assert message.splitlines() == [
        "LoopScopeError: test_plan.py::test_loop_conflict: explicit loop_scope='function' "
        "(set by decorator) is narrower than the 'session' loop its async fixtures need",
        "  required by: test_loop_conflict -> user (function, async) -> db (session, async)",
        "  objects bound to the session event loop (futures, connections, tasks) would be used from "
        "another loop, which fails with 'Future attached to a different loop'",
        "  fix: drop loop_scope='function' and let rustest choose, widen it to loop_scope='session', "
        "or narrow the scope of 'db'",
    ]


def test_a_loop_scope_conflict_is_shown_on_the_terminal_as_a_setup_error(plan_run: CliRun) -> None:
    assert "ERROR at setup of test_loop_conflict" in plan_run.stdout
    assert "E   LoopScopeError: test_plan.py::test_loop_conflict: explicit loop_scope='function'" in (
        plan_run.stdout
    )
    assert "Future attached to a different loop'\n" in plan_run.stdout
    assert "RuntimeError" not in plan_run.stdout


def test_a_test_with_a_plan_error_never_runs(plan_run: CliRun) -> None:
    assert plan_run.notes == ["db set up"]


def test_the_loop_scope_message_names_where_the_explicit_scope_came_from(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = Project(
        tmp_path_factory.mktemp("loop-sources"), config='[tool.rustest]\ndefault_loop_scope = "function"\n'
    )
    project.write("conftest.py", SOURCES_CONFTEST)
    project.write("test_sources.py", SOURCES_SUITE)
    project.write("test_config_source.py", CONFIG_SOURCE_SUITE)
    run = project.run()
    assert run.exit_code == 1, run.output
    origins = {
        name: _error_message(run, name).split(" (set by ")[1].split(")")[0]
        for name in ("test_in_class", "test_module_level", "test_config_level")
    }
    assert origins == {"test_in_class": "class", "test_module_level": "module", "test_config_level": "config"}


def test_a_shared_fixture_instance_that_must_move_to_a_wider_loop_names_the_other_user(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = Project(tmp_path_factory.mktemp("loop-shared"))
    project.write("test_shared.py", SHARED_SUITE)
    run = project.run()
    assert run.outcomes == {
        "test_shared.py::test_pinned_to_module": "error",
        "test_shared.py::test_needs_session": "passed",
    }
    message = _error_message(run, "test_pinned_to_module")
    assert (
        "explicit loop_scope='module' (set by decorator) is narrower than the 'session' loop it must share"
        in (message)
    )
    assert "whose one instance is also used by test_shared.py::test_needs_session" in message
