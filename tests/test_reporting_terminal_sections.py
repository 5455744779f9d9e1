"""The sections the terminal reporter ends a run with: errors, failures, warnings, durations, summary."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from rustest._events import (
    CollectionFailed,
    Event,
    Failure,
    Frame,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
    WarningEmitted,
)
from rustest._reporting import TerminalReporter
from rustest._reporting._names import display_path

SOURCE = """\
import helpers


def helper(value):
    doubled = value * 2
    raise ValueError(f"bad value {doubled}")


def middle(value):
    return helper(value)


@helpers.parametrize("x", [1])
def test_decorated(x):
    a = 1
    assert a == 2


def test_chain():
    value = 3
    middle(value)


class TestThings:
    def test_method(self):
        expected = {"a": 2}
        assert compare(
            {"a": 1},
            expected,
        )
        more = 1
"""


@pytest.fixture(autouse=True)
def fixed_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test an 80-column terminal that no CI variable changes."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)


@pytest.fixture
def source(tmp_path: Path) -> str:
    """Write the test module the frames point into and return its absolute path."""
    path = tmp_path / "tests" / "test_a.py"
    path.parent.mkdir()
    path.write_text(SOURCE)
    return str(path)


def rule(title: str, char: str = "_") -> str:
    """Return the 80-column line of *char* that pytest draws around a section *title*."""
    fill = char * ((80 - len(title) - 2) // 2)
    line = f"{fill} {title} {fill}"
    return line + char if len(line) < 80 else line


def frame(filename: str, lineno: int, name: str) -> Frame:
    return Frame(filename, lineno, name, SOURCE.splitlines()[lineno - 1].strip())


def failed(nodeid: str, *failures: Failure, **fields: object) -> TestReport:
    return TestReport(nodeid, Outcome.FAILED, Phase.CALL, 0.0, failures=failures, **fields)  # type: ignore[arg-type]


def decorated_failure(source: str) -> Failure:
    return Failure(Phase.CALL, "AssertionError", "assert 1 == 2", (frame(source, 16, "test_decorated"),))


def chain_failure(source: str) -> Failure:
    frames = (frame(source, 21, "test_chain"), frame(source, 10, "middle"), frame(source, 6, "helper"))
    return Failure(Phase.CALL, "ValueError", "bad value 6", frames)


def run(
    reports: Sequence[TestReport],
    *,
    rootdir: str = "",
    before: Sequence[Event] = (),
    after: Sequence[Event] = (),
    **options: object,
) -> str:
    """Feed a whole run to a terminal reporter and return what it printed."""
    stream = io.StringIO()
    reporter = TerminalReporter(stream, rootdir=rootdir, **options)  # type: ignore[arg-type]
    for event in before:
        reporter(event)
    reporter(SessionStarted(len(reports)))
    for item in reports:
        reporter(TestStarted(item.nodeid))
        reporter(TestFinished(item))
    for event in after:
        reporter(event)
    reporter(SessionFinished(dict(Counter(item.outcome for item in reports)), 0.25))
    return stream.getvalue()


def section(output: str, title: str) -> list[str]:
    """Return the lines of the ``=`` section named *title*, up to the next ``=`` section."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("=") and f" {title} " in line)
    end = next(
        (index for index in range(start + 1, len(lines)) if lines[index].startswith("=")),
        len(lines),
    )
    return lines[start + 1 : end]


def test_long_traceback_shows_the_function_from_its_decorator_to_the_failing_line(source: str) -> None:
    report = failed("tests/test_a.py::test_decorated[1]", decorated_failure(source))
    output = run([report], rootdir=str(Path(source).parent.parent), tb_style="long")
    assert section(output, "FAILURES") == [
        rule("test_decorated[1]"),
        "",
        '    @helpers.parametrize("x", [1])',
        "    def test_decorated(x):",
        "        a = 1",
        ">       assert a == 2",
        "E       assert 1 == 2",
        "",
        "tests/test_a.py:16: AssertionError",
    ]


def test_long_traceback_shows_every_frame_between_separators(source: str) -> None:
    output = run([failed("tests/test_a.py::test_chain", chain_failure(source))], tb_style="long")
    # Without a rootdir, paths show relative to the working directory when that is shorter.
    source = display_path(source, "")
    assert section(output, "FAILURES")[1:] == [
        "",
        "    def test_chain():",
        "        value = 3",
        ">       middle(value)",
        "",
        f"{source}:21:",
        ("_ " * 40).rstrip(),
        "",
        "    def middle(value):",
        ">       return helper(value)",
        "",
        f"{source}:10:",
        ("_ " * 40).rstrip(),
        "",
        "    def helper(value):",
        "        doubled = value * 2",
        '>       raise ValueError(f"bad value {doubled}")',
        "E       ValueError: bad value 6",
        "",
        f"{source}:6: ValueError",
    ]


