"""Fixture definitions read from modules, conftests and classes, and the argument rules they share."""

from __future__ import annotations

import functools
import inspect
import unittest.mock
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_collect_sandbox import AUTHORING, Project, isolated_imports

from rustest._collect import Collection
from rustest._collect._funcargs import code_flags, getfuncargnames
from rustest._definitions import FixtureDef
from rustest._scope import Scope


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    with isolated_imports(tmp_path):
        yield Project(tmp_path)


def fixtures_of(project: Project, source: str) -> dict[str, FixtureDef]:
    collection = project.collect_module(source)
    assert collection.errors == []
    return {fixture.name: fixture for fixture in collection.fixtures}


def project_collect(project: Project, files: dict[str, str]) -> Collection:
    project.write(files)
    collection = project.collect()
    assert collection.errors == []
    return collection


def test_module_fixture_definition(project: Project) -> None:
    collection = project_collect(
        project,
        {
            "tests/test_a.py": AUTHORING
            + "@fixture(scope='module')\ndef db(tmp_path, *, user):\n    return 1\n"
        },
    )
    [db] = collection.fixtures
    assert db.func is not None
    assert (db.name, db.func.__name__, db.scope, db.requests) == (
        "db",
        "db",
        Scope.MODULE,
        ("tmp_path", "user"),
    )
    assert (collection.node_paths[db.node], db.location) == ("tests/test_a.py", "tests/test_a.py:2")


def test_fixture_options_are_carried_over(project: Project) -> None:
    source = (
        "@fixture(params=[1, 2], ids=['one', 'two'], autouse=True, loop_scope='session', backend='trio')\n"
        "async def numbers(request):\n    return request.param\n"
    )
    numbers = fixtures_of(project, source)["numbers"]
    assert (numbers.params, numbers.ids, numbers.autouse) == ((1, 2), ("one", "two"), True)
    assert (numbers.loop_scope, numbers.backend, numbers.requests) == (Scope.SESSION, "trio", ("request",))


def test_name_option_renames_the_fixture(project: Project) -> None:
    fixtures = fixtures_of(project, "@fixture(name='client')\ndef make_client():\n    pass\n")
    assert list(fixtures) == ["client"]


@pytest.mark.parametrize(
    ("body", "is_async", "is_generator"),
    [
        ("def f():\n    return 1\n", False, False),
        ("def f():\n    yield 1\n", False, True),
        ("async def f():\n    return 1\n", True, False),
        ("async def f():\n    yield 1\n", True, True),
    ],
    ids=["function", "generator", "coroutine", "async-generator"],
)
def test_fixture_kind_comes_from_code_flags(
    project: Project, body: str, is_async: bool, is_generator: bool
) -> None:
    f = fixtures_of(project, "@fixture\n" + body)["f"]
    assert (f.is_async, f.is_generator) == (is_async, is_generator)


def test_an_imported_fixture_is_defined_where_it_is_imported(project: Project) -> None:
    collection = project_collect(
        project,
        {
            "tests/shared.py": AUTHORING + "@fixture\ndef db():\n    pass\n",
            "tests/test_a.py": "from shared import db\n",
        },
    )
    [db] = collection.fixtures
    assert (collection.node_paths[db.node], db.location) == ("tests/test_a.py", "tests/shared.py:2")


def test_an_imported_fixture_takes_the_name_it_is_imported_under(project: Project) -> None:
    project.write({"shared.py": AUTHORING + "@fixture\ndef db():\n    pass\n"})
    fixtures = fixtures_of(project, "from shared import db as database\n")
    assert list(fixtures) == ["database"]


def test_a_fixture_named_like_a_test_is_not_a_test(project: Project) -> None:
    collection = project_collect(project, {"test_a.py": AUTHORING + "@fixture\ndef test_data():\n    pass\n"})
    assert ([f.name for f in collection.fixtures], collection.tests) == (["test_data"], [])


def test_method_fixture_takes_no_self_request_and_belongs_to_the_class(project: Project) -> None:
    source = "class TestX:\n    @fixture\n    def value(self, db):\n        return 1\n"
    collection = project_collect(project, {"test_a.py": AUTHORING + source})
    [value] = collection.fixtures
    assert (value.is_method, value.requests, collection.node_paths[value.node]) == (
        True,
        ("db",),
        "test_a.py::TestX",
    )
    assert value.func is not None
    assert value.func.__qualname__ == "TestX.value"


def test_static_method_fixture_is_a_plain_function(project: Project) -> None:
    source = "class TestX:\n    @staticmethod\n    @fixture\n    def value(db):\n        return 1\n"
    value = fixtures_of(project, source)["value"]
    assert (value.is_method, value.requests) == (False, ("db",))


