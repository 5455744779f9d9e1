"""The closing line of a run, as the terminal and the programmatic API print it."""

from __future__ import annotations

from rustest._events import Outcome
from rustest._reporting import format_summary_line


def test_summary_line_lists_counts_in_pytest_order() -> None:
    counts = {
        Outcome.XPASSED: 1,
        Outcome.ERROR: 2,
        Outcome.XFAILED: 3,
        Outcome.SKIPPED: 4,
        Outcome.PASSED: 5,
        Outcome.FAILED: 6,
    }
    line = format_summary_line(counts, 1.5, deselected=7, warnings=8)
    assert line == (
        "6 failed, 5 passed, 4 skipped, 7 deselected, 3 xfailed, 1 xpassed, 8 warnings, 2 errors in 1.50s"
    )


def test_summary_line_leaves_out_zero_counts() -> None:
    line = format_summary_line({Outcome.PASSED: 3, Outcome.FAILED: 0}, 0.123)
    assert line == "3 passed in 0.12s"


def test_summary_line_says_no_tests_ran_when_nothing_counts() -> None:
    assert format_summary_line({}, 0.01) == "no tests ran in 0.01s"


def test_summary_line_uses_singular_for_one_error_and_one_warning() -> None:
    line = format_summary_line({Outcome.ERROR: 1}, 0.0, warnings=1)
    assert line == "1 warning, 1 error in 0.00s"


def test_summary_line_counts_collection_errors_as_errors() -> None:
    line = format_summary_line({Outcome.ERROR: 1}, 0.0, collection_errors=2)
    assert line == "3 errors in 0.00s"


def test_summary_line_shows_only_deselected_when_everything_was_deselected() -> None:
    assert format_summary_line({}, 0.2, deselected=4) == "4 deselected in 0.20s"


def test_summary_line_adds_clock_time_from_one_minute_on() -> None:
    assert format_summary_line({Outcome.PASSED: 1}, 3725.5) == "1 passed in 3725.50s (1:02:05)"