def test_auto_traceback_shortens_the_frames_between_the_test_and_the_raise(source: str) -> None:
    rootdir = str(Path(source).parent.parent)
    output = run([failed("tests/test_a.py::test_chain", chain_failure(source))], rootdir=rootdir)
    assert section(output, "FAILURES")[1:] == [
        "",
        "    def test_chain():",
        "        value = 3",
        ">       middle(value)",
        "",
        "tests/test_a.py:21:",
        ("_ " * 40).rstrip(),
        "tests/test_a.py:10: in middle",
        "    return helper(value)",
        ("_ " * 40).rstrip(),
        "",
        "    def helper(value):",
        "        doubled = value * 2",
        '>       raise ValueError(f"bad value {doubled}")',
        "E       ValueError: bad value 6",
        "",
        "tests/test_a.py:6: ValueError",
    ]


def test_long_traceback_of_a_method_is_dedented_and_shows_the_whole_statement(source: str) -> None:
    failure = Failure(
        Phase.CALL,
        "AssertionError",
        "assert False\n +  where False = compare(...)",
        (frame(source, 27, "test_method"),),
    )
    rootdir = str(Path(source).parent.parent)
    output = run([failed("tests/test_a.py::TestThings::test_method", failure)], rootdir=rootdir)
    assert section(output, "FAILURES") == [
        rule("TestThings.test_method"),
        "",
        "    def test_method(self):",
        '        expected = {"a": 2}',
        ">       assert compare(",
        '            {"a": 1},',
        "            expected,",
        "        )",
        "E       assert False",
        "E        +  where False = compare(...)",
        "",
        "tests/test_a.py:27: AssertionError",
    ]


def test_long_traceback_marks_the_reported_line_inside_a_multiline_statement(source: str) -> None:
    failure = Failure(Phase.CALL, "TypeError", "unhashable", (frame(source, 28, "test_method"),))
    rootdir = str(Path(source).parent.parent)
    output = run([failed("tests/test_a.py::TestThings::test_method", failure)], rootdir=rootdir)
    assert section(output, "FAILURES")[3:8] == [
        '        expected = {"a": 2}',
        "        assert compare(",
        '>           {"a": 1},',
        "            expected,",
        "        )",
    ]


def test_long_traceback_of_module_code_shows_only_the_failing_statement(source: str) -> None:
    failure = Failure(Phase.CALL, "ImportError", "no helpers", (frame(source, 1, "<module>"),))
    rootdir = str(Path(source).parent.parent)
    output = run([failed("tests/test_a.py::test_x", failure)], rootdir=rootdir)
    assert section(output, "FAILURES")[1:] == [
        "",
        ">   import helpers",
        "E   ImportError: no helpers",
        "",
        "tests/test_a.py:1: ImportError",
    ]


def test_blank_lines_of_an_assertion_message_are_marked_without_trailing_spaces(source: str) -> None:
    failure = Failure(
        Phase.CALL,
        "AssertionError",
        "assert {'a': 1} == {'a': 2}\n\n  Differing items:",
        (frame(source, 16, "test_decorated"),),
    )
    output = run([failed("tests/test_a.py::test_decorated[1]", failure)])
    assert section(output, "FAILURES")[6:9] == [
        "E       assert {'a': 1} == {'a': 2}",
        "E",
        "E         Differing items:",
    ]


def test_short_traceback_gives_each_frame_one_line_and_its_source(source: str) -> None:
    rootdir = str(Path(source).parent.parent)
    output = run(
        [failed("tests/test_a.py::test_chain", chain_failure(source))], rootdir=rootdir, tb_style="short"
    )
    assert section(output, "FAILURES") == [
        rule("test_chain"),
        "tests/test_a.py:21: in test_chain",
        "    middle(value)",
        "tests/test_a.py:10: in middle",
        "    return helper(value)",
        "tests/test_a.py:6: in helper",
        '    raise ValueError(f"bad value {doubled}")',
        "E   ValueError: bad value 6",
    ]


def test_line_traceback_gives_one_line_per_failure_without_headings(source: str) -> None:
    rootdir = str(Path(source).parent.parent)
    reports = [
        failed("tests/test_a.py::test_chain", chain_failure(source)),
        failed("tests/test_a.py::test_decorated[1]", decorated_failure(source)),
    ]
    output = run(reports, rootdir=rootdir, tb_style="line")
    assert section(output, "FAILURES") == [
        "tests/test_a.py:6: ValueError: bad value 6",
        "tests/test_a.py:16: assert 1 == 2",
    ]


