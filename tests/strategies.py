"""Hypothesis strategies that build random planner inputs: scope trees, fixture graphs and tests.

The inputs are valid definitions (planning never raises ``DefinitionError``
on them) but freely contain what makes single tests fail to plan: unknown
names, cycles, scope mismatches, explicit loop scopes that are too narrow
and async fixtures pinned to another backend. Fixture names come from a
small pool, so overrides, override chaining and autouse collisions are
common.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from rustest._definitions import BUILTIN, SESSION_NODE, FixtureDef, Node, TestDef, XFail
from rustest._scope import Scope

__all__ = [
    "FIXTURE_NAMES",
    "PlannerInput",
    "defined_fixtures",
    "defined_tests",
    "node_trees",
    "planner_inputs",
]

FIXTURE_NAMES = ("a", "b", "c", "d", "e")
"""Names that fixtures are defined under and that tests and fixtures request."""

_BACKENDS = ("asyncio", "trio")
_BOOLEANS = st.booleans()
_SCOPES = st.sampled_from(Scope)
_OPTIONAL_SCOPES = st.none() | _SCOPES
_BACKEND_CHOICES = st.sampled_from(_BACKENDS)
_TEST_REQUESTS = st.lists(st.sampled_from((*FIXTURE_NAMES, "request")), max_size=3, unique=True)
_ANY_REQUESTS = st.lists(st.sampled_from((*FIXTURE_NAMES, "request", "missing")), max_size=3, unique=True)
# A fixture mostly requests names after its own, so most graphs are acyclic; some request their
# own name (chaining to an outer definition), and _ANY_REQUESTS lets a few cycle or ask for an
# unknown name.
_LATER_REQUESTS = tuple(
    st.lists(st.sampled_from((*FIXTURE_NAMES[i + 1 :], "request")), max_size=2, unique=True)
    for i in range(len(FIXTURE_NAMES))
)


def _one_in(n: int) -> st.SearchStrategy[bool]:
    return st.integers(1, n).map(lambda drawn: drawn == 1)


# Later names tend to be wider, so that most requests respect scopes.
_SCOPES_FROM = tuple(st.sampled_from([s for s in Scope if s >= i]) for i in range(len(FIXTURE_NAMES)))
_ROOTS = st.sampled_from((SESSION_NODE, BUILTIN))
_DEFINITION_COUNTS = st.sampled_from((1, 2, 1, 1, 0, 3))
_UNDER_PACKAGE = st.sampled_from((Scope.MODULE, Scope.PACKAGE))
_ONE_IN_3 = _one_in(3)
_ONE_IN_5 = _one_in(5)
_ONE_IN_10 = _one_in(10)


@dataclass(frozen=True)
class PlannerInput:
    """One complete input of ``plan()``: the scope tree, the fixture definitions and the tests."""

    nodes: tuple[Node, ...]
    fixtures: tuple[FixtureDef, ...]
    tests: tuple[TestDef, ...]


@st.composite
def node_trees(draw: st.DrawFn) -> tuple[Node, ...]:
    """Draw a scope tree: the session, then packages, modules and classes, at least one module."""
    nodes = [Node(Scope.SESSION, -1, "session"), Node(Scope.MODULE, 0, "test_0.py")]
    for index in range(2, 2 + draw(st.integers(0, 5))):
        parent = draw(st.integers(0, len(nodes) - 1))
        wide = nodes[parent].scope in (Scope.SESSION, Scope.PACKAGE)
        scope = draw(_UNDER_PACKAGE) if wide else Scope.CLASS
        nodes.append(Node(scope, parent, f"{scope.label}_{index}"))
    return tuple(nodes)


@st.composite
def defined_fixtures(draw: st.DrawFn, name_index: int, node_count: int) -> FixtureDef:
    """Draw a fixture named ``FIXTURE_NAMES[name_index]``, visible at a random node or built in."""
    name = FIXTURE_NAMES[name_index]
    param_count = draw(st.integers(1, 3)) if draw(_ONE_IN_3) else 0
    # An empty params list is legal: its tests are reported as skipped.
    params = tuple(range(param_count)) if param_count else (() if draw(_ONE_IN_10) else None)
    is_async = draw(_BOOLEANS)
    requests = draw(_ANY_REQUESTS if draw(_ONE_IN_10) else _LATER_REQUESTS[name_index])
    if draw(_ONE_IN_10) and name not in requests:
        requests.append(name)
    return FixtureDef(
        name=name,
        scope=draw(_SCOPES if draw(_ONE_IN_5) else _SCOPES_FROM[name_index]),
        requests=tuple(requests),
        is_async=is_async,
        is_generator=draw(_BOOLEANS),
        autouse=draw(_ONE_IN_10),
        params=params,
        ids=tuple(f"{name}-{i}" for i in range(param_count)) if params and draw(_BOOLEANS) else None,
        node=draw(st.integers(BUILTIN, node_count - 1) if draw(_ONE_IN_3) else _ROOTS),
        loop_scope=draw(_OPTIONAL_SCOPES) if is_async and draw(_ONE_IN_5) else None,
        backend=draw(_BACKEND_CHOICES) if is_async and draw(_ONE_IN_5) else None,
    )


@st.composite
def defined_tests(draw: st.DrawFn, index: int, holders: Sequence[int]) -> TestDef:
    """Draw test number *index*, held by one of the module or class nodes *holders*."""
    requests = tuple(draw(_ANY_REQUESTS if draw(_ONE_IN_10) else _TEST_REQUESTS))
    # An indirect param may name a fixture the test requests, one it reaches only through others,
    # or one outside its closure.
    indirect = (draw(st.sampled_from(FIXTURE_NAMES)),) if draw(_ONE_IN_5) else ()
    direct = draw(st.sampled_from(FIXTURE_NAMES)) if draw(_ONE_IN_5) else None
    explicit = draw(_SCOPES) if draw(_ONE_IN_3) else None
    return TestDef(
        id=f"t{index}[x]" if direct is not None else f"t{index}",
        node=holders[draw(st.integers(0, len(holders) - 1))],
        requests=requests,
        usefixtures=(draw(st.sampled_from(FIXTURE_NAMES)),) if draw(_ONE_IN_5) else (),
        is_async=draw(_BOOLEANS),
        backend=draw(_BACKEND_CHOICES),
        loop_scope=explicit,
        loop_scope_source="decorator" if explicit is not None else "",
        values={direct: 0} if direct is not None else {},
        indirect={name: (str(index % 2), index % 2) for name in indirect},
        skip="not today" if draw(_ONE_IN_10) else None,
        xfail=XFail(run=False) if draw(_ONE_IN_10) else None,
    )


@st.composite
def planner_inputs(draw: st.DrawFn) -> PlannerInput:
    """Draw a complete planner input: a tree, up to two definitions per name and up to eight tests."""
    nodes = draw(node_trees())
    fixtures = tuple(
        draw(defined_fixtures(name_index, len(nodes)))
        for name_index in range(len(FIXTURE_NAMES))
        for _ in range(draw(_DEFINITION_COUNTS))
    )
    holders = [i for i, node in enumerate(nodes) if node.scope in (Scope.MODULE, Scope.CLASS)]
    tests = tuple(draw(defined_tests(i, holders)) for i in range(draw(st.integers(1, 8))))
    return PlannerInput(nodes, fixtures, tests)
