"""Automatic loop scopes: the loop rules of DESIGN.md, checked on the plans of both cores."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef
from rustest._errors import LoopScopeError
from rustest._plan import NO_LOOP, Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE_A, CLASS_A, MODULE_B = range(4)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.MODULE, SESSION, "test_a.py"),
    Node(Scope.CLASS, MODULE_A, "TestA"),
    Node(Scope.MODULE, SESSION, "test_b.py"),
)


def plan_tests(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> Plan:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core*."""
    result: Plan = core.plan(NODES, fixtures, tests)
    return result


def loop_scopes(plan: Plan) -> dict[str, Scope | None]:
    """Return the scope of each item's loop by item id (``None`` for an item on no loop)."""
    return {
        plan.item(i).id: None if plan.item(i).loop == NO_LOOP else plan.loops[plan.item(i).loop].scope
        for i in range(plan.item_count)
    }


def async_fixture(name: str, scope: Scope = Scope.FUNCTION, **fields: object) -> FixtureDef:
    """Return an async fixture definition visible in the whole session."""
    return FixtureDef(name, scope=scope, is_async=True, **fields)  # type: ignore[arg-type]


def async_test(test_id: str, *requests: str, node: int = MODULE_A, **fields: object) -> TestDef:
    """Return an async test definition requesting *requests*."""
    return TestDef(test_id, node=node, requests=requests, is_async=True, **fields)  # type: ignore[arg-type]


# Rule 1: no async fixture, a fresh loop per async test.


def test_async_tests_without_async_fixtures_get_a_fresh_loop_each(core: ModuleType) -> None:
    plan = plan_tests(core, [], [async_test("one"), async_test("two")])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio function)",
        "CALL one on loop 0",
        "CLOSE_LOOP 0 (asyncio function)",
        "OPEN_LOOP 1 (asyncio function)",
        "CALL two on loop 1",
        "CLOSE_LOOP 1 (asyncio function)",
    ]


def test_function_loop_names_its_item(core: ModuleType) -> None:
    plan = plan_tests(core, [], [async_test("one"), async_test("two")])
    assert [(spec.node, spec.item) for spec in plan.loops] == [(-1, 0), (-1, 1)]


def test_sync_fixtures_give_an_async_test_no_wider_loop(core: ModuleType) -> None:
    fixtures = [FixtureDef("config", scope=Scope.SESSION)]
    plan = plan_tests(core, fixtures, [async_test("one", "config"), async_test("two", "config")])
    assert loop_scopes(plan) == {"one": Scope.FUNCTION, "two": Scope.FUNCTION}


def test_sync_test_without_async_fixtures_gets_no_loop(core: ModuleType) -> None:
    plan = plan_tests(core, [FixtureDef("config")], [TestDef("t", node=MODULE_A, requests=("config",))])
    assert (plan.loops, plan.describe()) == ([], ["SETUP config#0", "CALL t", "TEARDOWN config#0"])


# Rule 2: the widest async scope in the closure.


def test_async_test_runs_on_the_loop_of_its_widest_async_fixture(core: ModuleType) -> None:
    fixtures = [async_fixture("m", Scope.MODULE), async_fixture("s", Scope.SESSION), async_fixture("f")]
    plan = plan_tests(core, fixtures, [async_test("t", "f", "m", "s")])
    assert loop_scopes(plan) == {"t": Scope.SESSION}


def test_async_fixture_reached_through_a_sync_fixture_sets_the_loop(core: ModuleType) -> None:
    fixtures = [async_fixture("db", Scope.MODULE), FixtureDef("helper", requests=("db",))]
    plan = plan_tests(core, fixtures, [async_test("t", "helper")])
    assert loop_scopes(plan) == {"t": Scope.MODULE}


def test_autouse_async_fixture_sets_the_loop(core: ModuleType) -> None:
    fixtures = [async_fixture("server", Scope.SESSION, autouse=True)]
    plan = plan_tests(core, fixtures, [async_test("t")])
    assert loop_scopes(plan) == {"t": Scope.SESSION}


def test_wider_sync_fixture_does_not_widen_the_loop(core: ModuleType) -> None:
    fixtures = [FixtureDef("config", scope=Scope.SESSION), async_fixture("client", Scope.MODULE)]
    plan = plan_tests(core, fixtures, [async_test("t", "config", "client")])
    assert loop_scopes(plan) == {"t": Scope.MODULE}


