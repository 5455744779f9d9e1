"""``mocker`` and its scoped siblings: patching, spying, stubs, reset and undo."""

from __future__ import annotations

import asyncio
import sys
import types
import unittest.mock
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._builtins import MockerFixture

FAKE_MODULE = "rustest_mocker_target"


class Base:
    """A class with every kind of method a spy must handle."""

    @classmethod
    def named(cls, x: int) -> tuple[str, int]:
        return (cls.__name__, x)

    @staticmethod
    def double(x: int) -> int:
        return x * 2

    def plus_one(self, x: int) -> int:
        return x + 1

    async def later(self, x: int) -> int:
        await asyncio.sleep(0)
        return x + 3

    def fails(self) -> None:
        raise ValueError("nope")

    def numbers(self) -> Iterator[int]:
        return iter([1, 2, 3])


class Sub(Base):
    """A subclass, to spy on inherited methods."""


@pytest.fixture
def fake_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A throwaway importable module with a function ``greet`` and a dict ``SETTINGS``."""
    module = types.ModuleType(FAKE_MODULE)
    module.greet = lambda: "hello"  # type: ignore[attr-defined]
    module.SETTINGS = {"a": 1}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE_MODULE, module)
    return module


@pytest.fixture
def mocker() -> Iterator[MockerFixture]:
    """Rustest's ``MockerFixture``, with every patch undone after the test."""
    fixture = MockerFixture()
    yield fixture
    fixture.stopall()


def test_patch_replaces_a_dotted_target_until_stopall(mocker: MockerFixture, fake_module: Any) -> None:
    mocker.patch(f"{FAKE_MODULE}.greet", return_value="mocked")
    assert fake_module.greet() == "mocked"
    mocker.stopall()
    assert fake_module.greet() == "hello"


def test_patch_object_replaces_an_attribute(mocker: MockerFixture, fake_module: Any) -> None:
    mocked = mocker.patch.object(fake_module, "greet")
    fake_module.greet()
    mocked.assert_called_once_with()


def test_patch_dict_sets_values_until_stopall(mocker: MockerFixture, fake_module: Any) -> None:
    mocker.patch.dict(fake_module.SETTINGS, {"b": 2}, clear=True)
    assert fake_module.SETTINGS == {"b": 2}
    mocker.stopall()
    assert fake_module.SETTINGS == {"a": 1}


def test_patch_multiple_returns_the_mocks_by_name(mocker: MockerFixture, fake_module: Any) -> None:
    mocks = mocker.patch.multiple(fake_module, greet=mocker.DEFAULT)
    assert fake_module.greet is mocks["greet"]


def test_patch_with_autospec_checks_the_signature(mocker: MockerFixture) -> None:
    mocker.patch.object(Base, "plus_one", autospec=True)
    with pytest.raises(TypeError):
        Base().plus_one(1, 2)  # type: ignore[call-arg]


def test_property_mock_can_replace_a_property(mocker: MockerFixture) -> None:
    class Thing:
        @property
        def size(self) -> int:
            return 1

    mocker.patch.object(Thing, "size", new_callable=mocker.PropertyMock, return_value=5)
    assert Thing().size == 5


SPIED_CALLS: list[tuple[object, str, Callable[[], object], object]] = [
    (Base, "named", lambda: Base.named(1), ("Base", 1)),
    (Sub, "named", lambda: Sub.named(1), ("Sub", 1)),
    (Base, "double", lambda: Base.double(2), 4),
    (Base, "double", lambda: Base().double(2), 4),
    (Sub, "double", lambda: Sub().double(2), 4),
    (Base, "plus_one", lambda: Base().plus_one(3), 4),
    (Sub, "plus_one", lambda: Sub().plus_one(3), 4),
]


@pytest.mark.parametrize(("owner", "name", "call", "expected"), SPIED_CALLS)
def test_spy_calls_through_and_records_the_result(
    mocker: MockerFixture, owner: object, name: str, call: Callable[[], object], expected: object
) -> None:
    spy = mocker.spy(owner, name)
    assert call() == expected
    assert (spy.call_count, spy.spy_return, spy.spy_return_list) == (1, expected, [expected])


def test_spy_on_an_instance_records_calls_without_self(mocker: MockerFixture) -> None:
    obj = Base()
    spy = mocker.spy(obj, "plus_one")
    obj.plus_one(1)
    spy.assert_called_once_with(1)


def test_spy_on_a_class_records_calls_with_the_instance(mocker: MockerFixture) -> None:
    obj = Base()
    spy = mocker.spy(Base, "plus_one")
    obj.plus_one(1)
    spy.assert_called_once_with(obj, 1)


@pytest.mark.parametrize("kind", ["named", "double"])
def test_spy_restores_class_and_static_methods(mocker: MockerFixture, kind: str) -> None:
    original = type(Base.__dict__[kind])
    mocker.spy(Base, kind)
    mocker.stopall()
    assert type(Base.__dict__[kind]) is original


def test_spy_records_the_exception_and_lets_it_through(mocker: MockerFixture) -> None:
    spy = mocker.spy(Base, "fails")
    with pytest.raises(ValueError, match="nope"):
        Base().fails()
    assert isinstance(spy.spy_exception, ValueError)


def test_spy_on_a_coroutine_function_records_the_awaited_result(mocker: MockerFixture) -> None:
    obj = Base()
    spy = mocker.spy(obj, "later")
    assert asyncio.run(obj.later(1)) == 4
    assert (spy.spy_return, spy.await_count) == (4, 1)


