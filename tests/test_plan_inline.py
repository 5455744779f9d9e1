"""When a loop is inline: only steps that run user code between its steps make it hosted.

A skipped test, an ``xfail(run=False)`` test and a test with a plan error
are reported from a single step that calls nothing, so they leave a session
loop inline; a sync test that really runs (and its fixtures) does not.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from types import ModuleType

from executor_helpers import Suite

from rustest import core
from rustest._definitions import FixtureDef, Node, TestDef, XFail
from rustest._plan import LoopSpec
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE = range(2)
NODES = (Node(Scope.SESSION, -1, "session"), Node(Scope.MODULE, SESSION, "test_mod.py"))
DB = FixtureDef("db", scope=Scope.SESSION, is_async=True)


def session_loop(core: ModuleType, middle: TestDef, *fixtures: FixtureDef) -> LoopSpec:
    """Plan two async tests on the session loop of ``db`` with *middle* between them; return that loop."""
    tests = [
        TestDef("test_first", node=MODULE, requests=("db",), is_async=True),
        middle,
        TestDef("test_last", node=MODULE, requests=("db",), is_async=True),
    ]
    plan = core.plan(NODES, [DB, *fixtures], tests)
    (spec,) = (spec for spec in plan.loops if spec.scope is Scope.SESSION)
    assert isinstance(spec, LoopSpec)
    return spec


def test_skipped_sync_test_between_async_tests_leaves_the_session_loop_inline(core: ModuleType) -> None:
    middle = TestDef("test_skipped", node=MODULE, skip="not today")
    assert session_loop(core, middle).inline


def test_skipped_async_test_on_the_session_loop_leaves_it_inline(core: ModuleType) -> None:
    middle = TestDef("test_skipped", node=MODULE, requests=("db",), is_async=True, skip="not today")
    assert session_loop(core, middle).inline


def test_xfail_that_must_not_run_leaves_the_session_loop_inline(core: ModuleType) -> None:
    middle = TestDef("test_not_run", node=MODULE, requests=("db",), xfail=XFail(reason="broken", run=False))
    assert session_loop(core, middle).inline


def test_unknown_fixture_error_between_async_tests_leaves_the_session_loop_inline(core: ModuleType) -> None:
    middle = TestDef("test_typo", node=MODULE, requests=("dbb",))
    assert session_loop(core, middle).inline


def test_loop_scope_error_between_async_tests_leaves_the_session_loop_inline(core: ModuleType) -> None:
    middle = TestDef(
        "test_narrow",
        node=MODULE,
        requests=("db",),
        is_async=True,
        loop_scope=Scope.FUNCTION,
        loop_scope_source="decorator",
    )
    assert session_loop(core, middle).inline


def test_skipped_test_leaves_the_step_count_to_the_steps_on_the_loop(core: ModuleType) -> None:
    middle = TestDef("test_skipped", node=MODULE, requests=("db",), is_async=True, skip="not today")
    # SETUP db, two calls and TEARDOWN db.
    assert session_loop(core, middle).step_count == 4


def test_sync_test_that_runs_between_async_tests_makes_the_session_loop_hosted(core: ModuleType) -> None:
    middle = TestDef("test_sync", node=MODULE)
    assert not session_loop(core, middle).inline


def test_sync_fixture_set_up_between_async_tests_makes_the_session_loop_hosted(core: ModuleType) -> None:
    # The fixture's setup runs user code even if the test that needs it then fails in setup.
    config = FixtureDef("config")
    middle = TestDef("test_configured", node=MODULE, requests=("config",), is_async=True)
    assert not session_loop(core, middle, config).inline


def test_async_tests_around_a_skipped_test_run_inline_on_the_calling_thread(backend: str) -> None:
    suite = Suite(backend)
    threads: dict[str, threading.Thread] = {}

    @suite.fixture(scope="session")
    async def resource() -> AsyncIterator[str]:
        yield "ready"

    @suite.test
    async def test_first(resource: str) -> None:
        threads["first"] = threading.current_thread()

    @suite.test(skip="not today")
    async def test_skipped(resource: str) -> None:
        threads["skipped"] = threading.current_thread()

    @suite.test
    async def test_last(resource: str) -> None:
        threads["last"] = threading.current_thread()

    (spec,) = suite.plan().loops
    run = suite.run()

    assert spec.inline
    assert run.outcomes == {
        "test_first": core.Outcome.PASSED,
        "test_skipped": core.Outcome.SKIPPED,
        "test_last": core.Outcome.PASSED,
    }
    assert threads == {"first": threading.current_thread(), "last": threading.current_thread()}
