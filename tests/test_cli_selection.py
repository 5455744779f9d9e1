"""End-to-end: which tests `python -m rustest` runs for paths, node ids, -k, -m and --collect-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Project

ALPHA = "tests/test_alpha.py"
BETA = "tests/sub/test_beta.py"
FITS_SMALL = f"{ALPHA}::TestBox::test_fits[small]"
FITS_LARGE = f"{ALPHA}::TestBox::test_fits[large]"
EMPTY = f"{ALPHA}::TestBox::test_Empty"
DOWNLOAD = f"{ALPHA}::test_download"
UPLOAD = f"{ALPHA}::test_upload"
BETA_ONE = f"{BETA}::test_beta_one"
BETA_TWO = f"{BETA}::test_beta_two"
ALL_TESTS = [FITS_SMALL, FITS_LARGE, EMPTY, DOWNLOAD, UPLOAD, BETA_ONE, BETA_TWO]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project with a class of parametrized tests, marked tests and a subdirectory."""
    project = Project(tmp_path_factory.mktemp("selection"))
    project.write(
        ALPHA,
        """
        from rustest import mark, parametrize

        class TestBox:
            @parametrize("size", [1, 2], ids=["small", "large"])
            def test_fits(self, size):
                assert size in (1, 2)

            def test_Empty(self):
                pass

        @mark.slow
        def test_download():
            pass

        @mark.slow
        @mark.network
        def test_upload():
            pass
        """,
    )
    project.write(
        BETA,
        """
        import os
        from rustest import mark

        @mark.network
        def test_beta_one():
            pass

        def test_beta_two():
            with open(os.environ["NOTES"], "a") as notes:
                notes.write("test_beta_two ran\\n")
        """,
    )
    return project


def test_without_arguments_every_test_runs_in_definition_order(project: Project) -> None:
    run = project.run()
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == ALL_TESTS
    assert set(run.outcomes.values()) == {"passed"}


def test_a_file_path_runs_only_the_tests_of_that_file(project: Project) -> None:
    run = project.run(BETA)
    assert list(run.outcomes) == [BETA_ONE, BETA_TWO]


def test_a_directory_path_runs_the_tests_below_it(project: Project) -> None:
    run = project.run("tests/sub")
    assert list(run.outcomes) == [BETA_ONE, BETA_TWO]


def test_a_node_id_with_a_parameter_id_runs_that_one_parametrization(project: Project) -> None:
    run = project.run(FITS_LARGE)
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == [FITS_LARGE]


def test_a_node_id_without_parameter_id_runs_every_parametrization(project: Project) -> None:
    run = project.run(f"{ALPHA}::TestBox::test_fits")
    assert list(run.outcomes) == [FITS_SMALL, FITS_LARGE]


def test_a_class_node_id_runs_every_test_of_the_class(project: Project) -> None:
    run = project.run(f"{ALPHA}::TestBox")
    assert list(run.outcomes) == [FITS_SMALL, FITS_LARGE, EMPTY]


def test_several_arguments_run_in_the_order_given(project: Project) -> None:
    run = project.run(BETA_TWO, DOWNLOAD)
    assert list(run.outcomes) == [BETA_TWO, DOWNLOAD]


def test_node_ids_stay_relative_to_the_rootdir_when_run_from_a_subdirectory(project: Project) -> None:
    run = project.run(cwd=project.root / "tests" / "sub")
    assert list(run.outcomes) == [BETA_ONE, BETA_TWO]
    assert f"rootdir: {project.root}" in run.stdout


def test_k_matches_a_case_insensitive_substring_of_the_test_name(project: Project) -> None:
    run = project.run("-k", "eMPt")
    assert list(run.outcomes) == [EMPTY]


def test_k_combines_names_with_and_or_not_and_parentheses(project: Project) -> None:
    run = project.run("-k", "(fits or load) and not large")
    assert list(run.outcomes) == [FITS_SMALL, DOWNLOAD, UPLOAD]


def test_k_matches_the_names_of_the_enclosing_class_and_directory(project: Project) -> None:
    run = project.run("-k", "testbox or sub")
    assert list(run.outcomes) == [FITS_SMALL, FITS_LARGE, EMPTY, BETA_ONE, BETA_TWO]


def test_k_matches_mark_names(project: Project) -> None:
    run = project.run("-k", "SLOW")
    assert list(run.outcomes) == [DOWNLOAD, UPLOAD]


