"""Fixture lookup by visibility, override chaining, autouse and param expansion, on both cores."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import pytest

from rustest._definitions import BUILTIN, FixtureDef, Node, TestDef
from rustest._errors import UnknownFixtureError
from rustest._plan import DIRECT, REQUEST, Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, PACKAGE, MODULE, CLASS, OTHER_MODULE = range(5)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.PACKAGE, SESSION, "pkg"),
    Node(Scope.MODULE, PACKAGE, "pkg/test_m.py"),
    Node(Scope.CLASS, MODULE, "TestC"),
    Node(Scope.MODULE, SESSION, "test_other.py"),
)


def plan_tests(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> Plan:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core*."""
    result: Plan = core.plan(NODES, fixtures, tests)
    return result


def locations(plan: Plan, item: int) -> list[str]:
    """Return the ``location`` of every fixture instance of *item*, in setup order."""
    return [plan.instance(k).fixture.location for k in plan.item(item).instances]


def item_ids(plan: Plan) -> list[str]:
    """Return the ids of the planned items, in execution order."""
    return [plan.item(i).id for i in range(plan.item_count)]


def x_defined_at(*nodes: int) -> list[FixtureDef]:
    """Return one fixture named ``x`` per node, each with the node's name as its location."""
    return [FixtureDef("x", node=n, location="builtin" if n == BUILTIN else NODES[n].name) for n in nodes]


@pytest.mark.parametrize(
    ("visible", "winner"),
    [
        ((MODULE, CLASS), "TestC"),
        ((PACKAGE, MODULE), "pkg/test_m.py"),
        ((SESSION, PACKAGE), "pkg"),
        ((BUILTIN, SESSION), "session"),
    ],
    ids=["class-over-module", "module-over-package", "package-over-root", "root-over-builtin"],
)
def test_the_nearest_visible_definition_wins(core: ModuleType, visible: tuple[int, int], winner: str) -> None:
    plan = plan_tests(core, x_defined_at(*visible), [TestDef("t", node=CLASS, requests=("x",))])
    assert locations(plan, 0) == [winner]


def test_builtin_fixture_is_visible_everywhere(core: ModuleType) -> None:
    tests = [TestDef("a", node=CLASS, requests=("x",)), TestDef("b", node=OTHER_MODULE, requests=("x",))]
    plan = plan_tests(core, x_defined_at(BUILTIN), tests)
    assert (locations(plan, 0), locations(plan, 1)) == (["builtin"], ["builtin"])


def test_fixture_of_another_module_is_not_visible(core: ModuleType) -> None:
    plan = plan_tests(core, x_defined_at(OTHER_MODULE), [TestDef("t", node=MODULE, requests=("x",))])
    assert isinstance(plan.item(0).error, UnknownFixtureError)


def test_class_fixture_is_not_visible_to_module_level_tests(core: ModuleType) -> None:
    plan = plan_tests(core, x_defined_at(CLASS, SESSION), [TestDef("t", node=MODULE, requests=("x",))])
    assert locations(plan, 0) == ["session"]


def test_fixture_requesting_its_own_name_gets_the_next_outer_definition(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("x", node=SESSION, location="root"),
        FixtureDef("x", node=MODULE, requests=("x",), location="module"),
        FixtureDef("x", node=CLASS, requests=("x",), location="class"),
    ]
    plan = plan_tests(core, fixtures, [TestDef("t", node=CLASS, requests=("x",))])
    assert locations(plan, 0) == ["root", "module", "class"]


def test_chained_fixture_receives_the_outer_instance_as_its_argument(core: ModuleType) -> None:
    fixtures = [FixtureDef("x", node=SESSION), FixtureDef("x", node=MODULE, requests=("x",))]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("x",))])
    outer, inner = plan.item(0).instances
    assert plan.instance_args(inner) == (("x", outer),)


def test_fixture_requesting_its_own_name_at_the_outermost_definition_is_unknown(core: ModuleType) -> None:
    fixtures = [FixtureDef("x", node=SESSION, requests=("x",))]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("x",))])
    assert isinstance(plan.item(0).error, UnknownFixtureError)
    assert "fixture 'x' not found (requested by fixture 'x')" in str(plan.item(0).error)


def test_dependencies_are_looked_up_from_the_test_not_from_the_requester(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("db", node=SESSION, location="root db"),
        FixtureDef("user", node=SESSION, requests=("db",), location="root user"),
        FixtureDef("db", node=MODULE, location="module db"),
    ]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("user",))])
    assert locations(plan, 0) == ["module db", "root user"]


