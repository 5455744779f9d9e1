"""Behaviour of ``@fixture``: the spec it attaches, the function it returns, and its eager checks."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from rustest._errors import DefinitionError
from rustest._fixture_api import fixture
from rustest._marks import mark
from rustest._parametrize import param
from rustest._spec import FIXTURE_ATTR, FixtureSpec


def _spec(function: object) -> FixtureSpec:
    spec = getattr(function, FIXTURE_ATTR)
    assert isinstance(spec, FixtureSpec)
    return spec


def test_a_bare_fixture_returns_the_function_with_a_default_spec() -> None:
    def database() -> int:
        return 1

    assert fixture(database) is database
    assert _spec(database) == FixtureSpec()


def test_fixture_options_are_recorded_in_the_spec() -> None:
    @fixture(scope="session", autouse=True, name="db", loop_scope="module", backend="trio")
    def _database() -> int:
        return 1

    assert _spec(_database) == FixtureSpec(
        scope="session", autouse=True, name="db", loop_scope="module", backend="trio"
    )


def test_scope_names_are_stored_as_lower_case_labels() -> None:
    @fixture(scope="Module")
    def shared() -> int:
        return 1

    assert _spec(shared).scope == "module"


def test_async_and_generator_fixtures_stay_what_they_are() -> None:
    @fixture
    async def client() -> int:
        return 1

    @fixture
    def resource() -> Iterator[int]:
        yield 1

    @fixture
    async def stream() -> AsyncIterator[int]:
        yield 1

    assert inspect.iscoroutinefunction(client)
    assert inspect.isgeneratorfunction(resource)
    assert inspect.isasyncgenfunction(stream)


def test_a_fixture_defined_in_a_class_stays_a_plain_method() -> None:
    class Suite:
        @fixture(scope="class")
        def helper(self) -> int:
            return 2

    assert Suite().helper() == 2
    assert _spec(Suite.helper).scope == "class"


def test_params_get_ids_made_like_pytest_parametrize_ids() -> None:
    @fixture(params=[1, "pg", object(), 1, None])
    def backend(request: Any) -> object:
        return request.param

    spec = _spec(backend)
    assert spec.params is not None
    assert len(spec.params) == 5
    assert spec.ids == ("1_0", "pg", "backend2", "1_1", "None")


def test_param_ids_use_the_registered_name() -> None:
    @fixture(params=[object()], name="db")
    def _database(request: Any) -> object:
        return request.param

    assert _spec(_database).ids == ("db0",)


def test_an_ids_list_names_the_params() -> None:
    @fixture(params=["postgres", "sqlite"], ids=["pg", None])
    def engine(request: Any) -> object:
        return request.param

    assert _spec(engine).ids == ("pg", "sqlite")


def test_an_ids_callable_names_each_param() -> None:
    @fixture(params=[1, 2], ids=lambda value: f"n{value}")
    def number(request: Any) -> object:
        return request.param

    assert _spec(number).ids == ("n1", "n2")


def test_param_entries_give_their_value_and_id() -> None:
    @fixture(params=[param("x", id="ex"), "y"])
    def letter(request: Any) -> object:
        return request.param

    spec = _spec(letter)
    assert (spec.params, spec.ids) == (("x", "y"), ("ex", "y"))


def test_params_may_be_any_iterable_and_are_stored_as_a_tuple() -> None:
    @fixture(params=range(2))
    def index(request: Any) -> object:
        return request.param

    assert _spec(index).params == (0, 1)


def test_empty_params_are_kept_empty() -> None:
    @fixture(params=[])
    def nothing(request: Any) -> object:
        return request.param

    assert (_spec(nothing).params, _spec(nothing).ids) == ((), ())


def test_an_unknown_scope_names_the_fixture_and_where_it_is() -> None:
    def database() -> int:
        return 1

    line = database.__code__.co_firstlineno
    with pytest.raises(DefinitionError) as info:
        fixture(scope="sesion")(database)
    message = str(info.value)
    assert message.startswith(f"fixture 'database' ({__file__}:{line}): scope: unknown scope 'sesion'")
    assert "'session'" in message
    assert not hasattr(database, FIXTURE_ATTR)


def test_an_unknown_loop_scope_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="loop_scope: unknown scope 'forever'"):

        @fixture(loop_scope="forever")
        async def client() -> int:
            return 1


def test_ids_of_the_wrong_length_name_the_fixture() -> None:
    with pytest.raises(DefinitionError, match=r"fixture 'engine' \(.*\): 2 parameter sets but 1 ids"):

        @fixture(params=["pg", "sqlite"], ids=["pg"])
        def engine(request: Any) -> object:
            return request.param


def test_ids_without_params_are_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="ids are given but params are not"):

        @fixture(ids=["a"])
        def engine() -> int:
            return 1


def test_a_param_with_several_values_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"each param is one value, got param\(1, 2\)"):

        @fixture(params=[param(1, 2)])
        def pair(request: Any) -> object:
            return request.param


def test_marks_on_fixture_params_are_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="not supported in fixture params"):

        @fixture(params=[param(1, marks=mark.slow)])
        def number(request: Any) -> object:
            return request.param


def test_applying_fixture_twice_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="applied more than once"):

        @fixture
        @fixture
        def twice() -> int:
            return 1


def test_a_class_cannot_be_a_fixture() -> None:
    with pytest.raises(DefinitionError, match="a class cannot be a fixture"):

        @fixture
        class Resource:
            pass


def test_a_fixture_cannot_be_named_request() -> None:
    with pytest.raises(DefinitionError, match="'request' is reserved"):

        @fixture(name="request")
        def _request() -> int:
            return 1


def test_a_marked_function_cannot_become_a_fixture() -> None:
    with pytest.raises(DefinitionError, match="marks have no effect on fixtures"):

        @fixture
        @mark.slow
        def slow_resource() -> int:
            return 1


def test_an_empty_backend_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="backend must be a backend name"):

        @fixture(backend="")
        async def client() -> int:
            return 1


def test_a_positional_option_is_rejected_with_a_hint() -> None:
    with pytest.raises(TypeError, match="pass scope and the other options as keywords"):
        fixture("module")  # type: ignore[call-overload]
