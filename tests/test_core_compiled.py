"""The compiled planning core: that it is the one in use when required, and that it plans as its twin.

CI sets ``RUSTEST_REQUIRE_EXTENSIONS=1``: then a missing or unused extension
fails these tests instead of skipping them, so a silent fallback to the
pure-Python core cannot pass. The equivalence tests plan the synthetic suites
of ``benchmarks.synthetic`` (packages, classes, params, async and autouse
fixtures, overrides, plan-time errors) with both cores and compare the plans
field by field.
"""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import Iterator
from types import ModuleType

import pytest

from benchmarks.synthetic import make_suite
from rustest import _core_py, _planner
from rustest._definitions import FixtureDef, Node, TestDef
from rustest._errors import BackendMismatchError, DefinitionError, LoopScopeError
from rustest._plan import Plan
from rustest._scope import Scope

REQUIRED = os.environ.get("RUSTEST_REQUIRE_EXTENSIONS") == "1"


@pytest.fixture(scope="module")
def compiled() -> ModuleType:
    """Return ``rustest._core``; skip if it is not built, unless extensions are required."""
    try:
        return importlib.import_module("rustest._core")
    except ImportError as exc:
        if REQUIRED:
            pytest.fail(
                f"rustest._core is required (RUSTEST_REQUIRE_EXTENSIONS=1) but cannot be imported: {exc}"
            )
        pytest.skip(f"rustest._core is not built: {exc}")


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """Run the test with the cycle collector on, and leave it as it was."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.fixture
def collector_disabled() -> Iterator[None]:
    """Run the test with the cycle collector off, and leave it as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


def differences(left: Plan, right: Plan) -> list[str]:
    """Return the names of the plan fields that differ, for a readable failure."""
    return [name for name in Plan.__slots__ if getattr(left, name) != getattr(right, name)]


@pytest.mark.skipif(not REQUIRED, reason="only checked when RUSTEST_REQUIRE_EXTENSIONS=1 (as CI sets it)")
def test_planner_uses_the_compiled_core_when_extensions_are_required() -> None:
    assert _planner.IMPLEMENTATION == "cython", (
        "RUSTEST_REQUIRE_EXTENSIONS=1 but rustest plans with the pure-Python core: "
        "build the extension with `pip install -e . --no-build-isolation` and check "
        "that RUSTEST_NO_EXTENSIONS is not set"
    )


def test_compiled_core_names_itself_cython(compiled: ModuleType) -> None:
    assert compiled.IMPLEMENTATION == "cython"


def test_compiled_core_exports_the_same_names_as_its_twin(compiled: ModuleType) -> None:
    assert sorted(compiled.__all__) == sorted(_core_py.__all__)


@pytest.mark.parametrize(("tests", "seed"), [(300, 0), (1_000, 1), (2_000, 2), (5_000, 4)])
def test_both_cores_plan_synthetic_suites_equally(compiled: ModuleType, tests: int, seed: int) -> None:
    nodes, fixtures, defs = make_suite(tests, 1_000, seed)
    expected = _core_py.plan(nodes, fixtures, defs)
    planned = compiled.plan(nodes, fixtures, defs)
    assert differences(planned, expected) == []
    assert planned == expected


def test_both_cores_plan_an_empty_suite_equally(compiled: ModuleType) -> None:
    nodes = [Node(Scope.SESSION, -1, "tests")]
    assert compiled.plan(nodes, [], []) == _core_py.plan(nodes, [], [])


def test_both_cores_plan_equally_with_another_request_name(compiled: ModuleType) -> None:
    nodes, fixtures, defs = make_suite(500, 200, seed=4)
    expected = _core_py.plan(nodes, fixtures, defs, request_name="fx3_session")
    assert compiled.plan(nodes, fixtures, defs, request_name="fx3_session") == expected


def test_both_cores_reject_a_malformed_tree_with_the_same_error(compiled: ModuleType) -> None:
    nodes = [Node(Scope.SESSION, -1, "tests"), Node(Scope.MODULE, 2, "test_a.py")]
    with pytest.raises(DefinitionError) as from_twin:
        _core_py.plan(nodes, [], [])
    with pytest.raises(DefinitionError) as from_compiled:
        compiled.plan(nodes, [], [])
    assert str(from_compiled.value) == str(from_twin.value)


def test_synthetic_suites_exercise_params_errors_and_every_kind_of_loop() -> None:
    nodes, fixtures, defs = make_suite(5_000, 1_000, seed=4)
    plan = _core_py.plan(nodes, fixtures, defs)
    assert plan.item_count > len(defs)
    assert {type(error) for error in plan.errors.values()} == {LoopScopeError, BackendMismatchError}
    assert {loop.scope for loop in plan.loops} >= {Scope.FUNCTION, Scope.MODULE, Scope.SESSION}
    assert {loop.backend for loop in plan.loops} == {"asyncio", "trio"}


def test_synthetic_suites_are_the_same_for_the_same_seed() -> None:
    assert make_suite(300, 100, seed=7) == make_suite(300, 100, seed=7)


def test_synthetic_suites_differ_between_seeds() -> None:
    assert make_suite(300, 100, seed=7) != make_suite(300, 100, seed=8)


def test_synthetic_suites_have_the_requested_numbers_of_tests_and_fixtures() -> None:
    _nodes, fixtures, defs = make_suite(1_234, 321, seed=0)
    assert (len(defs), len(fixtures)) == (1_234, 321)


@pytest.mark.usefixtures("collector_enabled")
def test_planning_leaves_the_cycle_collector_on(compiled: ModuleType) -> None:
    compiled.plan(*make_suite(100, 50, seed=0))
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_disabled")
def test_planning_leaves_a_paused_cycle_collector_paused(compiled: ModuleType) -> None:
    compiled.plan(*make_suite(100, 50, seed=0))
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_planning_restores_the_cycle_collector_when_it_raises(compiled: ModuleType) -> None:
    misplaced = TestDef(id="test_a.py::test_x", node=5)
    with pytest.raises(DefinitionError):
        compiled.plan([Node(Scope.SESSION, -1, "tests")], [FixtureDef(name="db")], [misplaced])
    assert gc.isenabled()
