"""When fixture instances are set up, shared and torn down, on both cores."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef, XFail
from rustest._plan import Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE_A, CLASS_A, MODULE_B = range(4)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.MODULE, SESSION, "test_a.py"),
    Node(Scope.CLASS, MODULE_A, "TestA"),
    Node(Scope.MODULE, SESSION, "test_b.py"),
)


def steps(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> list[str]:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core* and describe the steps."""
    plan: Plan = core.plan(NODES, fixtures, tests)
    return plan.describe()


def test_dependencies_are_set_up_before_their_dependents(core: ModuleType) -> None:
    fixtures = [FixtureDef("user", requests=("db",)), FixtureDef("db")]
    assert steps(core, fixtures, [TestDef("t", node=MODULE_A, requests=("user",))]) == [
        "SETUP db#0",
        "SETUP user#1",
        "CALL t",
        "TEARDOWN user#1",
        "TEARDOWN db#0",
    ]


def test_fixtures_of_one_scope_are_set_up_in_request_order(core: ModuleType) -> None:
    fixtures = [FixtureDef("a"), FixtureDef("b"), FixtureDef("c")]
    described = steps(core, fixtures, [TestDef("t", node=MODULE_A, requests=("c", "a", "b"))])
    assert described[:3] == ["SETUP c#0", "SETUP a#1", "SETUP b#2"]


def test_wider_scopes_are_set_up_first(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("f"),
        FixtureDef("c", scope=Scope.CLASS),
        FixtureDef("m", scope=Scope.MODULE),
        FixtureDef("s", scope=Scope.SESSION),
    ]
    described = steps(core, fixtures, [TestDef("t", node=CLASS_A, requests=("f", "c", "m", "s"))])
    assert described[:4] == ["SETUP s#0", "SETUP m#1", "SETUP c#2", "SETUP f#3"]


def test_wider_scope_does_not_jump_ahead_of_its_own_dependencies(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("f"),
        FixtureDef("s", scope=Scope.SESSION, requests=("base",)),
        FixtureDef("base", scope=Scope.SESSION),
    ]
    described = steps(core, fixtures, [TestDef("t", node=MODULE_A, requests=("f", "s"))])
    assert described[:3] == ["SETUP base#0", "SETUP s#1", "SETUP f#2"]


def test_session_instance_is_set_up_once_for_every_module(core: ModuleType) -> None:
    tests = [TestDef("a", node=MODULE_A, requests=("s",)), TestDef("b", node=MODULE_B, requests=("s",))]
    assert steps(core, [FixtureDef("s", scope=Scope.SESSION)], tests) == [
        "SETUP s#0",
        "CALL a",
        "CALL b",
        "TEARDOWN s#0",
    ]


def test_module_instance_is_set_up_once_per_module(core: ModuleType) -> None:
    tests = [
        TestDef("a1", node=MODULE_A, requests=("m",)),
        TestDef("a2", node=CLASS_A, requests=("m",)),
        TestDef("b1", node=MODULE_B, requests=("m",)),
    ]
    assert steps(core, [FixtureDef("m", scope=Scope.MODULE)], tests) == [
        "SETUP m#0",
        "CALL a1",
        "CALL a2",
        "TEARDOWN m#0",
        "SETUP m#1",
        "CALL b1",
        "TEARDOWN m#1",
    ]


def test_class_instance_is_set_up_once_per_class(core: ModuleType) -> None:
    tests = [
        TestDef("TestA::one", node=CLASS_A, requests=("c",)),
        TestDef("TestA::two", node=CLASS_A, requests=("c",)),
        TestDef("outside", node=MODULE_A, requests=("c",)),
    ]
    assert steps(core, [FixtureDef("c", scope=Scope.CLASS)], tests) == [
        "SETUP c#0",
        "CALL TestA::one",
        "CALL TestA::two",
        "TEARDOWN c#0",
        "SETUP c#1",
        "CALL outside",
        "TEARDOWN c#1",
    ]


def test_function_instance_is_set_up_for_every_test(core: ModuleType) -> None:
    tests = [TestDef("a", node=MODULE_A, requests=("f",)), TestDef("b", node=MODULE_A, requests=("f",))]
    assert steps(core, [FixtureDef("f")], tests) == [
        "SETUP f#0",
        "CALL a",
        "TEARDOWN f#0",
        "SETUP f#1",
        "CALL b",
        "TEARDOWN f#1",
    ]


def test_one_function_instance_serves_every_requester_within_a_test(core: ModuleType) -> None:
    fixtures = [FixtureDef("f"), FixtureDef("left", requests=("f",)), FixtureDef("right", requests=("f",))]
    plan: Plan = core.plan(NODES, fixtures, [TestDef("t", node=MODULE_A, requests=("left", "right", "f"))])
    f, left, right = plan.item(0).instances
    assert plan.instance_args(left) == plan.instance_args(right) == (("f", f),)


