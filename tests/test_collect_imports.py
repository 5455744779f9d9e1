"""Importing test modules and conftest files: packages, sys.path, failures, skips and rewriting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_collect_sandbox import AUTHORING, Project, isolated_imports

from rustest._definitions import SESSION_NODE
from rustest._outcomes import Exit

TEST = "def test_it():\n    pass\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    with isolated_imports(tmp_path):
        yield Project(tmp_path)


def module_of(project: Project, index: int = 0) -> str:
    test = project.collect().tests[index]
    assert test.func is not None
    return str(test.func.__module__)


def test_a_file_in_a_package_imports_under_its_dotted_name(project: Project) -> None:
    project.write({"tests/__init__.py": "", "tests/sub/__init__.py": "", "tests/sub/test_a.py": TEST})
    assert module_of(project) == "tests.sub.test_a"


def test_relative_imports_work_in_a_package(project: Project) -> None:
    project.write(
        {
            "tests/__init__.py": "",
            "tests/helpers.py": "VALUE = 42\n",
            "tests/test_a.py": "from .helpers import VALUE\ndef test_it():\n    assert VALUE == 42\n",
        }
    )
    collection = project.collect()
    assert (collection.errors, [test.id for test in collection.tests]) == ([], ["tests/test_a.py::test_it"])


def test_the_first_directory_above_a_package_goes_first_on_sys_path(project: Project) -> None:
    project.write({"src/tests/__init__.py": "", "src/tests/test_a.py": TEST})
    project.collect()
    assert sys.path[0] == str(project.root / "src")


def test_a_file_outside_packages_imports_under_its_basename_with_its_directory_on_sys_path(
    project: Project,
) -> None:
    project.write({"tests/helper.py": "VALUE = 1\n", "tests/test_a.py": "import helper\n" + TEST})
    assert (module_of(project), sys.path[0]) == ("test_a", str(project.root / "tests"))


def test_same_basename_in_two_plain_directories_is_an_import_mismatch_error(project: Project) -> None:
    project.write({"a/test_x.py": TEST, "b/test_x.py": TEST})
    collection = project.collect()
    assert [test.id for test in collection.tests] == ["a/test_x.py::test_it"]
    [error] = collection.errors
    assert error.path == "b/test_x.py"
    assert "import file mismatch" in error.message
    assert str(project.root / "a" / "test_x.py") in error.message
    assert "Add __init__.py files" in error.message


def test_same_basename_in_two_packages_is_fine(project: Project) -> None:
    project.write({"a/__init__.py": "", "a/test_x.py": TEST, "b/__init__.py": "", "b/test_x.py": TEST})
    assert project.ids() == ["a/test_x.py::test_it", "b/test_x.py::test_it"]


def test_an_import_error_is_a_collection_error_naming_the_file(project: Project) -> None:
    project.write({"test_a.py": "import no_such_module_anywhere\n" + TEST, "test_b.py": TEST})
    collection = project.collect()
    [error] = collection.errors
    assert error.path == "test_a.py"
    assert error.message.startswith("ModuleNotFoundError while importing test_a.py.")
    assert "No module named 'no_such_module_anywhere'" in error.message
    assert [test.id for test in collection.tests] == ["test_b.py::test_it"]


def test_an_import_error_traceback_shows_only_user_frames(project: Project) -> None:
    project.write(
        {"test_a.py": "import helper\n", "helper.py": "def boom():\n    raise RuntimeError('bad')\nboom()\n"}
    )
    [error] = project.collect().errors
    assert 'test_a.py", line 1, in <module>' in error.message
    assert 'helper.py", line 2, in boom' in error.message
    assert error.message.endswith("RuntimeError: bad")
    assert "importlib" not in error.message
    assert "_collect" not in error.message


def test_a_syntax_error_shows_the_file_line_and_caret(project: Project) -> None:
    project.write({"test_a.py": "x = 1\ndef broken(:\n    pass\n"})
    [error] = project.collect().errors
    assert error.path == "test_a.py"
    assert error.message.startswith("SyntaxError while importing test_a.py.")
    assert 'test_a.py", line 2' in error.message
    assert "def broken(:" in error.message
    assert "^" in error.message


def test_sys_exit_at_import_is_a_collection_error(project: Project) -> None:
    project.write({"test_a.py": "import sys\nsys.exit(3)\n"})
    [error] = project.collect().errors
    assert error.message.startswith("SystemExit while importing test_a.py.")


def test_module_level_skip_records_the_module_as_skipped(project: Project) -> None:
    project.write(
        {
            "test_a.py": "from rustest import skip\nskip('no gpu', allow_module_level=True)\n" + TEST,
            "test_b.py": TEST,
        }
    )
    collection = project.collect()
    assert collection.skipped_modules == [("test_a.py", "no gpu")]
    assert (collection.errors, [test.id for test in collection.tests]) == ([], ["test_b.py::test_it"])


def test_module_level_skip_without_permission_is_an_error_with_advice(project: Project) -> None:
    project.write({"test_a.py": "from rustest import skip\nskip('no gpu')\n" + TEST})
    collection = project.collect()
    [error] = collection.errors
    assert "allow_module_level=True" in error.message
    assert collection.skipped_modules == []


def test_conftest_fixtures_belong_to_their_directory_node(project: Project) -> None:
    fixture = AUTHORING + "@fixture\ndef {name}():\n    pass\n"
    project.write(
        {
            "conftest.py": fixture.format(name="top"),
            "tests/conftest.py": fixture.format(name="middle"),
            "tests/unit/conftest.py": fixture.format(name="inner"),
            "tests/unit/test_a.py": TEST,
        }
    )
    collection = project.collect()
    assert [(f.name, collection.node_paths[f.node]) for f in collection.fixtures] == [
        ("top", ""),
        ("middle", "tests"),
        ("inner", "tests/unit"),
    ]
    assert collection.fixtures[0].node == SESSION_NODE


def test_conftest_files_outside_packages_each_load_their_own_file(project: Project) -> None:
    fixture = AUTHORING + "@fixture\ndef {name}():\n    pass\n"
    project.write(
        {
            "a/conftest.py": fixture.format(name="from_a"),
            "a/test_a.py": TEST,
            "b/conftest.py": fixture.format(name="from_b"),
            "b/test_b.py": TEST,
        }
    )
    collection = project.collect()
    assert [(f.name, f.location) for f in collection.fixtures] == [
        ("from_a", "a/conftest.py:2"),
        ("from_b", "b/conftest.py:2"),
    ]


def test_conftest_is_imported_before_the_test_modules_below_it(project: Project) -> None:
    project.write(
        {
            "tests/conftest.py": "import os\nos.environ['CONFTEST_LOADED_FOR_TEST'] = 'yes'\n",
            "tests/test_a.py": "import os\nassert os.environ.pop('CONFTEST_LOADED_FOR_TEST') == 'yes'\n"
            + TEST,
        }
    )
    collection = project.collect()
    assert (collection.errors, len(collection.tests)) == ([], 1)


def test_conftests_above_a_directory_argument_are_loaded(project: Project) -> None:
    project.write(
        {
            "conftest.py": AUTHORING + "@fixture\ndef top():\n    pass\n",
            "tests/deep/test_a.py": TEST,
        }
    )
    assert [fixture.name for fixture in project.collect("tests/deep").fixtures] == ["top"]


def test_each_conftest_is_imported_once(project: Project) -> None:
    project.write(
        {
            "conftest.py": "with open('conftest.log', 'a') as log:\n    log.write('x')\n",
            "a/test_a.py": TEST,
            "b/test_b.py": TEST,
        }
    )
    project.collect("a", "b", ".")
    assert (project.root / "conftest.log").read_text() == "x"


def test_a_broken_conftest_is_an_error_and_nothing_below_it_is_collected(project: Project) -> None:
    project.write(
        {"tests/conftest.py": "raise ValueError('nope')\n", "tests/test_a.py": TEST, "test_b.py": TEST}
    )
    collection = project.collect()
    [error] = collection.errors
    assert (error.path, error.message.splitlines()[-1]) == ("tests/conftest.py", "ValueError: nope")
    assert [test.id for test in collection.tests] == ["test_b.py::test_it"]


def test_asserts_in_test_modules_are_rewritten(project: Project) -> None:
    project.write({"test_a.py": "def test_it():\n    value = 1\n    assert value == 2\n"})
    func = project.collect().tests[0].func
    assert func is not None
    with pytest.raises(AssertionError, match="1 == 2"):
        func()


def test_asserts_in_helper_modules_are_left_alone(project: Project) -> None:
    project.write(
        {
            "helper.py": "def check():\n    value = 1\n    assert value == 2\n",
            "test_a.py": "from helper import check\ndef test_it():\n    check()\n",
        }
    )
    func = project.collect().tests[0].func
    assert func is not None
    with pytest.raises(AssertionError) as caught:
        func()
    assert str(caught.value) == ""


def test_the_rewrite_hook_is_removed_after_collection(project: Project) -> None:
    project.write({"test_a.py": TEST})
    before = list(sys.meta_path)
    project.collect()
    assert sys.meta_path == before


def test_exit_at_import_stops_collection(project: Project) -> None:
    project.write({"test_a.py": "from rustest._outcomes import exit\nexit('stop here')\n"})
    with pytest.raises(Exit, match="stop here"):
        project.collect()
