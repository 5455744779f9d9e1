"""``monkeypatch`` and ``MonkeyPatch``: every change, its undo, and cleanup after a failing test."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._builtins import MonkeyPatch

FAKE_MODULE = "rustest_monkeypatch_target"


class Target:
    """A class whose attributes the tests patch."""

    value = 1

    @staticmethod
    def helper() -> str:
        return "static"


@pytest.fixture
def fake_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A throwaway importable module with one attribute, ``answer``, so dotted paths can be patched."""
    module = types.ModuleType(FAKE_MODULE)
    module.answer = 42  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE_MODULE, module)
    return module


@pytest.fixture
def patch() -> Iterator[MonkeyPatch]:
    """A rustest ``MonkeyPatch`` undone after the test, whatever it did."""
    mp = MonkeyPatch()
    yield mp
    mp.undo()


def test_setattr_changes_the_attribute_until_undo(patch: MonkeyPatch) -> None:
    obj = types.SimpleNamespace(x=1)
    patch.setattr(obj, "x", 2)
    assert obj.x == 2
    patch.undo()
    assert obj.x == 1


def test_setattr_of_a_missing_attribute_raises(patch: MonkeyPatch) -> None:
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        patch.setattr(types.SimpleNamespace(), "missing", 1)


def test_setattr_without_raising_creates_the_attribute_and_undo_removes_it(patch: MonkeyPatch) -> None:
    obj = types.SimpleNamespace()
    patch.setattr(obj, "new", 1, raising=False)
    assert obj.new == 1
    patch.undo()
    assert not hasattr(obj, "new")


def test_setattr_on_a_class_restores_a_staticmethod_as_a_staticmethod(patch: MonkeyPatch) -> None:
    patch.setattr(Target, "helper", lambda: "patched")
    patch.undo()
    assert isinstance(Target.__dict__["helper"], staticmethod)
    assert Target().helper() == "static"


def test_setattr_by_dotted_path_patches_the_module_attribute(
    patch: MonkeyPatch, fake_module: types.ModuleType
) -> None:
    patch.setattr(f"{FAKE_MODULE}.answer", 0)
    assert fake_module.answer == 0
    patch.undo()
    assert fake_module.answer == 42


def test_setattr_by_dotted_path_to_a_missing_attribute_names_it(
    patch: MonkeyPatch, fake_module: types.ModuleType
) -> None:
    with pytest.raises(AttributeError, match=f"object at {FAKE_MODULE} has no attribute 'nothing'"):
        patch.setattr(f"{FAKE_MODULE}.nothing", 0)


def test_setattr_by_dotted_path_to_a_missing_module_raises_import_error(patch: MonkeyPatch) -> None:
    with pytest.raises(ImportError):
        patch.setattr("rustest_no_such_module_anywhere.attr", 0)


