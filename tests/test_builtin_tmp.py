"""``tmp_path``, ``tmp_path_factory``, ``tmpdir`` and ``tmpdir_factory``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._builtins import TempPathFactory


def run_dirs(temproot: Path) -> list[str]:
    """Return the names of the numbered run directories under *temproot*, sorted by number."""
    (user_root,) = temproot.glob("rustest-of-*")
    names = [p.name for p in user_root.iterdir() if p.name[len("rustest-") :].isdigit()]
    return sorted(names, key=lambda name: int(name[len("rustest-") :]))


def finished_run(temproot: Path) -> Path:
    """Make one numbered run directory under *temproot* and release it, as a finished run does."""
    factory = TempPathFactory(temproot=temproot)
    basetemp = factory.getbasetemp()
    factory.release()
    return basetemp


def test_basetemp_is_numbered_under_a_directory_of_the_user(tmp_path: Path) -> None:
    basetemp = TempPathFactory(temproot=tmp_path).getbasetemp()
    assert basetemp.name == "rustest-0"
    assert basetemp.parent.name.startswith("rustest-of-")
    assert basetemp.parent.parent == tmp_path.resolve()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="permission bits are POSIX")
def test_the_user_directory_is_private(tmp_path: Path) -> None:
    basetemp = TempPathFactory(temproot=tmp_path).getbasetemp()
    assert basetemp.parent.stat().st_mode & 0o077 == 0


def test_each_run_gets_the_next_number(tmp_path: Path) -> None:
    finished_run(tmp_path)
    assert finished_run(tmp_path).name == "rustest-1"


def test_the_current_link_points_at_the_newest_run(tmp_path: Path) -> None:
    finished_run(tmp_path)
    newest = finished_run(tmp_path)
    assert (newest.parent / "rustest-current").resolve() == newest


def test_only_the_last_three_finished_runs_are_kept(tmp_path: Path) -> None:
    for _ in range(5):
        finished_run(tmp_path)
    assert run_dirs(tmp_path) == ["rustest-2", "rustest-3", "rustest-4"]


def test_a_run_locked_by_a_live_process_is_kept(tmp_path: Path) -> None:
    live = TempPathFactory(temproot=tmp_path)
    live.getbasetemp()
    for _ in range(4):
        finished_run(tmp_path)
    assert "rustest-0" in run_dirs(tmp_path)
    live.release()


@pytest.mark.skipif(os.name != "posix", reason="process liveness is checked on POSIX")
def test_a_run_locked_by_a_dead_process_is_removed(tmp_path: Path) -> None:
    dead = TempPathFactory(temproot=tmp_path).getbasetemp()
    finished = [sys.executable, "-c", "import os; print(os.getpid())"]
    child = subprocess.run(finished, capture_output=True, text=True, check=True)
    (dead / ".lock").write_text(child.stdout.strip())
    for _ in range(3):
        finished_run(tmp_path)
    assert "rustest-0" not in run_dirs(tmp_path)


def test_release_removes_the_lock(tmp_path: Path) -> None:
    factory = TempPathFactory(temproot=tmp_path)
    basetemp = factory.getbasetemp()
    assert (basetemp / ".lock").exists()
    factory.release()
    assert not (basetemp / ".lock").exists()


def test_a_given_basetemp_is_emptied_and_used_as_is(tmp_path: Path) -> None:
    given = tmp_path / "base"
    given.mkdir()
    (given / "stale.txt").write_text("old")
    basetemp = TempPathFactory(given).getbasetemp()
    assert basetemp == given.resolve()
    assert list(basetemp.iterdir()) == []


def test_the_environment_variable_gives_the_basetemp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUSTEST_BASETEMP", str(tmp_path / "from-env"))
    assert TempPathFactory.from_environment().getbasetemp() == (tmp_path / "from-env").resolve()


def test_mktemp_numbers_directories_of_the_same_name(tmp_path: Path) -> None:
    factory = TempPathFactory(tmp_path / "base")
    assert [factory.mktemp("data").name for _ in range(3)] == ["data0", "data1", "data2"]


def test_mktemp_skips_numbers_already_taken(tmp_path: Path) -> None:
    factory = TempPathFactory(tmp_path / "base")
    (factory.getbasetemp() / "data0").mkdir()
    assert factory.mktemp("data").name == "data1"


def test_mktemp_unnumbered_creates_exactly_that_name(tmp_path: Path) -> None:
    factory = TempPathFactory(tmp_path / "base")
    assert factory.mktemp("exact", numbered=False).name == "exact"


def test_mktemp_unnumbered_refuses_an_existing_name(tmp_path: Path) -> None:
    factory = TempPathFactory(tmp_path / "base")
    factory.mktemp("exact", numbered=False)
    with pytest.raises(FileExistsError):
        factory.mktemp("exact", numbered=False)


@pytest.mark.parametrize("basename", ["../escape", "a/b", str(Path("/absolute").resolve())])
def test_mktemp_rejects_names_that_are_not_one_relative_part(tmp_path: Path, basename: str) -> None:
    factory = TempPathFactory(tmp_path / "base")
    with pytest.raises(ValueError, match="is not a normalized and relative path"):
        factory.mktemp(basename)


PROJECT = {
    "test_a.py": """
        import os
        from pathlib import Path

        from rustest import parametrize

        SEEN = []

        def test_fresh_and_empty(tmp_path):
            assert isinstance(tmp_path, Path)
            assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []
            assert tmp_path.name == "test_fresh_and_empty0"

        @parametrize("value", ["a b/c"])
        def test_named_after_the_parametrized_test(tmp_path, value):
            assert tmp_path.name == "test_named_after_the_parametri0"

        def test_first_of_two(tmp_path):
            SEEN.append(tmp_path)
            (tmp_path / "file").write_text("x")

        def test_second_of_two(tmp_path):
            assert SEEN and tmp_path != SEEN[0]
            assert (SEEN[0] / "file").read_text() == "x"

        def test_under_the_factory_base(tmp_path, tmp_path_factory):
            assert tmp_path.parent == tmp_path_factory.getbasetemp()

        def test_factory_is_shared_by_the_session(tmp_path_factory):
            assert SEEN[0].parent == tmp_path_factory.getbasetemp()

        def test_inside_the_system_temporary_directory(tmp_path):
            assert str(tmp_path).startswith(os.path.realpath(os.environ["TMPDIR"]))

        def test_tmpdir_is_a_py_path(tmpdir, tmp_path):
            assert tmpdir.check(dir=1)
            assert tmpdir.dirname == str(tmp_path.parent)

        def test_tmpdir_factory_makes_py_paths(tmpdir_factory, tmp_path_factory):
            made = tmpdir_factory.mktemp("legacy")
            assert made.basename == "legacy0"
            assert str(tmpdir_factory.getbasetemp()) == str(tmp_path_factory.getbasetemp())
    """,
}


@pytest.fixture(scope="module")
def project_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check tmp_path and its relatives from inside."""
    return run_project(tmp_path_factory.mktemp("tmp"), PROJECT)


