"""End-to-end: pytest's exit codes, collection errors beside other files, --version and --help."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Project

from rustest import __version__

PASSING = "def test_ok():\n    pass\n"
FAILING = "def test_bad():\n    assert False\n"
BROKEN_IMPORT = "import no_such_module_for_rustest\n\ndef test_never():\n    pass\n"
HELP_OPTIONS = ("-k EXPR", "--maxfail N", "--tb {auto,long,short,line,no}", "--junitxml PATH", "--json PATH")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project."""
    return Project(tmp_path)


def test_all_tests_passing_exits_0(project: Project) -> None:
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 0, run.output
    assert run.stderr == ""


def test_a_failing_test_exits_1(project: Project) -> None:
    project.write("test_ok.py", PASSING)
    project.write("test_bad.py", FAILING)
    assert project.run().exit_code == 1


def test_a_collection_error_exits_2_and_the_other_files_still_run(project: Project) -> None:
    project.write("test_broken.py", BROKEN_IMPORT)
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 2, run.output
    assert run.outcomes == {"test_ok.py::test_ok": "passed"}
    assert "ERROR collecting test_broken.py" in run.stdout
    assert "1 passed, 1 error" in run.summary_line


def test_a_collection_error_beside_a_failing_test_exits_1(project: Project) -> None:
    project.write("test_broken.py", BROKEN_IMPORT)
    project.write("test_bad.py", FAILING)
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 1, run.output
    assert run.outcomes == {"test_bad.py::test_bad": "failed", "test_ok.py::test_ok": "passed"}


def test_a_syntax_error_is_a_collection_error_that_shows_the_line(project: Project) -> None:
    project.write("test_syntax.py", "def test_(:\n    pass\n")
    project.write("test_ok.py", PASSING)
    run = project.run()
    assert run.exit_code == 2, run.output
    assert "SyntaxError" in run.stdout
    assert "def test_(:" in run.stdout


def test_no_tests_collected_exits_5(project: Project) -> None:
    project.write("test_empty.py", "VALUE = 1\n")
    run = project.run()
    assert run.exit_code == 5, run.output
    assert "no tests ran" in run.summary_line


def test_an_unknown_option_is_a_usage_error_exiting_4(project: Project) -> None:
    project.write("test_ok.py", PASSING)
    run = project.run("--no-such-option")
    assert run.exit_code == 4
    assert "unrecognized arguments: --no-such-option" in run.stderr
    assert run.stdout == ""


def test_a_negative_maxfail_is_a_usage_error(project: Project) -> None:
    project.write("test_ok.py", PASSING)
    run = project.run("--maxfail", "-1")
    assert run.exit_code == 4
    assert "expected a number >= 0, got -1" in run.stderr


def test_a_path_that_does_not_exist_is_a_usage_error(project: Project) -> None:
    run = project.run("test_missing.py")
    assert run.exit_code == 4
    assert "ERROR: file or directory not found: test_missing.py" in run.stderr


def test_version_prints_the_version_and_exits_0(project: Project) -> None:
    run = project.run("--version", json_report=False)
    assert run.exit_code == 0
    assert run.stdout.strip() == f"rustest {__version__}"


def test_help_lists_the_options_in_groups_and_the_exit_codes(project: Project) -> None:
    run = project.run("--help", json_report=False)
    assert run.exit_code == 0
    headings = [line for line in run.stdout.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings[-4:] == ["selection:", "running:", "reporting:", "configuration:"]
    for option in (
        "-k EXPR",
        "--maxfail N",
        "--tb {auto,long,short,line,no}",
        "--junitxml PATH",
        "--json PATH",
    ):
        assert option in run.stdout
    assert "4 usage error, 5 no tests collected" in " ".join(run.stdout.split())