def test_loop_belongs_to_the_scope_instance_of_its_tests(core: ModuleType) -> None:
    fixtures = [async_fixture("client", Scope.MODULE)]
    plan = plan_tests(core, fixtures, [async_test("a", "client"), async_test("b", "client", node=MODULE_B)])
    assert [(spec.scope, spec.node) for spec in plan.loops] == [
        (Scope.MODULE, MODULE_A),
        (Scope.MODULE, MODULE_B),
    ]


def test_fixture_explicit_loop_scope_widens_the_loop_of_its_users(core: ModuleType) -> None:
    fixtures = [async_fixture("f", loop_scope=Scope.SESSION)]
    plan = plan_tests(core, fixtures, [async_test("a", "f"), async_test("b", "f", node=MODULE_B)])
    assert loop_scopes(plan) == {"a": Scope.SESSION, "b": Scope.SESSION}
    assert len(plan.loops) == 1


# Rule 3: one instance, one loop.


def test_users_of_a_shared_instance_move_to_the_widest_loop(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS), async_fixture("s", Scope.SESSION)]
    tests = [async_test("TestA::one", "c", node=CLASS_A), async_test("TestA::two", "c", "s", node=CLASS_A)]
    plan = plan_tests(core, fixtures, tests)
    assert loop_scopes(plan) == {"TestA::one": Scope.SESSION, "TestA::two": Scope.SESSION}


def test_shared_instance_runs_on_the_loop_its_users_moved_to(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS), async_fixture("s", Scope.SESSION)]
    tests = [async_test("TestA::one", "c", node=CLASS_A), async_test("TestA::two", "c", "s", node=CLASS_A)]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP c#0 on loop 0",
        "CALL TestA::one on loop 0",
        "SETUP s#1 on loop 0",
        "CALL TestA::two on loop 0",
        "TEARDOWN s#1 on loop 0",
        "TEARDOWN c#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_moving_to_a_wider_loop_spreads_through_chains_of_shared_instances(core: ModuleType) -> None:
    fixtures = [
        async_fixture("c1", Scope.CLASS),
        async_fixture("m", Scope.MODULE),
        async_fixture("s", Scope.SESSION),
    ]
    tests = [
        async_test("TestA::one", "c1", node=CLASS_A),
        async_test("TestA::two", "c1", "m", node=CLASS_A),
        async_test("three", "m"),
        async_test("four", "m", "s"),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert set(loop_scopes(plan).values()) == {Scope.SESSION}
    assert len(plan.loops) == 1


def test_tests_that_share_no_instance_keep_their_own_loops(core: ModuleType) -> None:
    fixtures = [async_fixture("f"), async_fixture("s", Scope.SESSION)]
    plan = plan_tests(core, fixtures, [async_test("uses_f", "f"), async_test("uses_s", "s")])
    assert loop_scopes(plan) == {"uses_f": Scope.FUNCTION, "uses_s": Scope.SESSION}


def test_loop_scopes_do_not_depend_on_test_order(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS), async_fixture("s", Scope.SESSION), async_fixture("f")]
    tests = [
        async_test("TestA::one", "c", node=CLASS_A),
        async_test("TestA::two", "f", node=CLASS_A),
        async_test("TestA::three", "c", "s", node=CLASS_A),
        async_test("four", "f"),
    ]
    forward = loop_scopes(plan_tests(core, fixtures, tests))
    backward = loop_scopes(plan_tests(core, fixtures, tests[::-1]))
    assert forward == backward


# Rule 4: explicit loop scopes.


def test_explicit_wider_loop_scope_is_honoured(core: ModuleType) -> None:
    tests = [
        async_test("one", loop_scope=Scope.MODULE, loop_scope_source="decorator"),
        async_test("two", loop_scope=Scope.MODULE, loop_scope_source="decorator"),
    ]
    plan = plan_tests(core, [async_fixture("f")], tests)
    assert loop_scopes(plan) == {"one": Scope.MODULE, "two": Scope.MODULE}
    assert len(plan.loops) == 1


def test_explicit_scope_wider_than_the_fixtures_need_is_honoured(core: ModuleType) -> None:
    test = async_test("t", "m", loop_scope=Scope.SESSION, loop_scope_source="module")
    plan = plan_tests(core, [async_fixture("m", Scope.MODULE)], [test])
    assert loop_scopes(plan) == {"t": Scope.SESSION}


