"""Plan errors, on both cores: per test, explained for the person fixing it, never stopping the plan.

Malformed input is different: it raises ``DefinitionError`` before anything
is planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import pytest

from rustest._definitions import BUILTIN, FixtureDef, Node, TestDef
from rustest._errors import (
    BackendMismatchError,
    DefinitionError,
    EmptyParameterSetError,
    FixtureCycleError,
    PlanError,
    ScopeMismatchError,
    UnknownFixtureError,
)
from rustest._plan import Plan
from rustest._scope import Scope

__all__: list[str] = []

SESSION, PACKAGE, MODULE, OTHER_MODULE = range(4)
NODES = (
    Node(Scope.SESSION, -1, "session"),
    Node(Scope.PACKAGE, SESSION, "pkg"),
    Node(Scope.MODULE, PACKAGE, "pkg/test_a.py"),
    Node(Scope.MODULE, SESSION, "test_b.py"),
)


def plan_tests(core: ModuleType, fixtures: Sequence[FixtureDef], tests: Sequence[TestDef]) -> Plan:
    """Plan *tests* over *fixtures* in the tree ``NODES`` with *core*."""
    result: Plan = core.plan(NODES, fixtures, tests)
    return result


def only_error(core: ModuleType, fixtures: Sequence[FixtureDef], test: TestDef) -> PlanError:
    """Plan the single *test* and return its plan error, failing if it has none."""
    error = plan_tests(core, fixtures, [test]).item(0).error
    assert error is not None
    return error


def test_unknown_fixture_is_an_error_of_the_test(core: ModuleType) -> None:
    error = only_error(core, [], TestDef("t", node=MODULE, requests=("db",)))
    assert isinstance(error, UnknownFixtureError)
    assert str(error).startswith("fixture 'db' not found (requested by the test)\n")


def test_unknown_fixture_error_names_the_requesting_fixture(core: ModuleType) -> None:
    fixtures = [FixtureDef("user", requests=("db",), location="conftest.py:7")]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("user",)))
    assert str(error).startswith("fixture 'db' not found (requested by fixture 'user' at conftest.py:7)\n")


def test_unknown_fixture_error_suggests_the_closest_visible_names(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("database"),
        FixtureDef("databank", node=BUILTIN),
        FixtureDef("datab", node=OTHER_MODULE),
    ]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("databse",)))
    assert "\n  did you mean: 'database', 'databank'?\n" in str(error)


def test_unknown_fixture_error_says_where_it_looked(core: ModuleType) -> None:
    error = only_error(core, [], TestDef("t", node=MODULE, requests=("db",)))
    assert (
        "\n  looked in: pkg/test_a.py (module), pkg (package), session (session), built-in fixtures\n"
        in str(error)
    )


def test_cycle_is_an_error_naming_the_whole_cycle(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("a", requests=("b",)),
        FixtureDef("b", requests=("c",)),
        FixtureDef("c", requests=("a",)),
    ]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("a",)))
    assert isinstance(error, FixtureCycleError)
    assert str(error).startswith("fixtures request each other in a cycle: a -> b -> c -> a\n")


def test_cycle_entered_from_outside_names_only_the_cycle(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("entry", requests=("a",)),
        FixtureDef("a", requests=("b",)),
        FixtureDef("b", requests=("a",)),
    ]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("entry",)))
    assert str(error).startswith("fixtures request each other in a cycle: a -> b -> a\n")


def test_scope_mismatch_names_both_fixtures_and_their_scopes(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("pool", scope=Scope.SESSION, requests=("conn",), location="conftest.py:3"),
        FixtureDef("conn", location="conftest.py:9"),
    ]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("pool",)))
    assert isinstance(error, ScopeMismatchError)
    assert str(error) == (
        "fixture 'pool' (session scope) at conftest.py:3 requests 'conn' (function scope) at conftest.py:9: "
        "a fixture may only request fixtures of equal or wider scope\n"
        "  make 'pool' function-scoped, or 'conn' session-scoped"
    )


def test_fixture_may_request_a_fixture_of_its_own_scope(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("pool", scope=Scope.MODULE, requests=("conn",)),
        FixtureDef("conn", scope=Scope.MODULE),
    ]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("pool",))])
    assert plan.errors == {}


def test_async_fixture_pinned_to_another_backend_is_an_error(core: ModuleType) -> None:
    fixtures = [FixtureDef("db", is_async=True, backend="trio", location="conftest.py:3")]
    error = only_error(core, fixtures, TestDef("t", node=MODULE, requests=("db",), is_async=True))
    assert isinstance(error, BackendMismatchError)
    assert str(error).startswith(
        "t runs on asyncio, but async fixture 'db' at conftest.py:3 is pinned to trio: "
        "one fixture instance never crosses backends\n"
    )


def test_async_fixture_pinned_to_the_tests_backend_is_planned(core: ModuleType) -> None:
    fixtures = [FixtureDef("db", is_async=True, backend="trio")]
    plan = plan_tests(
        core, fixtures, [TestDef("t", node=MODULE, requests=("db",), is_async=True, backend="trio")]
    )
    assert (plan.errors, [spec.backend for spec in plan.loops]) == ({}, ["trio"])


def test_backend_mismatch_is_reported_per_param_item(core: ModuleType) -> None:
    fixtures = [FixtureDef("p", params=(1, 2)), FixtureDef("db", is_async=True, backend="trio")]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("p", "db"))])
    assert plan.describe() == ["PLAN_ERROR t[p0]", "PLAN_ERROR t[p1]"]


def test_fixture_with_an_empty_params_list_makes_its_tests_skip_reports(core: ModuleType) -> None:
    error = only_error(core, [FixtureDef("p", params=())], TestDef("t", node=MODULE, requests=("p",)))
    assert isinstance(error, EmptyParameterSetError)
    assert str(error) == "got empty parameter set for fixture 'p'"


@pytest.mark.parametrize(
    ("fixtures", "request_name"),
    [
        ([], "missing"),
        ([FixtureDef("a", requests=("b",)), FixtureDef("b", requests=("a",))], "a"),
        ([FixtureDef("s", scope=Scope.SESSION, requests=("f",)), FixtureDef("f")], "s"),
        ([FixtureDef("db", is_async=True, backend="trio")], "db"),
    ],
    ids=["unknown", "cycle", "scope-mismatch", "backend-mismatch"],
)
def test_an_error_never_stops_the_plan_for_other_tests(
    core: ModuleType, fixtures: list[FixtureDef], request_name: str
) -> None:
    tests = [
        TestDef("before", node=MODULE, requests=("ok",)),
        TestDef("broken", node=MODULE, requests=(request_name,), is_async=True),
        TestDef("after", node=MODULE, requests=("ok",)),
    ]
    plan = plan_tests(core, [*fixtures, FixtureDef("ok")], tests)
    assert plan.describe() == [
        "SETUP ok#0",
        "CALL before",
        "TEARDOWN ok#0",
        "PLAN_ERROR broken",
        "SETUP ok#1",
        "CALL after",
        "TEARDOWN ok#1",
    ]


def test_errored_item_has_no_instances_and_no_loop(core: ModuleType) -> None:
    fixtures = [
        FixtureDef("db", scope=Scope.SESSION, is_async=True),
        FixtureDef("user", requests=("missing",)),
    ]
    plan = plan_tests(core, fixtures, [TestDef("t", node=MODULE, requests=("db", "user"), is_async=True)])
    assert (plan.item(0).instances, plan.loops) == ((), [])


def test_error_of_an_autouse_fixture_reaches_every_test_it_applies_to(core: ModuleType) -> None:
    fixtures = [FixtureDef("auto", node=PACKAGE, autouse=True, requests=("missing",))]
    tests = [TestDef("inside", node=MODULE), TestDef("outside", node=OTHER_MODULE)]
    plan = plan_tests(core, fixtures, tests)
    assert plan.describe() == ["PLAN_ERROR inside", "CALL outside"]


@pytest.mark.parametrize(
    "nodes",
    [
        (),
        (Node(Scope.MODULE, -1, "m.py"),),
        (Node(Scope.SESSION, 0, "session"),),
        (Node(Scope.SESSION, -1, "session"), Node(Scope.MODULE, 2, "m.py"), Node(Scope.PACKAGE, 0, "pkg")),
        (Node(Scope.SESSION, -1, "session"), Node(Scope.SESSION, 0, "again")),
        (
            Node(Scope.SESSION, -1, "session"),
            Node(Scope.MODULE, 0, "m.py"),
            Node(Scope.PACKAGE, 1, "pkg"),
        ),
        (Node(Scope.SESSION, -1, "session"), Node(Scope.CLASS, 0, "T"), Node(Scope.PACKAGE, 1, "pkg")),
    ],
    ids=[
        "no-nodes",
        "root-not-session",
        "root-with-parent",
        "parent-after-child",
        "second-session",
        "package-in-module",
        "package-in-class",
    ],
)
def test_malformed_node_tree_raises_definition_error(core: ModuleType, nodes: tuple[Node, ...]) -> None:
    with pytest.raises(DefinitionError):
        core.plan(nodes, [], [])


def test_fixture_on_a_missing_node_raises_definition_error(core: ModuleType) -> None:
    with pytest.raises(DefinitionError, match=r"fixture 'x' .* names node 9, but there are 4 nodes"):
        plan_tests(core, [FixtureDef("x", node=9)], [])


def test_test_on_a_missing_node_raises_definition_error(core: ModuleType) -> None:
    with pytest.raises(DefinitionError, match="test 't' names node 4, but there are 4 nodes"):
        plan_tests(core, [], [TestDef("t", node=4)])
