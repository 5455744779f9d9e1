"""Generated async suites for the executor benchmarks, and the floors they are measured against.

``make_suite(backend, shape, n_tests)`` builds the definitions of *n_tests*
async tests through ``rustest.core`` (one function per test, each awaiting one
checkpoint of its backend) and keeps the test functions, so that the floor
calls exactly the functions rustest calls. Shapes:

``fresh``
    Tests without fixtures: each gets a fresh event loop of its own.
``session-mark``
    Tests marked ``loop_scope="session"``: all of them share the session's loop.
``session-fixture``
    Tests that use a session-scoped async generator fixture (a pool whose
    ``get()`` awaits one checkpoint): automatic loop scope puts all of them on
    the session's loop.

``run_floor(suite)`` is the least work any runner must do to run the same
tests and know which passed:

- fresh shape: a new loop per test that runs the test coroutine and is
  closed (``new_event_loop`` / ``run_until_complete`` / ``close`` on asyncio,
  ``trio.run`` on trio);
- session shapes: one loop running each coroutine in turn. asyncio offers
  synchronous code ``run_until_complete`` on one long-lived loop, once per
  test (what pytest-asyncio does); trio has no re-enterable loop, so its floor
  awaits every test inside one ``trio.run``, which costs one checkpoint per
  test and nothing else.

``run_rustest(suite, listeners)`` plans and executes the suite with
``rustest.core``. Both return the number of passed tests; the benchmark
checks it, so the two never measure different work.

Two more ways to run a ``fresh`` trio suite show what a test's isolation
costs on trio: ``run_trio_runners`` opens rustest's trio runner for each test
(the inline run the executor pays for), and ``run_shared_trio_run`` gives each
test a task, a nursery and a copy of the starting context of its own inside
one ``trio.run``, failing a test that leaves a task behind.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from rustest import core
from rustest.core import FixtureDef, Listener, Node, Outcome, Scope, TestDef

__all__ = [
    "BACKENDS",
    "SHAPES",
    "TARGETS",
    "Pool",
    "Suite",
    "make_suite",
    "run_floor",
    "run_rustest",
    "run_shared_trio_run",
    "run_trio_runners",
]

BACKENDS = ("asyncio", "trio")
"""The backends every shape runs on."""

SHAPES = ("fresh", "session-mark", "session-fixture")
"""The suite shapes: a fresh loop per test, or one session loop reached by mark or by fixture."""

TARGETS = {"fresh": 1.2, "session-mark": 1.3, "session-fixture": 1.3}
"""The largest rustest/floor time ratio each shape may reach."""

_POOL = "pool"
_MODULE_NODE = 1

TestFunction = Callable[..., Coroutine[Any, Any, None]]
"""A generated async test: no argument, or the pool of the ``session-fixture`` shape."""


class Pool:
    """The session fixture's value: ``get()`` awaits one checkpoint of its backend and returns the key."""

    def __init__(self, checkpoint: Callable[[], Awaitable[None]]) -> None:
        self._checkpoint = checkpoint

    async def get(self, key: int) -> int:
        """Await one checkpoint and return *key*."""
        await self._checkpoint()
        return key


@dataclass(frozen=True)
class Suite:
    """One generated suite: its definitions for ``rustest.core`` and what the floor needs to run it."""

    backend: str
    shape: str
    nodes: tuple[Node, ...]
    fixtures: tuple[FixtureDef, ...]
    tests: tuple[TestDef, ...]
    functions: tuple[TestFunction, ...]
    pool_fixture: Callable[[], AsyncIterator[Pool]] | None

    @property
    def n_tests(self) -> int:
        """How many tests the suite holds."""
        return len(self.tests)


def make_suite(backend: str, shape: str, n_tests: int) -> Suite:
    """Generate *n_tests* async tests of *shape* on *backend*, one module of a session."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if n_tests <= 0:
        raise ValueError(f"n_tests must be positive, not {n_tests}")
    checkpoint = _checkpoint_of(backend)
    nodes = (Node(Scope.SESSION, -1, "bench"), Node(Scope.MODULE, 0, "bench/test_generated.py"))
    pool_fixture: Callable[[], AsyncIterator[Pool]] | None = None
    fixtures: tuple[FixtureDef, ...] = ()
    requests: tuple[str, ...] = ()
    if shape == "session-fixture":
        pool_fixture = _pool_fixture(checkpoint)
        fixtures = (FixtureDef(_POOL, pool_fixture, scope=Scope.SESSION, is_async=True, is_generator=True),)
        requests = (_POOL,)
        functions = tuple(_pool_test(index) for index in range(n_tests))
    else:
        functions = tuple(_plain_test(index, checkpoint) for index in range(n_tests))
    loop_scope = Scope.SESSION if shape == "session-mark" else None
    tests = tuple(
        TestDef(
            f"bench/test_generated.py::test_{index}",
            function,
            node=_MODULE_NODE,
            requests=requests,
            is_async=True,
            backend=backend,
            loop_scope=loop_scope,
            loop_scope_source="decorator" if loop_scope is not None else "",
        )
        for index, function in enumerate(functions)
    )
    return Suite(backend, shape, nodes, fixtures, tests, functions, pool_fixture)


def _checkpoint_of(backend: str) -> Callable[[], Awaitable[None]]:
    if backend == "trio":
        import trio  # type: ignore[import-untyped, unused-ignore]

        async def trio_checkpoint() -> None:
            await trio.sleep(0)

        return trio_checkpoint

    async def asyncio_checkpoint() -> None:
        await asyncio.sleep(0)

    return asyncio_checkpoint


def _plain_test(index: int, checkpoint: Callable[[], Awaitable[None]]) -> TestFunction:
    async def test() -> None:
        await checkpoint()
        assert index >= 0

    return test


def _pool_test(index: int) -> TestFunction:
    async def test(pool: Pool) -> None:
        assert await pool.get(index) == index

    return test


def _pool_fixture(checkpoint: Callable[[], Awaitable[None]]) -> Callable[[], AsyncIterator[Pool]]:
    async def pool() -> AsyncIterator[Pool]:
        yield Pool(checkpoint)

    return pool


def run_rustest(suite: Suite, listeners: Sequence[Listener] = ()) -> int:
    """Plan and execute *suite* with ``rustest.core``; return how many tests passed."""
    result = core.execute(core.plan(suite.nodes, suite.fixtures, suite.tests), listeners=listeners)
    return result.counts.get(Outcome.PASSED, 0)


def run_floor(suite: Suite) -> int:
    """Run *suite*'s test functions with the least work a runner must do; return how many passed."""
    if suite.backend == "trio":
        if suite.shape == "fresh":
            return _trio_fresh(suite.functions)
        return _trio_session(suite.functions, suite.pool_fixture)
    if suite.shape == "fresh":
        return _asyncio_fresh(suite.functions)
    return _asyncio_session(suite.functions, suite.pool_fixture)


