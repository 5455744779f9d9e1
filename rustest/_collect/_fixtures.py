"""Fixture definitions from the ``@fixture`` functions found on a module, conftest or class."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rustest._collect._funcargs import code_flags, getfuncargnames
from rustest._collect._nodeids import relpath
from rustest._definitions import FixtureDef
from rustest._errors import DefinitionError
from rustest._scope import Scope
from rustest._spec import FIXTURE_ATTR, FixtureSpec

__all__ = ["fixture_defs", "fixture_spec", "location"]


def fixture_spec(obj: object) -> FixtureSpec | None:
    """Return the ``FixtureSpec`` that ``@fixture`` attached to *obj*, seeing through static/class methods."""
    target = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    try:
        spec = getattr(target, FIXTURE_ATTR, None)
    except Exception:  # objects with a failing __getattr__ are simply not fixtures
        return None
    return spec if isinstance(spec, FixtureSpec) else None


def location(function: Callable[..., Any], rootdir: Path) -> str:
    """Return ``"relpath:lineno"`` of the definition of *function* (through decorators), or ``""``."""
    try:
        code = inspect.unwrap(function).__code__
    except (AttributeError, ValueError):
        return ""
    return f"{_relative_file(code.co_filename, rootdir)}:{code.co_firstlineno}"


@functools.lru_cache(maxsize=1024)
def _relative_file(filename: str, rootdir: Path) -> str:
    # Every function of a module shares its file: work out the relative path once.
    return relpath(filename, rootdir)


def fixture_defs(
    members: Iterable[tuple[str, object]], node: int, rootdir: Path, owner: type | None = None
) -> tuple[list[FixtureDef], list[str]]:
    """Return the fixtures among *members* (attribute name, value) and the errors of malformed ones.

    *owner* is the class when the members are a test class's: plain functions
    there become method fixtures (``is_method``, ``self`` not requested);
    static methods stay plain functions and class methods are bound to *owner*.
    """
    fixtures: list[FixtureDef] = []
    errors: list[str] = []
    for attribute, obj in members:
        spec = fixture_spec(obj)
        if spec is None:
            continue
        try:
            fixtures.append(_fixture_def(attribute, obj, spec, node, rootdir, owner))
        except DefinitionError as exc:
            errors.append(str(exc))
    return fixtures, errors


def _fixture_def(
    attribute: str, obj: object, spec: FixtureSpec, node: int, rootdir: Path, owner: type | None
) -> FixtureDef:
    is_method = owner is not None and inspect.isfunction(obj)
    if isinstance(obj, staticmethod):
        function: Callable[..., Any] = obj.__func__
    elif isinstance(obj, classmethod) and owner is not None:
        function = obj.__get__(None, owner)
    elif callable(obj):
        function = obj
    else:
        raise DefinitionError(f"fixture {attribute!r}: {obj!r} is not callable")
    name = spec.name or attribute
    where = location(function, rootdir)
    try:
        requests = getfuncargnames(function, skip_first=is_method)
        scope = Scope.parse(spec.scope)
        loop_scope = None if spec.loop_scope is None else Scope.parse(spec.loop_scope)
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"fixture {name!r} ({where or 'unknown location'}): {exc}") from None
    is_async, is_generator = code_flags(function)
    try:
        return FixtureDef(
            name=name,
            func=function,
            scope=scope,
            requests=requests,
            is_async=is_async,
            is_generator=is_generator,
            autouse=spec.autouse,
            params=spec.params,
            ids=spec.ids,
            node=node,
            loop_scope=loop_scope,
            backend=spec.backend,
            is_method=is_method,
            location=where,
        )
    except ValueError as exc:  # FixtureDef's own checks already name the fixture and its location
        raise DefinitionError(str(exc)) from None
