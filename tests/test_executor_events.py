"""The events a run emits: their order, durations, captured output and trimmed tracebacks."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
import time
from collections.abc import AsyncIterator

from executor_helpers import Suite

import rustest
from rustest import core
from rustest._spec import Mark

HERE = os.path.abspath(__file__)


def build_mixed_suite(backend: str) -> Suite:
    """Return a suite with passing, failing, erroring, skipped, sync and async tests on shared loops."""
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.fixture
    async def broken() -> None:
        raise RuntimeError("broken fixture")

    @suite.test
    async def test_passes(shared: None) -> None:
        await kit.sleep(0)

    @suite.test
    def test_sync_fails() -> None:
        raise AssertionError("sync failure")

    @suite.test
    async def test_errors(broken: None) -> None:
        pass

    @suite.test(skip="skipped by mark")
    async def test_skipped(shared: None) -> None:
        pass

    @suite.test
    async def test_async_fails(shared: None) -> None:
        raise AssertionError("async failure")

    return suite


def test_a_run_starts_with_session_started_counting_every_item(backend: str) -> None:
    run = build_mixed_suite(backend).run()

    first = run.events[0]
    assert first == core.SessionStarted(item_count=5)


def test_each_item_is_a_started_finished_pair_in_execution_order(backend: str) -> None:
    run = build_mixed_suite(backend).run()

    inner = [e for e in run.events[1:-1] if not isinstance(e, core.WarningEmitted)]
    assert [type(e).__name__ for e in inner] == ["TestStarted", "TestFinished"] * len(run.item_ids)
    assert [e.nodeid for e in inner if isinstance(e, core.TestStarted)] == run.item_ids
    assert [e.report.nodeid for e in inner if isinstance(e, core.TestFinished)] == run.item_ids


def test_a_run_ends_with_session_finished_counting_every_outcome(backend: str) -> None:
    run = build_mixed_suite(backend).run()

    finished = run.session_finished
    assert finished.counts == {
        core.Outcome.PASSED: 1,
        core.Outcome.FAILED: 2,
        core.Outcome.ERROR: 1,
        core.Outcome.SKIPPED: 1,
    }
    assert not finished.interrupted
    assert finished.counts == run.result.counts


def test_the_session_result_holds_the_reports_of_the_finished_events(backend: str) -> None:
    run = build_mixed_suite(backend).run()

    finished = [e.report for e in run.events if isinstance(e, core.TestFinished)]
    assert run.result.reports == finished


def test_every_listener_receives_every_event_in_order(backend: str) -> None:
    suite = build_mixed_suite(backend)
    first: list[core.Event] = []
    second: list[core.Event] = []

    core.run(suite.nodes, suite.fixtures, suite.tests, listeners=[first.append, second.append])

    assert first == second
    assert len(first) == 12


def test_a_reports_duration_covers_its_test(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.test
    async def test_sleeps() -> None:
        await kit.sleep(0.05)

    @suite.test
    def test_sync_sleeps() -> None:
        time.sleep(0.05)

    run = suite.run()

    assert run.report("test_sleeps").duration >= 0.05
    assert run.report("test_sync_sleeps").duration >= 0.05
    assert run.session_finished.duration >= 0.1


def test_output_of_an_async_test_is_captured_in_its_report(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.test
    async def test_prints() -> None:
        print("to stdout")
        await kit.sleep(0)
        print("to stderr", file=sys.stderr)

    @suite.test
    async def test_quiet() -> None:
        await kit.sleep(0)

    run = suite.run(capture=core.SysCapture())

    report = run.report("test_prints")
    assert (report.stdout, report.stderr) == ("to stdout\n", "to stderr\n")
    assert (run.report("test_quiet").stdout, run.report("test_quiet").stderr) == ("", "")


def test_each_field_of_a_report_holds_what_its_test_produced() -> None:
    suite = Suite("asyncio")

    @suite.test
    async def test_everything(request: rustest.FixtureRequest) -> None:
        request.node.user_properties.append(("ticket", 42))
        print("to stdout")
        print("to stderr", file=sys.stderr)
        logging.getLogger("report").warning("logged")
        asyncio.get_running_loop().create_task(asyncio.sleep(60), name="left-over")
        raise ValueError("boom")

    suite.tests[-1] = dataclasses.replace(suite.tests[-1], marks=(Mark("slow"),))

    capture = core.SysCapture(logs=True)
    try:
        report = suite.run(capture=capture).report("test_everything")
    finally:
        capture.close()

    assert report.nodeid == suite.tests[-1].id
    assert (report.outcome, report.when, report.reason) == (core.Outcome.FAILED, core.Phase.CALL, "")
    assert report.duration > 0
    assert report.location == suite.tests[-1].location
    (failure,) = report.failures
    assert (failure.phase, failure.exc_type, failure.message) == (core.Phase.CALL, "ValueError", "boom")
    assert (report.stdout, report.stderr) == ("to stdout\n", "to stderr\n")
    assert report.log.endswith("logged\n")
    (warning,) = report.warnings
    assert "left-over" in warning
    assert report.marks == ("slow",)
    assert report.properties == (("ticket", 42),)


def test_output_of_async_fixtures_is_captured_in_the_report_of_the_test_they_ran_for(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        print("session setup")
        yield
        print("session teardown")

    @suite.fixture
    async def local(shared: None) -> AsyncIterator[None]:
        print("local setup")
        yield
        print("local teardown")

    @suite.test
    async def test_first(local: None) -> None:
        print("first")

    @suite.test
    def test_second(shared: None) -> None:
        print("second")

    run = suite.run(capture=core.SysCapture())

    assert run.report("test_first").stdout == "session setup\nlocal setup\nfirst\nlocal teardown\n"
    assert run.report("test_second").stdout == "second\nsession teardown\n"


def test_output_written_while_a_hosted_loop_serves_a_sync_test_is_captured(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="module")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.test
    def test_sync(shared: None) -> None:
        print("sync")

    @suite.test
    async def test_async(shared: None) -> None:
        print("async")

    run = suite.run(capture=core.SysCapture())

    assert (run.report("test_sync").stdout, run.report("test_async").stdout) == ("sync\n", "async\n")


def helper_that_raises(value: int) -> None:
    """Raise the failure the traceback tests look for, one user frame below the test."""
    if value:
        raise ValueError(f"bad value {value}")


def test_a_failure_in_an_async_test_keeps_only_user_frames(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.test
    async def test_calls_helper() -> None:
        await kit.sleep(0)
        helper_that_raises(3)

    (failure,) = suite.run().report("test_calls_helper").failures

    assert [(f.filename, f.name) for f in failure.frames] == [
        (HERE, "test_calls_helper"),
        (HERE, "helper_that_raises"),
    ]
    assert failure.frames[-1].line == 'raise ValueError(f"bad value {value}")'


def test_a_failure_in_an_async_fixture_on_a_hosted_loop_keeps_only_user_frames(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="module")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.fixture
    async def failing(shared: None) -> None:
        helper_that_raises(4)

    @suite.test
    def test_sync_between(shared: None) -> None:
        pass

    @suite.test
    async def test_uses_failing(failing: None) -> None:
        pass

    (failure,) = suite.run().report("test_uses_failing").failures

    assert [(f.filename, f.name) for f in failure.frames] == [(HERE, "failing"), (HERE, "helper_that_raises")]


def test_a_failure_in_an_async_generators_teardown_keeps_only_user_frames(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture
    async def resource() -> AsyncIterator[None]:
        yield
        await kit.sleep(0)
        helper_that_raises(5)

    @suite.test
    async def test_uses_resource(resource: None) -> None:
        pass

    (failure,) = suite.run().report("test_uses_resource").failures

    assert [(f.filename, f.name) for f in failure.frames] == [
        (HERE, "resource"),
        (HERE, "helper_that_raises"),
    ]


def test_an_outcome_signal_has_no_rustest_frames(backend: str) -> None:
    suite = Suite(backend)

    @suite.test
    async def test_fails_on_purpose() -> None:
        rustest.fail("on purpose")

    (failure,) = suite.run().report("test_fails_on_purpose").failures

    assert [(f.filename, f.name) for f in failure.frames] == [(HERE, "test_fails_on_purpose")]