def test_spy_can_duplicate_a_returned_iterator(mocker: MockerFixture) -> None:
    obj = Base()
    spy = mocker.spy(obj, "numbers", duplicate_iterators=True)
    assert list(obj.numbers()) == [1, 2, 3]
    assert list(spy.spy_return_iter) == [1, 2, 3]


def test_stub_accepts_any_arguments(mocker: MockerFixture) -> None:
    stub = mocker.stub(name="callback")
    stub(1, key="value")
    stub.assert_called_once_with(1, key="value")


def test_async_stub_can_be_awaited(mocker: MockerFixture) -> None:
    stub = mocker.async_stub()
    asyncio.run(stub("x"))
    stub.assert_awaited_once_with("x")


def test_resetall_clears_the_calls_of_every_mock(mocker: MockerFixture, fake_module: Any) -> None:
    mocked = mocker.patch.object(fake_module, "greet")
    stub = mocker.stub()
    mocked()
    stub()
    mocker.resetall()
    assert (mocked.call_count, stub.call_count) == (0, 0)


def test_resetall_can_clear_return_values(mocker: MockerFixture, fake_module: Any) -> None:
    mocked = mocker.patch.object(fake_module, "greet", return_value="x")
    mocker.resetall(return_value=True)
    assert mocked() != "x"


def test_stop_undoes_one_patch_only(mocker: MockerFixture, fake_module: Any) -> None:
    greet = mocker.patch.object(fake_module, "greet")
    mocker.patch.dict(fake_module.SETTINGS, {"b": 2})
    mocker.stop(greet)
    assert (fake_module.greet(), fake_module.SETTINGS["b"]) == ("hello", 2)


def test_stop_of_a_foreign_mock_raises(mocker: MockerFixture) -> None:
    with pytest.raises(ValueError, match="not registered"):
        mocker.stop(unittest.mock.MagicMock())


@pytest.mark.parametrize(
    "name",
    [
        "Mock",
        "MagicMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "AsyncMock",
        "call",
        "ANY",
        "DEFAULT",
        "sentinel",
        "mock_open",
        "seal",
    ],
)
def test_unittest_mock_names_are_attributes(mocker: MockerFixture, name: str) -> None:
    assert getattr(mocker, name) is getattr(unittest.mock, name)


PROJECT = {
    "helper.py": """
        def greet():
            return "hello"

        class Service:
            async def fetch(self, x):
                return x * 10
    """,
    "test_a.py": """
        import helper
        from rustest import fixture

        def test_patches_then_fails(mocker):
            mocker.patch("helper.greet", return_value="mocked")
            assert helper.greet() == "mocked"
            assert False

        def test_patch_is_undone_after_a_failing_test():
            assert helper.greet() == "hello"

        async def test_spy_in_an_async_test(mocker):
            spy = mocker.spy(helper.Service, "fetch")
            assert await helper.Service().fetch(2) == 20
            assert spy.spy_return == 20

        def test_module_mocker_patches(module_mocker):
            module_mocker.patch("helper.greet", return_value="module-wide")

        def test_module_mocker_patch_lasts_for_the_module():
            assert helper.greet() == "module-wide"

        class TestClass:
            def test_class_mocker_patches(self, class_mocker):
                class_mocker.patch.object(helper.Service, "kind", "class-wide", create=True)

            def test_class_mocker_patch_lasts_for_the_class(self):
                assert helper.Service.kind == "class-wide"

        def test_class_mocker_patch_is_undone_after_the_class():
            assert not hasattr(helper.Service, "kind")

        def test_session_mocker_is_available(session_mocker, package_mocker):
            assert session_mocker is not package_mocker
    """,
    "test_b.py": """
        import helper

        def test_module_mocker_patch_is_undone_after_the_module():
            assert helper.greet() == "hello"
    """,
}


@pytest.fixture(scope="module")
def project_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check the mocker fixtures from inside."""
    return run_project(tmp_path_factory.mktemp("mocker"), PROJECT)


def test_the_patching_test_fails(project_run: ProjectRun) -> None:
    assert project_run.outcome("test_patches_then_fails") == "failed"


@pytest.mark.parametrize(
    "name",
    [
        "test_patch_is_undone_after_a_failing_test",
        "test_spy_in_an_async_test",
        "test_module_mocker_patch_lasts_for_the_module",
        "test_module_mocker_patch_is_undone_after_the_module",
        "test_class_mocker_patch_lasts_for_the_class",
        "test_class_mocker_patch_is_undone_after_the_class",
        "test_session_mocker_is_available",
    ],
)
def test_mocker_fixtures_behave_like_pytest_mock(project_run: ProjectRun, name: str) -> None:
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)


def test_a_session_mocker_patch_is_undone_at_the_end_of_the_run(tmp_path: Path) -> None:
    marker = tmp_path / "undone.txt"
    run = run_project(
        tmp_path,
        {
            "conftest.py": f"""
                import atexit
                import os

                def _check():
                    with open({str(marker)!r}, "w") as f:
                        f.write(str("RUSTEST_PATCHED" in os.environ))

                atexit.register(_check)
            """,
            "test_a.py": """
                import os

                def test_patch_for_the_session(session_mocker):
                    session_mocker.patch.dict(os.environ, {"RUSTEST_PATCHED": "1"})
            """,
        },
    )
    name = "test_patch_for_the_session"
    assert run.outcome(name) == "passed", run.failure_text(name)
    assert marker.read_text() == "False"
