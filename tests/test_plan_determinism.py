"""Planning is deterministic: the same input always gives an equal plan, on both cores."""

from __future__ import annotations

from copy import deepcopy
from types import ModuleType

from rustest._definitions import FixtureDef, Node, TestDef
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
FIXTURES = (
    FixtureDef("db", scope=Scope.SESSION, is_async=True, is_generator=True),
    FixtureDef("flavor", scope=Scope.SESSION, params=("x", "y")),
    FixtureDef("client", scope=Scope.MODULE, is_async=True, requests=("db", "flavor")),
    FixtureDef("state", scope=Scope.CLASS, is_async=True),
    FixtureDef("user", requests=("client", "request"), is_async=True),
    FixtureDef("audit", node=MODULE_B, autouse=True),
)
TESTS = (
    TestDef("test_a.py::test_user", node=MODULE_A, requests=("user",), is_async=True),
    TestDef("test_a.py::TestA::test_state", node=CLASS_A, requests=("state",), is_async=True),
    TestDef("test_a.py::TestA::test_both", node=CLASS_A, requests=("state", "db"), is_async=True),
    TestDef("test_a.py::test_sync", node=MODULE_A, requests=("flavor",)),
    TestDef("test_b.py::test_missing", node=MODULE_B, requests=("nothing",)),
    TestDef(
        "test_b.py::test_narrow",
        node=MODULE_B,
        requests=("db",),
        is_async=True,
        loop_scope=Scope.FUNCTION,
        loop_scope_source="decorator",
    ),
    TestDef("test_b.py::test_fresh", node=MODULE_B, is_async=True),
)


def test_the_same_input_twice_gives_equal_plans(core: ModuleType) -> None:
    first: Plan = core.plan(NODES, FIXTURES, TESTS)
    second: Plan = core.plan(NODES, FIXTURES, TESTS)
    assert first == second


def test_the_same_input_twice_gives_the_same_steps(core: ModuleType) -> None:
    first: Plan = core.plan(NODES, FIXTURES, TESTS)
    second: Plan = core.plan(NODES, FIXTURES, TESTS)
    assert first.describe() == second.describe()


def test_equal_copies_of_the_input_give_equal_plans(core: ModuleType) -> None:
    first: Plan = core.plan(NODES, FIXTURES, TESTS)
    second: Plan = core.plan(deepcopy(list(NODES)), deepcopy(list(FIXTURES)), deepcopy(list(TESTS)))
    assert first == second