def test_class_autouse_fixture_applies_to_the_tests_of_its_class(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=CLASS, autouse=True)]
    plan = plan_tests(core, fixtures, [TestDef("t", node=CLASS)])
    assert plan.describe() == ["SETUP auto#0", "CALL t", "TEARDOWN auto#0"]


def test_class_autouse_fixture_does_not_apply_to_module_level_tests(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=CLASS, autouse=True)]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE)])
    assert plan.describe() == ["CALL t"]


def test_conftest_autouse_fixture_applies_to_every_test_below_its_package(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=PACKAGE, autouse=True)]
    tests = [TestDef("in_class", node=CLASS), TestDef("in_module", node=MODULE)]
    plan = plan_tests(core, fixtures, tests)
    assert [len(plan.item(i).instances) for i in range(2)] == [1, 1]


def test_conftest_autouse_fixture_does_not_apply_outside_its_package(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=PACKAGE, autouse=True)]
    plan = plan_tests(core, fixtures, [TestDef("t", node=OTHER_MODULE)])
    assert plan.describe() == ["CALL t"]


def test_autouse_fixtures_come_first_outermost_first_then_usefixtures_then_requests(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("requested", node=SESSION),
        FixtureDef("used", node=SESSION),
        FixtureDef("class_auto", node=CLASS, autouse=True),
        FixtureDef("root_auto", node=SESSION, autouse=True),
    ]
    test = TestDef("t", node=CLASS, requests=("requested",), usefixtures=("used",))
    plan = plan_tests(core, fixtures, [test])
    names = [plan.instance(k).fixture.name for k in plan.item(0).instances]
    assert names == ["root_auto", "class_auto", "used", "requested"]


def test_usefixtures_sets_a_fixture_up_without_passing_it(core: ModuleType) -> None:
    plan = plan_tests(
        core, [FixtureDef("used", node=SESSION)], [TestDef("t", node=MODULE, usefixtures=("used",))]
    )
    assert (plan.describe(), plan.item_args(0)) == (["SETUP used#0", "CALL t", "TEARDOWN used#0"], ())


def test_request_argument_is_made_per_requester(core: ModuleType) -> None:
    fixtures = [FixtureDef("x", node=SESSION, requests=("request",))]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("request", "x"))])
    (x,) = plan.item(0).instances
    assert plan.item_args(0) == (("request", REQUEST), ("x", x))
    assert plan.instance_args(x) == (("request", REQUEST),)


def test_fixture_params_expand_into_one_item_per_param(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=("a", "b", "c"))]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("p",))])
    assert item_ids(plan) == ["test[p0]", "test[p1]", "test[p2]"]


def test_each_param_item_gets_an_instance_for_its_param(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=("a", "b"))]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("p",))])
    assert [plan.instance(k).param_index for i in range(2) for k in plan.item(i).instances] == [0, 1]


def test_fixture_param_ids_name_the_items(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=(1, 2), ids=("one", "two"))]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("p",))])
    assert item_ids(plan) == ["test[one]", "test[two]"]


def test_fixture_param_ids_come_before_the_tests_own_parametrize_ids(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=(1, 2))]
    test = TestDef("m.py::TestC::test[x-1]", node=CLASS, requests=("p",), values={"v": 1})
    plan = plan_tests(core, fixtures, [test])
    assert item_ids(plan) == ["m.py::TestC::test[p0-x-1]", "m.py::TestC::test[p1-x-1]"]


def test_brackets_in_a_parametrize_id_do_not_move_the_fixture_param_ids(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=(1,))]
    test = TestDef("m.py::test[a[0]]", node=MODULE, requests=("p",), values={"v": 1})
    plan = plan_tests(core, fixtures, [test])
    assert item_ids(plan) == ["m.py::test[p0-a[0]]"]


def test_params_of_a_fixture_come_before_those_of_its_dependencies(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("b", node=SESSION, params=("x", "y"), ids=("x", "y")),
        FixtureDef("a", node=SESSION, params=(1, 2), ids=("1", "2"), requests=("b",)),
    ]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("a",))])
    assert item_ids(plan) == ["test[1-x]", "test[1-y]", "test[2-x]", "test[2-y]"]


def test_several_parametrized_fixtures_expand_to_their_product_widest_first(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("f", node=SESSION, params=(1, 2)),
        FixtureDef("s", node=SESSION, scope=Scope.SESSION, params=(1, 2), ids=("s1", "s2")),
    ]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("f", "s"))])
    assert item_ids(plan) == ["test[s1-f0]", "test[s1-f1]", "test[s2-f0]", "test[s2-f1]"]