def test_k_matches_parameter_ids_and_counts_the_rest_as_deselected(project: Project) -> None:
    run = project.run("-k", "large")
    assert list(run.outcomes) == [FITS_LARGE]
    assert "collected 7 items / 6 deselected / 1 selected" in run.stdout
    assert "1 passed, 6 deselected" in run.summary_line


def test_a_malformed_k_expression_is_a_usage_error_naming_the_column(project: Project) -> None:
    run = project.run("-k", "fits and (")
    assert run.exit_code == 4
    assert "Wrong expression passed to '-k': fits and (: at column 11" in run.stderr
    assert run.report is None


def test_m_runs_only_tests_carrying_the_mark(project: Project) -> None:
    run = project.run("-m", "slow")
    assert list(run.outcomes) == [DOWNLOAD, UPLOAD]
    assert "2 passed, 5 deselected" in run.summary_line


def test_m_combines_marks_with_and_not(project: Project) -> None:
    run = project.run("-m", "network and not slow")
    assert list(run.outcomes) == [BETA_ONE]


def test_m_combines_marks_with_or(project: Project) -> None:
    run = project.run("-m", "network or slow")
    assert list(run.outcomes) == [DOWNLOAD, UPLOAD, BETA_ONE]


def test_k_and_m_together_select_the_tests_matching_both(project: Project) -> None:
    run = project.run("-k", "alpha", "-m", "network")
    assert list(run.outcomes) == [UPLOAD]


def test_selecting_no_test_exits_with_code_5(project: Project) -> None:
    run = project.run("-k", "no_such_name")
    assert run.exit_code == 5
    assert run.outcomes == {}
    assert "7 deselected" in run.summary_line


def test_collect_only_lists_the_node_ids_in_order_without_running_them(project: Project) -> None:
    run = project.run("--collect-only")
    assert run.exit_code == 0, run.output
    assert run.stdout.splitlines()[: len(ALL_TESTS)] == ALL_TESTS
    assert "7 tests collected" in run.stdout
    assert run.notes == []


def test_collect_only_with_quiet_prints_only_the_node_ids(project: Project) -> None:
    run = project.run("--co", "-q")
    assert run.stdout.splitlines() == ALL_TESTS


def test_collect_only_lists_only_the_tests_k_selects(project: Project) -> None:
    run = project.run("--co", "-q", "-k", "beta")
    assert run.stdout.splitlines() == [BETA_ONE, BETA_TWO]


def test_a_node_id_that_names_no_test_is_a_usage_error(project: Project) -> None:
    run = project.run(f"{ALPHA}::test_missing")
    assert run.exit_code == 4
    assert f"not found: {ALPHA}::test_missing" in run.stderr


def test_a_missing_path_is_a_usage_error(project: Project) -> None:
    run = project.run("tests/test_nowhere.py")
    assert run.exit_code == 4
    assert "file or directory not found: tests/test_nowhere.py" in run.stderr


@pytest.fixture
def markdown_project(tmp_path: Path) -> Project:
    """A project whose README holds one passing and one failing python code block."""
    project = Project(tmp_path)
    project.write("test_plain.py", "def test_plain():\n    pass\n")
    project.write(
        "README.md",
        """
        # Usage

        ```python
        assert 1 + 1 == 2
        ```

        ```python
        assert 1 + 1 == 3
        ```
        """,
    )
    return project


def test_python_code_blocks_of_a_markdown_file_named_as_argument_run_as_tests(
    markdown_project: Project,
) -> None:
    run = markdown_project.run("README.md")
    assert run.exit_code == 1, run.output
    assert run.outcomes == {"README.md::3": "passed", "README.md::7": "failed"}


def test_markdown_files_under_a_directory_argument_are_collected(markdown_project: Project) -> None:
    run = markdown_project.run(".")
    assert list(run.outcomes) == ["README.md::3", "README.md::7", "test_plain.py::test_plain"]


def test_markdown_files_are_not_collected_without_arguments(markdown_project: Project) -> None:
    run = markdown_project.run()
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == ["test_plain.py::test_plain"]


def test_no_codeblocks_leaves_markdown_files_under_a_directory_out(markdown_project: Project) -> None:
    run = markdown_project.run("--no-codeblocks", ".")
    assert run.exit_code == 0, run.output
    assert list(run.outcomes) == ["test_plain.py::test_plain"]


def test_no_codeblocks_makes_a_markdown_argument_a_usage_error(markdown_project: Project) -> None:
    run = markdown_project.run("--no-codeblocks", "README.md")
    assert run.exit_code == 4
    assert "not a Python file: README.md (--no-codeblocks is on)" in run.stderr
