"""Scheduling is deterministic: the same suite plans the same steps, and order never changes a loop scope."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from executor_helpers import Suite

from rustest import core


def build_suite(backend: str) -> Suite:
    """Return a suite whose tests need every kind of loop: isolated, module, session, widened and explicit.

    ``test_module_only`` needs only the module loop by itself, but shares the
    ``api`` instance with ``test_both``, which needs the session loop: both
    must run on the session loop whatever their order.
    """
    suite = Suite(backend)
    other = suite.module("test_other.py")

    @suite.fixture(scope="session")
    async def db() -> AsyncIterator[str]:
        yield "db"

    @suite.fixture(scope="module")
    async def api() -> str:
        return "api"

    @suite.fixture(scope="module", node=other)
    async def other_api() -> str:
        return "other api"

    @suite.fixture
    def plain() -> str:
        return "plain"

    @suite.test
    async def test_module_only(api: str) -> None:
        pass

    @suite.test
    async def test_isolated(plain: str) -> None:
        pass

    @suite.test
    async def test_both(api: str, db: str) -> None:
        pass

    @suite.test(loop_scope="module")
    async def test_explicit_module() -> None:
        pass

    @suite.test
    def test_sync(db: str) -> None:
        pass

    @suite.test
    def test_plain_sync(plain: str) -> None:
        pass

    @suite.test(node=other)
    async def test_other_module(other_api: str) -> None:
        pass

    @suite.test(node=other)
    async def test_other_isolated() -> None:
        pass

    return suite


def loop_scopes(plan: core.Plan) -> dict[str, tuple[str, core.Scope] | None]:
    """Map each item id to its loop's backend and scope (``None`` for a test that needs no loop)."""
    scopes: dict[str, tuple[str, core.Scope] | None] = {}
    for index in range(plan.item_count):
        item = plan.item(index)
        if item.loop == core.NO_LOOP:
            scopes[item.id] = None
        else:
            spec = plan.loops[item.loop]
            scopes[item.id] = (spec.backend, spec.scope)
    return scopes


def test_planning_the_same_suite_twice_gives_the_same_steps(backend: str) -> None:
    suite = build_suite(backend)

    first, second = suite.plan(), suite.plan()

    assert first.describe() == second.describe()
    assert first == second


def test_a_test_sharing_a_module_fixture_with_a_session_test_runs_on_the_session_loop(backend: str) -> None:
    scopes = loop_scopes(build_suite(backend).plan())

    assert scopes["test_mod.py::test_module_only"] == (backend, core.Scope.SESSION)
    assert scopes["test_mod.py::test_both"] == (backend, core.Scope.SESSION)
    assert scopes["test_mod.py::test_isolated"] == (backend, core.Scope.FUNCTION)
    assert scopes["test_mod.py::test_explicit_module"] == (backend, core.Scope.MODULE)
    assert scopes["test_other.py::test_other_module"] == (backend, core.Scope.MODULE)
    assert scopes["test_mod.py::test_sync"] == (backend, core.Scope.SESSION)
    assert scopes["test_mod.py::test_plain_sync"] is None


def test_a_sync_test_is_called_on_no_loop_even_when_its_fixtures_have_one(backend: str) -> None:
    plan = build_suite(backend).plan()

    calls = {plan.item_ids[s.target]: s.loop for s in plan.steps() if s.kind is core.StepKind.CALL}

    assert calls["test_mod.py::test_sync"] == core.NO_LOOP
    assert calls["test_mod.py::test_both"] != core.NO_LOOP


@pytest.mark.parametrize("order", ["reversed", "rotated", "interleaved"])
def test_the_order_of_the_tests_never_changes_any_tests_loop_scope(backend: str, order: str) -> None:
    suite = build_suite(backend)
    tests = suite.tests
    reordered = {
        "reversed": tests[::-1],
        "rotated": tests[3:] + tests[:3],
        "interleaved": tests[::2] + tests[1::2],
    }[order]

    assert loop_scopes(suite.plan(reordered)) == loop_scopes(suite.plan())


def test_tests_that_share_a_fixture_instance_run_on_one_loop_whatever_their_order(backend: str) -> None:
    suite = build_suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}
    module_only, both = suite.tests[0], suite.tests[2]

    async def record_module_only(api: str) -> None:
        loops["module_only"] = kit.current_loop()

    async def record_both(api: str, db: str) -> None:
        loops["both"] = kit.current_loop()

    suite.tests = [
        core.TestDef(
            both.id, record_both, node=both.node, requests=both.requests, is_async=True, backend=backend
        ),
        core.TestDef(
            module_only.id,
            record_module_only,
            node=module_only.node,
            requests=module_only.requests,
            is_async=True,
            backend=backend,
        ),
    ]

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert loops["module_only"] is loops["both"]