def test_no_traceback_leaves_out_failures_but_keeps_the_short_summary(source: str) -> None:
    output = run([failed("tests/test_a.py::test_chain", chain_failure(source))], tb_style="no")
    assert "FAILURES" not in output
    assert "FAILED tests/test_a.py::test_chain - ValueError: bad value 6" in output.splitlines()


def test_traceback_falls_back_to_the_frame_line_when_the_source_is_gone(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    failure = Failure(Phase.CALL, "KeyError", "'k'", (Frame(missing, 3, "test_gone", "data['k']"),))
    output = run([failed("gone.py::test_gone", failure)], rootdir=str(tmp_path))
    assert section(output, "FAILURES")[1:] == [
        "",
        ">   data['k']",
        "E   KeyError: 'k'",
        "",
        "gone.py:3: KeyError",
    ]


def test_plan_error_without_frames_prints_its_whole_message() -> None:
    message = (
        "test tests/test_a.py::test_x sets loop_scope='function' (decorator)\n"
        "but needs the session loop:\n"
        "  test_x -> db (session, async)"
    )
    error = TestReport(
        "tests/test_a.py::test_x",
        Outcome.ERROR,
        Phase.SETUP,
        0.0,
        location="tests/test_a.py:7",
        failures=(Failure(Phase.SETUP, "LoopScopeError", message),),
    )
    output = run([error])
    assert section(output, "ERRORS") == [
        rule("ERROR at setup of test_x"),
        "E   LoopScopeError: test tests/test_a.py::test_x sets loop_scope='function' (decorator)",
        "E   but needs the session loop:",
        "E     test_x -> db (session, async)",
        "",
        "tests/test_a.py:7: LoopScopeError",
    ]


def test_teardown_error_is_headed_at_teardown() -> None:
    error = TestReport(
        "tests/test_a.py::TestK::test_y",
        Outcome.ERROR,
        Phase.TEARDOWN,
        0.0,
        failures=(Failure(Phase.TEARDOWN, "OSError", "port busy"),),
    )
    output = run([error])
    assert rule("ERROR at teardown of TestK.test_y") in section(output, "ERRORS")


def test_failure_and_later_teardown_error_are_shown_under_one_heading() -> None:
    report = failed(
        "tests/test_a.py::test_x",
        Failure(Phase.CALL, "ValueError", "first"),
        Failure(Phase.TEARDOWN, "OSError", "second"),
    )
    lines = section(run([report]), "FAILURES")
    assert lines == [
        rule("test_x"),
        "E   ValueError: first",
        "",
        "tests/test_a.py: ValueError",
        "_ " * 12 + " error at teardown of test_x " + "_ " * 12 + "_",
        "E   OSError: second",
        "",
        "tests/test_a.py: OSError",
    ]


def test_strict_xpass_failure_without_exception_shows_its_reason() -> None:
    report = failed("tests/test_a.py::test_x", reason="[XPASS(strict)] fixed upstream")
    output = run([report])
    assert section(output, "FAILURES")[1] == "[XPASS(strict)] fixed upstream"
    assert "FAILED tests/test_a.py::test_x - [XPASS(strict)] fixed upstream" in output.splitlines()


def test_collection_errors_get_their_own_heading_and_count_as_errors() -> None:
    collection_error = CollectionFailed(
        "tests/test_bad.py",
        "ImportError while importing test module 'tests/test_bad.py'.\n"
        "E   ModuleNotFoundError: No module named 'nope'\n",
    )
    output = run([], before=[collection_error])
    assert section(output, "ERRORS") == [
        rule("ERROR collecting tests/test_bad.py"),
        "ImportError while importing test module 'tests/test_bad.py'.",
        "E   ModuleNotFoundError: No module named 'nope'",
    ]
    lines = output.splitlines()
    assert "ERROR tests/test_bad.py - ModuleNotFoundError: No module named 'nope'" in lines
    assert lines[-1] == rule("1 error in 0.25s", "=")


def test_captured_output_of_a_failing_test_follows_its_traceback() -> None:
    report = failed(
        "tests/test_a.py::test_x",
        Failure(Phase.CALL, "ValueError", "boom"),
        stdout="to stdout\n",
        stderr="to stderr",
        log="WARNING  root:test_a.py:3 careful\n",
    )
    assert section(run([report]), "FAILURES")[4:] == [
        rule("Captured stdout call", "-"),
        "to stdout",
        rule("Captured stderr call", "-"),
        "to stderr",
        rule("Captured log call", "-"),
        "WARNING  root:test_a.py:3 careful",
    ]


def test_captured_output_is_named_after_the_phase_that_decided_the_outcome() -> None:
    error = TestReport(
        "tests/test_a.py::test_x",
        Outcome.ERROR,
        Phase.SETUP,
        0.0,
        failures=(Failure(Phase.SETUP, "ValueError", "boom"),),
        stdout="setting up\n",
    )
    assert rule("Captured stdout setup", "-") in section(run([error]), "ERRORS")


def test_show_capture_off_hides_captured_output() -> None:
    report = failed("tests/test_a.py::test_x", Failure(Phase.CALL, "ValueError", "boom"), stdout="noise\n")
    output = run([report], show_capture=False)
    assert "Captured stdout" not in output
    assert "noise" not in output


def test_passes_section_shows_output_of_passing_tests_with_report_char_upper_p() -> None:
    quiet = TestReport("tests/test_a.py::test_quiet", Outcome.PASSED, Phase.CALL, 0.0)
    chatty = TestReport("tests/test_a.py::test_chatty", Outcome.PASSED, Phase.CALL, 0.0, stdout="hi\n")
    assert section(run([quiet, chatty], report_chars="P"), "PASSES") == [
        rule("test_chatty"),
        rule("Captured stdout call", "-"),
        "hi",
    ]


def test_passes_section_is_left_out_when_output_is_not_shown() -> None:
    chatty = TestReport("tests/test_a.py::test_chatty", Outcome.PASSED, Phase.CALL, 0.0, stdout="hi\n")
    assert "PASSES" not in run([chatty], report_chars="P", show_capture=False)


def test_warnings_summary_groups_test_warnings_by_message_then_lists_loose_ones() -> None:
    reports = [
        TestReport(
            "tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0, warnings=("UserWarning: old",)
        ),
        TestReport(
            "tests/test_a.py::test_y", Outcome.PASSED, Phase.CALL, 0.0, warnings=("UserWarning: old",)
        ),
    ]
    output = run(reports, after=[WarningEmitted("task left running: serve()\n")])
    assert section(output, "warnings summary") == [
        "tests/test_a.py::test_x",
        "tests/test_a.py::test_y",
        "  UserWarning: old",
        "",
        "task left running: serve()",
        "",
    ]
    assert output.splitlines()[-1] == rule("2 passed, 3 warnings in 0.25s", "=")


def test_warnings_from_many_tests_are_counted_per_file() -> None:
    reports = [
        TestReport(f"tests/test_a.py::test_{n}", Outcome.PASSED, Phase.CALL, 0.0, warnings=("W: x",))
        for n in range(10)
    ]
    reports.append(TestReport("tests/test_b.py::test_b", Outcome.PASSED, Phase.CALL, 0.0, warnings=("W: x",)))
    assert section(run(reports), "warnings summary") == [
        "tests/test_a.py: 10 warnings",
        "tests/test_b.py: 1 warning",
        "  W: x",
        "",
    ]


def _timed(nodeid: str, duration: float) -> TestReport:
    return TestReport(nodeid, Outcome.PASSED, Phase.CALL, duration)


def test_durations_lists_the_slowest_tests_first() -> None:
    reports = [_timed("tests/test_a.py::test_fast", 0.1), _timed("tests/test_a.py::test_slow", 0.52)]
    reports.append(_timed("tests/test_a.py::test_mid", 0.3))
    assert section(run(reports, durations=2), "slowest 2 durations") == [
        "0.52s call     tests/test_a.py::test_slow",
        "0.30s call     tests/test_a.py::test_mid",
    ]


def test_durations_zero_lists_every_test() -> None:
    reports = [_timed("tests/test_a.py::test_a", 0.1), _timed("tests/test_a.py::test_b", 0.2)]
    assert section(run(reports, durations=0), "slowest durations") == [
        "0.20s call     tests/test_a.py::test_b",
        "0.10s call     tests/test_a.py::test_a",
    ]


def test_durations_hide_very_short_tests_below_double_verbose() -> None:
    reports = [_timed("tests/test_a.py::test_a", 0.1), _timed("tests/test_a.py::test_b", 0.001)]
    assert section(run(reports, durations=0), "slowest durations") == [
        "0.10s call     tests/test_a.py::test_a",
        "",
        "(1 durations < 0.005s hidden.  Use -vv to show these durations.)",
    ]


def test_durations_show_very_short_tests_with_double_verbose() -> None:
    reports = [_timed("tests/test_a.py::test_a", 0.1), _timed("tests/test_a.py::test_b", 0.001)]
    lines = section(run(reports, durations=0, verbosity=2), "slowest durations")
    assert lines[-1] == "0.00s call     tests/test_a.py::test_b"


def test_short_summary_by_default_lists_failures_and_errors() -> None:
    reports = [
        failed("tests/test_a.py::test_f", Failure(Phase.CALL, "AssertionError", "assert 1 == 2")),
        TestReport(
            "tests/test_a.py::test_e",
            Outcome.ERROR,
            Phase.SETUP,
            0.0,
            failures=(Failure(Phase.SETUP, "RuntimeError", "no db\ndetails"),),
        ),
        TestReport("tests/test_a.py::test_s", Outcome.SKIPPED, Phase.SETUP, 0.0, reason="later"),
    ]
    assert section(run(reports), "short test summary info") == [
        "FAILED tests/test_a.py::test_f - assert 1 == 2",
        "ERROR tests/test_a.py::test_e - RuntimeError: no db",
    ]


def test_short_summary_with_all_lists_skips_folded_then_xfails_xpasses_errors_failures() -> None:
    skip = "Skipped: no network"
    reports = [
        TestReport(
            "tests/test_a.py::test_s1", Outcome.SKIPPED, Phase.SETUP, 0.0, "tests/test_a.py:4", reason=skip
        ),
        TestReport(
            "tests/test_a.py::test_s2", Outcome.SKIPPED, Phase.SETUP, 0.0, "tests/test_a.py:4", reason=skip
        ),
        TestReport("tests/test_a.py::test_x", Outcome.XFAILED, Phase.CALL, 0.0, reason="reason: bug 7"),
        TestReport("tests/test_a.py::test_xp", Outcome.XPASSED, Phase.CALL, 0.0, reason="bug 8"),
        TestReport("tests/test_a.py::test_p", Outcome.PASSED, Phase.CALL, 0.0),
        failed("tests/test_a.py::test_f", Failure(Phase.CALL, "ValueError", "boom")),
    ]
    assert section(run(reports, report_chars="a"), "short test summary info") == [
        "SKIPPED [2] tests/test_a.py:4: no network",
        "XFAIL tests/test_a.py::test_x - bug 7",
        "XPASS tests/test_a.py::test_xp - bug 8",
        "FAILED tests/test_a.py::test_f - ValueError: boom",
    ]


def test_short_summary_lists_passes_with_report_char_p() -> None:
    report = TestReport("tests/test_a.py::test_p", Outcome.PASSED, Phase.CALL, 0.0)
    assert section(run([report], report_chars="p"), "short test summary info") == [
        "PASSED tests/test_a.py::test_p"
    ]


def test_short_summary_reset_by_n_shows_nothing() -> None:
    report = failed("tests/test_a.py::test_f", Failure(Phase.CALL, "ValueError", "boom"))
    assert "short test summary info" not in run([report], report_chars="fEN")


def test_short_summary_cuts_long_messages_to_the_terminal_width() -> None:
    report = failed("tests/test_a.py::test_f", Failure(Phase.CALL, "ValueError", "x" * 200))
    line = section(run([report]), "short test summary info")[0]
    assert line == "FAILED tests/test_a.py::test_f - ValueError: " + "x" * 32 + "..."
    assert len(line) == 80


def test_short_summary_keeps_long_messages_whole_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    report = failed("tests/test_a.py::test_f", Failure(Phase.CALL, "ValueError", "x" * 200))
    line = section(run([report]), "short test summary info")[0]
    assert line == "FAILED tests/test_a.py::test_f - ValueError: " + "x" * 200


def test_sections_come_in_pytest_order() -> None:
    reports = [
        failed("tests/test_a.py::test_f", Failure(Phase.CALL, "ValueError", "boom"), warnings=("W: w",)),
        TestReport(
            "tests/test_a.py::test_e",
            Outcome.ERROR,
            Phase.SETUP,
            0.1,
            failures=(Failure(Phase.SETUP, "ValueError", "boom"),),
        ),
    ]
    output = run(reports, durations=1, after=[WarningEmitted("late")])
    titles = [line.strip("= ") for line in output.splitlines() if line.startswith("=")]
    assert titles == [
        "test session starts",
        "ERRORS",
        "FAILURES",
        "warnings summary",
        "slowest 1 durations",
        "short test summary info",
        "1 failed, 2 warnings, 1 error in 0.25s",
    ]


def test_traceback_paths_are_shown_relative_to_the_rootdir(source: str) -> None:
    rootdir = str(Path(source).parent.parent)
    output = run([failed("tests/test_a.py::test_decorated[1]", decorated_failure(source))], rootdir=rootdir)
    assert "tests/test_a.py:16: AssertionError" in output.splitlines()
    assert source not in output
