"""The pure-Python planner: the twin of ``rustest/_core.pyx``, with the same results.

``plan()`` turns nodes, fixture definitions and test definitions into a
``Plan`` in five passes:

1. resolve each distinct fixture closure once (lookup by visibility,
   override chaining, autouse, cycle and scope checks) and order it;
2. expand fixture params into items and give every item its fixture
   instances, sharing scoped instances by key;
3. assign loops: union-find over items and the async instances they use, so
   one instance runs on one loop and its users move to the widest loop;
4. reorder items so that parametrized scoped fixtures are set up as few
   times as needed (pytest's algorithm);
5. emit the steps, tearing each instance down after the last test of its
   scope instance and closing each loop after its last step.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict, deque
from collections.abc import Sequence
from itertools import pairwise, product

from rustest import _plan_messages as messages
from rustest._definitions import BUILTIN, SESSION_NODE, FixtureDef, Node, TestDef
from rustest._errors import DefinitionError, PlanError
from rustest._plan import DIRECT, NO_LOOP, REQUEST, Closure, LoopSpec, Plan, StepKind
from rustest._scope import Scope

__all__ = ["IMPLEMENTATION", "plan"]

IMPLEMENTATION = "python"
"""Which core this is: ``"python"`` here, ``"cython"`` in the compiled twin."""

_FUNCTION = int(Scope.FUNCTION)
_CLASS = int(Scope.CLASS)
_MODULE = int(Scope.MODULE)
_PACKAGE = int(Scope.PACKAGE)
_SESSION = int(Scope.SESSION)
_HIGH_SCOPES = (_SESSION, _PACKAGE, _MODULE, _CLASS)

_NO_PARAM = 0
_OWN_PARAM = 1
_INDIRECT_PARAM = 2

_OPEN = int(StepKind.OPEN_LOOP)
_SETUP = int(StepKind.SETUP)
_CALL = int(StepKind.CALL)
_TEARDOWN = int(StepKind.TEARDOWN)
_CLOSE = int(StepKind.CLOSE_LOOP)
_PLAN_ERROR = int(StepKind.PLAN_ERROR)


def plan(
    nodes: Sequence[Node],
    fixtures: Sequence[FixtureDef],
    tests: Sequence[TestDef],
    *,
    request_name: str = "request",
) -> Plan:
    """Plan *tests* over *fixtures* within the scope tree *nodes*.

    ``nodes[0]`` must be the session root and every node's parent must come
    before it. Malformed input raises ``DefinitionError``; problems of single
    tests (unknown fixture, cycle, scope or loop-scope conflicts) become
    per-test errors in ``Plan.errors`` and never stop the plan.
    """
    return _Planner(nodes, fixtures, tests, request_name).run()


class _ClosureInfo:
    """A resolved closure plus the per-position facts the later passes need."""

    __slots__ = ("async_", "backend_dep", "closure", "index", "param_kind", "roots", "scopes")

    def __init__(
        self,
        closure: Closure,
        index: int,
        fixtures: Sequence[FixtureDef],
        roots: list[int],
        param_kind: list[int],
    ) -> None:
        self.closure = closure
        self.index = index
        self.roots = roots
        self.param_kind = param_kind
        defs = closure.defs
        self.scopes = [int(fixtures[d].scope) for d in defs]
        self.async_ = [fixtures[d].is_async for d in defs]
        backend_dep: list[bool] = []
        for j, d in enumerate(defs):
            dep = fixtures[d].is_async
            if not dep:
                for _name, pos in closure.args[j]:
                    if pos >= 0 and backend_dep[pos]:
                        dep = True
                        break
            backend_dep.append(dep)
        self.backend_dep = backend_dep


class _Planner:
    def __init__(
        self,
        nodes: Sequence[Node],
        fixtures: Sequence[FixtureDef],
        tests: Sequence[TestDef],
        request_name: str,
    ) -> None:
        self.nodes = nodes
        self.fixtures = fixtures
        self.tests = tests
        self.request_name = request_name
        self._check_nodes()
        self.chains: list[tuple[int, ...]] = []
        self.scope_nodes: list[tuple[int, int, int, int, int]] = []
        self._index_nodes()
        self.defs_at: dict[tuple[int, str], int] = {}
        self.builtins: dict[str, int] = {}
        self.autouse_at: dict[int, list[int]] = {}
        self._index_fixtures()
        self.visible_cache: dict[tuple[int, str], tuple[int, ...]] = {}
        self.closure_cache: dict[object, _ClosureInfo | PlanError] = {}
        self.closure_infos: list[_ClosureInfo] = []
        # Raw items (in collection order) and raw instances, filled by run().
        self.r_test: list[int] = []
        self.r_info: list[_ClosureInfo | None] = []
        self.r_id: list[str] = []
        self.r_inst: list[list[int]] = []
        self.r_error: list[PlanError | None] = []
        self.k_def: list[int] = []
        self.k_scope: list[int] = []
        self.k_node: list[int] = []
        self.k_async: list[bool] = []
        self.k_param: list[int] = []
        self.k_param_kind: list[int] = []
        self.k_deps: list[tuple[int, ...]] = []

    # -- input indexing ---------------------------------------------------

    def _check_nodes(self) -> None:
        nodes = self.nodes
        if not nodes or nodes[0].scope is not Scope.SESSION or nodes[0].parent != -1:
            raise DefinitionError("nodes[0] must be the session root: Node(Scope.SESSION, parent=-1, ...)")
        for i in range(1, len(nodes)):
            node = nodes[i]
            if not 0 <= node.parent < i:
                raise DefinitionError(
                    f"node {i} ({node.name!r}) has parent {node.parent}: "
                    "a node's parent must be listed before it"
                )
            if node.scope is Scope.SESSION:
                raise DefinitionError(f"node {i} ({node.name!r}): only nodes[0] may have session scope")
            if node.scope > nodes[node.parent].scope and nodes[node.parent].scope is not Scope.SESSION:
                raise DefinitionError(
                    f"node {i} ({node.name!r}) is a {node.scope.label} inside a "
                    f"{nodes[node.parent].scope.label}: nodes must nest from wide to narrow"
                )

    def _index_nodes(self) -> None:
        nodes = self.nodes
        for i, node in enumerate(nodes):
            if i == 0:
                self.chains.append((0,))
                self.scope_nodes.append((-1, 0, 0, 0, 0))
                continue
            self.chains.append((i, *self.chains[node.parent]))
            parent_scopes = self.scope_nodes[node.parent]
            package = i if node.scope is Scope.PACKAGE else parent_scopes[_PACKAGE]
            module = i if node.scope is Scope.MODULE else parent_scopes[_MODULE]
            klass = i if node.scope is Scope.CLASS else -1
            self.scope_nodes.append((-1, klass, module, package, SESSION_NODE))

    def _index_fixtures(self) -> None:
        n_nodes = len(self.nodes)
        for d, fx in enumerate(self.fixtures):
            if fx.node == BUILTIN:
                self.builtins[fx.name] = d
            elif 0 <= fx.node < n_nodes:
                self.defs_at[(fx.node, fx.name)] = d
            else:
                raise DefinitionError(
                    f"fixture {fx.name!r} ({fx.location or 'unknown location'}) names node {fx.node}, "
                    f"but there are {n_nodes} nodes"
                )
        # Autouse is by name: the last definition of a name at a node is the one that counts.
        for d, fx in enumerate(self.fixtures):
            if not fx.autouse:
                continue
            if fx.node == BUILTIN:
                if self.builtins[fx.name] == d:
                    self.autouse_at.setdefault(BUILTIN, []).append(d)
            elif self.defs_at[(fx.node, fx.name)] == d:
                self.autouse_at.setdefault(fx.node, []).append(d)
        for t in self.tests:
            if not 0 <= t.node < n_nodes:
                raise DefinitionError(f"test {t.id!r} names node {t.node}, but there are {n_nodes} nodes")

    def _scope_node(self, node: int, scope: int) -> int:
        found = self.scope_nodes[node][scope]
        if scope == _CLASS and found < 0:
            return self.scope_nodes[node][_MODULE]
        return found

    # -- pass 1: closures -------------------------------------------------

    def _visible(self, node: int, name: str) -> tuple[int, ...]:
        key = (node, name)
        found = self.visible_cache.get(key)
        if found is None:
            defs_at = self.defs_at
            out = [defs_at[(n, name)] for n in self.chains[node] if (n, name) in defs_at]
            builtin = self.builtins.get(name)
            if builtin is not None:
                out.append(builtin)
            found = tuple(out)
            self.visible_cache[key] = found
        return found

    def _visible_names(self, node: int) -> list[str]:
        chain = set(self.chains[node])
        names = [name for (n, name) in self.defs_at if n in chain]
        names.extend(self.builtins)
        return names

    def _closure(self, test: TestDef) -> _ClosureInfo | PlanError:
        shadow = frozenset(test.values)
        indirect = frozenset(test.indirect)
        key = (test.node, test.requests, test.usefixtures, shadow, indirect)
        found = self.closure_cache.get(key)
        if found is None:
            resolved = self._resolve(test.node, test.requests, test.usefixtures, shadow, indirect)
            if isinstance(resolved, PlanError):
                found = resolved
            else:
                closure, roots, kinds = resolved
                found = _ClosureInfo(closure, len(self.closure_infos), self.fixtures, roots, kinds)
                self.closure_infos.append(found)
            self.closure_cache[key] = found
        return found

    def _resolve(
        self,
        node: int,
        requests: tuple[str, ...],
        usefixtures: tuple[str, ...],
        shadow: frozenset[str],
        indirect: frozenset[str],
    ) -> tuple[Closure, list[int], list[int]] | PlanError:
        fixtures = self.fixtures
        request_name = self.request_name

        def lookup(name: str, requester: int) -> int | None:
            if name == request_name:
                return REQUEST
            if name in shadow:
                return DIRECT
            visible = self._visible(node, name)
            if requester >= 0 and fixtures[requester].name == name:
                # Override chaining: a fixture asking for its own name gets the next outer one.
                try:
                    at = visible.index(requester)
                except ValueError:
                    return None
                return visible[at + 1] if at + 1 < len(visible) else None
            return visible[0] if visible else None

        initial: list[str] = []
        for n in (BUILTIN, *reversed(self.chains[node])):
            for d in self.autouse_at.get(n, ()):
                initial.append(fixtures[d].name)
        initial.extend(usefixtures)
        initial.extend(requests)

        postorder: list[int] = []
        # pytest's closure lists the names the test asks for first, then each name the first time a
        # depth-first walk reaches it; params expand in that order.
        name_rank = {name: i for i, name in enumerate(dict.fromkeys(initial))}
        state: dict[int, int] = {}
        deps_of: dict[int, tuple[tuple[str, int], ...]] = {}
        stack: list[int] = []

        def visit(d: int) -> PlanError | None:
            st = state.get(d)
            if st == 1:
                return None
            if st == 0:
                at = stack.index(d)
                return messages.cycle([fixtures[x].name for x in stack[at:]] + [fixtures[d].name])
            state[d] = 0
            name_rank.setdefault(fixtures[d].name, len(name_rank))
            stack.append(d)
            fx = fixtures[d]
            deps: list[tuple[str, int]] = []
            for name in fx.requests:
                r = lookup(name, d)
                if r is None:
                    return messages.unknown_fixture(
                        name, fx, self.chains[node], self.nodes, self._visible_names(node)
                    )
                if r >= 0:
                    if fixtures[r].scope < fx.scope:
                        return messages.scope_mismatch(fx, fixtures[r])
                    err = visit(r)
                    if err is not None:
                        return err
                deps.append((name, r))
            stack.pop()
            state[d] = 1
            deps_of[d] = tuple(deps)
            postorder.append(d)
            return None

        top: dict[str, int] = {}
        for name in initial:
            if name in top:
                continue
            r = lookup(name, -1)
            if r is None:
                return messages.unknown_fixture(
                    name, None, self.chains[node], self.nodes, self._visible_names(node)
                )
            top[name] = r
            if r >= 0:
                err = visit(r)
                if err is not None:
                    return err

        # Wider scopes first; the sort is stable and a dependency never has a narrower scope,
        # so the order stays topological.
        order = sorted(postorder, key=lambda d: -int(fixtures[d].scope))
        pos = {d: j for j, d in enumerate(order)}

        def position(r: int) -> int:
            return r if r < 0 else pos[r]

        args = tuple(tuple((name, position(r)) for name, r in deps_of[d]) for d in order)
        test_args = tuple((name, position(top[name])) for name in requests)
        roots = [pos[r] for r in top.values() if r >= 0]
        # An indirect param goes to the nearest definition of its name, whether the test requests
        # that fixture itself or reaches it through others, as in pytest.
        nearest = [lookup(name, -1) for name in indirect]
        indirect_defs = {r for r in nearest if r is not None and r in pos}
        params: list[int] = []
        kinds: list[int] = []
        for j, d in enumerate(order):
            if d in indirect_defs:
                kinds.append(_INDIRECT_PARAM)
                params.append(j)
            elif fixtures[d].params is not None:
                kinds.append(_OWN_PARAM)
                params.append(j)
            else:
                kinds.append(_NO_PARAM)
        # Params expand the test in pytest's order, so ids and items read as pytest's do: the
        # fixtures' own params before indirect ones, wider scopes first, then pytest's closure order.
        params.sort(
            key=lambda j: (
                kinds[j] == _INDIRECT_PARAM,
                -int(fixtures[order[j]].scope),
                name_rank[fixtures[order[j]].name],
            )
        )
        return Closure(tuple(order), args, test_args, tuple(params)), roots, kinds

    # -- the whole plan ----------------------------------------------------

    def run(self) -> Plan:
        fixtures = self.fixtures
        tests = self.tests
        # Raw items, in collection order.
        r_test: list[int] = []
        r_info: list[_ClosureInfo | None] = []
        r_id: list[str] = []
        r_inst: list[list[int]] = []
        r_error: list[PlanError | None] = []
        # Raw instances.
        k_def: list[int] = []
        k_scope: list[int] = []
        k_node: list[int] = []
        k_async: list[bool] = []
        k_param: list[int] = []
        k_param_kind: list[int] = []
        k_deps: list[tuple[int, ...]] = []
        by_key: dict[tuple[object, ...], int] = {}

        for t, test in enumerate(tests):
            if test.skip is not None or (test.xfail is not None and not test.xfail.run):
                # Nothing is set up for a test that will not run; it is reported from its CALL step.
                r_test.append(t)
                r_info.append(None)
                r_id.append(test.id)
                r_inst.append([])
                r_error.append(None)
                continue
            found = self._closure(test)
            if isinstance(found, PlanError):
                r_test.append(t)
                r_info.append(None)
                r_id.append(test.id)
                r_inst.append([])
                r_error.append(found)
                continue
            info = found
            closure = info.closure
            defs = closure.defs
            own = [j for j in closure.param_positions if info.param_kind[j] == _OWN_PARAM]
            empty = next((j for j in own if not fixtures[defs[j]].params), -1)
            if empty >= 0:
                r_test.append(t)
                r_info.append(None)
                r_id.append(test.id)
                r_inst.append([])
                r_error.append(messages.empty_params(fixtures[defs[empty]]))
                continue
            if own:
                choices = list(product(*[range(len(fixtures[defs[j]].params or ())) for j in own]))
            else:
                choices = [()]
            for combo in choices:
                chosen = dict(zip(own, combo, strict=True))
                if combo:
                    suffix = "-".join(fixtures[defs[j]].param_ids[c] for j, c in chosen.items())
                    item_id = _with_params(test.id, suffix)
                else:
                    item_id = test.id
                error: PlanError | None = None
                inst: list[int] = []
                for j, d in enumerate(defs):
                    fx = fixtures[d]
                    if fx.backend is not None and fx.is_async and fx.backend != test.backend:
                        error = messages.backend_mismatch(item_id, test.backend, fx)
                        break
                    scope = info.scopes[j]
                    kind = info.param_kind[j]
                    param = chosen.get(j, -1)
                    deps = tuple(pos if pos < 0 else inst[pos] for _name, pos in closure.args[j])
                    if scope != _FUNCTION:
                        key: tuple[object, ...] = (
                            d,
                            self._scope_node(test.node, scope),
                            param,
                            test.indirect[fx.name][0] if kind == _INDIRECT_PARAM else None,
                            test.backend if info.backend_dep[j] else None,
                            t if DIRECT in deps else -1,
                            deps,
                        )
                        k = by_key.get(key, -1)
                        if k < 0:
                            by_key[key] = k = len(k_def)
                    else:
                        k = len(k_def)
                    if k == len(k_def):
                        k_def.append(d)
                        k_scope.append(scope)
                        k_node.append(-1 if scope == _FUNCTION else self._scope_node(test.node, scope))
                        k_async.append(info.async_[j])
                        k_param.append(param)
                        k_param_kind.append(kind)
                        k_deps.append(tuple(x for x in deps if x >= 0))
                    inst.append(k)
                r_test.append(t)
                r_info.append(info if error is None else None)
                r_id.append(item_id)
                r_inst.append(inst if error is None else [])
                r_error.append(error)

        self.r_test, self.r_info, self.r_id, self.r_inst, self.r_error = r_test, r_info, r_id, r_inst, r_error
        self.k_def, self.k_scope, self.k_node, self.k_async = k_def, k_scope, k_node, k_async
        self.k_param, self.k_param_kind, self.k_deps = k_param, k_param_kind, k_deps
        loop_of = self._assign_loops()
        order = self._reorder()
        return self._emit(order, loop_of)

    # -- pass 3: loops -----------------------------------------------------

    def _assign_loops(self) -> list[tuple[str, int, int, int] | None]:
        """Return each raw item's loop key (``None`` for no loop); record loop-scope errors."""
        r_test, r_info, r_inst, r_error = self.r_test, self.r_info, self.r_inst, self.r_error
        k_def, k_scope, k_async = self.k_def, self.k_scope, self.k_async
        fixtures = self.fixtures
        tests = self.tests
        n_raw = len(r_test)
        while True:
            parent = list(range(n_raw + len(k_def)))
            uses_loop = [False] * n_raw
            for r in range(n_raw):
                if r_error[r] is not None or r_info[r] is None:
                    continue
                test = tests[r_test[r]]
                has_async = False
                for k in r_inst[r]:
                    if k_async[k]:
                        has_async = True
                        a, b = _find(parent, r), _find(parent, n_raw + k)
                        if a != b:
                            # Union towards the smaller root keeps the result independent of order.
                            if a < b:
                                parent[b] = a
                            else:
                                parent[a] = b
                uses_loop[r] = has_async or test.is_async
            width: dict[int, int] = {}
            for r in range(n_raw):
                if not uses_loop[r]:
                    continue
                root = _find(parent, r)
                test = tests[r_test[r]]
                w = width.get(root, _FUNCTION)
                if test.loop_scope is not None and int(test.loop_scope) > w:
                    w = int(test.loop_scope)
                for k in r_inst[r]:
                    if k_async[k]:
                        fx = fixtures[k_def[k]]
                        if k_scope[k] > w:
                            w = k_scope[k]
                        if fx.loop_scope is not None and int(fx.loop_scope) > w:
                            w = int(fx.loop_scope)
                width[root] = w
            # Errors are recorded after the round, so every explanation sees the groups as built.
            failed: dict[int, PlanError] = {}
            for r in range(n_raw):
                if not uses_loop[r]:
                    continue
                need = width[_find(parent, r)]
                test = tests[r_test[r]]
                error = None
                if test.loop_scope is not None and int(test.loop_scope) < need:
                    error = self._loop_error(r, need)
                else:
                    for k in r_inst[r]:
                        fx = fixtures[k_def[k]]
                        if k_async[k] and fx.loop_scope is not None and int(fx.loop_scope) < need:
                            # Show the path to what needs the wide loop; without such a fixture
                            # (the test's own loop scope or sharing widened it), the path to fx.
                            cause = self._widening_fixture(r, need)
                            shown = k_def[cause] if cause >= 0 else k_def[k]
                            error = messages.loop_scope_fixture_conflict(
                                fx, Scope(need), self._path_to(r_info[r], r_test[r], shown)
                            )
                            break
                if error is not None:
                    failed[r] = error
            for r, error in failed.items():
                r_error[r] = error
            if failed:
                # Plan again without the failed items, so they do not widen anyone else's loop.
                continue
            keys: list[tuple[str, int, int, int] | None] = []
            for r in range(n_raw):
                if not uses_loop[r]:
                    keys.append(None)
                    continue
                need = width[_find(parent, r)]
                test = tests[r_test[r]]
                if need == _FUNCTION:
                    keys.append((test.backend, need, -1, r))
                else:
                    keys.append((test.backend, need, self._scope_node(test.node, need), -1))
            return keys

    def _widening_fixture(self, r: int, need: int) -> int:
        """Return the first async instance of item *r* whose scope or loop scope reaches *need*, or -1."""
        fixtures, k_def, k_scope = self.fixtures, self.k_def, self.k_scope
        for k in self.r_inst[r]:
            if self.k_async[k]:
                loop_scope = fixtures[k_def[k]].loop_scope
                if k_scope[k] >= need or (loop_scope is not None and int(loop_scope) >= need):
                    return k
        return -1

    def _path_to(self, info: _ClosureInfo | None, t: int, target: int) -> list[str]:
        """Return ``[test, fixture (scope), ..., target (scope, async)]`` through the closure."""
        fixtures = self.fixtures
        test = self.tests[t]
        label = test.id.rsplit("::", 1)[-1]
        if info is None:
            return [label, messages.describe_fixture(fixtures[target])]
        closure = info.closure
        goal = closure.defs.index(target)
        came: dict[int, int] = {}
        queue: deque[int] = deque()
        for s in info.roots:
            if s not in came:
                came[s] = -1
                queue.append(s)
        while queue:
            j = queue.popleft()
            if j == goal:
                break
            for _n, pos in closure.args[j]:
                if pos >= 0 and pos not in came:
                    came[pos] = j
                    queue.append(pos)
        path: list[str] = []
        j = goal
        while j >= 0:
            path.append(messages.describe_fixture(fixtures[closure.defs[j]]))
            j = came[j]
        path.append(label)
        path.reverse()
        return path

    def _loop_error(self, r: int, need: int) -> PlanError:
        """Explain why item *r*'s explicit loop scope is narrower than the *need* loop of its group."""
        r_test, r_info, r_id, k_def = self.r_test, self.r_info, self.r_id, self.k_def
        test = self.tests[r_test[r]]
        explicit = test.loop_scope
        assert explicit is not None
        cause = self._widening_fixture(r, need)
        if cause >= 0:
            return messages.loop_scope_too_narrow(
                r_id[r],
                explicit,
                test.loop_scope_source,
                Scope(need),
                self._path_to(r_info[r], r_test[r], k_def[cause]),
            )
        # The need comes from sharing, perhaps through a chain of shared instances: name the first
        # instance and its other user, then the chain up to the test that needs the wide loop.
        hops = self._sharing_chain(r, need)
        path: list[str] = []
        for (_k, item), (next_k, _next_item) in pairwise(hops):
            path.append(self._label(item))
            path.append(messages.describe_fixture(self.fixtures[k_def[next_k]]))
        path.extend(self._need_path(hops[-1][1], need))
        first_k, first_item = hops[0]
        return messages.loop_scope_shared(
            r_id[r],
            explicit,
            test.loop_scope_source,
            Scope(need),
            messages.describe_fixture(self.fixtures[k_def[first_k]]),
            r_id[first_item],
            path,
        )

    def _label(self, r: int) -> str:
        """Return the short name of item *r*'s test, as paths in messages show it."""
        return self.tests[self.r_test[r]].id.rsplit("::", 1)[-1]

    def _alone_need(self, r: int) -> int:
        """Return the loop scope item *r* needs by itself: its explicit scope and its async fixtures."""
        explicit = self.tests[self.r_test[r]].loop_scope
        need = _FUNCTION if explicit is None else int(explicit)
        for k in self.r_inst[r]:
            if self.k_async[k]:
                loop_scope = self.fixtures[self.k_def[k]].loop_scope
                need = max(need, self.k_scope[k], _FUNCTION if loop_scope is None else int(loop_scope))
        return need

    def _need_path(self, r: int, need: int) -> list[str]:
        """Return the path that makes item *r* need the *need* loop by itself."""
        cause = self._widening_fixture(r, need)
        if cause >= 0:
            return self._path_to(self.r_info[r], self.r_test[r], self.k_def[cause])
        return [self._label(r), f"loop_scope='{Scope(need).label}'"]

    def _sharing_chain(self, r: int, need: int) -> list[tuple[int, int]]:
        """Return ``(instance, item)`` hops from item *r* to the nearest item needing *need* alone.

        The walk goes through shared async instances, as the loop groups were
        made, so such an item always exists in *r*'s group.
        """
        r_inst, r_error, r_info, k_async = self.r_inst, self.r_error, self.r_info, self.k_async
        users: dict[int, list[int]] = {}
        for item in range(len(r_inst)):
            if r_error[item] is None and r_info[item] is not None:
                for k in r_inst[item]:
                    if k_async[k]:
                        users.setdefault(k, []).append(item)
        came: dict[int, tuple[int, int]] = {r: (-1, -1)}
        queue = deque([r])
        while queue:
            item = queue.popleft()
            if item != r and self._alone_need(item) >= need:
                hops: list[tuple[int, int]] = []
                while item != r:
                    k, before = came[item]
                    hops.append((k, item))
                    item = before
                hops.reverse()
                return hops
            for k in r_inst[item]:
                for other in users.get(k, ()):
                    if other not in came:
                        came[other] = (k, item)
                        queue.append(other)
        raise AssertionError(
            f"no item in the loop group of {self.r_id[r]!r} needs the {Scope(need).label} loop"
        )

    # -- pass 4: order -----------------------------------------------------

    def _reorder(self) -> list[int]:
        r_inst, r_error, k_scope = self.r_inst, self.r_error, self.k_scope
        n = len(r_inst)
        argkeys: dict[int, dict[int, list[int]]] = {s: {} for s in _HIGH_SCOPES}
        items_by_key: dict[int, dict[int, OrderedDict[int, None]]] = {s: {} for s in _HIGH_SCOPES}
        any_keys = False
        for r in range(n):
            info = self.r_info[r]
            if r_error[r] is not None or info is None:
                continue
            # An item's params in expansion order: the last one is the one pytest slices by first.
            for j in info.closure.param_positions:
                k = r_inst[r][j]
                scope = k_scope[k]
                if scope != _FUNCTION:
                    argkeys[scope].setdefault(r, []).append(k)
                    items_by_key[scope].setdefault(k, OrderedDict())[r] = None
                    any_keys = True
        if not any_keys:
            return list(range(n))
        return _reorder_at(list(range(n)), argkeys, items_by_key, 0)

    # -- pass 5: steps -----------------------------------------------------

    def _emit(self, order: list[int], loop_key: list[tuple[str, int, int, int] | None]) -> Plan:
        r_test, r_info, r_id, r_inst, r_error = self.r_test, self.r_info, self.r_id, self.r_inst, self.r_error
        k_def, k_scope, k_node, k_async, k_param = (
            self.k_def,
            self.k_scope,
            self.k_node,
            self.k_async,
            self.k_param,
        )
        k_param_kind, k_deps = self.k_param_kind, self.k_deps
        plan = Plan(self.nodes, self.fixtures, self.tests)
        n = len(order)
        tests = self.tests
        # Last user of each instance, and how far the run of its scope instance extends.
        last_use = [-1] * len(k_def)
        for p, r in enumerate(order):
            if r_error[r] is None:
                for k in r_inst[r]:
                    last_use[k] = p
        run_end: dict[int, list[int]] = {}
        for scope in (_CLASS, _MODULE, _PACKAGE):
            ends = [0] * n
            nxt = -2
            for p in range(n - 1, -1, -1):
                here = self._scope_node(tests[r_test[order[p]]].node, scope)
                ends[p] = ends[p + 1] if here == nxt else p
                nxt = here
            run_end[scope] = ends
        # A scoped instance lives to the end of its scope instance's run; a parametrized one only
        # to its last user, so two params of one fixture are not alive at once (as in pytest).
        # No instance outlives one it depends on; raw instances come after their dependencies.
        teardown_at: list[list[int]] = [[] for _ in range(n)]
        at_of = [-1] * len(k_def)
        for k, used_last in enumerate(last_use):
            if used_last < 0:
                continue
            scope = k_scope[k]
            if scope == _FUNCTION or k_param_kind[k] != _NO_PARAM:
                at = used_last
            elif scope == _SESSION:
                at = n - 1
            else:
                at = run_end[scope][used_last]
            for dep in k_deps[k]:
                if at_of[dep] < at:
                    at = at_of[dep]
            at_of[k] = at
            teardown_at[at].append(k)

        # Loops are numbered in order of first use.
        loop_ids: dict[tuple[str, int, int, int], int] = {}
        raw_loop_specs: list[tuple[str, int, int, int]] = []
        new_id = [-1] * len(k_def)
        inst_loop_raw = [NO_LOOP] * len(k_def)
        loop_request: set[int] = set()
        kinds: list[int] = []
        targets: list[int] = []
        loops: list[int] = []
        item_loop = array("i")
        for p, r in enumerate(order):
            key = loop_key[r]
            lp = NO_LOOP
            if key is not None and r_error[r] is None:
                lp = loop_ids.get(key, -1)
                if lp < 0:
                    lp = loop_ids[key] = len(raw_loop_specs)
                    backend, scope, node, _r = key
                    raw_loop_specs.append((backend, scope, node, p if node == -1 else -1))
            test = tests[r_test[r]]
            plan.item_test.append(r_test[r])
            plan.item_ids.append(r_id[r])
            item_loop.append(lp)
            info = r_info[r]
            error = r_error[r]
            plan.item_closure.append(info.index if info is not None and error is None else -1)
            if error is not None:
                plan.errors[p] = error
                plan.item_start.append(len(plan.item_instances))
                kinds.append(_PLAN_ERROR)
                targets.append(p)
                loops.append(NO_LOOP)
            else:
                for j, k in enumerate(r_inst[r]):
                    if new_id[k] < 0:
                        new_id[k] = len(plan.inst_fixture)
                        plan.inst_fixture.append(k_def[k])
                        plan.inst_scope_node.append(k_node[k])
                        plan.inst_item.append(p)
                        plan.inst_pos.append(j)
                        plan.inst_param.append(k_param[k])
                        on = lp if k_async[k] else NO_LOOP
                        plan.inst_loop.append(on)
                        inst_loop_raw[k] = on
                        if on >= 0 and info is not None and _takes_request(info.closure.args[j]):
                            loop_request.add(on)
                        kinds.append(_SETUP)
                        targets.append(new_id[k])
                        loops.append(on)
                    plan.item_instances.append(new_id[k])
                plan.item_start.append(len(plan.item_instances))
                kinds.append(_CALL)
                targets.append(p)
                loops.append(lp if test.is_async else NO_LOOP)
                if test.is_async and lp >= 0 and info is not None and _takes_request(info.closure.test_args):
                    loop_request.add(lp)
            for k in sorted(teardown_at[p], key=lambda k: -new_id[k]):
                kinds.append(_TEARDOWN)
                targets.append(new_id[k])
                loops.append(inst_loop_raw[k])
        plan.item_loop = item_loop
        plan.closures = [info.closure for info in self.closure_infos]

        # Open each loop before its first step and close it after its last. A loop is inline when
        # no step that runs user code comes between its first and last step: the steps that report
        # a test that will not run (skipped, or failed at plan time) run none, so they do not count.
        n_loops = len(raw_loop_specs)
        first = [-1] * n_loops
        last = [-1] * n_loops
        count = [0] * n_loops
        busy_at_first = [0] * n_loops
        busy_at_last = [0] * n_loops
        busy = 0
        item_closure = plan.item_closure
        for s, lp in enumerate(loops):
            if lp >= 0:
                if first[lp] < 0:
                    first[lp] = s
                    busy_at_first[lp] = busy
                last[lp] = s
                busy_at_last[lp] = busy
                count[lp] += 1
            if not _reports_only(kinds[s], targets[s], item_closure):
                busy += 1
        for lp, (backend, scope, node, item) in enumerate(raw_loop_specs):
            # A trio run blocks trio.run() on its thread while it is alive, so a trio loop whose
            # users take `request` (and may add sync finalizers) is hosted on a thread of its own.
            inline = count[lp] == busy_at_last[lp] - busy_at_first[lp] + 1 and not (
                backend == "trio" and lp in loop_request
            )
            plan.loops.append(LoopSpec(backend, Scope(scope), node, item, inline, count[lp]))
        step_kind, step_target, step_loop = plan.step_kind, plan.step_target, plan.step_loop
        for s in range(len(kinds)):
            lp = loops[s]
            if lp >= 0 and first[lp] == s:
                step_kind.append(_OPEN)
                step_target.append(lp)
                step_loop.append(lp)
            step_kind.append(kinds[s])
            step_target.append(targets[s])
            step_loop.append(lp)
            if lp >= 0 and last[lp] == s:
                step_kind.append(_CLOSE)
                step_target.append(lp)
                step_loop.append(lp)
        return plan