def test_inherited_method_fixtures_are_defined_on_the_subclass(project: Project) -> None:
    source = (
        "class Base:\n    @fixture\n    def value(self):\n        return 1\n"
        "class TestX(Base):\n    def test_it(self, value):\n        pass\n"
    )
    collection = project_collect(project, {"test_a.py": AUTHORING + source})
    assert [(f.name, collection.node_paths[f.node]) for f in collection.fixtures] == [
        ("value", "test_a.py::TestX")
    ]


def test_malformed_fixture_spec_is_a_collection_error_naming_the_fixture(project: Project) -> None:
    project.write(
        {
            "test_a.py": (
                "from rustest._spec import FIXTURE_ATTR, FixtureSpec\n"
                "def db():\n    pass\n"
                "setattr(db, FIXTURE_ATTR, FixtureSpec(scope='forever'))\n"
            )
        }
    )
    collection = project.collect()
    [error] = collection.errors
    assert error.path == "test_a.py"
    assert error.message.startswith("fixture 'db' (test_a.py:2): unknown scope 'forever'")
    assert collection.fixtures == []


def test_params_and_ids_of_different_lengths_are_a_collection_error(project: Project) -> None:
    project.write(
        {
            "test_a.py": (
                "from rustest._spec import FIXTURE_ATTR, FixtureSpec\n"
                "def db():\n    pass\n"
                "setattr(db, FIXTURE_ATTR, FixtureSpec(params=(1, 2), ids=('a',)))\n"
            )
        }
    )
    [error] = project.collect().errors
    assert "1 ids for 2 params" in error.message


def test_objects_with_a_failing_getattr_are_not_fixtures(project: Project) -> None:
    source = (
        "class Weird:\n    def __getattr__(self, name):\n        raise RuntimeError(name)\nweird = Weird()\n"
    )
    assert fixtures_of(project, source) == {}


# -- argument names and code flags -------------------------------------------------------------


def test_argnames_skip_defaults_varargs_and_positional_only() -> None:
    def f(a: Any, /, b: Any, c: Any = 1, *args: Any, d: Any, e: Any = 2, **kwargs: Any) -> None:
        pass

    assert getfuncargnames(f) == ("b", "d")


def _by_signature(function: Any) -> tuple[str, ...]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(function).parameters.values()
    return tuple(p.name for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty)


@pytest.mark.parametrize(
    "source",
    [
        "def f(): pass",
        "def f(a, b=1, *c, d, e=2, **f): pass",
        "def f(a=1, /, b=2): pass",
        "def f(a, /, b, *, c): pass",
        "def f(*, a=1, b): pass",
        "async def f(x, y): pass",
        "def f(self, a, *args): pass",
    ],
)
def test_argnames_of_plain_functions_agree_with_inspect_signature(source: str) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    assert getfuncargnames(namespace["f"]) == _by_signature(namespace["f"])


def test_argnames_honour_an_explicit_signature() -> None:
    def f(a: Any) -> None:
        pass

    f.__signature__ = inspect.Signature([inspect.Parameter("b", inspect.Parameter.KEYWORD_ONLY)])  # type: ignore[attr-defined]
    assert getfuncargnames(f) == ("b",)


def test_argnames_skip_the_first_argument_of_a_method() -> None:
    def method(self: Any, a: Any) -> None:
        pass

    assert getfuncargnames(method, skip_first=True) == ("a",)


def test_argnames_read_through_partial() -> None:
    def f(a: Any, b: Any, c: Any) -> None:
        pass

    assert getfuncargnames(functools.partial(f, 1, c=3)) == ("b",)


def test_argnames_read_through_wrapped() -> None:
    def f(a: Any, b: Any) -> None:
        pass

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        pass

    assert getfuncargnames(wrapper) == ("a", "b")


def test_argnames_drop_arguments_supplied_by_mock_patch() -> None:
    @unittest.mock.patch("os.getcwd")
    def f(mocked: Any, fixture_arg: Any) -> None:
        pass

    assert getfuncargnames(f) == ("fixture_arg",)


def test_argnames_keep_arguments_of_a_patch_with_a_given_value() -> None:
    @unittest.mock.patch("os.sep", "/")
    def f(fixture_arg: Any) -> None:
        pass

    assert getfuncargnames(f) == ("fixture_arg",)


def test_code_flags_see_through_partial_and_bound_methods() -> None:
    class Holder:
        async def method(self, a: Any) -> None:
            pass

    assert code_flags(functools.partial(Holder().method, 1)) == (True, False)


def test_code_flags_of_a_non_function_are_both_false() -> None:
    assert code_flags(len) == (False, False)
