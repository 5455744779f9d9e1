"""End-to-end: the [tool.rustest] table, -c, --strict-markers and the pytest table it falls back to."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Project

PASSING = "def test_ok():\n    pass\n"

NAMING_TESTS = ["verify_one", "SuiteOfChecks::verify_method"]
"""The tests of ``NAMING_SUITE`` that python_functions = ["verify_"] and python_classes = ["Suite"] pick."""

NAMING_SUITE = """
def verify_one():
    pass

def test_not_matching_python_functions():
    pass

class SuiteOfChecks:
    def verify_method(self):
        pass

class TestNotMatchingPythonClasses:
    def verify_ignored(self):
        pass
"""

MARKED_SUITE = """
from rustest import mark

@mark.slow
def test_registered():
    pass

@mark.fast
def test_unregistered():
    pass

def test_unmarked():
    pass
"""

LOOPS_SUITE = """
import asyncio

loops = []

async def test_first():
    loops.append(asyncio.get_running_loop())

async def test_second():
    loops.append(asyncio.get_running_loop())
    assert loops[0] is loops[1]
"""

OTHER_MODULE_LOOP = """
import asyncio
import test_loops

async def test_other_module():
    assert asyncio.get_running_loop() is not test_loops.loops[0]
"""


def test_testpaths_are_collected_when_run_without_arguments(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ntestpaths = ["checks"]\n')
    project.write("checks/test_inside.py", PASSING)
    project.write("test_outside.py", PASSING)
    run = project.run()
    assert list(run.outcomes) == ["checks/test_inside.py::test_ok"]


def test_an_explicit_path_wins_over_testpaths(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ntestpaths = ["checks"]\n')
    project.write("checks/test_inside.py", PASSING)
    project.write("test_outside.py", PASSING)
    run = project.run("test_outside.py")
    assert list(run.outcomes) == ["test_outside.py::test_ok"]


def test_python_files_functions_and_classes_patterns_choose_what_is_collected(tmp_path: Path) -> None:
    project = Project(
        tmp_path,
        config='[tool.rustest]\npython_files = ["check_*.py"]\npython_functions = ["verify_"]\n'
        'python_classes = ["Suite"]\n',
    )
    project.write("check_things.py", NAMING_SUITE)
    project.write("test_default_name.py", "def verify_not_a_check_file():\n    pass\n")
    run = project.run()
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == [
        "check_things.py::verify_one",
        "check_things.py::SuiteOfChecks::verify_method",
    ]


@pytest.fixture
def marked_project(tmp_path: Path) -> Project:
    """A project that registers ``slow`` and uses ``slow`` and the unregistered ``fast``."""
    project = Project(tmp_path, config='[tool.rustest]\nmarkers = { slow = "tests that take long" }\n')
    project.write("test_marked.py", MARKED_SUITE)
    return project


def test_an_unregistered_mark_is_a_warning_and_the_test_still_runs(marked_project: Project) -> None:
    run = marked_project.run()
    assert run.exit_code == 0, run.output
    assert run.counts == {"passed": 3}
    warning = (
        'Unknown mark "fast" on test_marked.py::test_unregistered; register it in [tool.rustest] markers'
    )
    assert run.report is not None
    assert [entry["message"] for entry in run.report["warnings"]] == [warning]
    assert "warnings summary" in run.stdout
    assert "3 passed, 1 warning" in run.summary_line


def test_strict_markers_option_makes_an_unregistered_mark_a_collection_error(marked_project: Project) -> None:
    run = marked_project.run("--strict-markers")
    assert run.exit_code == 2, run.output
    assert "test_marked.py::test_unregistered" not in run.outcomes
    assert run.counts == {"passed": 2}
    assert run.report is not None
    [error] = run.report["collection_errors"]
    assert error["message"].startswith('Unknown mark "fast" on test_marked.py::test_unregistered')
    assert error["message"].endswith("(strict_markers is on)")


def test_strict_markers_setting_makes_an_unregistered_mark_a_collection_error(tmp_path: Path) -> None:
    project = Project(
        tmp_path,
        config='[tool.rustest]\nstrict_markers = true\nmarkers = { slow = "tests that take long" }\n',
    )
    project.write("test_marked.py", MARKED_SUITE)
    run = project.run()
    assert run.exit_code == 2, run.output
    assert list(run.outcomes) == ["test_marked.py::test_registered", "test_marked.py::test_unmarked"]


def test_default_backend_setting_runs_unmarked_async_tests_on_trio(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ndefault_backend = "trio"\n')
    project.write(
        "test_backend.py",
        """
        import trio

        async def test_on_trio():
            await trio.sleep(0)
            trio.lowlevel.current_root_task()
        """,
    )
    run = project.run()
    assert run.exit_code == 0, run.output


def test_default_loop_scope_setting_shares_one_loop_per_module(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ndefault_loop_scope = "module"\n')
    project.write("test_loops.py", LOOPS_SUITE)
    project.write("test_other.py", OTHER_MODULE_LOOP)
    run = project.run()
    assert run.exit_code == 0, run.output
    assert run.counts == {"passed": 3}


def test_addopts_are_applied_as_if_given_first_on_the_command_line(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\naddopts = "-q --maxfail=1"\n')
    project.write("test_two_failures.py", "def test_a():\n    assert 0\n\ndef test_b():\n    assert 0\n")
    run = project.run()
    assert "test session starts" not in run.stdout
    assert run.outcomes == {
        "test_two_failures.py::test_a": "failed",
        "test_two_failures.py::test_b": "skipped",
    }


def test_command_line_options_win_over_addopts(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\naddopts = ["-k", "first"]\n')
    project.write("test_pick.py", "def test_first():\n    pass\n\ndef test_second():\n    pass\n")
    run = project.run("-k", "second")
    assert list(run.outcomes) == ["test_pick.py::test_second"]


def test_xfail_strict_false_reports_an_unexpected_pass_as_xpassed(tmp_path: Path) -> None:
    project = Project(tmp_path, config="[tool.rustest]\nxfail_strict = false\n")
    project.write(
        "test_xpass.py",
        'from rustest import mark\n\n@mark.xfail(reason="flaky")\ndef test_lucky():\n    pass\n',
    )
    run = project.run()
    assert run.exit_code == 0, run.output
    assert run.outcomes == {"test_xpass.py::test_lucky": "xpassed"}


def test_config_file_option_reads_the_named_file(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("ci.toml", '[tool.rustest]\npython_functions = ["verify_"]\npython_classes = ["Suite"]\n')
    project.write("test_naming.py", NAMING_SUITE)
    run = project.run("-c", "ci.toml")
    assert list(run.outcomes) == [
        "test_naming.py::verify_one",
        "test_naming.py::SuiteOfChecks::verify_method",
    ]


def test_a_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_ok.py", PASSING)
    run = project.run("--config-file", "missing.toml")
    assert run.exit_code == 4
    assert "ERROR: configuration file not found: missing.toml" in run.stderr


def test_an_unknown_setting_is_a_usage_error_listing_the_known_ones(tmp_path: Path) -> None:
    project = Project(tmp_path, config="[tool.rustest]\ntest_paths = ['tests']\n")
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 4
    assert "unknown key 'test_paths' in [tool.rustest]; known keys: addopts," in run.stderr
    assert "testpaths" in run.stderr


def test_invalid_toml_is_a_usage_error(tmp_path: Path) -> None:
    project = Project(tmp_path, config="[tool.rustest\n")
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 4
    assert "invalid TOML" in run.stderr


def test_without_a_rustest_table_the_pytest_table_is_honoured_and_pytest_only_keys_ignored(
    tmp_path: Path,
) -> None:
    project = Project(
        tmp_path,
        config='[tool.pytest.ini_options]\npython_functions = ["verify_"]\npython_classes = ["Suite"]\n'
        'asyncio_mode = "auto"\n',
    )
    project.write("test_naming.py", NAMING_SUITE)
    run = project.run()
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == [
        "test_naming.py::verify_one",
        "test_naming.py::SuiteOfChecks::verify_method",
    ]


COMPAT_SUITE = """
import pytest

@pytest.fixture
def value():
    return 3

@pytest.mark.parametrize("n", [1, 2])
def test_compat(value, n):
    assert value > n
"""


def test_pytest_compat_makes_import_pytest_resolve_to_rustest(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_compat.py", COMPAT_SUITE)
    run = project.run("--pytest-compat")
    assert run.exit_code == 0, run.output
    assert run.outcomes == {
        "test_compat.py::test_compat[1]": "passed",
        "test_compat.py::test_compat[2]": "passed",
    }