def _reports_only(kind: int, target: int, item_closure: array[int]) -> bool:
    """Tell whether a step only reports its item: the call of a test that will not run, or a plan error.

    Such an item has no closure in the plan (skipped, xfail(run=False), or
    an error found while planning), so its step calls no user code.
    """
    return kind in (_CALL, _PLAN_ERROR) and item_closure[target] < 0


def _takes_request(args: tuple[tuple[str, int], ...]) -> bool:
    return any(pos == REQUEST for _name, pos in args)


def _find(parent: list[int], x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def _with_params(test_id: str, suffix: str) -> str:
    # Fixture param ids come first inside the brackets, as pytest writes them (test[p0-1]). Names
    # hold no "[", so the brackets open at the first one after the file part of the node id.
    if test_id.endswith("]"):
        at = test_id.find("[", test_id.find("::") + 1)
        if at >= 0:
            return f"{test_id[: at + 1]}{suffix}-{test_id[at + 1 :]}"
    return f"{test_id}[{suffix}]"


def _reorder_at(
    items: list[int],
    argkeys: dict[int, dict[int, list[int]]],
    items_by_key: dict[int, dict[int, OrderedDict[int, None]]],
    level: int,
) -> list[int]:
    """pytest's ``reorder_items_atscope``: group items sharing a parametrized instance at this scope."""
    if level >= len(_HIGH_SCOPES) or len(items) < 3:
        return items
    scope = _HIGH_SCOPES[level]
    keys_of = argkeys[scope]
    users_of = items_by_key[scope]
    present = set(items)
    ignore: set[int] = set()
    queue = deque(items)
    done: dict[int, None] = {}
    while queue:
        no_key: dict[int, None] = {}
        slicing = -1
        while queue:
            item = queue.popleft()
            if item in done or item in no_key:
                continue
            keys = [k for k in keys_of.get(item, ()) if k not in ignore]
            if not keys:
                no_key[item] = None
                continue
            slicing = keys[-1]
            for other in reversed([i for i in users_of[slicing] if i in present]):
                queue.appendleft(other)
                # Move the regrouped item to the front of the users of its other params too, so
                # a later slice keeps together what this one put together (pytest does the same).
                for other_scope in _HIGH_SCOPES:
                    for key in argkeys[other_scope].get(other, ()):
                        items_by_key[other_scope][key].move_to_end(other, last=False)
            break
        if no_key:
            for item in _reorder_at(list(no_key), argkeys, items_by_key, level + 1):
                done[item] = None
        if slicing >= 0:
            ignore.add(slicing)
    return list(done)
