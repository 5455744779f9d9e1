"""The execution plan: what the planner produces and the executor walks.

A plan is columnar. Items (planned tests, in execution order), fixture
instances and steps are stored as parallel integer arrays, so that planning
100,000 tests allocates few Python objects and the executor's hot loop reads
plain integers. ``Plan.item()`` and ``Plan.instance()`` give readable views.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rustest._definitions import FixtureDef, Node, TestDef
from rustest._errors import PlanError
from rustest._scope import Scope

__all__ = [
    "DIRECT",
    "NO_LOOP",
    "REQUEST",
    "Closure",
    "InstanceView",
    "ItemView",
    "LoopSpec",
    "Plan",
    "Step",
    "StepKind",
]

NO_LOOP = -1
"""Loop index of a step that runs synchronously, on no event loop."""

REQUEST = -1
"""Closure position of the ``request`` argument, which the executor makes per requester."""

DIRECT = -2
"""Closure position of an argument supplied directly by the test's parametrization."""


class StepKind(enum.IntEnum):
    """What one step of the plan does."""

    OPEN_LOOP = 0
    SETUP = 1
    CALL = 2
    TEARDOWN = 3
    CLOSE_LOOP = 4
    PLAN_ERROR = 5


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its kind, its target (loop, instance or item index) and the loop it runs on."""

    kind: StepKind
    target: int
    loop: int


@dataclass(frozen=True, slots=True)
class LoopSpec:
    """An event loop of the plan.

    ``node`` is the scope node the loop belongs to (``-1`` for a function
    loop, whose ``item`` names the test). ``inline`` is true when nothing else
    runs between the loop's first and last step, so the backend may drive it
    on the calling thread; otherwise it must keep running between steps
    (hosted), so that background tasks keep serving while sync code runs.
    ``step_count`` is the number of setup, call and teardown steps on it.
    """

    backend: str
    scope: Scope
    node: int
    item: int
    inline: bool
    step_count: int = 0


@dataclass(frozen=True, slots=True)
class Closure:
    """The resolved fixture closure shared by every item with the same requests and node.

    ``defs`` are fixture indices in setup order. ``args[j]`` gives, for the
    fixture at position ``j``, its argument names and the closure position
    that supplies each (or ``REQUEST`` / ``DIRECT``). ``test_args`` does the
    same for the test function. ``param_positions`` are the positions of the
    parametrized fixtures whose params expand the test.
    """

    defs: tuple[int, ...]
    args: tuple[tuple[tuple[str, int], ...], ...]
    test_args: tuple[tuple[str, int], ...]
    param_positions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ItemView:
    """A readable view of one planned item (one test id to run)."""

    index: int
    id: str
    test: TestDef
    loop: int
    instances: tuple[int, ...]
    error: PlanError | None


@dataclass(frozen=True, slots=True)
class InstanceView:
    """A readable view of one fixture instance."""

    index: int
    fixture: FixtureDef
    scope_node: int
    item: int
    loop: int
    param_index: int


class Plan:
    """A complete, deterministic execution plan.

    Items are in execution order. For item ``i``, its closure is
    ``closures[item_closure[i]]`` and the instance at closure position ``j``
    is ``item_instances[item_start[i] + j]``. Instance ``k`` was created for
    item ``inst_item[k]`` at closure position ``inst_pos[k]``; instances are
    numbered in setup order. Steps are ``(step_kind[s], step_target[s],
    step_loop[s])``.
    """

    __slots__ = (
        "closures",
        "errors",
        "fixtures",
        "inst_fixture",
        "inst_item",
        "inst_loop",
        "inst_param",
        "inst_pos",
        "inst_scope_node",
        "item_closure",
        "item_ids",
        "item_instances",
        "item_loop",
        "item_start",
        "item_test",
        "loops",
        "nodes",
        "step_kind",
        "step_loop",
        "step_target",
        "tests",
    )

    def __init__(
        self,
        nodes: Sequence[Node],
        fixtures: Sequence[FixtureDef],
        tests: Sequence[TestDef],
    ) -> None:
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.fixtures: tuple[FixtureDef, ...] = tuple(fixtures)
        self.tests: tuple[TestDef, ...] = tuple(tests)
        self.closures: list[Closure] = []
        self.item_test: array[int] = array("i")
        self.item_closure: array[int] = array("i")
        self.item_loop: array[int] = array("i")
        self.item_start: array[int] = array("i", [0])
        self.item_instances: array[int] = array("i")
        self.item_ids: list[str] = []
        self.errors: dict[int, PlanError] = {}
        self.inst_fixture: array[int] = array("i")
        self.inst_scope_node: array[int] = array("i")
        self.inst_item: array[int] = array("i")
        self.inst_pos: array[int] = array("i")
        self.inst_loop: array[int] = array("i")
        self.inst_param: array[int] = array("i")
        self.loops: list[LoopSpec] = []
        self.step_kind: array[int] = array("b")
        self.step_target: array[int] = array("i")
        self.step_loop: array[int] = array("i")

    @property
    def item_count(self) -> int:
        """How many items (test ids) the plan runs or reports."""
        return len(self.item_test)

    @property
    def instance_count(self) -> int:
        """How many fixture instances the plan sets up."""
        return len(self.inst_fixture)

    def item(self, index: int) -> ItemView:
        """Return a readable view of item *index*."""
        start, end = self.item_start[index], self.item_start[index + 1]
        return ItemView(
            index=index,
            id=self.item_ids[index],
            test=self.tests[self.item_test[index]],
            loop=self.item_loop[index],
            instances=tuple(self.item_instances[start:end]),
            error=self.errors.get(index),
        )

    def instance(self, index: int) -> InstanceView:
        """Return a readable view of fixture instance *index*."""
        return InstanceView(
            index=index,
            fixture=self.fixtures[self.inst_fixture[index]],
            scope_node=self.inst_scope_node[index],
            item=self.inst_item[index],
            loop=self.inst_loop[index],
            param_index=self.inst_param[index],
        )

    def instance_args(self, index: int) -> tuple[tuple[str, int], ...]:
        """Return ``(argument name, instance index or REQUEST/DIRECT)`` for instance *index*."""
        item = self.inst_item[index]
        closure = self.closures[self.item_closure[item]]
        start = self.item_start[item]
        ids = self.item_instances
        return tuple(
            (name, pos if pos < 0 else ids[start + pos]) for name, pos in closure.args[self.inst_pos[index]]
        )

    def item_args(self, index: int) -> tuple[tuple[str, int], ...]:
        """Return ``(argument name, instance index or REQUEST/DIRECT)`` for item *index*'s test."""
        closure = self.closures[self.item_closure[index]]
        start = self.item_start[index]
        ids = self.item_instances
        return tuple((name, pos if pos < 0 else ids[start + pos]) for name, pos in closure.test_args)

    def steps(self) -> Iterator[Step]:
        """Iterate over the steps in order."""
        kinds, targets, loops = self.step_kind, self.step_target, self.step_loop
        for s in range(len(kinds)):
            yield Step(StepKind(kinds[s]), targets[s], loops[s])

    def describe(self) -> list[str]:
        """Return the steps as readable lines (``SETUP db [session] on loop 0``), for debugging and tests."""
        lines: list[str] = []
        for step in self.steps():
            where = "" if step.loop == NO_LOOP else f" on loop {step.loop}"
            if step.kind in (StepKind.OPEN_LOOP, StepKind.CLOSE_LOOP):
                spec = self.loops[step.target]
                lines.append(f"{step.kind.name} {step.target} ({spec.backend} {spec.scope.label})")
            elif step.kind in (StepKind.SETUP, StepKind.TEARDOWN):
                fx = self.fixtures[self.inst_fixture[step.target]]
                lines.append(f"{step.kind.name} {fx.name}#{step.target}{where}")
            else:
                lines.append(f"{step.kind.name} {self.item_ids[step.target]}{where}")
        return lines

    def _state(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return self._state() == other._state()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<Plan items={self.item_count} instances={self.instance_count} "
            f"loops={len(self.loops)} steps={len(self.step_kind)} errors={len(self.errors)}>"
        )
