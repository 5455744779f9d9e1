"""Consecutive async tests on one inline loop run as one batch, and keep every per-test semantic.

Each test checks that the run really went through a batch (``batches``
counts the batches the runners drove), so none of them passes by falling
back to one hand-over per test.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import sys
import threading
from collections.abc import AsyncIterator

import pytest
from executor_helpers import Suite

import rustest
from rustest import core
from rustest._backends import _batch

SIGNAL_WAIT = 5.0
"""Seconds a test waits for the Ctrl-C it sent itself: far longer than the signal takes to arrive."""

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the steps of every batch a runner drives during the test: one entry per batch."""
    sizes: list[int] = []
    drive = _batch.BatchProgress.drive

    async def counting_drive(self: _batch.BatchProgress, *args: object) -> None:
        sizes.append(0)
        inner = self.batch
        index = len(sizes) - 1

        class Counting:
            def next_step(self) -> object:
                step = inner.next_step()
                if step is not None:
                    sizes[index] += 1
                return step

            def step_done(self, error: BaseException | None) -> None:
                inner.step_done(error)

        self.batch = Counting()  # type: ignore[assignment]
        await drive(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_batch.BatchProgress, "drive", counting_drive)
    return sizes


def shared_suite(backend: str) -> Suite:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    return suite


def test_each_test_of_a_batch_gets_its_own_started_and_finished_events_in_order(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)
    kit = suite.kit
    names = ["test_a", "test_b", "test_c"]
    for name in names:

        async def test(shared: None) -> None:
            await kit.sleep(0)

        test.__name__ = name
        suite.test(test)

    run = suite.run()

    kinds = [
        (
            type(e).__name__,
            e.nodeid if isinstance(e, core.TestStarted) else e.report.nodeid,
        )
        for e in run.events
        if isinstance(e, core.TestStarted | core.TestFinished)
    ]
    ids = run.item_ids
    assert kinds == [pair for nodeid in ids for pair in (("TestStarted", nodeid), ("TestFinished", nodeid))]
    assert batches == [3]


def test_a_listener_sees_a_tests_report_before_the_next_test_runs(backend: str, batches: list[int]) -> None:
    suite = shared_suite(backend)
    order: list[str] = []

    @suite.test
    async def test_first(shared: None) -> None:
        order.append("first runs")

    @suite.test
    async def test_second(shared: None) -> None:
        order.append("second runs")

    def listener(event: core.Event) -> None:
        if isinstance(event, core.TestFinished):
            order.append(f"{event.report.nodeid.rsplit('::', 1)[-1]} finished")

    core.run(suite.nodes, suite.fixtures, suite.tests, listeners=[listener])

    assert order == [
        "first runs",
        "test_first finished",
        "second runs",
        "test_second finished",
    ]
    assert batches == [2]


