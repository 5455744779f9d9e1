"""Deterministic synthetic suites for the planner: packages, modules, classes, fixtures and tests.

``make_suite`` builds the kind of input a large real project hands the
planner: a session root with a ``conftest.py``, packages with their own
conftests, modules of about a hundred tests, some test classes, fixtures of
every scope that request wider-or-equal fixtures in chains, async and
autouse fixtures, a few parametrized session and module fixtures, override
chaining, directly and indirectly parametrized tests, skipped tests, trio
tests and a few explicit loop scopes. The same seed always gives the same
suite, so the benchmarks and the equivalence tests share it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from rustest._definitions import SESSION_NODE, FixtureDef, Node, TestDef
from rustest._scope import Scope

__all__ = ["MODULES_PER_PACKAGE", "TESTS_PER_MODULE", "make_suite"]

TESTS_PER_MODULE = 100
"""How many tests (after direct parametrization) a synthetic module holds."""

MODULES_PER_PACKAGE = 10
"""How many modules a synthetic package holds."""

# Where fixtures are defined, as shares of all fixtures: the root conftest, package
# conftests, modules and classes.
_ROOT_SHARE = 0.15
_PACKAGE_SHARE = 0.25
_MODULE_SHARE = 0.45

# Scope mix of the fixtures defined at each kind of node.
_SCOPE_MIX = {
    Scope.SESSION: ((Scope.SESSION, 0.4), (Scope.PACKAGE, 0.1), (Scope.MODULE, 0.15), (Scope.FUNCTION, 0.35)),
    Scope.PACKAGE: ((Scope.PACKAGE, 0.2), (Scope.MODULE, 0.25), (Scope.FUNCTION, 0.55)),
    Scope.MODULE: ((Scope.MODULE, 0.35), (Scope.FUNCTION, 0.65)),
    Scope.CLASS: ((Scope.CLASS, 0.4), (Scope.FUNCTION, 0.6)),
}

_ASYNC_FIXTURE_SHARE = 0.2
_AUTOUSE_SHARE = 0.015
_PARAMETRIZED_SHARE = 0.04
_OVERRIDE_SHARE = 0.03
_REQUEST_ARG_SHARE = 0.1
_CLASS_MODULE_SHARE = 0.3
_ASYNC_TEST_SHARE = 0.3
_TRIO_TEST_SHARE = 0.03
_PARAMETRIZED_TEST_SHARE = 0.1
_INDIRECT_SHARE = 0.1
_USEFIXTURES_SHARE = 0.03
_PATTERNS_PER_NODE = 8
_PATTERN_REUSE_SHARE = 0.85
_SKIP_SHARE = 0.01
_WIDE_LOOP_SCOPE_SHARE = 0.005
_NARROW_LOOP_SCOPE_SHARE = 0.001


@dataclass
class _Traits:
    """The per-test choices shared by every case of one parametrized test."""

    is_async: bool
    backend: str = "asyncio"
    usefixtures: tuple[str, ...] = ()
    skip: str | None = None
    loop_scope: Scope | None = None
    loop_scope_source: str = ""


@dataclass
class _Scope:
    """What one node sees: fixture names resolved to their nearest definition."""

    node: int
    visible: dict[str, int]
    own: list[int] = field(default_factory=list)


class _SuiteBuilder:
    """Builds one suite from a seeded random generator; every choice goes through it."""

    def __init__(self, n_fixtures: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_fixtures = n_fixtures
        self.nodes: list[Node] = [Node(Scope.SESSION, -1, "tests")]
        self.fixtures: list[FixtureDef] = []
        self.tests: list[TestDef] = []
        self.parametrized: set[int] = set()

    def add_node(self, scope: Scope, parent: int, name: str) -> int:
        self.nodes.append(Node(scope, parent, name))
        return len(self.nodes) - 1

    def pick_scope(self, node_scope: Scope) -> Scope:
        r = self.rng.random()
        for scope, share in _SCOPE_MIX[node_scope]:
            if r < share:
                return scope
            r -= share
        return Scope.FUNCTION

    def define_fixtures(self, where: _Scope, count: int) -> None:
        """Define *count* fixtures at *where*, each requesting earlier visible ones."""
        node_scope = self.nodes[where.node].scope
        for _ in range(count):
            self.fixtures.append(self.new_fixture(where, node_scope))
            index = len(self.fixtures) - 1
            where.visible[self.fixtures[index].name] = index
            where.own.append(index)

    def new_fixture(self, where: _Scope, node_scope: Scope) -> FixtureDef:
        rng = self.rng
        index = len(self.fixtures)
        location = f"{self.nodes[where.node].name}:{10 + 7 * len(where.own)}"
        is_async = rng.random() < _ASYNC_FIXTURE_SHARE
        overridden = self.override_target(where) if node_scope <= Scope.MODULE else None
        if overridden is not None:
            # An override keeps the scope of what it overrides (else the outer fixture's other
            # users would hit scope errors) and asks only for the outer fixture (else it could
            # close a cycle through them).
            name = overridden
            scope = self.fixtures[where.visible[overridden]].scope
            requests: tuple[str, ...] = (overridden,)
        else:
            scope = self.pick_scope(node_scope)
            name = f"fx{index}_{scope.label}"
            requests = self.fixture_requests(where, scope)
        if rng.random() < _REQUEST_ARG_SHARE:
            requests = (*requests, "request")
        params: tuple[object, ...] | None = None
        ids: tuple[str, ...] | None = None
        autouse = False
        if (
            scope in (Scope.SESSION, Scope.MODULE)
            and overridden is None
            and rng.random() < _PARAMETRIZED_SHARE
        ):
            params = tuple(range(rng.randint(2, 3)))
            if rng.random() < 0.5:
                ids = tuple(f"{name}-v{p}" for p in params)
            self.parametrized.add(index)
        elif scope in (Scope.FUNCTION, Scope.MODULE) and rng.random() < _AUTOUSE_SHARE:
            autouse = True
            is_async = is_async and scope is Scope.FUNCTION
        return FixtureDef(
            name=name,
            scope=scope,
            requests=requests,
            is_async=is_async,
            is_generator=rng.random() < 0.5,
            autouse=autouse,
            params=params,
            ids=ids,
            node=where.node,
            loop_scope=Scope.SESSION if is_async and scope is Scope.SESSION and rng.random() < 0.2 else None,
            backend="asyncio" if is_async and node_scope is Scope.MODULE and rng.random() < 0.05 else None,
            is_method=node_scope is Scope.CLASS,
            location=location,
        )

    def override_target(self, where: _Scope) -> str | None:
        """Pick an outer fixture to override and chain to, or ``None`` for a fresh name."""
        if self.rng.random() >= _OVERRIDE_SHARE:
            return None
        own = set(where.own)
        candidates = [
            name for name, d in where.visible.items() if d not in own and d not in self.parametrized
        ]
        return self.rng.choice(candidates) if candidates else None

    def fixture_requests(self, where: _Scope, scope: Scope) -> tuple[str, ...]:
        """Pick 0-3 visible fixtures of equal or wider scope, favouring the latest (chains)."""
        rng = self.rng
        candidates = [
            name
            for name, d in where.visible.items()
            if self.fixtures[d].scope >= scope and d not in self.parametrized and not self.fixtures[d].autouse
        ]
        if not candidates:
            return ()
        wanted = min(len(candidates), rng.choice((0, 0, 0, 1, 1, 2)))
        chosen: list[str] = []
        if wanted and rng.random() < 0.6:
            chosen.append(candidates[-1])
        while len(chosen) < wanted:
            name = rng.choice(candidates)
            if name not in chosen:
                chosen.append(name)
        return tuple(chosen)

    def add_tests(self, where: _Scope, module: str, cls: str | None, count: int) -> None:
        """Add *count* test ids at *where*, expanding some tests by direct parametrization.

        Tests of one module mostly reuse a handful of argument lists (as real
        tests do: ``client``, ``db, client``), so closures repeat.
        """
        rng = self.rng
        names = list(where.visible)
        weights = [3.0 if d in where.own else 1.0 for d in where.visible.values()]
        patterns = [self.test_requests(names, weights) for _ in range(_PATTERNS_PER_NODE)]
        prefix = f"{module}::{cls}::" if cls else f"{module}::"
        made = 0
        while made < count:
            base = f"{prefix}test_{len(self.tests)}"
            if rng.random() < _PATTERN_REUSE_SHARE:
                requests = rng.choice(patterns)
            else:
                requests = self.test_requests(names, weights)
            cases = 1
            direct = rng.random() < _PARAMETRIZED_TEST_SHARE
            if direct:
                cases = min(rng.randint(2, 4), count - made)
            indirect_name = None
            if direct and rng.random() < _INDIRECT_SHARE:
                indirect_name = next((n for n in requests if where.visible[n] not in self.parametrized), None)
            traits = self.test_traits(where)
            for case in range(cases):
                self.tests.append(
                    TestDef(
                        id=f"{base}[{case}]" if direct else base,
                        node=where.node,
                        requests=(*requests, "value") if direct else requests,
                        usefixtures=traits.usefixtures,
                        is_async=traits.is_async,
                        backend=traits.backend,
                        loop_scope=traits.loop_scope,
                        loop_scope_source=traits.loop_scope_source,
                        values={"value": case} if direct else {},
                        indirect={indirect_name: (str(case), case)} if indirect_name else {},
                        skip=traits.skip,
                        location=f"{module}:{20 + 4 * len(self.tests)}",
                    )
                )
            made += cases

    def test_requests(self, names: list[str], weights: list[float]) -> tuple[str, ...]:
        """Pick 1-5 distinct visible fixture names, favouring the node's own fixtures."""
        if not names:
            return ()
        wanted = min(len(names), self.rng.randint(1, 5))
        chosen: dict[str, None] = {}
        while len(chosen) < wanted:
            chosen[self.rng.choices(names, weights)[0]] = None
        return tuple(chosen)

    def test_traits(self, where: _Scope) -> _Traits:
        """Choose async-ness, backend, usefixtures, skip and explicit loop scope for one test."""
        rng = self.rng
        traits = _Traits(is_async=rng.random() < _ASYNC_TEST_SHARE)
        if traits.is_async and rng.random() < _TRIO_TEST_SHARE / _ASYNC_TEST_SHARE:
            traits.backend = "trio"
        if rng.random() < _USEFIXTURES_SHARE and where.own:
            traits.usefixtures = (self.fixtures[rng.choice(where.own)].name,)
        if rng.random() < _SKIP_SHARE:
            traits.skip = "not on this platform"
        r = rng.random()
        if traits.is_async and r < _WIDE_LOOP_SCOPE_SHARE:
            traits.loop_scope, traits.loop_scope_source = Scope.SESSION, "decorator"
        elif traits.is_async and r < _WIDE_LOOP_SCOPE_SHARE + _NARROW_LOOP_SCOPE_SHARE:
            traits.loop_scope, traits.loop_scope_source = Scope.FUNCTION, "module"
        return traits


