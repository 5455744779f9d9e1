"""End-to-end: what the terminal shows for -v / -q, --tb, --durations, --color, -r and assertion failures."""

from __future__ import annotations

import re

import pytest
from cli_helpers import CliRun, Project

REPORT_SUITE = """
import time
from rustest import mark

def check(value):
    expected = 2
    assert value == expected

def middle(value):
    check(value)

def test_pass():
    pass

def test_nested_failure():
    middle(1)

@mark.skip(reason="not today")
def test_skipped():
    pass

@mark.xfail(reason="known bug")
def test_xfailed():
    assert False

def test_slow():
    time.sleep(0.1)
"""

NESTED = "test_report.py::test_nested_failure"
SUMMARY_COUNTS = "1 failed, 2 passed, 1 skipped, 1 xfailed in "
ANSI = "\x1b["
GREEN = "\x1b[32m"
RED = "\x1b[31m"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One test of each outcome; the failure goes through two helper functions; one test is slow."""
    project = Project(tmp_path_factory.mktemp("terminal"))
    project.write("test_report.py", REPORT_SUITE)
    return project


@pytest.fixture(scope="module")
def default_run(project: Project) -> CliRun:
    """The suite run without reporting options."""
    return project.run()


@pytest.fixture(scope="module")
def verbose_run(project: Project) -> CliRun:
    """The suite run with ``-v``."""
    return project.run("-v")


@pytest.fixture(scope="module")
def quiet_run(project: Project) -> CliRun:
    """The suite run with ``-q``."""
    return project.run("-q")


def _failure_section(run: CliRun) -> str:
    """Return the FAILURES section: the lines after its heading, up to the short test summary's heading."""
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "= FAILURES =" in line)
    end = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    return "\n".join(lines[start + 1 : end])


def _short_summary(run: CliRun) -> list[str]:
    """Return the lines of the short test summary, without its heading and the closing line."""
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    return lines[start + 1 : -1]


# -- verbosity ----------------------------------------------------------------------------------


def test_default_output_has_a_header_and_one_progress_line_per_file(default_run: CliRun) -> None:
    lines = default_run.stdout.splitlines()
    assert "test session starts" in lines[0]
    assert "collected 5 items" in default_run.stdout
    assert re.search(r"^test_report\.py \.Fsx\. +\[100%\]$", default_run.stdout, re.MULTILINE)


def test_the_closing_line_counts_each_outcome_between_separators(default_run: CliRun) -> None:
    assert re.fullmatch(rf"=+ {SUMMARY_COUNTS}\d+\.\d\ds =+", default_run.summary_line)


def test_verbose_prints_one_line_per_test_with_its_outcome_and_progress(verbose_run: CliRun) -> None:
    lines = [line.split("[")[0].rstrip() for line in verbose_run.stdout.splitlines()]
    assert "test_report.py::test_pass PASSED" in lines
    assert f"{NESTED} FAILED" in lines
    assert "test_report.py::test_skipped SKIPPED (not today)" in lines
    assert "test_report.py::test_xfailed XFAIL (known bug)" in lines
    assert re.search(r"^test_report\.py::test_slow PASSED +\[100%\]$", verbose_run.stdout, re.MULTILINE)


def test_quiet_drops_the_header_and_the_separators(quiet_run: CliRun) -> None:
    assert "test session starts" not in quiet_run.stdout
    assert re.match(r"\.Fsx\. +\[100%\]", quiet_run.stdout)
    assert re.fullmatch(rf"{SUMMARY_COUNTS}\d+\.\d\ds", quiet_run.summary_line)


def test_quiet_twice_drops_the_closing_line_too(project: Project) -> None:
    run = project.run("-qq")
    assert SUMMARY_COUNTS not in run.stdout
    assert f"FAILED {NESTED} - assert 1 == 2" in run.stdout


# -- traceback styles ---------------------------------------------------------------------------


