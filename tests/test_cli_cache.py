"""End-to-end: --lf / --ff across two runs, and the cache folder they share under the rootdir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Project

A1 = "tests/test_a.py::test_a1"
A2 = "tests/test_a.py::test_a2"
A3 = "tests/test_a.py::test_a3"
B1 = "tests/test_b.py::test_b1"
B2 = "tests/test_b.py::test_b2"
LASTFAILED = Path(".rustest_cache", "v", "cache", "lastfailed")
FIXED = {"FIXED": "1"}


def _write_tests(project: Project) -> None:
    project.write(
        "tests/test_a.py",
        """
        import os

        def test_a1():
            pass

        def test_a2():
            assert os.environ.get("FIXED") == "1"

        def test_a3():
            pass
        """,
    )
    project.write(
        "tests/test_b.py",
        """
        def test_b1():
            assert False

        def test_b2():
            pass
        """,
    )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project in which ``test_a2`` fails unless ``FIXED=1`` and ``test_b1`` always fails."""
    project = Project(tmp_path)
    _write_tests(project)
    return project


def test_last_failed_runs_only_the_tests_that_failed_last_time(project: Project) -> None:
    first = project.run()
    assert [nodeid for nodeid, outcome in first.outcomes.items() if outcome == "failed"] == [A2, B1]
    second = project.run("--lf")
    assert list(second.outcomes) == [A2, B1]
    assert "2 failed, 3 deselected" in second.summary_line


def test_last_failed_forgets_a_test_once_it_passes(project: Project) -> None:
    project.run()
    fixed = project.run("--last-failed", env=FIXED)
    assert fixed.outcomes == {A2: "passed", B1: "failed"}
    third = project.run("--last-failed", env=FIXED)
    assert list(third.outcomes) == [B1]


def test_last_failed_keeps_failures_of_tests_it_did_not_run(project: Project) -> None:
    project.run()
    project.run("tests/test_a.py", env=FIXED)
    after = project.run("--lf", env=FIXED)
    assert list(after.outcomes) == [B1]


def test_last_failed_without_previous_failures_runs_every_test(project: Project) -> None:
    project.write("tests/test_b.py", "def test_b1():\n    pass\n\ndef test_b2():\n    pass\n")
    project.run(env=FIXED)
    again = project.run("--lf", env=FIXED)
    assert list(again.outcomes) == [A1, A2, A3, B1, B2]


def test_failed_first_runs_last_failures_first_then_the_rest(project: Project) -> None:
    project.run()
    second = project.run("--failed-first")
    assert list(second.outcomes) == [A2, B1, A1, A3, B2]
    assert "2 failed, 3 passed" in second.summary_line


def test_ff_short_form_reorders_the_same_way(project: Project) -> None:
    project.run()
    second = project.run("--ff")
    assert list(second.outcomes) == [A2, B1, A1, A3, B2]


def test_the_cache_lives_under_the_rootdir_even_when_run_from_a_subdirectory(project: Project) -> None:
    project.run(cwd=project.root / "tests")
    lastfailed = project.root / LASTFAILED
    assert sorted(json.loads(lastfailed.read_text(encoding="utf-8"))) == [A2, B1]
    assert not (project.root / "tests" / ".rustest_cache").exists()


def test_cache_dir_setting_moves_the_cache(tmp_path: Path) -> None:
    project = Project(tmp_path, config='[tool.rustest]\ncache_dir = "var/rt-cache"\n')
    _write_tests(project)
    project.run()
    assert (project.root / "var" / "rt-cache" / "v" / "cache" / "lastfailed").is_file()
    assert list(project.run("--lf").outcomes) == [A2, B1]


def test_cache_clear_forgets_the_previous_failures(project: Project) -> None:
    project.run()
    cleared = project.run("--cache-clear", "--lf")
    assert list(cleared.outcomes) == [A1, A2, A3, B1, B2]
