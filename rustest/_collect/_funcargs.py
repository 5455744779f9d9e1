"""What a function asks for and what kind of function it is, decided once per definition."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import FunctionType
from typing import Any

__all__ = ["code_flags", "getfuncargnames"]

_CO_GENERATOR = inspect.CO_GENERATOR
_CO_COROUTINE = inspect.CO_COROUTINE
_CO_ASYNC_GENERATOR = inspect.CO_ASYNC_GENERATOR


def getfuncargnames(function: Callable[..., Any], *, skip_first: bool = False) -> tuple[str, ...]:
    """Return the names of the arguments *function* needs filled in, as pytest does.

    These are the positional-or-keyword and keyword-only parameters without a
    default, read through ``functools.partial`` and ``__wrapped__``. With
    *skip_first* the first one (``self`` of a method) is dropped. Arguments
    that ``unittest.mock.patch`` decorators supply are dropped too. Raises
    ``TypeError`` or ``ValueError`` when there is no signature to read.
    """
    names = _plain_function_argnames(function)
    if names is None:
        parameters = inspect.signature(function).parameters.values()
        names = tuple(
            parameter.name
            for parameter in parameters
            if parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
            and parameter.default is inspect.Parameter.empty
        )
    if skip_first:
        names = names[1:]
    if hasattr(function, "__wrapped__"):
        names = names[_mock_patch_argument_count(function) :]
    return names


def _plain_function_argnames(function: Callable[..., Any]) -> tuple[str, ...] | None:
    """Read the argument names of a plain function from its code object; ``None`` for anything else.

    Gives what ``inspect.signature`` gives, several times faster: collection
    reads the arguments of every test and fixture once.
    """
    if (
        type(function) is not FunctionType
        or hasattr(function, "__wrapped__")
        or "__signature__" in vars(function)
    ):
        return None
    code = function.__code__
    positional = code.co_varnames[: code.co_argcount]
    without_default = positional[: len(positional) - len(function.__defaults__ or ())]
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    keyword_defaults = function.__kwdefaults__ or {}
    return without_default[code.co_posonlyargcount :] + tuple(
        name for name in keyword_only if name not in keyword_defaults
    )


def _mock_patch_argument_count(function: Callable[..., Any]) -> int:
    """Count the ``mock.patch`` decorators that pass their mock as a positional argument."""
    patchings = getattr(function, "patchings", None)
    if not patchings:
        return 0
    modules = [sys.modules[name] for name in ("mock", "unittest.mock") if name in sys.modules]
    sentinels = [module.DEFAULT for module in modules if hasattr(module, "DEFAULT")]
    return sum(
        1
        for patching in patchings
        if not patching.attribute_name and any(patching.new is sentinel for sentinel in sentinels)
    )


def code_flags(function: object) -> tuple[bool, bool]:
    """Return ``(is_async, is_generator)`` from the code flags of *function*.

    Coroutine and async-generator functions are async; generator and
    async-generator functions are generators. Partials and bound methods are
    seen through; anything without a code object is neither.
    """
    if type(function) is FunctionType:
        plain_flags = function.__code__.co_flags
        return bool(plain_flags & (_CO_COROUTINE | _CO_ASYNC_GENERATOR)), bool(
            plain_flags & (_CO_GENERATOR | _CO_ASYNC_GENERATOR)
        )
    while True:
        if isinstance(function, functools.partial):
            function = function.func
        elif inspect.ismethod(function):
            function = function.__func__
        else:
            break
    code = getattr(function, "__code__", None)
    flags: int = getattr(code, "co_flags", 0)
    is_async = bool(flags & (_CO_COROUTINE | _CO_ASYNC_GENERATOR))
    is_generator = bool(flags & (_CO_GENERATOR | _CO_ASYNC_GENERATOR))
    return is_async, is_generator
