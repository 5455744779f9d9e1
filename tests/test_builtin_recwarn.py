"""``recwarn``: warnings a test emits are recorded, and the filters come back afterwards."""

from __future__ import annotations

import pytest
from test_builtin_project import ProjectRun, run_project

PROJECT = {
    "test_a.py": """
        import warnings

        FILTERS_BEFORE = list(warnings.filters)

        def test_records_warnings(recwarn):
            warnings.warn("first", UserWarning)
            warnings.warn("second", DeprecationWarning)
            assert [str(w.message) for w in recwarn] == ["first", "second"]

        def test_pop_takes_the_first_of_a_category(recwarn):
            warnings.warn("user", UserWarning)
            warnings.warn("old", DeprecationWarning)
            assert str(recwarn.pop(DeprecationWarning).message) == "old"
            assert len(recwarn) == 1

        def test_a_repeated_warning_from_one_place_is_recorded_once(recwarn):
            for _ in range(3):
                warnings.warn("again", UserWarning)
            assert len(recwarn) == 1

        def test_clear_forgets_the_records(recwarn):
            warnings.warn("gone", UserWarning)
            recwarn.clear()
            assert len(recwarn) == 0

        def test_changes_filters_then_fails(recwarn):
            warnings.simplefilter("ignore")
            assert False

        def test_filters_are_restored_after_a_failing_test():
            assert warnings.filters == FILTERS_BEFORE
    """,
}


@pytest.fixture(scope="module")
def project_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check recwarn from inside."""
    return run_project(tmp_path_factory.mktemp("recwarn"), PROJECT)


@pytest.mark.parametrize(
    "name",
    [
        "test_records_warnings",
        "test_pop_takes_the_first_of_a_category",
        "test_a_repeated_warning_from_one_place_is_recorded_once",
        "test_clear_forgets_the_records",
        "test_filters_are_restored_after_a_failing_test",
    ],
)
def test_recwarn_behaves_like_pytest(project_run: ProjectRun, name: str) -> None:
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)