@pytest.mark.parametrize(
    "name",
    [
        "test_fresh_and_empty",
        "test_named_after_the_parametrized_test[a b/c]",
        "test_second_of_two",
        "test_under_the_factory_base",
        "test_factory_is_shared_by_the_session",
        "test_inside_the_system_temporary_directory",
    ],
)
def test_tmp_path_behaves_like_pytest(project_run: ProjectRun, name: str) -> None:
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)


@pytest.mark.parametrize("name", ["test_tmpdir_is_a_py_path", "test_tmpdir_factory_makes_py_paths"])
def test_tmpdir_gives_py_path_objects_when_py_path_is_importable(project_run: ProjectRun, name: str) -> None:
    pytest.importorskip("py.path")
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)


def test_the_run_releases_its_directory_for_later_cleanup(project_run: ProjectRun) -> None:
    user_root = next((project_run.root.parent / "tmp").glob("rustest-of-*"))
    assert not (user_root / "rustest-0" / ".lock").exists()


def test_tmpdir_is_skipped_without_py_path(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "conftest.py": """
                import sys

                sys.modules["py"] = None
            """,
            "test_a.py": """
                def test_legacy(tmpdir):
                    pass
            """,
        },
    )
    assert run.outcome("test_legacy") == "skipped"
    assert "py.path" in run.test("test_legacy")["reason"]


def test_rustest_basetemp_sets_the_base_directory_of_a_run(tmp_path: Path) -> None:
    base = tmp_path / "chosen"
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                import os
                from pathlib import Path

                def test_base(tmp_path):
                    assert tmp_path.parent == Path(os.environ["RUSTEST_BASETEMP"]).resolve()
            """
        },
        env={"RUSTEST_BASETEMP": str(base)},
    )
    assert run.outcome("test_base") == "passed", run.failure_text("test_base")