def test_scoped_instance_is_set_up_once_per_param_value(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", scope=Scope.SESSION, params=(1, 2))]
    tests = [TestDef("a", node=MODULE_A, requests=("p",)), TestDef("b", node=MODULE_B, requests=("p",))]
    assert steps(core, fixtures, tests) == [
        "SETUP p#0",
        "CALL a[p0]",
        "CALL b[p0]",
        "TEARDOWN p#0",
        "SETUP p#1",
        "CALL a[p1]",
        "CALL b[p1]",
        "TEARDOWN p#1",
    ]


def test_scoped_instance_is_torn_down_right_after_the_last_test_of_its_scope(core: ModuleType) -> None:
    tests = [
        TestDef("a1", node=MODULE_A, requests=("m",)),
        TestDef("a2", node=MODULE_A),
        TestDef("b1", node=MODULE_B),
    ]
    assert steps(core, [FixtureDef("m", scope=Scope.MODULE)], tests) == [
        "SETUP m#0",
        "CALL a1",
        "CALL a2",
        "TEARDOWN m#0",
        "CALL b1",
    ]


def test_session_instance_is_torn_down_after_the_last_test(core: ModuleType) -> None:
    tests = [TestDef("a", node=MODULE_A, requests=("s",)), TestDef("b", node=MODULE_B)]
    assert steps(core, [FixtureDef("s", scope=Scope.SESSION)], tests) == [
        "SETUP s#0",
        "CALL a",
        "CALL b",
        "TEARDOWN s#0",
    ]


def test_teardown_runs_in_reverse_setup_order(core: ModuleType) -> None:
    fixtures = [FixtureDef("a"), FixtureDef("b"), FixtureDef("c", requests=("a",))]
    described = steps(core, fixtures, [TestDef("t", node=MODULE_A, requests=("a", "b", "c"))])
    assert described[4:] == ["TEARDOWN c#2", "TEARDOWN b#1", "TEARDOWN a#0"]


def test_instances_of_several_scopes_ending_together_are_torn_down_in_reverse_setup_order(
    core: ModuleType,
) -> None:
    fixtures = [FixtureDef("s", scope=Scope.SESSION), FixtureDef("m", scope=Scope.MODULE), FixtureDef("f")]
    described = steps(core, fixtures, [TestDef("t", node=MODULE_A, requests=("f", "m", "s"))])
    assert described[4:] == ["TEARDOWN f#2", "TEARDOWN m#1", "TEARDOWN s#0"]


def test_parametrized_scoped_instance_is_torn_down_after_its_last_user(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", scope=Scope.SESSION, params=(1, 2))]
    tests = [
        TestDef("a", node=MODULE_A, requests=("p",)),
        TestDef("b", node=MODULE_A, requests=("p",)),
        TestDef("c", node=MODULE_A),
    ]
    assert steps(core, fixtures, tests) == [
        "SETUP p#0",
        "CALL a[p0]",
        "CALL b[p0]",
        "TEARDOWN p#0",
        "SETUP p#1",
        "CALL a[p1]",
        "CALL b[p1]",
        "TEARDOWN p#1",
        "CALL c",
    ]


def test_instance_is_never_torn_down_after_one_it_depends_on(core: ModuleType) -> None:
    # m would live to the end of its module, but the param instance it uses ends earlier.
    fixtures = [
        FixtureDef("p", scope=Scope.SESSION, params=(1, 2)),
        FixtureDef("m", scope=Scope.MODULE, requests=("p",)),
    ]
    tests = [TestDef("a", node=MODULE_A, requests=("m",)), TestDef("b", node=MODULE_A, requests=("m",))]
    assert steps(core, fixtures, tests) == [
        "SETUP p#0",
        "SETUP m#1",
        "CALL a[p0]",
        "CALL b[p0]",
        "TEARDOWN m#1",
        "TEARDOWN p#0",
        "SETUP p#2",
        "SETUP m#3",
        "CALL a[p1]",
        "CALL b[p1]",
        "TEARDOWN m#3",
        "TEARDOWN p#2",
    ]


def test_instance_records_its_scope_node(core: ModuleType) -> None:
    fixtures = [FixtureDef("c", scope=Scope.CLASS), FixtureDef("m", scope=Scope.MODULE)]
    plan: Plan = core.plan(NODES, fixtures, [TestDef("t", node=CLASS_A, requests=("c", "m"))])
    assert [plan.instance(k).scope_node for k in plan.item(0).instances] == [MODULE_A, CLASS_A]


def test_skipped_test_sets_up_no_fixtures(core: ModuleType) -> None:
    fixtures = [FixtureDef("f"), FixtureDef("auto", autouse=True)]
    test = TestDef("t", node=MODULE_A, requests=("f",), skip="not on this platform")
    assert steps(core, fixtures, [test]) == ["CALL t"]


def test_xfail_that_must_not_run_sets_up_no_fixtures(core: ModuleType) -> None:
    test = TestDef("t", node=MODULE_A, requests=("f",), xfail=XFail(run=False))
    assert steps(core, [FixtureDef("f")], [test]) == ["CALL t"]


def test_xfail_that_runs_sets_up_its_fixtures(core: ModuleType) -> None:
    test = TestDef("t", node=MODULE_A, requests=("f",), xfail=XFail(reason="flaky"))
    assert steps(core, [FixtureDef("f")], [test]) == ["SETUP f#0", "CALL t", "TEARDOWN f#0"]


def test_skipped_test_with_an_unknown_fixture_is_reported_as_skipped_not_as_an_error(
    core: ModuleType,
) -> None:
    plan: Plan = core.plan(NODES, [], [TestDef("t", node=MODULE_A, requests=("missing",), skip="later")])
    assert (plan.errors, plan.describe()) == ({}, ["CALL t"])