def test_outcomes_in_a_batch_are_those_of_single_calls(backend: str, batches: list[int]) -> None:
    suite = shared_suite(backend)
    kit = suite.kit

    @suite.test
    async def test_fails(shared: None) -> None:
        await kit.sleep(0)
        raise AssertionError("boom")

    @suite.test
    async def test_skips(shared: None) -> None:
        rustest.skip("not today")

    @suite.test(xfail=core.XFail("known", strict=False))
    async def test_xfails(shared: None) -> None:
        raise ValueError("known bug")

    @suite.test(xfail=core.XFail("known", strict=True))
    async def test_xpasses_strictly(shared: None) -> None:
        pass

    @suite.test
    async def test_passes(shared: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {
        "test_fails": core.Outcome.FAILED,
        "test_skips": core.Outcome.SKIPPED,
        "test_xfails": core.Outcome.XFAILED,
        "test_xpasses_strictly": core.Outcome.FAILED,
        "test_passes": core.Outcome.PASSED,
    }
    assert run.report("test_fails").failures[0].message == "boom"
    assert run.report("test_fails").failures[0].frames[-1].name == "test_fails"
    assert batches == [5]


def test_a_test_function_that_cannot_be_called_fails_alone_in_a_batch(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)

    async def test_needs_value(shared: None, value: int) -> None:
        pass

    @suite.test
    async def test_next(shared: None) -> None:
        pass

    # Planned as if it took only ``shared``: calling it raises TypeError before any coroutine exists.
    suite.tests.insert(
        0,
        core.TestDef(
            "test_mod.py::test_needs_value",
            test_needs_value,
            node=1,
            requests=("shared",),
            is_async=True,
            backend=backend,
        ),
    )

    run = suite.run()

    assert run.outcomes == {
        "test_needs_value": core.Outcome.FAILED,
        "test_next": core.Outcome.PASSED,
    }
    assert run.report("test_needs_value").failures[0].exc_type == "TypeError"
    assert batches == [1]


def test_maxfail_reached_in_a_batch_reports_the_rest_as_not_run(backend: str, batches: list[int]) -> None:
    suite = shared_suite(backend)

    @suite.test
    async def test_fails(shared: None) -> None:
        raise AssertionError("boom")

    @suite.test
    async def test_after(shared: None) -> None:
        pass

    run = suite.run(maxfail=1)

    assert run.outcomes == {
        "test_fails": core.Outcome.FAILED,
        "test_after": core.Outcome.SKIPPED,
    }
    assert run.report("test_after").reason.startswith("not run")
    assert batches == [1]


def test_output_of_each_test_of_a_batch_is_captured_in_its_own_report(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)

    @suite.test
    async def test_one(shared: None) -> None:
        print("from one")

    @suite.test
    async def test_two(shared: None) -> None:
        print("from two", file=sys.stderr)

    run = suite.run(capture=core.SysCapture())

    assert (run.report("test_one").stdout, run.report("test_one").stderr) == (
        "from one\n",
        "",
    )
    assert (run.report("test_two").stdout, run.report("test_two").stderr) == (
        "",
        "from two\n",
    )
    assert batches == [2]


def test_a_task_left_running_in_a_batch_is_a_warning_of_the_test_that_started_it(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)
    kit = suite.kit

    @suite.test
    async def test_before(shared: None) -> None:
        await kit.sleep(0)

    @suite.test
    async def test_leaks(shared: None) -> None:
        kit.spawn_forever()

    @suite.test
    async def test_after(shared: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    warnings = [w.message for w in run.warning_events] + [w for r in run.result.reports for w in r.warnings]
    assert len(warnings) == 1
    assert "test_leaks" in warnings[0]
    assert batches == [3]


def test_tests_of_a_batch_run_in_the_fixtures_task_and_see_its_context(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)
    kit = suite.kit
    tasks: list[object] = []

    @suite.fixture(scope="session")
    async def request_id() -> AsyncIterator[None]:
        REQUEST_ID.set("session")
        tasks.append(kit.current_task())
        yield

    @suite.test
    async def test_one(request_id: None) -> None:
        assert REQUEST_ID.get() == "session"
        tasks.append(kit.current_task())

    @suite.test
    async def test_two(request_id: None) -> None:
        assert REQUEST_ID.get() == "session"
        tasks.append(kit.current_task())

    run = suite.run()

    assert run.outcomes == {
        "test_one": core.Outcome.PASSED,
        "test_two": core.Outcome.PASSED,
    }
    assert len(set(map(id, tasks))) == 1
    assert batches == [2]


def test_a_test_that_takes_request_is_called_outside_the_loop(
    batches: list[int],
) -> None:
    # On trio, a loop whose tests take ``request`` is hosted, and hosted loops run no batches.
    suite = shared_suite("asyncio")
    kit = suite.kit
    running: list[bool] = []

    @suite.test
    async def test_first(shared: None) -> None:
        pass

    @suite.test
    async def test_with_request(shared: None, request: core.FixtureRequest) -> None:
        request.addfinalizer(lambda: running.append(kit.has_running_loop()))

    @suite.test
    async def test_last(shared: None) -> None:
        pass

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert running == [False]
    assert batches == [1]


def test_keyboard_interrupt_raised_in_a_batch_interrupts_that_test_and_runs_no_other(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture(scope="module")
    async def module_resource(shared: None) -> AsyncIterator[None]:
        yield
        calls.append("module torn down")

    @suite.test
    async def test_before(module_resource: None) -> None:
        calls.append("test_before")

    @suite.test
    async def test_interrupted(module_resource: None) -> None:
        await kit.sleep(0)
        raise KeyboardInterrupt

    @suite.test
    async def test_after(module_resource: None) -> None:
        calls.append("test_after")

    run = suite.run()

    assert calls == ["test_before", "module torn down"]
    assert run.outcomes == {
        "test_before": core.Outcome.PASSED,
        "test_interrupted": core.Outcome.ERROR,
        "test_after": core.Outcome.SKIPPED,
    }
    assert run.report("test_interrupted").failures[0].exc_type == "KeyboardInterrupt"
    assert run.session_finished.interrupted
    assert batches == [2]


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill")
def test_ctrl_c_while_a_batched_test_waits_cancels_it_and_runs_no_other(
    backend: str, batches: list[int]
) -> None:
    suite = shared_suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.test
    async def test_before(shared: None) -> None:
        calls.append("test_before")

    @suite.test
    async def test_waits(shared: None) -> None:
        await kit.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        await kit.sleep(SIGNAL_WAIT)
        calls.append("test_waits slept to the end")

    @suite.test
    async def test_after(shared: None) -> None:
        calls.append("test_after")

    try:
        run = suite.run()
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped from core.run")

    assert calls == ["test_before"]
    assert run.outcomes == {
        "test_before": core.Outcome.PASSED,
        "test_waits": core.Outcome.ERROR,
        "test_after": core.Outcome.SKIPPED,
    }
    assert run.report("test_after").reason.startswith("not run")
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)
    assert batches == [2]


@pytest.mark.parametrize("after_stop", ["returns", "awaits"])
def test_a_batched_test_that_stops_its_loop_fails_and_the_next_test_runs(
    after_stop: str, batches: list[int]
) -> None:
    suite = shared_suite("asyncio")

    @suite.test
    async def test_before(shared: None) -> None:
        await asyncio.sleep(0)

    @suite.test
    async def test_stops_loop(shared: None) -> None:
        asyncio.get_running_loop().stop()
        if after_stop == "awaits":
            await asyncio.sleep(0.01)

    @suite.test
    async def test_next(shared: None) -> None:
        await asyncio.sleep(0)

    run = suite.run()

    assert run.outcomes == {
        "test_before": core.Outcome.PASSED,
        "test_stops_loop": core.Outcome.FAILED,
        "test_next": core.Outcome.PASSED,
    }
    assert "loop.stop()" in run.report("test_stops_loop").failures[0].message
    assert batches == [2]


def test_a_loop_that_hides_its_stop_state_runs_the_batch_one_test_at_a_time(
    batches: list[int],
) -> None:
    class OpaqueLoop(asyncio.SelectorEventLoop):
        """A loop whose stop request is not a plain ``bool`` attribute, as on loops that do not expose it."""

        @property
        def _stopping(self) -> int:
            return int(self.__dict__.get("stopping", False))

        @_stopping.setter
        def _stopping(self, value: bool) -> None:
            self.__dict__["stopping"] = value

    suite = shared_suite("asyncio")
    seen: list[str] = []

    @suite.test
    async def test_one(shared: None) -> None:
        seen.append("one")

    @suite.test
    async def test_two(shared: None) -> None:
        seen.append("two")

    run = suite.run(backends={"asyncio": core.AsyncioBackend(loop_factory=OpaqueLoop)})

    assert run.outcomes == {
        "test_one": core.Outcome.PASSED,
        "test_two": core.Outcome.PASSED,
    }
    assert seen == ["one", "two"]
    assert batches == []
