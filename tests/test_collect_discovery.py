"""Which files are collected, in which order, under which node ids, and which arguments select what."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_collect_sandbox import Project, isolated_imports

from rustest._collect import UsageError, collect
from rustest._definitions import BUILTIN, FixtureDef
from rustest._scope import Scope

TEST = "def test_it():\n    pass\n"
PARAMETRIZED = "from rustest import parametrize\n@parametrize('n', [1, 2])\ndef test_x(n):\n    pass\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    with isolated_imports(tmp_path):
        yield Project(tmp_path)


def test_default_python_files_patterns(project: Project) -> None:
    project.write(
        {"test_a.py": TEST, "b_test.py": TEST, "helper.py": TEST, "testing.py": TEST, "test_c.txt": ""}
    )
    assert project.ids() == ["b_test.py::test_it", "test_a.py::test_it"]


def test_configured_python_files_replace_the_defaults(project: Project) -> None:
    project.write({"test_a.py": TEST, "check_b.py": TEST})
    assert project.ids(python_files=("check_*.py",)) == ["check_b.py::test_it"]


def test_python_files_pattern_with_a_slash_matches_the_relative_path(project: Project) -> None:
    project.write({"suite/a.py": TEST, "other/b.py": TEST})
    assert project.ids(python_files=("suite/*.py",)) == ["suite/a.py::test_it"]


def test_files_come_before_subdirectories_each_sorted_by_name(project: Project) -> None:
    project.write({"b/test_x.py": TEST, "test_z.py": TEST, "a/test_y.py": TEST, "test_m.py": TEST})
    assert project.ids() == [
        "test_m.py::test_it",
        "test_z.py::test_it",
        "a/test_y.py::test_it",
        "b/test_x.py::test_it",
    ]


@pytest.mark.parametrize(
    "directory",
    [
        ".git",
        ".venv",
        ".tox",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "venv",
        "pkg.egg-info",
        ".pytest_cache",
    ],
)
def test_builtin_ignored_directories_are_not_entered(project: Project, directory: str) -> None:
    project.write({f"{directory}/test_a.py": TEST, "test_b.py": TEST})
    assert project.ids() == ["test_b.py::test_it"]


def test_a_virtual_environment_is_not_entered_whatever_its_name(project: Project) -> None:
    project.write({"env311/pyvenv.cfg": "home = /usr\n", "env311/test_a.py": TEST, "test_b.py": TEST})
    assert project.ids() == ["test_b.py::test_it"]


def test_norecursedirs_adds_directory_globs(project: Project) -> None:
    project.write({"data_big/test_a.py": TEST, "data/test_b.py": TEST})
    assert project.ids(norecursedirs=("data_*",)) == ["data/test_b.py::test_it"]


def test_exclude_takes_gitignore_style_paths(project: Project) -> None:
    project.write(
        {
            "tests/slow/test_a.py": TEST,
            "tests/fast/test_b.py": TEST,
            "other/slow/test_c.py": TEST,
            "tests/test_gen_1.py": TEST,
        }
    )
    assert project.ids(exclude=("/tests/slow/", "test_gen_*.py")) == [
        "other/slow/test_c.py::test_it",
        "tests/fast/test_b.py::test_it",
    ]


def test_exclude_unanchored_directory_matches_at_any_depth(project: Project) -> None:
    project.write({"a/fixtures/test_a.py": TEST, "b/c/fixtures/test_b.py": TEST, "test_c.py": TEST})
    assert project.ids(exclude=("fixtures/",)) == ["test_c.py::test_it"]


def test_exclude_double_star_and_negation(project: Project) -> None:
    project.write({"a/b/test_x.py": TEST, "a/b/test_keep.py": TEST, "test_y.py": TEST})
    assert project.ids(exclude=("a/**/test_*.py", "!a/**/test_keep.py")) == [
        "test_y.py::test_it",
        "a/b/test_keep.py::test_it",
    ]


def test_an_explicit_file_argument_is_collected_even_if_excluded_or_unmatched(project: Project) -> None:
    project.write({"slow/check.py": TEST})
    assert project.ids("slow/check.py", exclude=("slow/",)) == ["slow/check.py::test_it"]


def test_conftest_collect_ignore_lists_are_honoured(project: Project) -> None:
    project.write(
        {
            "conftest.py": "collect_ignore = ['legacy']\ncollect_ignore_glob = ['*_gen.py']\n",
            "legacy/test_a.py": TEST,
            "test_b_gen.py": TEST,
            "test_c.py": TEST,
        }
    )
    assert project.ids(python_files=("test_*.py", "*_gen.py")) == ["test_c.py::test_it"]


def test_node_ids_use_forward_slashes_relative_to_the_rootdir(project: Project) -> None:
    project.write({"tests/unit/test_db.py": "class TestUsers:\n    def test_create(self):\n        pass\n"})
    assert project.ids() == ["tests/unit/test_db.py::TestUsers::test_create"]


def test_nodes_form_the_directory_module_class_tree(project: Project) -> None:
    nested = "class TestX:\n    class TestY:\n        def test_it(self):\n            pass\n"
    project.write({"tests/sub/test_a.py": nested})
    collection = project.collect()
    assert [(node.scope, node.parent, node.name) for node in collection.nodes] == [
        (Scope.SESSION, -1, project.root.name),
        (Scope.PACKAGE, 0, "tests"),
        (Scope.PACKAGE, 1, "sub"),
        (Scope.MODULE, 2, "test_a.py"),
        (Scope.CLASS, 3, "TestX"),
        (Scope.CLASS, 4, "TestY"),
    ]
    assert collection.node_paths == [
        "",
        "tests",
        "tests/sub",
        "tests/sub/test_a.py",
        "tests/sub/test_a.py::TestX",
        "tests/sub/test_a.py::TestX::TestY",
    ]


def test_tests_point_to_the_node_that_holds_them(project: Project) -> None:
    project.write(
        {"test_a.py": "def test_f():\n    pass\nclass TestX:\n    def test_m(self):\n        pass\n"}
    )
    collection = project.collect()
    assert [collection.node_paths[test.node] for test in collection.tests] == [
        "test_a.py",
        "test_a.py::TestX",
    ]


def test_test_location_is_the_relative_path_and_line(project: Project) -> None:
    project.write({"tests/test_a.py": "\n\ndef test_it():\n    pass\n"})
    assert project.collect().tests[0].location == "tests/test_a.py:3"


def test_a_missing_path_is_a_usage_error(project: Project) -> None:
    with pytest.raises(UsageError, match=r"file or directory not found: nope/test_x\.py"):
        project.collect("nope/test_x.py")


def test_a_non_python_file_argument_is_a_usage_error(project: Project) -> None:
    project.write({"notes.txt": ""})
    with pytest.raises(UsageError, match=r"not a Python file: notes\.txt"):
        project.collect("notes.txt")


def test_node_id_argument_selects_one_test(project: Project) -> None:
    project.write({"test_a.py": "def test_x():\n    pass\ndef test_xy():\n    pass\n"})
    assert project.ids("test_a.py::test_x") == ["test_a.py::test_x"]


def test_node_id_of_a_class_selects_its_tests_and_nested_classes(project: Project) -> None:
    project.write(
        {
            "test_a.py": """
            class TestX:
                def test_1(self):
                    pass
                class TestInner:
                    def test_2(self):
                        pass
            def test_3():
                pass
            """
        }
    )
    assert project.ids("test_a.py::TestX") == [
        "test_a.py::TestX::test_1",
        "test_a.py::TestX::TestInner::test_2",
    ]


def test_node_id_without_brackets_selects_every_parametrization(project: Project) -> None:
    project.write({"test_a.py": PARAMETRIZED})
    assert project.ids("test_a.py::test_x") == ["test_a.py::test_x[1]", "test_a.py::test_x[2]"]


def test_node_id_with_brackets_selects_one_parametrization(project: Project) -> None:
    project.write({"test_a.py": PARAMETRIZED})
    assert project.ids("test_a.py::test_x[2]") == ["test_a.py::test_x[2]"]


def test_node_ids_are_taken_relative_to_the_current_directory(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write({"tests/test_a.py": "def test_x():\n    pass\ndef test_y():\n    pass\n"})
    monkeypatch.chdir(project.root / "tests")
    assert project.ids("test_a.py::test_y") == ["tests/test_a.py::test_y"]


def test_node_id_matching_nothing_is_a_usage_error(project: Project) -> None:
    project.write({"test_a.py": TEST})
    with pytest.raises(UsageError, match=r"not found: test_a.py::test_nope"):
        project.collect("test_a.py::test_nope")


def test_tests_follow_the_order_of_the_arguments_each_once(project: Project) -> None:
    project.write({"test_a.py": "def test_x():\n    pass\ndef test_y():\n    pass\n", "test_b.py": TEST})
    assert project.ids("test_b.py", "test_a.py::test_y", ".", "test_a.py") == [
        "test_b.py::test_it",
        "test_a.py::test_y",
        "test_a.py::test_x",
    ]


def test_a_file_given_twice_is_imported_once(project: Project) -> None:
    project.write({"test_a.py": "with open('imports.log', 'a') as log:\n    log.write('x')\n" + TEST})
    project.collect("test_a.py", "test_a.py", ".")
    assert (project.root / "imports.log").read_text() == "x"


def test_testpaths_are_the_default_when_run_from_the_rootdir(project: Project) -> None:
    project.write({"tests/test_a.py": TEST, "docs/test_b.py": TEST, "test_c.py": TEST})
    assert project.ids(testpaths=("tests",)) == ["tests/test_a.py::test_it"]


def test_testpaths_may_be_globs(project: Project) -> None:
    project.write({"pkg_a/tests/test_a.py": TEST, "pkg_b/tests/test_b.py": TEST, "test_c.py": TEST})
    assert project.ids(testpaths=("pkg_*/tests",)) == [
        "pkg_a/tests/test_a.py::test_it",
        "pkg_b/tests/test_b.py::test_it",
    ]


def test_testpaths_are_ignored_below_the_rootdir(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write({"tests/test_a.py": TEST, "docs/test_b.py": TEST})
    monkeypatch.chdir(project.root / "docs")
    assert project.ids(testpaths=("tests",)) == ["docs/test_b.py::test_it"]


def test_builtin_fixtures_come_first(project: Project) -> None:
    project.write({"conftest.py": "from rustest import fixture\n@fixture\ndef mine():\n    pass\n"})
    builtin = FixtureDef(name="tmp_path", node=BUILTIN)
    fixtures = collect([], project.config(), builtin_fixtures=[builtin]).fixtures
    assert [fixture.name for fixture in fixtures] == ["tmp_path", "mine"]


def test_an_unreadable_directory_is_a_collection_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write({"locked/test_a.py": TEST, "test_b.py": TEST})
    real_scandir = os.scandir
    locked = project.root / "locked"

    def scandir(path: Path) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    collection = project.collect()
    [error] = collection.errors
    assert (error.path, error.message) == (
        "locked",
        "cannot read directory locked: [Errno 13] Permission denied",
    )
    assert [test.id for test in collection.tests] == ["test_b.py::test_it"]


def test_node_id_in_a_module_that_skips_itself_is_not_a_usage_error(project: Project) -> None:
    project.write({"test_a.py": "from rustest import skip\nskip('off', allow_module_level=True)\n"})
    collection = project.collect("test_a.py::test_it")
    assert (collection.tests, collection.skipped_modules) == ([], [("test_a.py", "off")])


def test_node_id_in_a_module_that_fails_to_import_is_not_a_usage_error(project: Project) -> None:
    project.write({"test_a.py": "import no_such_module_anywhere\n"})
    [error] = project.collect("test_a.py::test_it").errors
    assert error.path == "test_a.py"
