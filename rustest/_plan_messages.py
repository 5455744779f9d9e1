"""Messages of plan errors, shared by the compiled and the pure-Python core.

Errors are rare, so both cores build their messages here in plain Python and
give identical text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rustest._definitions import FixtureDef, Node
from rustest._errors import (
    BackendMismatchError,
    EmptyParameterSetError,
    FixtureCycleError,
    LoopScopeError,
    ScopeMismatchError,
    UnknownFixtureError,
)
from rustest._scope import Scope

__all__ = [
    "backend_mismatch",
    "cycle",
    "describe_fixture",
    "empty_params",
    "loop_scope_fixture_conflict",
    "loop_scope_shared",
    "loop_scope_too_narrow",
    "scope_mismatch",
    "unknown_fixture",
]


def describe_fixture(fx: FixtureDef) -> str:
    """Return ``'db' (session, async)`` style text for a fixture in a path."""
    kind = ", async" if fx.is_async else ""
    return f"{fx.name} ({fx.scope.label}{kind})"


def _where(fx: FixtureDef) -> str:
    return f" at {fx.location}" if fx.location else ""


def unknown_fixture(
    name: str,
    requester: FixtureDef | None,
    chain: Sequence[int],
    nodes: Sequence[Node],
    visible_names: Sequence[str],
) -> UnknownFixtureError:
    """Build the error for a requested name that no visible fixture defines."""
    by = "the test" if requester is None else f"fixture '{requester.name}'{_where(requester)}"
    lines = [f"fixture '{name}' not found (requested by {by})"]
    import difflib  # only a plan with an unknown fixture name pays for it

    close = difflib.get_close_matches(name, sorted(set(visible_names)), n=3, cutoff=0.6)
    if close:
        lines.append("  did you mean: " + ", ".join(f"'{c}'" for c in close) + "?")
    places = [f"{nodes[n].name} ({nodes[n].scope.label})" for n in chain]
    places.append("built-in fixtures")
    lines.append("  looked in: " + ", ".join(places))
    lines.append(f"  define a fixture named '{name}' in one of these places, or fix the argument name")
    return UnknownFixtureError("\n".join(lines))


def cycle(names: Sequence[str]) -> FixtureCycleError:
    """Build the error for fixtures that request each other in a cycle (``names`` ends where it starts)."""
    return FixtureCycleError(
        "fixtures request each other in a cycle: "
        + " -> ".join(names)
        + "\n  break the cycle: one of these fixtures must not request the next"
    )


def scope_mismatch(requester: FixtureDef, requested: FixtureDef) -> ScopeMismatchError:
    """Build the error for a fixture that requests a narrower-scoped fixture."""
    return ScopeMismatchError(
        f"fixture '{requester.name}' ({requester.scope.label} scope){_where(requester)} requests "
        f"'{requested.name}' ({requested.scope.label} scope){_where(requested)}: a fixture may only "
        f"request fixtures of equal or wider scope\n"
        f"  make '{requester.name}' {requested.scope.label}-scoped, or '{requested.name}' "
        f"{requester.scope.label}-scoped"
    )


def backend_mismatch(test_id: str, backend: str, fx: FixtureDef) -> BackendMismatchError:
    """Build the error for a test whose backend differs from a pinned async fixture's."""
    return BackendMismatchError(
        f"{test_id} runs on {backend}, but async fixture '{fx.name}'{_where(fx)} is pinned to "
        f"{fx.backend}: one fixture instance never crosses backends\n"
        f"  run the test on {fx.backend} (mark.{fx.backend}), or drop backend= from the fixture"
    )


_WHY = (
    "  objects bound to the {need} event loop (futures, connections, tasks) would be used from "
    "another loop, which fails with 'Future attached to a different loop'"
)


def _fixes(explicit: Scope, need: Scope, fixture_name: str | None) -> str:
    narrow = f", or narrow the scope of '{fixture_name}'" if fixture_name else ""
    return (
        f"  fix: drop loop_scope='{explicit.label}' and let rustest choose, widen it to "
        f"loop_scope='{need.label}'{narrow}"
    )


def loop_scope_too_narrow(
    test_id: str, explicit: Scope, source: str, need: Scope, path: Sequence[str]
) -> LoopScopeError:
    """Build the error for an explicit loop scope narrower than the test's async fixtures need."""
    origin = f" (set by {source})" if source else ""
    last = path[-1].split(" (")[0] if len(path) > 1 else None
    return LoopScopeError(
        f"{test_id}: explicit loop_scope='{explicit.label}'{origin} is narrower than the "
        f"'{need.label}' loop its async fixtures need\n"
        f"  required by: {' -> '.join(path)}\n"
        + _WHY.format(need=need.label)
        + "\n"
        + _fixes(explicit, need, last)
    )


def loop_scope_shared(
    test_id: str,
    explicit: Scope,
    source: str,
    need: Scope,
    shared: str,
    other_id: str,
    other_path: Sequence[str],
) -> LoopScopeError:
    """Build the error for a test whose shared fixture instance must move to a wider loop."""
    origin = f" (set by {source})" if source else ""
    return LoopScopeError(
        f"{test_id}: explicit loop_scope='{explicit.label}'{origin} is narrower than the "
        f"'{need.label}' loop it must share\n"
        f"  it uses {shared}, whose one instance is also used by {other_id}, which needs the "
        f"'{need.label}' loop: {' -> '.join(other_path)}\n"
        "  one fixture instance runs on one loop, so every user of it moves to the widest loop\n"
        + _WHY.format(need=need.label)
        + "\n"
        + _fixes(explicit, need, None)
    )


def loop_scope_fixture_conflict(fx: FixtureDef, need: Scope, path: Sequence[str]) -> LoopScopeError:
    """Build the error for a fixture whose explicit loop scope is narrower than its loop must be."""
    assert fx.loop_scope is not None
    return LoopScopeError(
        f"fixture '{fx.name}'{_where(fx)} sets loop_scope='{fx.loop_scope.label}', narrower than "
        f"the '{need.label}' loop it must run on\n"
        f"  required by: {' -> '.join(path)}\n" + _WHY.format(need=need.label) + "\n"
        f"  fix: drop loop_scope from '{fx.name}' or widen it to '{need.label}'"
    )


def empty_params(fx: FixtureDef) -> EmptyParameterSetError:
    """Build the skip reason for a test whose closure has a fixture with an empty params list."""
    return EmptyParameterSetError(f"got empty parameter set for fixture '{fx.name}'{_where(fx)}")