def test_explicit_narrower_loop_scope_is_a_plan_error(core: ModuleType) -> None:
    test = async_test("t", "db", loop_scope=Scope.FUNCTION, loop_scope_source="decorator")
    plan = plan_tests(core, [async_fixture("db", Scope.SESSION)], [test])
    assert isinstance(plan.item(0).error, LoopScopeError)
    assert plan.describe() == ["PLAN_ERROR t"]


def test_loop_scope_error_explains_what_needs_the_wider_loop_and_how_to_fix_it(core: ModuleType) -> None:
    fixtures = [async_fixture("db", Scope.SESSION), async_fixture("user", requests=("db",))]
    test = async_test("test_a.py::test_x", "user", loop_scope=Scope.FUNCTION, loop_scope_source="decorator")
    message = str(plan_tests(core, fixtures, [test]).item(0).error)
    assert message.startswith(
        "test_a.py::test_x: explicit loop_scope='function' (set by decorator) is narrower than the "
        "'session' loop its async fixtures need\n"
    )
    assert "  required by: test_x -> user (function, async) -> db (session, async)\n" in message
    assert "used from another loop" in message
    assert "drop loop_scope='function'" in message
    assert "widen it to loop_scope='session'" in message
    assert "narrow the scope of 'db'" in message


def test_loop_scope_error_names_where_the_explicit_scope_came_from(core: ModuleType) -> None:
    test = async_test("t", "db", loop_scope=Scope.CLASS, loop_scope_source="config")
    message = str(plan_tests(core, [async_fixture("db", Scope.MODULE)], [test]).item(0).error)
    assert "explicit loop_scope='class' (set by config)" in message


def test_autouse_async_fixture_counts_in_the_loop_scope_check(core: ModuleType) -> None:
    fixtures = [async_fixture("server", Scope.SESSION, autouse=True)]
    test = async_test("test_x", loop_scope=Scope.MODULE, loop_scope_source="decorator")
    error = plan_tests(core, fixtures, [test]).item(0).error
    assert isinstance(error, LoopScopeError)
    assert "required by: test_x -> server (session, async)" in str(error)


def test_sharing_that_needs_a_wider_loop_than_an_explicit_scope_is_a_plan_error(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS), async_fixture("s", Scope.SESSION)]
    tests = [
        async_test("TestA::one", "c", node=CLASS_A, loop_scope=Scope.CLASS, loop_scope_source="class"),
        async_test("TestA::two", "c", "s", node=CLASS_A),
    ]
    error = plan_tests(core, fixtures, tests).item(0).error
    assert isinstance(error, LoopScopeError)
    assert "it uses c (class, async), whose one instance is also used by TestA::two" in str(error)
    assert "two -> s (session, async)" in str(error)


