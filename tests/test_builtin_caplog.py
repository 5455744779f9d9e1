"""``caplog``: what it records, the levels it changes and restores, and its cleanup."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._builtins import LogCaptureFixture
from rustest._builtins._logging import caplog as caplog_fixture

LOGGER = "rustest.tests.caplog"


@pytest.fixture
def capture() -> Iterator[LogCaptureFixture]:
    """Rustest's caplog set up and torn down around the test, as the executor drives it."""
    steps = caplog_fixture()
    fixture = next(steps)
    logger = logging.getLogger(LOGGER)
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = True
    yield fixture
    next(steps, None)
    logger.setLevel(level)
    logger.propagate = propagate


def test_records_keep_what_was_logged(capture: LogCaptureFixture) -> None:
    logging.getLogger(LOGGER).warning("careful %s", "now")
    assert [r.getMessage() for r in capture.records] == ["careful now"]


def test_record_tuples_give_name_level_and_message(capture: LogCaptureFixture) -> None:
    logging.getLogger(LOGGER).error("broken")
    assert capture.record_tuples == [(LOGGER, logging.ERROR, "broken")]


def test_messages_are_interpolated_without_exception_text(capture: LogCaptureFixture) -> None:
    try:
        raise ValueError("inner")
    except ValueError:
        logging.getLogger(LOGGER).exception("failed %d", 3)
    assert capture.messages == ["failed 3"]


def test_text_is_formatted_with_level_logger_and_location(capture: LogCaptureFixture) -> None:
    logging.getLogger(LOGGER).warning("shown")
    assert capture.text.startswith(f"WARNING  {LOGGER}:test_builtin_caplog.py:")
    assert capture.text.endswith(" shown\n")


def test_clear_forgets_records_and_text(capture: LogCaptureFixture) -> None:
    logging.getLogger(LOGGER).warning("gone")
    capture.clear()
    assert (capture.records, capture.text) == ([], "")


def test_set_level_changes_the_named_logger(capture: LogCaptureFixture) -> None:
    capture.set_level(logging.ERROR, logger=LOGGER)
    logging.getLogger(LOGGER).warning("dropped")
    assert capture.records == []


def test_at_level_restores_the_logger_level_after_the_block(capture: LogCaptureFixture) -> None:
    logger = logging.getLogger(LOGGER)
    with capture.at_level(logging.CRITICAL, logger=LOGGER):
        assert logger.level == logging.CRITICAL
    assert logger.level == logging.DEBUG


def test_at_level_restores_the_handler_level_after_the_block(capture: LogCaptureFixture) -> None:
    with capture.at_level(logging.CRITICAL, logger=LOGGER):
        pass
    assert capture.handler.level == logging.NOTSET


def test_set_level_overrides_logging_disable() -> None:
    logging.disable(logging.CRITICAL)
    steps = caplog_fixture()
    fixture = next(steps)
    try:
        fixture.set_level(logging.INFO, logger=LOGGER)
        logging.getLogger(LOGGER).info("through")
        assert fixture.messages == ["through"]
    finally:
        next(steps, None)
        logging.disable(logging.NOTSET)


def test_filtering_applies_a_filter_inside_the_block_only(capture: LogCaptureFixture) -> None:
    logger = logging.getLogger(LOGGER)
    with capture.filtering(logging.Filter("somewhere.else")):
        logger.warning("filtered")
    logger.warning("kept")
    assert capture.messages == ["kept"]


def test_teardown_restores_set_levels_and_logging_disable() -> None:
    steps = caplog_fixture()
    fixture = next(steps)
    logger = logging.getLogger(LOGGER)
    before = logger.level
    logging.disable(logging.WARNING)
    try:
        fixture.set_level(logging.DEBUG, logger=LOGGER)
        next(steps, None)
        assert (logger.level, logging.root.manager.disable) == (before, logging.WARNING)
    finally:
        logging.disable(logging.NOTSET)


def test_teardown_removes_the_handler_from_the_root_logger() -> None:
    steps = caplog_fixture()
    fixture = next(steps)
    next(steps, None)
    assert fixture.handler not in logging.getLogger().handlers


PROJECT = {
    "test_a.py": """
        import logging

        log = logging.getLogger("app")

        def test_warnings_are_captured_by_default(caplog):
            log.warning("w")
            log.info("i")
            assert caplog.messages == ["w"]

        def test_set_level_lets_info_through(caplog):
            caplog.set_level(logging.INFO)
            log.info("i")
            assert caplog.record_tuples == [("app", logging.INFO, "i")]

        def test_set_level_then_fail(caplog):
            caplog.set_level(logging.DEBUG, logger="app")
            caplog.set_level(logging.DEBUG)
            assert False

        def test_levels_are_restored_after_a_failing_test():
            assert logging.getLogger("app").level == logging.NOTSET
            assert logging.getLogger().level == logging.WARNING

        def test_handler_is_removed_after_the_test():
            assert not [h for h in logging.getLogger().handlers if type(h).__name__ == "LogCaptureHandler"]

        async def test_records_from_an_async_test(caplog):
            log.warning("async")
            assert caplog.messages == ["async"]

        def test_each_test_starts_empty(caplog):
            assert caplog.records == []

        def test_a_record_that_cannot_be_formatted_fails_the_test(caplog):
            log.warning("%d", "not a number")

        from rustest import fixture

        @fixture
        def logs_around_the_test():
            log.warning("setting up")
            yield
            log.warning("tearing down")

        def test_records_hold_only_what_the_test_body_logged(caplog, logs_around_the_test):
            log.warning("in the test")
            assert caplog.messages == ["in the test"]
            assert caplog.text.endswith(" in the test\\n") and "setting up" not in caplog.text

        def test_get_records_reads_the_setup_phase(caplog, logs_around_the_test):
            assert [r.getMessage() for r in caplog.get_records("setup")] == ["setting up"]
            assert caplog.get_records("call") == []

        @fixture
        def checks_its_teardown_records(caplog):
            yield
            log.warning("late")
            assert [r.getMessage() for r in caplog.get_records("teardown")] == ["late"]
            assert caplog.messages == ["late"]

        def test_get_records_reads_the_teardown_phase(checks_its_teardown_records):
            log.warning("in the test")
    """,
}


@pytest.fixture(scope="module")
def project_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check caplog from inside."""
    return run_project(tmp_path_factory.mktemp("caplog"), PROJECT)


@pytest.mark.parametrize(
    "name",
    [
        "test_warnings_are_captured_by_default",
        "test_set_level_lets_info_through",
        "test_levels_are_restored_after_a_failing_test",
        "test_handler_is_removed_after_the_test",
        "test_each_test_starts_empty",
        "test_records_from_an_async_test",
        "test_records_hold_only_what_the_test_body_logged",
        "test_get_records_reads_the_setup_phase",
        "test_get_records_reads_the_teardown_phase",
    ],
)
def test_caplog_behaves_like_pytest(project_run: ProjectRun, name: str) -> None:
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)


def test_a_badly_formatted_record_fails_the_test(project_run: ProjectRun) -> None:
    name = "test_a_record_that_cannot_be_formatted_fails_the_test"
    assert project_run.outcome(name) == "failed"
    assert "TypeError" in project_run.failure_text(name) + str(project_run.test(name)["failures"])


def test_get_records_rejects_an_unknown_phase(capture: LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="setup, call, teardown"):
        capture.get_records("body")
