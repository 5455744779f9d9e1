"""What the marks on a test mean: skip, xfail, fixtures to use, loop scope and backends."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import CodeType, SimpleNamespace
from typing import Any

from rustest._config import Config
from rustest._definitions import XFail
from rustest._errors import DefinitionError
from rustest._scope import Scope
from rustest._spec import MARKS_ATTR, Mark, get_marks

__all__ = [
    "ANYIO_MARK",
    "BUILTIN_MARKS",
    "MarkError",
    "PlacedMark",
    "Traits",
    "class_marks",
    "interpret",
    "place",
]

ANYIO_MARK = "anyio"
LOOP_MARKS = ("asyncio", "trio", ANYIO_MARK)
"""Marks that may carry ``loop_scope=``; ``asyncio`` and ``trio`` also pin the backend."""

BUILTIN_MARKS = frozenset(
    {"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "timeout", *LOOP_MARKS}
)
"""Marks rustest knows; any other must be registered in ``markers`` under ``strict_markers``."""


class MarkError(DefinitionError):
    """A mark on a test cannot be applied (a failing condition, a wrong argument)."""


@dataclass(frozen=True, slots=True)
class PlacedMark:
    """A mark with where it sits: ``source`` is ``"decorator"``, ``"class"`` or ``"module"``."""

    mark: Mark
    source: str


def place(marks: Sequence[Mark], source: str) -> list[PlacedMark]:
    """Tag each of *marks* with its *source*."""
    return [PlacedMark(mark, source) for mark in marks]


def class_marks(cls: type) -> list[Mark]:
    """Return the marks of *cls* and of its base classes, each mark object once, own marks first."""
    marks: list[Mark] = []
    seen: set[int] = set()
    for klass in cls.__mro__:
        # Read each class's own list: through getattr a subclass would repeat its base's marks.
        for mark in get_marks(SimpleNamespace(**{MARKS_ATTR: vars(klass).get(MARKS_ATTR)})):
            if id(mark) not in seen:
                seen.add(id(mark))
                marks.append(mark)
    return marks


@dataclass(frozen=True, slots=True)
class Traits:
    """What the marks decide for one test.

    ``backends`` holds one backend, or several when the test runs once per
    backend; ``backend_suffix`` says whether ids carry the backend name.
    """

    skip: str | None
    xfail: XFail | None
    usefixtures: tuple[str, ...]
    loop_scope: Scope | None
    loop_scope_source: str
    backends: tuple[str, ...]
    backend_suffix: bool


def interpret(
    placed: Sequence[PlacedMark], *, is_async: bool, config: Config, namespace: Mapping[str, Any]
) -> Traits:
    """Read *placed* (closest first: function, parametrization, classes, module) for one test.

    *namespace* holds the globals string conditions are evaluated in. Raises
    ``MarkError`` when a condition fails to evaluate or a mark is misused.
    """
    marks = [item.mark for item in placed]
    loop_scope, loop_scope_source = _loop_scope(placed, is_async=is_async, config=config)
    backends, backend_suffix = _backends(marks, is_async=is_async, config=config)
    return Traits(
        skip=_skip(marks, config, namespace),
        xfail=_xfail(marks, config, namespace),
        usefixtures=_usefixtures(marks),
        loop_scope=loop_scope,
        loop_scope_source=loop_scope_source,
        backends=backends,
        backend_suffix=backend_suffix,
    )


def _usefixtures(marks: Sequence[Mark]) -> tuple[str, ...]:
    names = (name for mark in marks if mark.name == "usefixtures" for name in mark.args)
    return tuple(dict.fromkeys(names))


def _conditions(mark: Mark) -> tuple[object, ...]:
    return (mark.kwargs["condition"],) if "condition" in mark.kwargs else mark.args


def _skip(marks: Sequence[Mark], config: Config, namespace: Mapping[str, Any]) -> str | None:
    for mark in marks:
        if mark.name != "skipif":
            continue
        conditions = _conditions(mark)
        if not conditions:
            return str(mark.kwargs.get("reason", ""))
        for condition in conditions:
            result, reason = _evaluate(mark, condition, config, namespace)
            if result:
                return reason
    for mark in marks:
        if mark.name == "skip":
            unexpected = set(mark.kwargs) - {"reason"}
            if len(mark.args) > 1 or unexpected or (mark.args and "reason" in mark.kwargs):
                raise MarkError("mark.skip takes only a reason; maybe you meant mark.skipif?")
            return str(mark.kwargs.get("reason", mark.args[0] if mark.args else "unconditional skip"))
    return None


def _xfail(marks: Sequence[Mark], config: Config, namespace: Mapping[str, Any]) -> XFail | None:
    for mark in marks:
        if mark.name != "xfail":
            continue
        conditions = _conditions(mark)
        if not conditions:
            return _xfail_from(mark, str(mark.kwargs.get("reason", "")), config)
        for condition in conditions:
            result, reason = _evaluate(mark, condition, config, namespace)
            if result:
                return _xfail_from(mark, reason, config)
    return None


def _xfail_from(mark: Mark, reason: str, config: Config) -> XFail:
    raises = mark.kwargs.get("raises")
    if raises is not None:
        raises = raises if isinstance(raises, tuple) else (raises,)
        if not all(isinstance(kind, type) and issubclass(kind, BaseException) for kind in raises):
            raise MarkError(f"mark.xfail(raises=...) takes exception classes, got {mark.kwargs['raises']!r}")
    return XFail(
        reason=reason,
        raises=raises,
        strict=bool(mark.kwargs.get("strict", config.xfail_strict)),
        run=bool(mark.kwargs.get("run", True)),
    )


@functools.lru_cache(maxsize=256)
def _compile_condition(condition: str) -> CodeType:
    return compile(condition, f"<{condition}>", "eval")


def _evaluate(
    mark: Mark, condition: object, config: Config, namespace: Mapping[str, Any]
) -> tuple[bool, str]:
    """Evaluate one skipif/xfail condition as pytest does; return (result, reason)."""
    reason = mark.kwargs.get("reason")
    if isinstance(condition, str):
        # Imported on first use: few suites give conditions as strings.
        import platform

        scope = {"os": os, "sys": sys, "platform": platform, "config": config, **namespace}
        try:
            result = eval(_compile_condition(condition), scope)
        except Exception as exc:
            raise MarkError(
                f"error evaluating {mark.name!r} condition\n    {condition}\n{type(exc).__name__}: {exc}"
            ) from None
        return bool(result), str(reason) if reason else f"condition: {condition}"
    try:
        result = bool(condition)
    except Exception as exc:
        raise MarkError(
            f"error evaluating {mark.name!r} condition as a boolean\n{type(exc).__name__}: {exc}"
        ) from None
    if reason is None:
        raise MarkError(
            f"error evaluating {mark.name!r}: you need to give reason=STRING when the condition is a bool"
        )
    return result, str(reason)


def _loop_scope(placed: Sequence[PlacedMark], *, is_async: bool, config: Config) -> tuple[Scope | None, str]:
    """The closest ``loop_scope=`` of a loop mark, else the configured default; only async tests have one."""
    if not is_async:
        return None, ""
    for item in placed:
        value = item.mark.kwargs.get("loop_scope") if item.mark.name in LOOP_MARKS else None
        if value is not None:
            try:
                return Scope.parse(value), item.source
            except ValueError as exc:
                raise MarkError(f"mark.{item.mark.name}(loop_scope=...): {exc}") from None
    if config.default_loop_scope is not None:
        return config.default_loop_scope, "config"
    return None, ""


def _backends(marks: Sequence[Mark], *, is_async: bool, config: Config) -> tuple[tuple[str, ...], bool]:
    """Return the backends of a test and whether its ids name them.

    The closest ``asyncio`` / ``trio`` mark pins one backend. Otherwise an
    async test marked ``anyio``, or any async test when several backends are
    configured, runs once per configured backend.
    """
    for mark in marks:
        if mark.name in ("asyncio", "trio"):
            return (mark.name,), False
    if is_async:
        if any(mark.name == ANYIO_MARK for mark in marks):
            return config.backends, True
        if len(config.backends) > 1:
            return config.backends, True
    return (config.default_backend,), False
