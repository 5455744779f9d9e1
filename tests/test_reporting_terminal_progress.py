"""What the terminal reporter prints while tests run: header, progress lines, verbose and quiet modes."""

from __future__ import annotations

import io
import platform
import sys
from collections import Counter
from collections.abc import Iterable

import pytest

from rustest._events import (
    CollectionFailed,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
)
from rustest._reporting import TerminalReporter
from rustest._version import __version__


@pytest.fixture(autouse=True)
def fixed_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test an 80-column terminal that no CI variable changes."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)


def report(nodeid: str, outcome: Outcome = Outcome.PASSED, reason: str = "") -> TestReport:
    return TestReport(nodeid, outcome, Phase.CALL, 0.0, reason=reason)


def run(reports: Iterable[TestReport], *, deselected: int = 0, **options: object) -> str:
    """Feed a whole run of *reports* to a terminal reporter and return what it printed."""
    reports = list(reports)
    stream = io.StringIO()
    reporter = TerminalReporter(stream, **options)  # type: ignore[arg-type]
    if deselected:
        reporter.deselected(deselected)
    reporter(SessionStarted(len(reports)))
    for item in reports:
        reporter(TestStarted(item.nodeid))
        reporter(TestFinished(item))
    reporter(SessionFinished(dict(Counter(item.outcome for item in reports)), 0.25))
    return stream.getvalue()


def test_header_names_the_version_the_rootdir_and_the_item_count() -> None:
    output = run([report("tests/test_a.py::test_x")], rootdir="/project")
    assert output.splitlines()[:6] == [
        "============================= test session starts ==============================",
        f"platform {sys.platform} -- Python {platform.python_version()}, rustest {__version__}",
        "rootdir: /project",
        "collected 1 item",
        "",
        "tests/test_a.py ." + " " * 56 + "[100%]",
    ]


def test_collected_line_uses_plural_for_several_items() -> None:
    output = run([report("tests/test_a.py::test_x"), report("tests/test_a.py::test_y")])
    assert "collected 2 items" in output.splitlines()


def test_collected_line_counts_deselected_and_selected_items() -> None:
    output = run([report("tests/test_a.py::test_x")], deselected=3)
    assert "collected 4 items / 3 deselected / 1 selected" in output.splitlines()


def test_collected_line_counts_collection_errors_reported_before_the_run() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter(CollectionFailed("tests/test_bad.py", "SyntaxError: invalid syntax"))
    reporter(SessionStarted(2))
    assert "collected 2 items / 1 error" in stream.getvalue().splitlines()


def test_progress_line_per_file_with_right_aligned_percentage() -> None:
    output = run(
        [
            report("tests/test_a.py::test_1"),
            report("tests/test_a.py::test_2"),
            report("tests/test_a.py::test_3", Outcome.FAILED),
            report("tests/test_a.py::test_4"),
            report("tests/test_a.py::test_5", Outcome.SKIPPED),
            report("tests/test_b.py::test_6", Outcome.ERROR),
            report("tests/test_b.py::test_7", Outcome.XFAILED),
            report("tests/test_b.py::test_8", Outcome.XPASSED),
            report("tests/test_b.py::test_9"),
            report("tests/test_b.py::test_10"),
        ]
    )
    lines = output.splitlines()
    first = lines.index("tests/test_a.py ..F.s" + " " * 52 + "[ 50%]")
    assert lines[first + 1] == "tests/test_b.py ExX.." + " " * 52 + "[100%]"
    assert len(lines[first]) == 79


def test_progress_line_takes_the_file_from_the_test_id() -> None:
    output = run([report("tests/sub/test_c.py::TestK::test_m[a::b]")])
    assert any(line.startswith("tests/sub/test_c.py . ") for line in output.splitlines())


def test_progress_line_breaks_with_the_percentage_so_far_at_the_edge() -> None:
    reports = [report(f"tests/test_a.py::test_{index}") for index in range(100)]
    lines = run(reports).splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("tests/test_a.py "))
    assert lines[start] == "tests/test_a.py " + "." * 56 + " [ 56%]"
    assert lines[start + 1] == "." * 44 + " " * 29 + "[100%]"


def test_verbose_prints_one_line_per_test_with_its_outcome_word() -> None:
    output = run(
        [
            report("tests/test_a.py::test_x"),
            report("tests/test_a.py::test_y", Outcome.FAILED),
            report("tests/test_a.py::test_z", Outcome.ERROR),
            report("tests/test_a.py::test_w", Outcome.XPASSED),
        ],
        verbosity=1,
    )
    lines = output.splitlines()
    assert "tests/test_a.py::test_x PASSED" + " " * 43 + "[ 25%]" in lines
    assert "tests/test_a.py::test_y FAILED" + " " * 43 + "[ 50%]" in lines
    assert "tests/test_a.py::test_z ERROR" + " " * 44 + "[ 75%]" in lines
    assert "tests/test_a.py::test_w XPASS" + " " * 44 + "[100%]" in lines