def test_parametrized_dependency_expands_the_tests_that_reach_it(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("p", node=SESSION, params=(1, 2)),
        FixtureDef("user", node=SESSION, requests=("p",)),
    ]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("user",))])
    assert item_ids(plan) == ["test[p0]", "test[p1]"]


def test_indirect_param_replaces_the_fixtures_own_params(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, params=(1, 2, 3))]
    test = TestDef("test[7]", node=MODULE, requests=("p",), indirect={"p": ("7", 7)})
    plan = plan_tests(core, fixtures, [test])
    assert item_ids(plan) == ["test[7]"]


def test_indirect_param_turns_an_unparametrized_fixture_into_a_param_instance(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, scope=Scope.MODULE)]
    tests = [
        TestDef("test[1]", node=MODULE, requests=("p",), indirect={"p": ("1", 1)}),
        TestDef("test[2]", node=MODULE, requests=("p",), indirect={"p": ("2", 2)}),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "SETUP p#0",
        "CALL test[1]",
        "TEARDOWN p#0",
        "SETUP p#1",
        "CALL test[2]",
        "TEARDOWN p#1",
    ]


def test_equal_indirect_params_share_one_scoped_instance(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", node=SESSION, scope=Scope.MODULE)]
    tests = [
        TestDef("a[1]", node=MODULE, requests=("p",), indirect={"p": ("1", 1)}),
        TestDef("b[1]", node=MODULE, requests=("p",), indirect={"p": ("1", 1)}),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == ["SETUP p#0", "CALL a[1]", "CALL b[1]", "TEARDOWN p#0"]


def test_direct_value_shadows_a_fixture_of_the_same_name(core: ModuleType) -> None:
    fixtures = [FixtureDef("x", node=SESSION)]
    plan = plan_tests(core, fixtures, [TestDef("test[1]", node=MODULE, requests=("x",), values={"x": 1})])
    assert (plan.describe(), plan.item_args(0)) == (["CALL test[1]"], (("x", DIRECT),))


def test_direct_value_shadows_the_fixture_for_the_whole_closure(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("x", node=SESSION, params=(1, 2)),
        FixtureDef("user", node=SESSION, requests=("x",)),
    ]
    test = TestDef("test[5]", node=MODULE, requests=("user",), values={"x": 5})
    plan = plan_tests(core, fixtures, [test])
    (user,) = plan.item(0).instances
    assert (item_ids(plan), plan.instance_args(user)) == (["test[5]"], (("x", DIRECT),))


def test_indirect_param_reaches_a_fixture_the_test_requests_through_another(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("db", node=SESSION, scope=Scope.MODULE, requests=("request",)),
        FixtureDef("user", node=SESSION, requests=("db",)),
    ]
    tests = [
        TestDef("test[sqlite]", node=MODULE, requests=("user",), indirect={"db": ("sqlite", "sqlite")}),
        TestDef("test[pg]", node=MODULE, requests=("user",), indirect={"db": ("pg", "pg")}),
    ]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == [
        "SETUP db#0",
        "SETUP user#1",
        "CALL test[sqlite]",
        "TEARDOWN user#1",
        "TEARDOWN db#0",
        "SETUP db#2",
        "SETUP user#3",
        "CALL test[pg]",
        "TEARDOWN user#3",
        "TEARDOWN db#2",
    ]


def test_builtin_autouse_fixture_applies_to_every_test(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=BUILTIN, autouse=True)]
    plan = plan_tests(core, fixtures, [TestDef("a", node=CLASS), TestDef("b", node=OTHER_MODULE)])
    assert [len(plan.item(i).instances) for i in range(2)] == [1, 1]


def test_redefinition_at_the_same_node_replaces_an_autouse_fixture(core: ModuleType) -> None:
    fixtures = [FixtureDef("x", node=SESSION, autouse=True), FixtureDef("x", node=SESSION)]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE)])
    assert plan.describe() == ["CALL t"]


def test_params_of_requested_fixtures_come_before_those_found_through_them(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("e", node=SESSION, params=(1, 2)),
        FixtureDef("d", node=SESSION, requests=("e",)),
        FixtureDef("b", node=SESSION, params=(1, 2)),
    ]
    plan = plan_tests(core, fixtures, [TestDef("test", node=MODULE, requests=("d", "b"))])
    assert item_ids(plan) == ["test[b0-e0]", "test[b0-e1]", "test[b1-e0]", "test[b1-e1]"]