def test_tb_auto_shows_the_first_and_last_entries_long_and_the_middle_short(default_run: CliRun) -> None:
    section = _failure_section(default_run)
    assert "    def test_nested_failure():\n>       middle(1)" in section
    assert "test_report.py:9: in middle\n    check(value)" in section
    assert "def middle(value):" not in section
    assert "    def check(value):\n        expected = 2\n>       assert value == expected" in section
    assert "E       assert 1 == 2\n\ntest_report.py:6: AssertionError" in section


def test_tb_long_shows_every_entry_with_its_source(project: Project) -> None:
    section = _failure_section(project.run("--tb=long", NESTED))
    assert "    def middle(value):\n>       check(value)\n\ntest_report.py:9:" in section
    assert sum(line.startswith("_ _ _") for line in section.splitlines()) == 2
    assert "E       assert 1 == 2" in section


def test_tb_short_shows_one_location_and_line_per_entry(project: Project) -> None:
    section = _failure_section(project.run("--tb=short", NESTED))
    assert section.splitlines()[1:] == [
        "test_report.py:15: in test_nested_failure",
        "    middle(1)",
        "test_report.py:9: in middle",
        "    check(value)",
        "test_report.py:6: in check",
        "    assert value == expected",
        "E   assert 1 == 2",
    ]


def test_tb_line_shows_one_line_per_failure(project: Project) -> None:
    section = _failure_section(project.run("--tb=line", NESTED))
    assert section.splitlines() == ["test_report.py:6: assert 1 == 2"]


def test_tb_no_shows_no_failures_section_but_keeps_the_short_summary(project: Project) -> None:
    run = project.run("--tb=no", NESTED)
    assert "FAILURES" not in run.stdout
    assert "assert value == expected" not in run.stdout
    assert f"FAILED {NESTED} - assert 1 == 2" in run.stdout


def test_an_unknown_tb_style_is_a_usage_error(project: Project) -> None:
    run = project.run("--tb=fancy")
    assert run.exit_code == 4
    assert "invalid choice: 'fancy'" in run.stderr


# -- durations ----------------------------------------------------------------------------------


def test_durations_n_lists_the_n_slowest_tests(project: Project) -> None:
    run = project.run("--durations", "1")
    lines = run.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if "slowest 1 durations" in line)
    assert re.fullmatch(r"0\.\d\ds call +test_report\.py::test_slow", lines[heading + 1])
    assert "test_report.py::test_pass" not in "\n".join(lines[heading:])


def test_durations_0_with_vv_lists_every_test_slowest_first(project: Project) -> None:
    run = project.run("--durations=0", "-vv")
    lines = run.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if "= slowest durations =" in line)
    listed = lines[heading + 1 : heading + 6]
    assert listed[0].endswith("test_report.py::test_slow")
    assert sorted(line.split()[-1] for line in listed) == sorted(run.outcomes)


def test_without_durations_no_durations_are_listed(default_run: CliRun) -> None:
    assert "slowest" not in default_run.stdout


# -- colour -------------------------------------------------------------------------------------


def test_color_always_colours_a_pipe_even_with_no_color_set(project: Project) -> None:
    run = project.run("--color=always", env={"NO_COLOR": "1"})
    assert f"{GREEN}.{ANSI}" in run.stdout
    assert f"{RED}F{ANSI}" in run.stdout


def test_color_auto_writes_plain_text_to_a_pipe(project: Project) -> None:
    assert ANSI not in project.run("--color=auto").stdout


def test_color_auto_colours_a_terminal(project: Project) -> None:
    run = project.run(terminal=True)
    assert f"{RED}F{ANSI}" in run.stdout
    assert SUMMARY_COUNTS not in run.stdout  # the closing line's counts are coloured one by one


def test_color_auto_honours_no_color_on_a_terminal(project: Project) -> None:
    run = project.run(terminal=True, env={"NO_COLOR": "1"})
    assert ANSI not in run.stdout
    assert SUMMARY_COUNTS in run.stdout


def test_color_never_writes_plain_text_to_a_terminal(project: Project) -> None:
    run = project.run("--color=never", terminal=True)
    assert ANSI not in run.stdout
    assert SUMMARY_COUNTS in run.stdout