def test_setattr_by_dotted_path_imports_submodules(
    patch: MonkeyPatch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "rustest_mp_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sub.py").write_text("VALUE = 'original'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        patch.setattr("rustest_mp_package.sub.VALUE", "patched")
        assert sys.modules["rustest_mp_package.sub"].VALUE == "patched"
    finally:
        patch.undo()
        for name in ("rustest_mp_package.sub", "rustest_mp_package"):
            sys.modules.pop(name, None)


def test_setattr_with_two_arguments_needs_a_dotted_string(patch: MonkeyPatch) -> None:
    with pytest.raises(TypeError, match="dotted import string"):
        patch.setattr(types.SimpleNamespace(), "x")


def test_delattr_removes_until_undo(patch: MonkeyPatch) -> None:
    obj = types.SimpleNamespace(x=1)
    patch.delattr(obj, "x")
    assert not hasattr(obj, "x")
    patch.undo()
    assert obj.x == 1


def test_delattr_by_dotted_path(patch: MonkeyPatch, fake_module: types.ModuleType) -> None:
    patch.delattr(f"{FAKE_MODULE}.answer")
    assert not hasattr(fake_module, "answer")
    patch.undo()
    assert fake_module.answer == 42


def test_delattr_of_a_missing_attribute_raises_unless_told_not_to(patch: MonkeyPatch) -> None:
    obj = types.SimpleNamespace()
    with pytest.raises(AttributeError):
        patch.delattr(obj, "x")
    patch.delattr(obj, "x", raising=False)


def test_setitem_restores_the_old_value(patch: MonkeyPatch) -> None:
    data = {"a": 1}
    patch.setitem(data, "a", 2)
    patch.undo()
    assert data == {"a": 1}


def test_setitem_of_a_new_key_is_removed_on_undo(patch: MonkeyPatch) -> None:
    data: dict[str, int] = {}
    patch.setitem(data, "a", 2)
    patch.undo()
    assert data == {}


def test_delitem_restores_the_item(patch: MonkeyPatch) -> None:
    data = {"a": 1}
    patch.delitem(data, "a")
    assert data == {}
    patch.undo()
    assert data == {"a": 1}


def test_delitem_of_a_missing_key_raises_unless_told_not_to(patch: MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        patch.delitem({}, "a")
    patch.delitem({}, "a", raising=False)


def test_repeated_changes_are_undone_to_the_first_value(patch: MonkeyPatch) -> None:
    data = {"a": 1}
    patch.setitem(data, "a", 2)
    patch.setitem(data, "a", 3)
    patch.delitem(data, "a")
    patch.undo()
    assert data == {"a": 1}


def test_setenv_sets_and_undo_removes_the_variable(patch: MonkeyPatch) -> None:
    name = "RUSTEST_TEST_SETENV"
    assert name not in os.environ
    patch.setenv(name, "1")
    assert os.environ[name] == "1"
    patch.undo()
    assert name not in os.environ


def test_setenv_with_prepend_puts_the_value_in_front(patch: MonkeyPatch) -> None:
    name = "RUSTEST_TEST_PREPEND"
    patch.setenv(name, "old")
    patch.setenv(name, "new", prepend=os.pathsep)
    assert os.environ[name] == f"new{os.pathsep}old"


def test_setenv_converts_a_non_string_value_with_a_warning(patch: MonkeyPatch) -> None:
    with pytest.warns(UserWarning, match="should be str"):
        patch.setenv("RUSTEST_TEST_NUMBER", 3)  # type: ignore[arg-type]
    assert os.environ["RUSTEST_TEST_NUMBER"] == "3"


def test_delenv_removes_until_undo(patch: MonkeyPatch, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUSTEST_TEST_DELENV", "here")
    patch.delenv("RUSTEST_TEST_DELENV")
    assert "RUSTEST_TEST_DELENV" not in os.environ
    patch.undo()
    assert os.environ["RUSTEST_TEST_DELENV"] == "here"


def test_delenv_of_a_missing_variable_raises_unless_told_not_to(patch: MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        patch.delenv("RUSTEST_TEST_NEVER_SET")
    patch.delenv("RUSTEST_TEST_NEVER_SET", raising=False)


def test_syspath_prepend_puts_the_path_first_until_undo(patch: MonkeyPatch, tmp_path: Path) -> None:
    before = sys.path[:]
    patch.syspath_prepend(tmp_path)
    assert sys.path[0] == str(tmp_path)
    patch.undo()
    assert sys.path == before


def test_syspath_prepend_lets_modules_written_afterwards_be_imported(
    patch: MonkeyPatch, tmp_path: Path
) -> None:
    patch.syspath_prepend(tmp_path)
    (tmp_path / "rustest_fresh_module.py").write_text("VALUE = 7\n")
    try:
        import rustest_fresh_module  # type: ignore[import-not-found]

        assert rustest_fresh_module.VALUE == 7
    finally:
        sys.modules.pop("rustest_fresh_module", None)


def test_chdir_changes_the_working_directory_until_undo(patch: MonkeyPatch, tmp_path: Path) -> None:
    before = os.getcwd()
    patch.chdir(tmp_path)
    assert Path.cwd() == tmp_path.resolve()
    patch.undo()
    assert os.getcwd() == before


def test_context_undoes_on_exit() -> None:
    obj = types.SimpleNamespace(x=1)
    with MonkeyPatch.context() as mp:
        mp.setattr(obj, "x", 2)
        assert obj.x == 2
    assert obj.x == 1


def test_context_undoes_when_the_block_raises() -> None:
    obj = types.SimpleNamespace(x=1)

    def patch_then_raise() -> None:
        with MonkeyPatch.context() as mp:
            mp.setattr(obj, "x", 2)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        patch_then_raise()
    assert obj.x == 1


def test_undo_twice_does_nothing_the_second_time(patch: MonkeyPatch) -> None:
    obj = types.SimpleNamespace(x=1)
    patch.setattr(obj, "x", 2)
    patch.undo()
    obj.x = 5
    patch.undo()
    assert obj.x == 5


FAILING_PROJECT = {
    "test_a.py": """
        import os
        import sys

        import helper

        START = os.getcwd()

        def test_changes_then_fails(monkeypatch, tmp_path):
            monkeypatch.setenv("RUSTEST_LEAK", "1")
            monkeypatch.setattr(helper, "VALUE", "patched")
            monkeypatch.setitem(helper.TABLE, "k", "patched")
            monkeypatch.syspath_prepend(str(tmp_path))
            monkeypatch.chdir(tmp_path)
            assert False

        def test_environment_is_restored():
            assert "RUSTEST_LEAK" not in os.environ

        def test_attribute_is_restored():
            assert helper.VALUE == "original"

        def test_item_is_restored():
            assert helper.TABLE == {}

        def test_sys_path_is_restored():
            assert not any("test_changes_then_fa" in p for p in sys.path)

        def test_cwd_is_restored():
            assert os.getcwd() == START
    """,
    "helper.py": """
        VALUE = "original"
        TABLE = {}
    """,
}


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose first test changes everything with monkeypatch and then fails."""
    return run_project(tmp_path_factory.mktemp("monkeypatch"), FAILING_PROJECT)


def test_the_changing_test_fails(failing_run: ProjectRun) -> None:
    assert failing_run.outcome("test_changes_then_fails") == "failed"


@pytest.mark.parametrize(
    "check",
    [
        "test_environment_is_restored",
        "test_attribute_is_restored",
        "test_item_is_restored",
        "test_sys_path_is_restored",
        "test_cwd_is_restored",
    ],
)
def test_changes_are_undone_after_a_failing_test(failing_run: ProjectRun, check: str) -> None:
    assert failing_run.outcome(check) == "passed", failing_run.failure_text(check)
