"""Item order: collection order, regrouped by parametrized scoped fixtures as pytest does, on both cores.

The expected orders are the ones pytest 9 produces for the same fixtures and
tests (``pytest --collect-only``).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef
from rustest._plan import Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE_A, CLASS_1, CLASS_2, MODULE_B = range(5)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.MODULE, SESSION, "test_a.py"),
    Node(Scope.CLASS, MODULE_A, "TestClass2"),
    Node(Scope.CLASS, MODULE_A, "TestClass"),
    Node(Scope.MODULE, SESSION, "test_b.py"),
)


def item_ids(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> list[str]:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core* and return the item ids in order."""
    plan: Plan = core.plan(NODES, fixtures, tests)
    return [plan.item(i).id for i in range(plan.item_count)]


def test_collection_order_is_kept_without_parametrized_scoped_fixtures(core: ModuleType) -> None:
    fixtures = [FixtureDef("f", params=(1, 2)), FixtureDef("s", scope=Scope.SESSION)]
    tests = [
        TestDef("b::one", node=MODULE_B, requests=("f",)),
        TestDef("a::two", node=MODULE_A, requests=("s",)),
        TestDef("b::three", node=MODULE_B, requests=("s", "f")),
    ]
    assert item_ids(core, fixtures, tests) == [
        "b::one[f0]",
        "b::one[f1]",
        "a::two",
        "b::three[f0]",
        "b::three[f1]",
    ]


def test_items_are_grouped_by_module_param(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("modarg", scope=Scope.MODULE, params=(1, 2), ids=("mod1", "mod2")),
        FixtureDef("otherarg", params=(1, 2), ids=("1", "2")),
    ]
    tests = [
        TestDef("test_0", node=MODULE_A, requests=("otherarg",)),
        TestDef("test_1", node=MODULE_A, requests=("modarg",)),
        TestDef("test_2", node=MODULE_A, requests=("otherarg", "modarg")),
    ]
    assert item_ids(core, fixtures, tests) == [
        "test_0[1]",
        "test_0[2]",
        "test_1[mod1]",
        "test_2[mod1-1]",
        "test_2[mod1-2]",
        "test_1[mod2]",
        "test_2[mod2-1]",
        "test_2[mod2-2]",
    ]


def test_items_of_several_modules_are_grouped_by_session_param(core: ModuleType) -> None:
    fixtures = [FixtureDef("s", scope=Scope.SESSION, params=(1, 2))]
    tests = [
        TestDef("a::one", node=MODULE_A, requests=("s",)),
        TestDef("a::plain", node=MODULE_A),
        TestDef("b::two", node=MODULE_B, requests=("s",)),
    ]
    assert item_ids(core, fixtures, tests) == [
        "a::one[s0]",
        "b::two[s0]",
        "a::one[s1]",
        "b::two[s1]",
        "a::plain",
    ]


def test_items_of_each_class_are_grouped_by_class_param(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("farg", params=(1, 2), ids=("1", "2")),
        FixtureDef("carg", scope=Scope.CLASS, params=("a", "b"), ids=("a", "b")),
        FixtureDef("append", autouse=True, requests=("farg", "carg")),
    ]
    tests = [
        TestDef("TestClass2::test_1", node=CLASS_1),
        TestDef("TestClass2::test_2", node=CLASS_1),
        TestDef("TestClass::test_3", node=CLASS_2),
    ]
    assert item_ids(core, fixtures, tests) == [
        "TestClass2::test_1[a-1]",
        "TestClass2::test_1[a-2]",
        "TestClass2::test_2[a-1]",
        "TestClass2::test_2[a-2]",
        "TestClass2::test_1[b-1]",
        "TestClass2::test_1[b-2]",
        "TestClass2::test_2[b-1]",
        "TestClass2::test_2[b-2]",
        "TestClass::test_3[a-1]",
        "TestClass::test_3[a-2]",
        "TestClass::test_3[b-1]",
        "TestClass::test_3[b-2]",
    ]


def test_module_param_is_set_up_once_per_value_with_function_params_inside(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("arg", params=(1, 2), ids=("1", "2")),
        FixtureDef("modarg", scope=Scope.MODULE, params=("mod1", "mod2"), ids=("mod1", "mod2")),
    ]
    tests = [
        TestDef("test_1", node=MODULE_A, requests=("arg",)),
        TestDef("test_2", node=MODULE_A, requests=("modarg",)),
        TestDef("test_3", node=MODULE_A, requests=("arg", "modarg")),
        TestDef("test_4", node=MODULE_A, requests=("modarg", "arg")),
    ]
    plan: Plan = core.plan(NODES, fixtures, tests)
    modarg_setups = [line for line in plan.describe() if line.startswith("SETUP modarg")]
    assert len(modarg_setups) == 2
    assert [plan.item(i).id for i in range(plan.item_count)] == [
        "test_1[1]",
        "test_1[2]",
        "test_2[mod1]",
        "test_3[mod1-1]",
        "test_3[mod1-2]",
        "test_4[mod1-1]",
        "test_4[mod1-2]",
        "test_2[mod2]",
        "test_3[mod2-1]",
        "test_3[mod2-2]",
        "test_4[mod2-1]",
        "test_4[mod2-2]",
    ]


def test_items_sharing_a_combination_of_session_params_stay_together(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("flavor", scope=Scope.SESSION, params=(1, 2), ids=("flavor1", "flavor2")),
        FixtureDef("encap", scope=Scope.SESSION, params=(1, 2), ids=("vxlan", "vlan")),
        FixtureDef("reprovision", scope=Scope.SESSION, autouse=True, requests=("flavor", "encap")),
    ]
    tests = [
        TestDef("test", node=MODULE_A, requests=("reprovision",)),
        TestDef("test2", node=MODULE_A, requests=("reprovision",)),
    ]
    assert item_ids(core, fixtures, tests) == [
        "test[flavor1-vxlan]",
        "test2[flavor1-vxlan]",
        "test[flavor1-vlan]",
        "test2[flavor1-vlan]",
        "test[flavor2-vlan]",
        "test2[flavor2-vlan]",
        "test[flavor2-vxlan]",
        "test2[flavor2-vxlan]",
    ]


def test_errored_items_are_placed_like_items_without_params(core: ModuleType) -> None:
    fixtures = [FixtureDef("s", scope=Scope.SESSION, params=(1, 2))]
    tests = [
        TestDef("one", node=MODULE_A, requests=("s",)),
        TestDef("broken", node=MODULE_A, requests=("missing",)),
        TestDef("two", node=MODULE_A, requests=("s",)),
    ]
    assert item_ids(core, fixtures, tests) == ["one[s0]", "two[s0]", "one[s1]", "two[s1]", "broken"]