def test_test_failing_its_loop_scope_check_does_not_widen_the_loops_of_others(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS), async_fixture("s", Scope.SESSION)]
    tests = [
        async_test(
            "TestA::wide", "c", "s", node=CLASS_A, loop_scope=Scope.CLASS, loop_scope_source="decorator"
        ),
        async_test("TestA::narrow", "c", node=CLASS_A),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert loop_scopes(plan) == {"TestA::wide": None, "TestA::narrow": Scope.CLASS}


def test_loop_scope_error_does_not_stop_the_other_tests(core: ModuleType) -> None:
    fixtures = [async_fixture("db", Scope.SESSION)]
    tests = [
        async_test("bad", "db", loop_scope=Scope.FUNCTION, loop_scope_source="decorator"),
        async_test("ok", "db"),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "PLAN_ERROR bad",
        "OPEN_LOOP 0 (asyncio session)",
        "SETUP db#0 on loop 0",
        "CALL ok on loop 0",
        "TEARDOWN db#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio session)",
    ]


def test_fixture_explicit_loop_scope_narrower_than_its_loop_is_a_plan_error(core: ModuleType) -> None:
    fixtures = [async_fixture("f", loop_scope=Scope.FUNCTION), async_fixture("s", Scope.SESSION)]
    error = plan_tests(core, fixtures, [async_test("t", "f", "s")]).item(0).error
    assert isinstance(error, LoopScopeError)
    assert str(error).startswith(
        "fixture 'f' sets loop_scope='function', narrower than the 'session' loop it must run on\n"
    )


# Rule 5: sync code runs with no loop.


def test_sync_test_using_an_async_fixture_is_called_on_no_loop(core: ModuleType) -> None:
    plan = plan_tests(core, [async_fixture("f")], [TestDef("t", node=MODULE_A, requests=("f",))])
    assert plan.describe() == [
        "OPEN_LOOP 0 (asyncio function)",
        "SETUP f#0 on loop 0",
        "CALL t",
        "TEARDOWN f#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio function)",
    ]


def test_sync_test_shares_the_loop_of_the_async_instance_it_uses(core: ModuleType) -> None:
    fixtures = [async_fixture("s", Scope.SESSION)]
    plan = plan_tests(core, fixtures, [async_test("a", "s"), TestDef("b", node=MODULE_A, requests=("s",))])
    assert plan.item(0).loop == plan.item(1).loop == 0
    assert plan.describe()[3] == "CALL b"


def test_sync_fixtures_of_an_async_test_run_on_no_loop(core: ModuleType) -> None:
    fixtures = [FixtureDef("config"), async_fixture("client", requests=("config",))]
    plan = plan_tests(core, fixtures, [async_test("t", "client")])
    assert plan.describe() == [
        "SETUP config#0",
        "OPEN_LOOP 0 (asyncio function)",
        "SETUP client#1 on loop 0",
        "CALL t on loop 0",
        "TEARDOWN client#1 on loop 0",
        "CLOSE_LOOP 0 (asyncio function)",
        "TEARDOWN config#0",
    ]


# Rule 6 and the loop specs: when loops open and close, and how they are driven.


def test_scoped_loop_opens_before_its_first_step_and_closes_after_its_last(core: ModuleType) -> None:
    fixtures = [async_fixture("m", Scope.MODULE)]
    tests = [
        TestDef("first", node=MODULE_A),
        async_test("a", "m"),
        async_test("b", "m"),
        TestDef("last", node=MODULE_B),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "CALL first",
        "OPEN_LOOP 0 (asyncio module)",
        "SETUP m#0 on loop 0",
        "CALL a on loop 0",
        "CALL b on loop 0",
        "TEARDOWN m#0 on loop 0",
        "CLOSE_LOOP 0 (asyncio module)",
        "CALL last",
    ]


def test_loop_is_inline_when_nothing_else_runs_between_its_steps(core: ModuleType) -> None:
    plan = plan_tests(core, [async_fixture("m", Scope.MODULE)], [async_test("a", "m"), async_test("b", "m")])
    assert [spec.inline for spec in plan.loops] == [True]


def test_loop_is_hosted_when_sync_steps_run_between_its_steps(core: ModuleType) -> None:
    fixtures = [async_fixture("m", Scope.MODULE)]
    plan = plan_tests(
        core, fixtures, [async_test("a", "m"), TestDef("sync", node=MODULE_A), async_test("b", "m")]
    )
    assert [spec.inline for spec in plan.loops] == [False]


def test_loop_is_hosted_while_another_loop_runs_between_its_steps(core: ModuleType) -> None:
    fixtures = [async_fixture("s", Scope.SESSION)]
    plan = plan_tests(core, fixtures, [async_test("a", "s"), async_test("fresh"), async_test("b", "s")])
    assert [(spec.scope, spec.inline) for spec in plan.loops] == [
        (Scope.SESSION, False),
        (Scope.FUNCTION, True),
    ]


def test_loop_counts_its_setup_call_and_teardown_steps(core: ModuleType) -> None:
    fixtures = [async_fixture("m", Scope.MODULE), FixtureDef("sync")]
    plan = plan_tests(core, fixtures, [async_test("a", "m", "sync"), async_test("b", "m")])
    assert [spec.step_count for spec in plan.loops] == [4]


def test_tests_on_different_backends_get_separate_instances_and_loops(core: ModuleType) -> None:
    fixtures = [async_fixture("s", Scope.SESSION)]
    tests = [async_test("on_asyncio", "s"), async_test("on_trio", "s", backend="trio")]
    plan = plan_tests(core, fixtures, tests)
    assert [(spec.backend, spec.scope) for spec in plan.loops] == [
        ("asyncio", Scope.SESSION),
        ("trio", Scope.SESSION),
    ]
    assert plan.item(0).instances != plan.item(1).instances


def test_sync_fixture_over_an_async_one_is_not_shared_across_backends(core: ModuleType) -> None:
    fixtures = [
        async_fixture("s", Scope.SESSION),
        FixtureDef("wrapper", scope=Scope.SESSION, requests=("s",)),
    ]
    tests = [async_test("on_asyncio", "wrapper"), async_test("on_trio", "wrapper", backend="trio")]
    plan = plan_tests(core, fixtures, tests)
    assert set(plan.item(0).instances).isdisjoint(plan.item(1).instances)


def test_sync_fixture_without_async_dependencies_is_shared_across_backends(core: ModuleType) -> None:
    fixtures = [FixtureDef("config", scope=Scope.SESSION)]
    tests = [async_test("on_asyncio", "config"), async_test("on_trio", "config", backend="trio")]
    plan = plan_tests(core, fixtures, tests)
    assert plan.item(0).instances == plan.item(1).instances


def test_fixture_loop_scope_error_shows_what_needs_the_wider_loop(core: ModuleType) -> None:
    fixtures = [async_fixture("f", loop_scope=Scope.FUNCTION), async_fixture("s", Scope.SESSION)]
    error = plan_tests(core, fixtures, [async_test("t", "f", "s")]).item(0).error
    assert "\n  required by: t -> s (session, async)\n" in str(error)


def test_sharing_error_names_an_explicit_scope_that_needs_the_wider_loop(core: ModuleType) -> None:
    fixtures = [async_fixture("c", Scope.CLASS)]
    tests = [
        async_test("TestA::one", "c", node=CLASS_A, loop_scope=Scope.CLASS, loop_scope_source="class"),
        async_test("TestA::two", "c", node=CLASS_A, loop_scope=Scope.SESSION, loop_scope_source="decorator"),
    ]
    error = plan_tests(core, fixtures, tests).item(0).error
    assert "also used by TestA::two, which needs the 'session' loop: two -> loop_scope='session'\n" in str(
        error
    )


def test_sharing_error_follows_a_chain_of_shared_instances_to_what_needs_the_wider_loop(
    core: ModuleType,
) -> None:
    fixtures = [
        async_fixture("c", Scope.CLASS),
        async_fixture("m", Scope.MODULE),
        async_fixture("s", Scope.SESSION),
    ]
    tests = [
        async_test("TestA::one", "c", node=CLASS_A, loop_scope=Scope.CLASS, loop_scope_source="class"),
        async_test("TestA::two", "c", "m", node=CLASS_A),
        async_test("three", "m", "s"),
    ]
    error = plan_tests(core, fixtures, tests).item(0).error
    assert (
        "it uses c (class, async), whose one instance is also used by TestA::two, which needs the "
        "'session' loop: two -> m (module, async) -> three -> s (session, async)\n"
    ) in str(error)
    assert "narrow the scope" not in str(error)


def test_skipped_async_test_opens_no_loop(core: ModuleType) -> None:
    plan = plan_tests(core, [async_fixture("s", Scope.SESSION)], [async_test("t", "s", skip="later")])
    assert (plan.loops, plan.describe()) == ([], ["CALL t"])


def test_trio_loop_whose_test_takes_request_is_hosted(core: ModuleType) -> None:
    plan = plan_tests(core, [], [async_test("t", "request", backend="trio")])
    assert [(spec.backend, spec.inline) for spec in plan.loops] == [("trio", False)]


def test_trio_loop_whose_fixture_takes_request_is_hosted(core: ModuleType) -> None:
    fixtures = [async_fixture("f", requests=("request",))]
    plan = plan_tests(core, fixtures, [async_test("t", "f", backend="trio")])
    assert [(spec.backend, spec.inline) for spec in plan.loops] == [("trio", False)]


def test_trio_loop_without_request_is_inline(core: ModuleType) -> None:
    plan = plan_tests(core, [async_fixture("f")], [async_test("t", "f", backend="trio")])
    assert [(spec.backend, spec.inline) for spec in plan.loops] == [("trio", True)]


def test_asyncio_loop_whose_test_takes_request_stays_inline(core: ModuleType) -> None:
    plan = plan_tests(core, [], [async_test("t", "request")])
    assert [(spec.backend, spec.inline) for spec in plan.loops] == [("asyncio", True)]