def test_verbose_shows_skip_and_xfail_reasons_without_their_prefixes() -> None:
    output = run(
        [
            report("tests/test_a.py::test_s", Outcome.SKIPPED, reason="Skipped: no network"),
            report("tests/test_a.py::test_x", Outcome.XFAILED, reason="reason: bug 12"),
        ],
        verbosity=1,
    )
    lines = output.splitlines()
    assert "tests/test_a.py::test_s SKIPPED (no network)" + " " * 29 + "[ 50%]" in lines
    assert "tests/test_a.py::test_x XFAIL (bug 12)" + " " * 35 + "[100%]" in lines


def test_verbose_cuts_a_long_skip_reason_to_the_line() -> None:
    output = run([report("tests/test_a.py::test_s", Outcome.SKIPPED, reason="x" * 200)], verbosity=1)
    line = next(line for line in output.splitlines() if line.startswith("tests/test_a.py::test_s"))
    assert line == "tests/test_a.py::test_s SKIPPED (" + "x" * 35 + "...) [100%]"


def test_very_verbose_keeps_the_whole_skip_reason() -> None:
    output = run([report("tests/test_a.py::test_s", Outcome.SKIPPED, reason="x" * 200)], verbosity=2)
    assert f"tests/test_a.py::test_s SKIPPED ({'x' * 200}) [100%]" in output.splitlines()


def test_verbose_writes_the_test_id_before_the_test_finishes() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream, verbosity=1)
    reporter(SessionStarted(1))
    reporter(TestStarted("tests/test_a.py::test_slow"))
    assert stream.getvalue().endswith("\n\ntests/test_a.py::test_slow ")


def test_quiet_prints_only_progress_characters_and_a_plain_summary() -> None:
    output = run(
        [report("tests/test_a.py::test_x"), report("tests/test_b.py::test_y", Outcome.SKIPPED)],
        verbosity=-1,
    )
    assert output == ".s" + " " * 71 + "[100%]\n1 passed, 1 skipped in 0.25s\n"


def test_very_quiet_leaves_out_the_summary_line() -> None:
    output = run([report("tests/test_a.py::test_x")], verbosity=-2)
    assert output == "." + " " * 72 + "[100%]\n"


def test_passing_run_ends_with_a_blank_line_and_the_centred_summary() -> None:
    output = run([report("tests/test_a.py::test_x")])
    assert output.splitlines()[-3:] == [
        "tests/test_a.py ." + " " * 56 + "[100%]",
        "",
        "=" * 30 + " 1 passed in 0.25s " + "=" * 31,
    ]


def test_run_without_tests_says_no_tests_ran() -> None:
    output = run([])
    assert output.splitlines()[-3:] == [
        "collected 0 items",
        "",
        "=" * 28 + " no tests ran in 0.25s " + "=" * 29,
    ]


def test_summary_line_includes_deselected_count() -> None:
    output = run([report("tests/test_a.py::test_x")], deselected=2)
    assert output.splitlines()[-1] == "=" * 23 + " 1 passed, 2 deselected in 0.25s " + "=" * 24


def test_interrupted_run_prints_the_reason_before_the_summary() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter(SessionStarted(2))
    reporter(TestStarted("tests/test_a.py::test_x"))
    reporter(TestFinished(report("tests/test_a.py::test_x", Outcome.FAILED)))
    reporter(SessionFinished({Outcome.FAILED: 1}, 0.25, interrupted=True, reason="stopping after 1 failures"))
    assert stream.getvalue().splitlines()[-2:] == [
        "!" * 20 + " Interrupted: stopping after 1 failures " + "!" * 20,
        "=" * 30 + " 1 failed in 0.25s " + "=" * 31,
    ]


def test_interrupted_run_closes_the_open_progress_line_with_the_percentage_reached() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter(SessionStarted(4))
    reporter(TestStarted("tests/test_a.py::test_x"))
    reporter(TestFinished(report("tests/test_a.py::test_x")))
    reporter(SessionFinished({Outcome.PASSED: 1}, 0.25, interrupted=True, reason="KeyboardInterrupt"))
    lines = stream.getvalue().splitlines()
    assert "tests/test_a.py ." + " " * 56 + "[ 25%]" in lines
    assert "!" * 24 + " Interrupted: KeyboardInterrupt " + "!" * 24 in lines


def test_interrupted_run_without_reason_says_interrupted() -> None:
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter(SessionStarted(0))
    reporter(SessionFinished({}, 0.25, interrupted=True))
    assert "!" * 33 + " Interrupted " + "!" * 34 in stream.getvalue().splitlines()


def test_width_follows_the_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    output = run([report("tests/test_a.py::test_x")])
    assert output.splitlines()[-1] == "=" * 20 + " 1 passed in 0.25s " + "=" * 21


def test_unknown_tb_style_is_refused() -> None:
    with pytest.raises(ValueError, match="--tb must be one of auto, long, short, line, no"):
        TerminalReporter(io.StringIO(), tb_style="medium")


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="--durations must be 0"):
        TerminalReporter(io.StringIO(), durations=-1)
