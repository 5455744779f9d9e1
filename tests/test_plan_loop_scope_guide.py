"""Every example of the loop-scope user guide, as the plan both cores make for it.

Each test mirrors one example of the guide ("Async Event Loops in Rustest"):
the fixtures and tests it shows, and the loops it promises.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef
from rustest._errors import LoopScopeError
from rustest._plan import Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE, OTHER_MODULE = range(3)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.MODULE, SESSION, "test_guide.py"),
    Node(Scope.MODULE, SESSION, "test_more.py"),
)


def plan_tests(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> Plan:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core*."""
    result: Plan = core.plan(NODES, fixtures, tests)
    return result


def async_test(name: str, *requests: str, **fields: object) -> TestDef:
    """Return an async test of the guide's module requesting *requests*."""
    return TestDef(f"test_guide.py::{name}", node=MODULE, requests=requests, is_async=True, **fields)  # type: ignore[arg-type]


def session_db(name: str = "db", *, generator: bool = False) -> FixtureDef:
    """Return the guide's session-scoped async database fixture."""
    return FixtureDef(name, scope=Scope.SESSION, is_async=True, is_generator=generator)


def test_isolated_tests_each_get_their_own_loop(core: ModuleType) -> None:
    plan = plan_tests(core, [], [async_test("test_independent_1"), async_test("test_independent_2")])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio function)",
        "CALL test_guide.py::test_independent_1 on loop 0",
        "CLOSE_LOOP 0 (asyncio function)",
        "OPEN_LOOP 1 (asyncio function)",
        "CALL test_guide.py::test_independent_2 on loop 1",
        "CLOSE_LOOP 1 (asyncio function)",
    ]


def test_session_database_is_shared_on_one_session_loop(core: ModuleType) -> None:
    tests = [async_test("test_users", "db"), async_test("test_posts", "db")]
    plan = plan_tests(core, [session_db(generator=True)], tests)
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP db#0 on loop 0",
        "CALL test_guide.py::test_users on loop 0",
        "CALL test_guide.py::test_posts on loop 0",
        "TEARDOWN db#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_session_database_is_shared_by_tests_of_several_modules(core: ModuleType) -> None:
    tests = [
        async_test("test_users", "db"),
        TestDef("test_more.py::test_posts", node=OTHER_MODULE, requests=("db",), is_async=True),
    ]
    plan = plan_tests(core, [session_db()], tests)
    assert (len(plan.loops), plan.item(0).loop, plan.item(1).loop) == (1, 0, 0)


def test_nested_function_fixture_over_a_session_fixture_runs_on_the_session_loop(core: ModuleType) -> None:
    fixtures = [
        session_db("database"),
        FixtureDef("user", requests=("database",), is_async=True, is_generator=True),
    ]
    plan = plan_tests(core, fixtures, [async_test("test_user_email", "user")])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP database#0 on loop 0",
        "SETUP user#1 on loop 0",
        "CALL test_guide.py::test_user_email on loop 0",
        "TEARDOWN user#1 on loop 0",
        "TEARDOWN database#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_mixed_scopes_use_the_widest_loop(core: ModuleType) -> None:
    fixtures = [session_db(), FixtureDef("api_client", scope=Scope.MODULE, is_async=True)]
    plan = plan_tests(core, fixtures, [async_test("test_with_both", "db", "api_client")])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP db#0 on loop 0",
        "SETUP api_client#1 on loop 0",
        "CALL test_guide.py::test_with_both on loop 0",
        "TEARDOWN api_client#1 on loop 0",
        "TEARDOWN db#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_explicit_function_scope_forces_a_new_loop(core: ModuleType) -> None:
    test = async_test("test_isolated", loop_scope=Scope.FUNCTION, loop_scope_source="decorator")
    plan = plan_tests(core, [], [test])
    assert [(spec.scope, spec.item) for spec in plan.loops] == [(Scope.FUNCTION, 0)]


def test_explicit_session_scope_shares_the_session_loop(core: ModuleType) -> None:
    tests = [
        async_test("test_shared", loop_scope=Scope.SESSION, loop_scope_source="decorator"),
        async_test("test_also_shared", loop_scope=Scope.SESSION, loop_scope_source="decorator"),
    ]
    plan = plan_tests(core, [], tests)
    assert [(spec.scope, spec.node) for spec in plan.loops] == [(Scope.SESSION, SESSION)]


def test_troubleshooting_explicit_function_scope_with_a_session_fixture_fails_at_plan_time(
    core: ModuleType,
) -> None:
    test = async_test("test_query", "database", loop_scope=Scope.FUNCTION, loop_scope_source="decorator")
    plan = plan_tests(core, [session_db("database")], [test])
    assert isinstance(plan.item(0).error, LoopScopeError)
    assert "required by: test_query -> database (session, async)" in str(plan.item(0).error)


def test_troubleshooting_fix_without_loop_scope_runs_on_the_session_loop(core: ModuleType) -> None:
    plan = plan_tests(core, [session_db("database")], [async_test("test_query", "database")])
    assert (plan.errors, [spec.scope for spec in plan.loops]) == ({}, [Scope.SESSION])


def test_database_pattern_cleans_per_test_on_the_shared_session_loop(core: ModuleType) -> None:
    fixtures = [
        session_db("database", generator=True),
        FixtureDef("clean_database", requests=("database",), is_async=True, is_generator=True),
    ]
    tests = [
        async_test("test_create_user", "clean_database"),
        async_test("test_delete_user", "clean_database"),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP database#0 on loop 0",
        "SETUP clean_database#1 on loop 0",
        "CALL test_guide.py::test_create_user on loop 0",
        "TEARDOWN clean_database#1 on loop 0",
        "SETUP clean_database#2 on loop 0",
        "CALL test_guide.py::test_delete_user on loop 0",
        "TEARDOWN clean_database#2 on loop 0",
        "TEARDOWN database#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_api_client_pattern_shares_one_module_loop(core: ModuleType) -> None:
    fixtures = [FixtureDef("api_client", scope=Scope.MODULE, is_async=True, is_generator=True)]
    tests = [async_test("test_get_users", "api_client"), async_test("test_create_user", "api_client")]
    plan = plan_tests(core, fixtures, tests)
    assert [(spec.scope, spec.node, spec.step_count) for spec in plan.loops] == [(Scope.MODULE, MODULE, 4)]


def test_async_generator_function_fixture_stays_on_the_tests_own_loop(core: ModuleType) -> None:
    fixtures = [FixtureDef("temp_file", is_async=True, is_generator=True)]
    plan = plan_tests(core, fixtures, [async_test("test_read_file", "temp_file")])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio function)",
        "SETUP temp_file#0 on loop 0",
        "CALL test_guide.py::test_read_file on loop 0",
        "TEARDOWN temp_file#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio function)",
    ]


def test_slow_tests_fixed_by_sharing_the_connection_set_it_up_once(core: ModuleType) -> None:
    tests = [async_test("test_query_1", "db"), async_test("test_query_2", "db")]
    plan = plan_tests(core, [session_db(generator=True)], tests)
    assert [line for line in plan.describe() if line.startswith("SETUP")] == ["SETUP db#0 on loop 0"]


def test_session_counter_is_one_instance_for_both_tests(core: ModuleType) -> None:
    fixtures = [FixtureDef("counter", scope=Scope.SESSION, is_async=True)]
    plan = plan_tests(core, fixtures, [async_test("test_1", "counter"), async_test("test_2", "counter")])
    assert plan.item(0).instances == plan.item(1).instances == (0,)
