"""Properties every plan has, checked on random fixture graphs with both planning cores.

Each input is a random scope tree with random fixtures (scopes, async,
autouse, params, visibility, explicit loop scopes, pinned backends) and
random tests, often with unknown names, cycles and scope mismatches. Whatever
the input, the steps must form a schedule an executor can follow blindly.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from types import ModuleType

import pytest
from hypothesis import given, settings
from strategies import PlannerInput, planner_inputs

from rustest import _core_py
from rustest._definitions import Node, TestDef
from rustest._plan import NO_LOOP, Plan, StepKind
from rustest._scope import Scope

__all__: list[str] = []

# No example database: the suite writes nothing outside tmp_path.
EXAMPLES = settings(max_examples=80, deadline=None, database=None)


@dataclass
class StepIndex:
    """Where each instance, item and loop appears in a plan's steps."""

    setups: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    teardowns: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    runs: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    opens: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    closes: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    on_loop: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    user_code: list[int] = field(default_factory=list)


def index_steps(plan: Plan) -> StepIndex:
    """Return the step positions of every SETUP, TEARDOWN, CALL/PLAN_ERROR, OPEN and CLOSE.

    ``user_code`` holds the positions of the steps that may run user code:
    every SETUP and TEARDOWN, and the CALL of a test that runs.
    """
    index = StepIndex()
    where = {
        StepKind.SETUP: index.setups,
        StepKind.TEARDOWN: index.teardowns,
        StepKind.CALL: index.runs,
        StepKind.PLAN_ERROR: index.runs,
        StepKind.OPEN_LOOP: index.opens,
        StepKind.CLOSE_LOOP: index.closes,
    }
    for position, step in enumerate(plan.steps()):
        where[step.kind][step.target].append(position)
        if step.kind in (StepKind.SETUP, StepKind.CALL, StepKind.TEARDOWN) and step.loop != NO_LOOP:
            index.on_loop[step.loop].append(position)
        if step.kind in (StepKind.SETUP, StepKind.TEARDOWN) or (
            step.kind is StepKind.CALL and is_run(plan.tests[plan.item_test[step.target]])
        ):
            index.user_code.append(position)
    return index


def user_code_between(index: StepIndex, first: int, last: int) -> int:
    """Return how many steps from position *first* to *last* may run user code."""
    return bisect.bisect_right(index.user_code, last) - bisect.bisect_left(index.user_code, first)


def is_run(test: TestDef) -> bool:
    """Return whether *test* runs at all (it is neither skipped nor an xfail that must not run)."""
    return test.skip is None and (test.xfail is None or test.xfail.run)


def plan_of(core: ModuleType, case: PlannerInput) -> Plan:
    """Plan *case* with *core*."""
    result: Plan = core.plan(case.nodes, case.fixtures, case.tests)
    return result


def users_of(plan: Plan) -> defaultdict[int, list[int]]:
    """Return the items that use each instance."""
    users: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(plan.item_count):
        for k in plan.item(i).instances:
            users[k].append(i)
    return users


def scope_instance(nodes: tuple[Node, ...], node: int, scope: Scope) -> int:
    """Return the node holding *scope*'s instance for a test at *node* (a class outside one: its module)."""
    if scope is Scope.SESSION:
        return 0
    fallback = {Scope.CLASS: Scope.MODULE, Scope.PACKAGE: Scope.SESSION}
    at = node
    while at >= 0:
        if nodes[at].scope is scope:
            return at
        at = nodes[at].parent
    return scope_instance(nodes, node, fallback[scope])


@pytest.fixture(scope="module")
def compiled_core() -> ModuleType:
    """Return the compiled core, skipping when it is not built."""
    module: ModuleType = pytest.importorskip("rustest._core")
    return module