def _asyncio_fresh(functions: Sequence[TestFunction]) -> int:
    passed = 0
    for function in functions:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(function())
        except Exception:
            pass
        else:
            passed += 1
        finally:
            loop.close()
    return passed


def _asyncio_session(
    functions: Sequence[TestFunction], pool_fixture: Callable[[], AsyncIterator[Pool]] | None
) -> int:
    passed = 0
    loop = asyncio.new_event_loop()
    try:
        if pool_fixture is None:
            for function in functions:
                try:
                    loop.run_until_complete(function())
                except Exception:
                    pass
                else:
                    passed += 1
        else:
            fixture = pool_fixture()
            pool = loop.run_until_complete(anext(fixture))
            for function in functions:
                try:
                    loop.run_until_complete(function(pool))
                except Exception:
                    pass
                else:
                    passed += 1
            loop.run_until_complete(_finish(fixture))
    finally:
        loop.close()
    return passed


def _trio_fresh(functions: Sequence[TestFunction]) -> int:
    import trio

    passed = 0
    for function in functions:
        try:
            trio.run(function)
        except Exception:
            pass
        else:
            passed += 1
    return passed


def _trio_session(
    functions: Sequence[TestFunction], pool_fixture: Callable[[], AsyncIterator[Pool]] | None
) -> int:
    import trio

    async def main() -> int:
        passed = 0
        if pool_fixture is None:
            for function in functions:
                try:
                    await function()
                except Exception:
                    pass
                else:
                    passed += 1
            return passed
        fixture = pool_fixture()
        pool = await anext(fixture)
        for function in functions:
            try:
                await function(pool)
            except Exception:
                pass
            else:
                passed += 1
        await _finish(fixture)
        return passed

    result: int = trio.run(main)
    return result


async def _finish(fixture: AsyncIterator[Pool]) -> None:
    async for _ in fixture:
        raise RuntimeError("the pool fixture yielded twice")


def run_trio_runners(suite: Suite) -> int:
    """Run a ``fresh`` trio suite through rustest's trio runner alone: open, run and close one per test."""
    backend = core.TrioBackend()
    spec = core.LoopSpec("trio", Scope.FUNCTION, -1, 0, True, 1)
    passed = 0
    for index, function in enumerate(suite.functions):
        runner = backend.open_loop(spec)
        try:
            runner.run(function(), suite.tests[index].id)
        except Exception:
            runner.close()
            continue
        # A task the test left running fails it, as in the shared run.
        if not runner.close():
            passed += 1
    return passed


def run_shared_trio_run(suite: Suite) -> int:
    """Run a ``fresh`` trio suite in one ``trio.run``: each test in its own task, nursery and context.

    This isolates what a task, a nursery and a context can: the test's child
    tasks, cancel scopes and context variables. It cannot give a test fresh
    ``RunVar`` values, clock or instruments, nor keep a system task it starts
    from outliving it; such a leftover task fails the test.
    """
    import trio

    start = contextvars.copy_context()

    async def main() -> int:
        root = trio.lowlevel.current_root_task()
        assert root is not None

        def system_tasks() -> int:
            return sum(len(nursery.child_tasks) for nursery in root.child_nurseries)

        passed = 0
        for function in suite.functions:
            before = system_tasks()
            failed: list[BaseException] = []

            async def isolated(
                function: TestFunction = function, failed: list[BaseException] = failed
            ) -> None:
                try:
                    await function()
                except Exception as exc:
                    failed.append(exc)

            async with trio.open_nursery() as nursery:
                start.run(nursery.start_soon, isolated)
            if not failed and system_tasks() == before:
                passed += 1
        return passed

    result: int = trio.run(main)
    return result