# -- short test summary -------------------------------------------------------------------------


def test_the_short_summary_lists_failures_and_errors_by_default(default_run: CliRun) -> None:
    assert _short_summary(default_run) == [f"FAILED {NESTED} - assert 1 == 2"]


def test_r_s_lists_skipped_tests_with_their_location_and_reason(project: Project) -> None:
    run = project.run("-rs")
    assert _short_summary(run) == ["SKIPPED [1] test_report.py:17: not today"]


def test_r_capital_a_lists_every_outcome(project: Project) -> None:
    run = project.run("-rA")
    assert _short_summary(run) == [
        "PASSED test_report.py::test_pass",
        "PASSED test_report.py::test_slow",
        "SKIPPED [1] test_report.py:17: not today",
        "XFAIL test_report.py::test_xfailed - known bug",
        f"FAILED {NESTED} - assert 1 == 2",
    ]


# -- assertion failures -------------------------------------------------------------------------

DIFF_SUITE = """
def answer():
    return 41

def test_list():
    assert [1, 2, 3] == [1, 2, 4]

def test_dict():
    assert {"a": 1, "b": 2} == {"a": 1, "b": 3, "c": 4}

def test_str():
    assert "hello world" == "hello wxrld"

def test_set():
    assert {1, 2, 3} == {2, 3, 4}

def test_call():
    limit = 42
    assert answer() == limit
"""


@pytest.fixture(scope="module")
def diff_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Failing comparisons of lists, dicts, strings, sets and a call result."""
    project = Project(tmp_path_factory.mktemp("diffs"))
    project.write("test_diffs.py", DIFF_SUITE)
    return project


@pytest.fixture(scope="module")
def diff_run(diff_project: Project) -> CliRun:
    """The comparison suite run with default options."""
    return diff_project.run()


def _explanation(run: CliRun, name: str) -> list[str]:
    """Return the ``E`` lines of one test's failure, without the marker."""
    text = run.stdout.split(f" {name} _")[1].split("\n_")[0]
    return [line[1:].strip() for line in text.splitlines() if line.startswith("E")]


def test_a_failed_list_comparison_shows_both_values_and_the_first_difference(diff_run: CliRun) -> None:
    assert _explanation(diff_run, "test_list")[:3] == [
        "assert [1, 2, 3] == [1, 2, 4]",
        "",
        "At index 2 diff: 3 != 4",
    ]


def test_a_failed_dict_comparison_shows_differing_and_missing_items(diff_run: CliRun) -> None:
    assert _explanation(diff_run, "test_dict")[:7] == [
        "assert {'a': 1, 'b': 2} == {'a': 1, 'b': 3, 'c': 4}",
        "",
        "Omitting 1 identical item, use -vv to show",
        "Differing items:",
        "{'b': 2} != {'b': 3}",
        "Right contains 1 more item:",
        "{'c': 4}",
    ]


def test_a_failed_string_comparison_shows_a_character_diff(diff_run: CliRun) -> None:
    assert _explanation(diff_run, "test_str") == [
        "assert 'hello world' == 'hello wxrld'",
        "",
        "- hello wxrld",
        "?        ^",
        "+ hello world",
        "?        ^",
    ]


def test_a_failed_set_comparison_shows_the_extra_items_of_each_side(diff_run: CliRun) -> None:
    assert _explanation(diff_run, "test_set")[:6] == [
        "assert {1, 2, 3} == {2, 3, 4}",
        "",
        "Extra items in the left set:",
        "1",
        "Extra items in the right set:",
        "4",
    ]


def test_a_failed_comparison_shows_the_values_of_calls_and_names(diff_run: CliRun) -> None:
    assert _explanation(diff_run, "test_call") == ["assert 41 == 42", "+  where 41 = answer()"]


def test_verbose_shows_the_full_diff_of_a_failed_comparison(diff_project: Project) -> None:
    run = diff_project.run("-v", "test_diffs.py::test_list")
    explanation = _explanation(run, "test_list")
    assert "Use -v to get more diff" not in explanation
    assert "Full diff:" in explanation
