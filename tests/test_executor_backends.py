"""What each backend must guarantee to fixtures and tests, checked on asyncio and on trio.

Session loops shared by many tests, background tasks of fixtures, scopes
opened before ``yield`` and closed after it, context variables, sync tests
next to live loops, and a sync test talking to a server that a session
fixture serves from its loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import socket
from collections.abc import AsyncIterator

import trio  # type: ignore[import-untyped, unused-ignore]
from executor_helpers import Suite, TrioKit

from rustest import core

SOCKET_TIMEOUT = 5.0

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


def ask(address: tuple[str, int], message: bytes) -> bytes:
    """Send *message* to *address* and return the whole reply, failing (not hanging) after a timeout."""
    with socket.create_connection(address, timeout=SOCKET_TIMEOUT) as conn:
        conn.settimeout(SOCKET_TIMEOUT)
        conn.sendall(message)
        chunks = []
        while chunk := conn.recv(100):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_session_fixture_is_shared_by_many_tests_in_one_run(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    created: list[object] = []
    seen: list[tuple[object, object]] = []

    @suite.fixture(scope="session")
    async def resource() -> object:
        await kit.sleep(0)
        created.append(object())
        return created[-1]

    for number in range(5):

        async def test_uses_resource(resource: object) -> None:
            await kit.sleep(0)
            seen.append((resource, kit.current_loop()))

        test_uses_resource.__name__ = f"test_uses_resource_{number}"
        suite.test(test_uses_resource)

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert len(created) == 1
    assert len(seen) == 5
    assert len({id(value) for value, _loop in seen}) == 1
    assert len({id(loop) for _value, loop in seen}) == 1


def test_a_fixtures_background_task_makes_progress_while_the_test_runs(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    ticks: list[int] = []
    observed: list[int] = []

    async def heartbeat() -> None:
        while True:
            ticks.append(len(ticks))
            await kit.sleep(0.001)

    @suite.fixture
    async def beating() -> AsyncIterator[list[int]]:
        async with kit.background(heartbeat):
            yield ticks

    @suite.test
    async def test_sees_progress(beating: list[int]) -> None:
        before = len(beating)
        for _ in range(50):
            await kit.sleep(0.001)
            if len(beating) > before + 2:
                break
        observed.extend((before, len(beating)))

    run = suite.run()

    assert run.outcomes == {"test_sees_progress": core.Outcome.PASSED}
    before, after = observed
    assert after > before + 2


def test_a_fixtures_background_task_is_cancelled_cleanly_at_teardown(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    async def worker() -> None:
        try:
            await kit.sleep(3600)
        finally:
            calls.append("worker ended")

    @suite.fixture
    async def with_worker() -> AsyncIterator[None]:
        async with kit.background(worker):
            yield
        calls.append("task group closed")

    @suite.test
    async def test_runs(with_worker: None) -> None:
        calls.append("test")

    run = suite.run()

    report = run.report("test_runs")
    assert (report.outcome, report.failures, report.warnings) == (core.Outcome.PASSED, (), ())
    assert run.warning_events == []
    assert calls == ["test", "worker ended", "task group closed"]


def test_a_nursery_of_a_session_fixture_keeps_its_task_running_across_tests(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    ticks: list[int] = []
    seen: list[int] = []

    async def heartbeat() -> None:
        while True:
            ticks.append(len(ticks))
            await kit.sleep(0.001)

    @suite.fixture(scope="session")
    async def beating() -> AsyncIterator[list[int]]:
        async with kit.background(heartbeat):
            yield ticks

    for number in range(3):

        async def test_waits(beating: list[int]) -> None:
            before = len(beating)
            for _ in range(500):
                await kit.sleep(0.001)
                if len(beating) > before:
                    break
            assert len(beating) > before, "the heartbeat made no progress during the test"
            seen.append(len(beating))

        test_waits.__name__ = f"test_waits_{number}"
        suite.test(test_waits)

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert seen == sorted(seen)
    assert len(seen) == 3


def test_a_scope_entered_before_yield_is_left_after_it_in_the_same_task(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    tasks: dict[str, object] = {}

    @suite.fixture
    async def scoped() -> AsyncIterator[None]:
        async with kit.cancel_scope():
            tasks["setup"] = kit.current_task()
            yield
            tasks["teardown"] = kit.current_task()

    @suite.test
    async def test_inside_scope(scoped: None) -> None:
        tasks["test"] = kit.current_task()

    run = suite.run()

    report = run.report("test_inside_scope")
    assert (report.outcome, report.failures) == (core.Outcome.PASSED, ())
    assert tasks["setup"] is tasks["test"] is tasks["teardown"]


def test_a_trio_cancel_scope_opened_in_a_session_fixture_is_closed_at_its_teardown() -> None:
    suite = Suite("trio")
    scopes: list[object] = []

    @suite.fixture(scope="session")
    async def deadline() -> AsyncIterator[None]:
        with trio.move_on_after(3600) as scope:
            scopes.append(scope)
            yield
        scopes.append("left")

    @suite.test
    async def test_1(deadline: None) -> None:
        await trio.sleep(0)

    @suite.test
    async def test_2(deadline: None) -> None:
        await trio.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_1": core.Outcome.PASSED, "test_2": core.Outcome.PASSED}
    assert scopes[1:] == ["left"]


def test_a_context_variable_set_by_an_async_fixture_is_seen_by_the_test(backend: str) -> None:
    suite = Suite(backend)
    seen: list[str] = []

    @suite.fixture
    async def tagged() -> None:
        request_id.set("from fixture")

    @suite.test
    async def test_reads(tagged: None) -> None:
        seen.append(request_id.get())

    run = suite.run()

    assert run.outcomes == {"test_reads": core.Outcome.PASSED}
    assert seen == ["from fixture"]


def test_a_context_variable_set_by_a_session_fixture_is_seen_by_every_test(backend: str) -> None:
    suite = Suite(backend)
    seen: list[str] = []

    @suite.fixture(scope="session")
    async def tagged() -> AsyncIterator[None]:
        token = request_id.set("from session fixture")
        yield
        request_id.reset(token)

    @suite.test
    async def test_1(tagged: None) -> None:
        seen.append(request_id.get())

    @suite.test
    def test_sync_between(tagged: None) -> None:
        pass

    @suite.test
    async def test_2(tagged: None) -> None:
        seen.append(request_id.get())

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert seen == ["from session fixture", "from session fixture"]


def test_a_sync_test_runs_with_no_running_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    seen: list[bool] = []

    @suite.fixture
    async def async_value() -> int:
        return 1

    @suite.test
    def test_sync(async_value: int) -> None:
        seen.append(kit.has_running_loop())

    run = suite.run()

    assert run.outcomes == {"test_sync": core.Outcome.PASSED}
    assert seen == [False]


def test_a_sync_test_may_run_a_loop_of_its_own(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    async def answer() -> int:
        await kit.sleep(0)
        return 42

    @suite.test
    def test_runs_its_own_loop() -> None:
        assert kit.run(answer) == 42

    run = suite.run()

    assert run.outcomes == {"test_runs_its_own_loop": core.Outcome.PASSED}


def test_a_sync_test_may_run_a_loop_of_its_own_while_a_session_loop_is_alive(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    async def inner() -> object:
        await kit.sleep(0)
        return kit.current_loop()

    @suite.fixture(scope="session")
    async def session_loop() -> AsyncIterator[object]:
        yield kit.current_loop()

    @suite.test
    async def test_before(session_loop: object) -> None:
        await kit.sleep(0)

    @suite.test
    def test_runs_its_own_loop(session_loop: object) -> None:
        loops["own"] = kit.run(inner)
        loops["session"] = session_loop

    @suite.test
    async def test_after(session_loop: object) -> None:
        loops["after"] = kit.current_loop()

    (session_spec,) = suite.plan().loops
    run = suite.run()

    assert not session_spec.inline
    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert loops["own"] is not loops["session"]
    assert loops["after"] is loops["session"]


def test_isolated_loops_run_while_a_session_loop_of_the_same_backend_is_alive(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    @suite.fixture(scope="session")
    async def session_loop() -> AsyncIterator[object]:
        yield kit.current_loop()

    @suite.test
    async def test_on_session_loop(session_loop: object) -> None:
        loops["session"] = kit.current_loop()

    @suite.test
    async def test_isolated() -> None:
        await kit.sleep(0)
        loops["isolated"] = kit.current_loop()

    @suite.test
    async def test_back_on_session_loop(session_loop: object) -> None:
        loops["again"] = kit.current_loop()

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert loops["isolated"] is not loops["session"]
    assert loops["again"] is loops["session"]


def test_a_sync_test_is_answered_by_a_server_of_a_session_fixture(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    replies: list[bytes] = []

    @suite.fixture(scope="session")
    async def server() -> AsyncIterator[tuple[str, int]]:
        async with kit.serve_replies() as address:
            yield address

    @suite.test
    async def test_async_first(server: tuple[str, int]) -> None:
        await kit.sleep(0)

    @suite.test
    def test_talks_to_server(server: tuple[str, int]) -> None:
        replies.append(ask(server, b"ping"))

    @suite.test
    def test_talks_again(server: tuple[str, int]) -> None:
        replies.append(ask(server, b"again"))

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert replies == [b"pong:ping", b"pong:again"]


def test_a_sync_test_is_answered_by_a_server_that_only_sync_tests_use(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    replies: list[bytes] = []

    @suite.fixture(scope="module")
    async def server() -> AsyncIterator[tuple[str, int]]:
        async with kit.serve_replies() as address:
            yield address

    @suite.test
    def test_talks_to_server(server: tuple[str, int]) -> None:
        replies.append(ask(server, b"ping"))

    run = suite.run()

    assert run.outcomes == {"test_talks_to_server": core.Outcome.PASSED}, run.result.reports
    assert replies == [b"pong:ping"]


def test_asyncio_run_in_a_sync_test_leaves_the_session_loop_current_for_the_next_async_test() -> None:
    suite = Suite("asyncio")
    current: dict[str, object] = {}

    async def nothing() -> None:
        await asyncio.sleep(0)

    @suite.fixture(scope="session")
    async def session_loop() -> AsyncIterator[asyncio.AbstractEventLoop]:
        yield asyncio.get_running_loop()

    @suite.test
    async def test_before(session_loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.sleep(0)

    @suite.test
    def test_calls_asyncio_run() -> None:
        asyncio.run(nothing())

    @suite.test
    async def test_after(session_loop: asyncio.AbstractEventLoop) -> None:
        current["running"] = asyncio.get_running_loop()
        current["current"] = asyncio.get_event_loop_policy().get_event_loop()
        current["session"] = session_loop

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert current["running"] is current["session"]
    assert current["current"] is current["session"]


def test_asyncio_run_in_a_sync_test_leaves_the_next_isolated_loop_current() -> None:
    suite = Suite("asyncio")
    current: dict[str, object] = {}

    async def nothing() -> None:
        await asyncio.sleep(0)

    @suite.test
    def test_calls_asyncio_run() -> None:
        asyncio.run(nothing())

    @suite.test
    async def test_after() -> None:
        current["running"] = asyncio.get_running_loop()
        current["current"] = asyncio.get_event_loop_policy().get_event_loop()

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert current["current"] is current["running"]


def test_trio_run_in_a_sync_test_leaves_the_session_run_serving_the_next_async_test() -> None:
    suite = Suite("trio")
    seen: dict[str, object] = {}

    @suite.fixture(scope="session")
    async def session_run() -> AsyncIterator[object]:
        yield trio.lowlevel.current_root_task()

    @suite.test
    async def test_before(session_run: object) -> None:
        await trio.sleep(0)

    @suite.test
    def test_calls_trio_run() -> None:
        trio.run(trio.sleep, 0)

    @suite.test
    async def test_after(session_run: object) -> None:
        await trio.sleep(0)
        seen["root"] = trio.lowlevel.current_root_task()
        seen["session"] = session_run

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert seen["root"] is seen["session"]


def test_every_loop_is_closed_after_the_run(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: list[object] = []

    @suite.fixture(scope="session")
    async def session_loop() -> AsyncIterator[None]:
        loops.append(kit.current_loop())
        yield

    @suite.test
    async def test_session(session_loop: None) -> None:
        loops.append(kit.current_loop())

    @suite.test
    def test_sync(session_loop: None) -> None:
        pass

    @suite.test
    async def test_isolated() -> None:
        loops.append(kit.current_loop())

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert len(loops) == 3
    assert all(kit.loop_is_closed(loop) for loop in loops)


def test_a_context_variable_set_by_a_sync_fixture_is_seen_by_an_async_test(backend: str) -> None:
    suite = Suite(backend)
    seen: list[str] = []

    @suite.fixture
    def tagged() -> None:
        request_id.set("from sync fixture")

    @suite.test
    async def test_reads(tagged: None) -> None:
        seen.append(request_id.get())

    run = suite.run()

    assert run.outcomes == {"test_reads": core.Outcome.PASSED}
    assert seen == ["from sync fixture"]


def test_a_context_variable_set_by_a_sync_fixture_reaches_an_async_test_on_a_session_loop(
    backend: str,
) -> None:
    suite = Suite(backend)
    seen: list[str] = []

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.fixture
    def tagged() -> None:
        request_id.set("from sync fixture")

    @suite.test
    async def test_first(shared: None) -> None:
        pass

    @suite.test
    async def test_reads(shared: None, tagged: None) -> None:
        seen.append(request_id.get())

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert seen == ["from sync fixture"]


def test_a_sync_test_can_run_a_coroutine_on_the_session_loop_from_its_thread(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    async def where() -> object:
        await kit.sleep(0)
        return kit.current_loop()

    @suite.fixture(scope="session")
    async def handle() -> AsyncIterator[object]:
        loops["session"] = kit.current_loop()
        if backend == "asyncio":
            yield asyncio.get_running_loop()
        else:
            yield trio.lowlevel.current_trio_token()

    @suite.test
    def test_calls_into_the_loop(handle: object) -> None:
        if isinstance(handle, asyncio.AbstractEventLoop):
            loops["called"] = asyncio.run_coroutine_threadsafe(where(), handle).result(timeout=SOCKET_TIMEOUT)
        else:
            loops["called"] = trio.from_thread.run(where, trio_token=handle)

    run = suite.run()

    assert run.outcomes == {"test_calls_into_the_loop": core.Outcome.PASSED}, run.result.reports
    assert loops["called"] is loops["session"]


def test_a_session_fixture_used_from_both_backends_gets_one_instance_per_backend() -> None:
    suite = Suite("asyncio")
    made: list[str] = []
    seen: dict[str, str] = {}

    @suite.fixture(scope="session")
    async def shared() -> str:
        made.append("trio" if TrioKit().has_running_loop() else "asyncio")
        return made[-1]

    @suite.test
    async def test_on_asyncio(shared: str) -> None:
        await asyncio.sleep(0)
        seen["asyncio"] = shared

    @suite.test(backend="trio")
    async def test_on_trio(shared: str) -> None:
        await trio.sleep(0)
        seen["trio"] = shared

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}, run.result.reports
    assert sorted(made) == ["asyncio", "trio"]
    assert seen == {"asyncio": "asyncio", "trio": "trio"}


def test_a_module_loop_is_closed_before_the_next_module_runs(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    second_module = suite.module("test_second.py")
    loops: dict[str, object] = {}
    closed: list[bool] = []

    @suite.fixture(scope="module")
    async def per_module() -> AsyncIterator[None]:
        loops["first"] = kit.current_loop()
        yield

    @suite.test
    async def test_in_first_module(per_module: None) -> None:
        pass

    @suite.test(node=second_module)
    def test_in_second_module() -> None:
        closed.append(kit.loop_is_closed(loops["first"]))

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert closed == [True]


def test_a_finalizer_of_an_async_fixture_runs_with_no_running_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    seen: list[tuple[bool, int]] = []

    async def answer() -> int:
        await kit.sleep(0)
        return 42

    @suite.fixture
    async def with_finalizer(request: core.FixtureRequest) -> None:
        request.addfinalizer(lambda: seen.append((kit.has_running_loop(), kit.run(answer))))

    @suite.test
    async def test_uses_it(with_finalizer: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_uses_it": core.Outcome.PASSED}, run.result.reports
    assert seen == [(False, 42)]


def test_getfixturevalue_in_an_async_test_returns_a_set_up_async_fixture(backend: str) -> None:
    suite = Suite(backend)
    values: list[object] = []

    @suite.fixture(scope="session")
    async def database() -> str:
        return "database"

    @suite.test
    async def test_looks_up(request: core.FixtureRequest, database: str) -> None:
        values.append(request.getfixturevalue("database"))

    run = suite.run()

    assert run.outcomes == {"test_looks_up": core.Outcome.PASSED}
    assert values == ["database"]


def test_getfixturevalue_of_a_fixture_outside_the_plan_fails_with_a_clear_error(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def database() -> str:
        return "database"

    @suite.test
    async def test_looks_up(request: core.FixtureRequest) -> None:
        request.getfixturevalue("database")

    report = suite.run().report("test_looks_up")

    assert report.outcome is core.Outcome.FAILED
    (failure,) = report.failures
    assert failure.exc_type == "FixtureLookupError"
    assert "'database'" in failure.message
    assert "test_mod.py::test_looks_up" in failure.message


def test_an_async_generator_left_suspended_by_a_test_is_finalised_on_its_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []
    suspended: list[AsyncIterator[int]] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            calls.append("finalised on a loop" if kit.has_running_loop() else "finalised without a loop")

    @suite.test
    async def test_leaves_generator_suspended() -> None:
        generator = numbers()
        suspended.append(generator)
        assert await generator.__anext__() == 1

    @suite.test
    def test_next() -> None:
        calls.append("test_next")

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert calls == ["finalised on a loop", "test_next"]
