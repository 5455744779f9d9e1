"""``@fixture``: declare a fixture by attaching a ``FixtureSpec`` to the function itself.

The function is returned unchanged, so it stays a plain, coroutine,
generator or async-generator function and collection reads what it is from
its code flags. Arguments are checked when the decorator runs; an error
names the fixture and where it is defined.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from rustest._errors import DefinitionError
from rustest._marks import listed_ids, source_location
from rustest._parametrize import parameter_set_ids
from rustest._scope import Scope
from rustest._spec import FIXTURE_ATTR, FixtureSpec, ParameterSet, get_marks

__all__ = ["fixture"]

FixtureFunction = TypeVar("FixtureFunction", bound=Callable[..., object])
IdsArgument = Iterable[object] | Callable[[Any], object] | None


@overload
def fixture(
    fixture_function: FixtureFunction,
    /,
    *,
    scope: str = ...,
    params: Iterable[object] | None = ...,
    autouse: bool = ...,
    ids: IdsArgument = ...,
    name: str | None = ...,
    loop_scope: str | None = ...,
    backend: str | None = ...,
) -> FixtureFunction: ...


@overload
def fixture(
    fixture_function: None = ...,
    /,
    *,
    scope: str = ...,
    params: Iterable[object] | None = ...,
    autouse: bool = ...,
    ids: IdsArgument = ...,
    name: str | None = ...,
    loop_scope: str | None = ...,
    backend: str | None = ...,
) -> Callable[[FixtureFunction], FixtureFunction]: ...


def fixture(
    fixture_function: FixtureFunction | None = None,
    /,
    *,
    scope: str = "function",
    params: Iterable[object] | None = None,
    autouse: bool = False,
    ids: IdsArgument = None,
    name: str | None = None,
    loop_scope: str | None = None,
    backend: str | None = None,
) -> FixtureFunction | Callable[[FixtureFunction], FixtureFunction]:
    """Declare a fixture; use as ``@fixture`` or ``@fixture(scope=..., ...)``.

    *scope* is ``"function"`` (default), ``"class"``, ``"module"``,
    ``"package"`` or ``"session"``: one value is made per instance of that
    scope. *params* makes one fixture value per entry (read it as
    ``request.param``; entries may be ``param(value, id=...)``), and every
    test using the fixture runs once per value; *ids* names them like
    ``parametrize`` ids (a list, or a callable applied to each value).
    *autouse* applies the fixture to every test that can see it. *name*
    registers it under another name than the function's. *loop_scope* sets
    an async fixture's event-loop scope explicitly (by default rustest
    derives it); *backend* pins an async fixture to one backend
    (``"asyncio"``, ``"trio"``).
    """
    if fixture_function is not None and not callable(fixture_function):
        raise TypeError(
            f"fixture() takes the function to decorate as its only positional argument, got "
            f"{fixture_function!r}; pass scope and the other options as keywords: @fixture(scope='module')"
        )

    def decorate(function: FixtureFunction) -> FixtureFunction:
        spec = _spec_for(
            function,
            scope=scope,
            params=params,
            autouse=autouse,
            ids=ids,
            name=name,
            loop_scope=loop_scope,
            backend=backend,
        )
        setattr(function, FIXTURE_ATTR, spec)
        return function

    if fixture_function is not None:
        return decorate(fixture_function)
    return decorate


def _spec_for(
    function: Callable[..., object],
    *,
    scope: str,
    params: Iterable[object] | None,
    autouse: bool,
    ids: IdsArgument,
    name: str | None,
    loop_scope: str | None,
    backend: str | None,
) -> FixtureSpec:
    fixture_name = name if name is not None else getattr(function, "__name__", repr(function))
    context = f"fixture {fixture_name!r} ({source_location(function)})"

    def problem(text: str) -> DefinitionError:
        return DefinitionError(f"{context}: {text}")

    if inspect.isclass(function):
        raise problem("a class cannot be a fixture; decorate a function that returns an instance")
    if getattr(function, FIXTURE_ATTR, None) is not None:
        raise problem("@fixture is applied more than once to the same function")
    if get_marks(function):
        raise problem("marks have no effect on fixtures; mark the tests that use the fixture instead")
    if not isinstance(fixture_name, str) or not fixture_name:
        raise problem(f"name must be a non-empty string, got {name!r}")
    if fixture_name == "request":
        raise problem("'request' is reserved for the built-in request fixture; choose another name")
    if backend is not None and (not isinstance(backend, str) or not backend):
        raise problem(f"backend must be a backend name such as 'asyncio' or 'trio', got {backend!r}")
    values, value_ids = _params_and_ids(fixture_name, params, ids, context, problem)
    return FixtureSpec(
        scope=_scope_label("scope", scope, problem),
        params=values,
        ids=value_ids,
        autouse=bool(autouse),
        name=name,
        loop_scope=None if loop_scope is None else _scope_label("loop_scope", loop_scope, problem),
        backend=backend,
    )


def _scope_label(option: str, value: object, problem: Callable[[str], DefinitionError]) -> str:
    if not isinstance(value, str):
        raise problem(f"{option} must be a scope name, got {value!r}")
    try:
        return Scope.parse(value).label
    except ValueError as exc:
        raise problem(f"{option}: {exc}") from None


def _params_and_ids(
    fixture_name: str,
    params: Iterable[object] | None,
    ids: IdsArgument,
    context: str,
    problem: Callable[[str], DefinitionError],
) -> tuple[tuple[object, ...] | None, tuple[str, ...] | None]:
    if params is None:
        if ids is not None:
            raise problem("ids are given but params are not; ids name the params")
        return None, None
    parameter_sets: list[ParameterSet] = []
    for entry in params:
        if not isinstance(entry, ParameterSet):
            parameter_sets.append(ParameterSet(values=(entry,)))
            continue
        if len(entry.values) != 1:
            raise problem(f"each param is one value, got param{entry.values!r}")
        if entry.marks:
            raise problem(
                "param(..., marks=...) is not supported in fixture params; "
                "mark the tests, or parametrize them with indirect=True"
            )
        parameter_sets.append(entry)
    listed = listed_ids(ids, len(parameter_sets), context)
    value_ids = parameter_set_ids([fixture_name], parameter_sets, listed, context)
    return tuple(entry.values[0] for entry in parameter_sets), tuple(value_ids)
