"""What the authoring decorators attach to user functions, and what collection reads.

``@fixture`` sets ``FIXTURE_ATTR`` on the function to a ``FixtureSpec``;
marks (including ``parametrize``) are appended to the ``pytestmark`` list of
the function or class, as pytest does, so suites written for either read
the same way. A module may set ``pytestmark`` to one mark or a list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIXTURE_ATTR", "MARKS_ATTR", "FixtureSpec", "Mark", "ParameterSet", "get_marks"]

FIXTURE_ATTR = "__rustest_fixture__"
"""Attribute holding the ``FixtureSpec`` of a fixture function."""

MARKS_ATTR = "pytestmark"
"""Attribute holding the list of marks of a function, class or module."""


@dataclass(frozen=True, slots=True)
class FixtureSpec:
    """The arguments of ``@fixture``: ``scope`` is a scope name, ``ids`` are final strings."""

    scope: str = "function"
    params: tuple[object, ...] | None = None
    ids: tuple[str, ...] | None = None
    autouse: bool = False
    name: str | None = None
    loop_scope: str | None = None
    backend: str | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """A mark applied to a test, class or module: ``mark.slow``, ``mark.xfail(reason=...)``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """One set of parametrize values, with an optional id and marks (``param(1, 2, id="x")``)."""

    values: tuple[object, ...]
    marks: tuple[Mark, ...] = ()
    id: str | None = None


def get_marks(obj: object) -> list[Mark]:
    """Return the marks on *obj* (function, class or module), innermost decorator first."""
    raw: object = getattr(obj, MARKS_ATTR, None)
    if raw is None:
        return []
    items: Sequence[object] = raw if isinstance(raw, (list, tuple)) else [raw]
    marks: list[Mark] = []
    for item in items:
        mark = getattr(item, "mark", item)  # a MarkDecorator carries its Mark as ``.mark``
        if isinstance(mark, Mark):
            marks.append(mark)
    return marks


FixtureFunction = Callable[..., Any]
