"""Turning a built-in fixture function into the ``FixtureDef`` that collection hands to the planner."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rustest._collect._funcargs import code_flags, getfuncargnames
from rustest._definitions import BUILTIN, FixtureDef
from rustest._scope import Scope

__all__ = ["builtin"]

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent


def _target(function: Callable[..., Any]) -> Any:
    return function.func if isinstance(function, functools.partial) else function


def _location(function: Callable[..., Any]) -> str:
    code = _target(function).__code__
    path = Path(code.co_filename).resolve()
    try:
        shown = path.relative_to(_PACKAGE_PARENT).as_posix()
    except ValueError:
        shown = path.as_posix()
    return f"{shown}:{code.co_firstlineno}"


def builtin(
    function: Callable[..., Any], scope: Scope = Scope.FUNCTION, name: str | None = None
) -> FixtureDef:
    """Return the built-in fixture that *function* defines, named after it unless *name* is given.

    Its requests, and whether it is a generator, are read from the function
    once, the same way collection reads user fixtures. A ``functools.partial``
    is named after the function it wraps; the arguments it binds are not
    requests.
    """
    is_async, is_generator = code_flags(function)
    return FixtureDef(
        name=name or _target(function).__name__,
        func=function,
        scope=scope,
        requests=getfuncargnames(function),
        is_async=is_async,
        is_generator=is_generator,
        node=BUILTIN,
        location=_location(function),
    )
