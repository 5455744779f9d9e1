"""The ``--color`` decision and coloured terminal output."""

from __future__ import annotations

import io

import pytest

from rustest._events import (
    Failure,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
)
from rustest._reporting import TerminalReporter, should_use_color

RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment that says nothing about colours."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM", "CI", "BUILD_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")


def test_auto_colors_a_terminal() -> None:
    assert should_use_color(FakeTerminal(), "auto") is True


def test_auto_does_not_color_a_pipe_or_file() -> None:
    assert should_use_color(io.StringIO(), "auto") is False


def test_no_color_disables_colors_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert should_use_color(FakeTerminal(), "auto") is False


def test_empty_no_color_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")
    assert should_use_color(FakeTerminal(), "auto") is True


def test_force_color_enables_colors_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert should_use_color(io.StringIO(), "auto") is True


def test_no_color_wins_over_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert should_use_color(FakeTerminal(), "auto") is False


def test_dumb_terminal_gets_no_colors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert should_use_color(FakeTerminal(), "auto") is False


def test_always_colors_even_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert should_use_color(io.StringIO(), "always") is True


def test_never_does_not_color_even_with_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert should_use_color(FakeTerminal(), "never") is False


def test_unknown_color_option_is_refused() -> None:
    with pytest.raises(ValueError, match="--color must be one of auto, always, never"):
        should_use_color(io.StringIO(), "sometimes")


def test_closed_stream_gets_no_colors() -> None:
    stream = io.StringIO()
    stream.close()
    assert should_use_color(stream, "auto") is False


def _run(*reports: TestReport, color: bool) -> str:
    stream = io.StringIO()
    reporter = TerminalReporter(stream, color=color)
    reporter(SessionStarted(len(reports)))
    counts: dict[Outcome, int] = {}
    for report in reports:
        reporter(TestStarted(report.nodeid))
        reporter(TestFinished(report))
        counts[report.outcome] = counts.get(report.outcome, 0) + 1
    reporter(SessionFinished(counts, 0.5))
    return stream.getvalue()


def _report(name: str, outcome: Outcome) -> TestReport:
    failures: tuple[Failure, ...] = ()
    if outcome is Outcome.FAILED:
        failures = (Failure(Phase.CALL, "ValueError", "boom"),)
    return TestReport(f"tests/test_a.py::{name}", outcome, Phase.CALL, 0.0, failures=failures)


def test_progress_characters_are_colored_by_outcome() -> None:
    output = _run(
        _report("test_ok", Outcome.PASSED),
        _report("test_bad", Outcome.FAILED),
        _report("test_later", Outcome.SKIPPED),
        color=True,
    )
    assert f"tests/test_a.py {GREEN}.{RESET}{RED}F{RESET}{YELLOW}s{RESET}" in output


def test_passing_run_ends_with_a_green_summary_line() -> None:
    output = _run(_report("test_ok", Outcome.PASSED), color=True)
    last_line = output.splitlines()[-1]
    left, right = "=" * 30, "=" * 31
    assert last_line == (
        f"{GREEN}{left} {RESET}{GREEN}{BOLD}1 passed{RESET}{GREEN} in 0.50s{RESET}{GREEN} {right}{RESET}"
    )


def test_failing_run_ends_with_a_red_summary_line_and_colored_counts() -> None:
    output = _run(_report("test_ok", Outcome.PASSED), _report("test_bad", Outcome.FAILED), color=True)
    last_line = output.splitlines()[-1]
    assert last_line.startswith(f"{RED}=")
    assert f"{RED}{BOLD}1 failed{RESET}, {GREEN}1 passed{RESET}" in last_line


def test_uncolored_output_holds_no_escape_codes() -> None:
    output = _run(_report("test_ok", Outcome.PASSED), _report("test_bad", Outcome.FAILED), color=False)
    assert "\x1b" not in output


def test_error_lines_of_a_traceback_are_red_and_bold() -> None:
    output = _run(_report("test_bad", Outcome.FAILED), color=True)
    assert f"{RED}{BOLD}E   ValueError: boom{RESET}" in output