def make_suite(
    n_tests: int, n_fixtures: int, seed: int = 0
) -> tuple[list[Node], list[FixtureDef], list[TestDef]]:
    """Return ``(nodes, fixtures, tests)``: *n_tests* test ids over *n_fixtures* fixtures.

    The same *seed* always gives the same suite. Tests sit :data:`TESTS_PER_MODULE` to a module and modules
    :data:`MODULES_PER_PACKAGE` to a package; about a third of the modules
    hold their tests in two test classes.
    """
    if n_tests < 1 or n_fixtures < 1:
        raise ValueError(
            f"need at least one test and one fixture, got {n_tests} tests and {n_fixtures} fixtures"
        )
    builder = _SuiteBuilder(n_fixtures, seed)
    rng = builder.rng
    n_modules = -(-n_tests // TESTS_PER_MODULE)
    n_packages = -(-n_modules // MODULES_PER_PACKAGE)
    root = _Scope(SESSION_NODE, {})
    builder.define_fixtures(root, max(1, round(n_fixtures * _ROOT_SHARE)))
    package_budget = _spread(round(n_fixtures * _PACKAGE_SHARE), n_packages)
    module_budget = _spread(round(n_fixtures * _MODULE_SHARE), n_modules)
    # Class fixtures take whatever the other kinds left.
    class_total = max(0, n_fixtures - len(builder.fixtures) - sum(package_budget) - sum(module_budget))
    modules_with_classes = [m for m in range(n_modules) if rng.random() < _CLASS_MODULE_SHARE] or [0]
    class_budget = _spread(class_total, 2 * len(modules_with_classes))
    with_classes = {m: i for i, m in enumerate(modules_with_classes)}
    tests_left = n_tests
    for p in range(n_packages):
        package_name = f"tests/pkg_{p:03d}"
        package = _Scope(builder.add_node(Scope.PACKAGE, SESSION_NODE, package_name), dict(root.visible))
        builder.define_fixtures(package, package_budget[p])
        for m in range(p * MODULES_PER_PACKAGE, min(n_modules, (p + 1) * MODULES_PER_PACKAGE)):
            module_name = f"{package_name}/test_mod_{m:04d}.py"
            module = _Scope(builder.add_node(Scope.MODULE, package.node, module_name), dict(package.visible))
            builder.define_fixtures(module, module_budget[m])
            in_module = min(TESTS_PER_MODULE, tests_left)
            tests_left -= in_module
            if m not in with_classes:
                builder.add_tests(module, module_name, None, in_module)
                continue
            # A third of the module's tests are plain functions, the rest split over two classes.
            plain = in_module // 3
            builder.add_tests(module, module_name, None, plain)
            in_classes = in_module - plain
            for c in range(2):
                class_name = f"TestGroup{c}"
                class_node = builder.add_node(Scope.CLASS, module.node, f"{module_name}::{class_name}")
                klass = _Scope(class_node, dict(module.visible))
                builder.define_fixtures(klass, class_budget[2 * with_classes[m] + c])
                builder.add_tests(klass, module_name, class_name, in_classes // 2 + (in_classes % 2) * c)
    return builder.nodes, builder.fixtures, builder.tests


def _spread(total: int, buckets: int) -> list[int]:
    """Split *total* into *buckets* near-equal counts, the remainder spread evenly across them."""
    return [(i + 1) * total // buckets - i * total // buckets for i in range(buckets)]