@EXAMPLES
@given(case=planner_inputs())
def test_every_item_is_called_or_reported_exactly_once(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    runs = index_steps(plan).runs
    assert sorted(runs) == list(range(plan.item_count))
    assert all(len(positions) == 1 for positions in runs.values())


@EXAMPLES
@given(case=planner_inputs())
def test_item_ids_are_unique(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    assert len(set(plan.item_ids)) == plan.item_count


@EXAMPLES
@given(case=planner_inputs())
def test_every_test_yields_at_least_one_item(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    assert set(plan.item_test) == set(range(len(case.tests)))


@EXAMPLES
@given(case=planner_inputs())
def test_items_run_as_errors_exactly_when_they_have_an_error(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    errored = {s.target for s in plan.steps() if s.kind is StepKind.PLAN_ERROR}
    assert errored == set(plan.errors)


@EXAMPLES
@given(case=planner_inputs())
def test_items_with_errors_have_no_instances_and_no_loop(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in plan.errors:
        assert plan.item(i).instances == ()
        assert plan.item(i).loop == NO_LOOP


@EXAMPLES
@given(case=planner_inputs())
def test_skipped_items_have_no_instances_and_no_loop(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        if not is_run(plan.item(i).test):
            assert plan.item(i).instances == ()
            assert plan.item(i).loop == NO_LOOP


@EXAMPLES
@given(case=planner_inputs())
def test_every_instance_is_set_up_once_before_each_user(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    assert sorted(index.setups) == list(range(plan.instance_count))
    for k, users in users_of(plan).items():
        (setup,) = index.setups[k]
        assert all(setup < index.runs[i][0] for i in users)


@EXAMPLES
@given(case=planner_inputs())
def test_every_instance_is_torn_down_once_after_its_last_user(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    assert sorted(index.teardowns) == list(range(plan.instance_count))
    for k, users in users_of(plan).items():
        (teardown,) = index.teardowns[k]
        assert teardown > max(index.runs[i][0] for i in users)


@EXAMPLES
@given(case=planner_inputs())
def test_instances_are_numbered_in_setup_order(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    setups = [s.target for s in plan.steps() if s.kind is StepKind.SETUP]
    assert setups == list(range(plan.instance_count))


@EXAMPLES
@given(case=planner_inputs())
def test_dependencies_are_set_up_before_and_torn_down_after_their_dependents(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    for k in range(plan.instance_count):
        for _name, dep in plan.instance_args(k):
            if dep >= 0:
                assert index.setups[dep][0] < index.setups[k][0]
                assert index.teardowns[dep][0] > index.teardowns[k][0]


@EXAMPLES
@given(case=planner_inputs())
def test_item_instances_follow_their_closure(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        instances = plan.item(i).instances
        if instances:
            closure = plan.closures[plan.item_closure[i]]
            assert tuple(plan.inst_fixture[k] for k in instances) == closure.defs


@EXAMPLES
@given(case=planner_inputs())
def test_function_instances_serve_one_item(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for k, users in users_of(plan).items():
        if plan.instance(k).fixture.scope is Scope.FUNCTION:
            assert len(users) == 1


@EXAMPLES
@given(case=planner_inputs())
def test_scoped_instances_are_shared_only_within_their_scope_instance(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    for k, users in users_of(plan).items():
        instance = plan.instance(k)
        scope = instance.fixture.scope
        if scope is not Scope.FUNCTION:
            for i in users:
                assert scope_instance(case.nodes, plan.item(i).test.node, scope) == instance.scope_node


@EXAMPLES
@given(case=planner_inputs())
def test_steps_run_on_the_loop_of_their_instance_or_item(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for step in plan.steps():
        if step.kind in (StepKind.SETUP, StepKind.TEARDOWN):
            instance = plan.instance(step.target)
            assert step.loop == instance.loop
            assert (instance.loop != NO_LOOP) == instance.fixture.is_async
        elif step.kind is StepKind.CALL:
            item = plan.item(step.target)
            assert step.loop == (item.loop if item.test.is_async else NO_LOOP)


@EXAMPLES
@given(case=planner_inputs())
def test_async_items_have_a_loop(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        if item.error is None and is_run(item.test) and item.test.is_async:
            assert item.loop != NO_LOOP


@EXAMPLES
@given(case=planner_inputs())
def test_every_async_instance_runs_on_the_loop_of_each_user(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        for k in item.instances:
            if plan.instance(k).fixture.is_async:
                assert plan.instance(k).loop == item.loop


@EXAMPLES
@given(case=planner_inputs())
def test_no_item_runs_on_a_loop_narrower_than_its_async_fixtures(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        for k in item.instances:
            fixture = plan.instance(k).fixture
            if fixture.is_async:
                assert plan.loops[item.loop].scope >= fixture.scope
                assert plan.loops[item.loop].scope >= (fixture.loop_scope or Scope.FUNCTION)


@EXAMPLES
@given(case=planner_inputs())
def test_explicit_loop_scopes_are_never_narrowed(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        if item.loop != NO_LOOP and item.test.loop_scope is not None:
            assert plan.loops[item.loop].scope >= item.test.loop_scope


@EXAMPLES
@given(case=planner_inputs())
def test_items_without_async_fixtures_or_explicit_scope_get_a_loop_of_their_own(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        has_async = any(plan.instance(k).fixture.is_async for k in item.instances)
        if item.loop != NO_LOOP and not has_async and item.test.loop_scope is None:
            assert plan.loops[item.loop].scope is Scope.FUNCTION
            assert plan.loops[item.loop].item == i


@EXAMPLES
@given(case=planner_inputs())
def test_loops_belong_to_the_scope_instance_and_backend_of_their_items(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    for i in range(plan.item_count):
        item = plan.item(i)
        if item.loop == NO_LOOP:
            continue
        spec = plan.loops[item.loop]
        assert spec.backend == item.test.backend
        if spec.scope is Scope.FUNCTION:
            assert (spec.node, spec.item) == (-1, i)
        else:
            assert spec.node == scope_instance(case.nodes, item.test.node, spec.scope)


@EXAMPLES
@given(case=planner_inputs())
def test_every_loop_is_opened_and_closed_once_around_its_steps(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    assert sorted(index.opens) == sorted(index.closes) == list(range(len(plan.loops)))
    for lp in range(len(plan.loops)):
        (opened,) = index.opens[lp]
        (closed,) = index.closes[lp]
        steps = index.on_loop[lp]
        assert steps
        assert opened == steps[0] - 1
        assert closed == steps[-1] + 1


@EXAMPLES
@given(case=planner_inputs())
def test_loops_open_in_numbering_order(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    opened = [s.target for s in plan.steps() if s.kind is StepKind.OPEN_LOOP]
    assert opened == list(range(len(plan.loops)))


@EXAMPLES
@given(case=planner_inputs())
def test_loop_step_count_counts_the_steps_on_the_loop(core: ModuleType, case: PlannerInput) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    for lp, spec in enumerate(plan.loops):
        assert spec.step_count == len(index.on_loop[lp])


@EXAMPLES
@given(case=planner_inputs())
def test_only_loops_with_no_other_user_code_between_their_steps_are_inline(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    for lp, spec in enumerate(plan.loops):
        steps = index.on_loop[lp]
        if spec.inline:
            assert user_code_between(index, steps[0], steps[-1]) == len(steps)


@EXAMPLES
@given(case=planner_inputs())
def test_asyncio_loops_with_no_other_user_code_between_their_steps_are_inline(
    core: ModuleType, case: PlannerInput
) -> None:
    plan = plan_of(core, case)
    index = index_steps(plan)
    for lp, spec in enumerate(plan.loops):
        steps = index.on_loop[lp]
        if spec.backend == "asyncio":
            assert spec.inline == (user_code_between(index, steps[0], steps[-1]) == len(steps))


@EXAMPLES
@given(case=planner_inputs())
def test_planning_twice_gives_equal_plans(core: ModuleType, case: PlannerInput) -> None:
    assert plan_of(core, case) == plan_of(core, case)


@EXAMPLES
@given(case=planner_inputs())
def test_loop_scopes_and_errors_do_not_depend_on_test_order(core: ModuleType, case: PlannerInput) -> None:
    forward = plan_of(core, case)
    backward = plan_of(core, PlannerInput(case.nodes, case.fixtures, case.tests[::-1]))

    def outcome(plan: Plan) -> dict[str, tuple[Scope | None, str]]:
        result = {}
        for i in range(plan.item_count):
            item = plan.item(i)
            scope = None if item.loop == NO_LOOP else plan.loops[item.loop].scope
            result[item.id] = (scope, type(item.error).__name__)
        return result

    assert outcome(forward) == outcome(backward)


@EXAMPLES
@given(case=planner_inputs())
def test_both_cores_plan_identically(compiled_core: ModuleType, case: PlannerInput) -> None:
    assert plan_of(compiled_core, case) == plan_of(_core_py, case)
