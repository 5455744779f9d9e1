"""The ``request`` object handed to fixtures and tests that ask for ``request``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rustest._definitions import TestDef
from rustest._spec import Mark

__all__ = ["FixtureLookupError", "FixtureRequest", "ItemNode"]

_NO_PARAM = object()


class FixtureLookupError(LookupError):
    """``request.getfixturevalue()`` asked for a fixture that is not available to this test."""


class ItemNode:
    """The test id a request belongs to, with pytest's node helpers for marks."""

    def __init__(self, nodeid: str, test: TestDef) -> None:
        self.nodeid = nodeid
        self.name = nodeid.rsplit("::", 1)[-1]
        self.own_markers: list[Mark] = list(test.marks)
        self.keywords: dict[str, object] = {self.name: True, **{m.name: m for m in test.marks}}

    def iter_markers(self, name: str | None = None) -> Iterator[Mark]:
        """Iterate over the marks that apply, closest first, optionally only those called *name*."""
        for mark in self.own_markers:
            if name is None or mark.name == name:
                yield mark

    def get_closest_marker(self, name: str, default: Mark | None = None) -> Mark | None:
        """Return the closest mark called *name*, or *default*."""
        return next(self.iter_markers(name), default)

    def add_marker(self, marker: Any) -> None:
        """Apply a mark (a ``Mark``, a ``MarkDecorator`` or a name) to this test id."""
        mark = marker if isinstance(marker, Mark) else getattr(marker, "mark", None)
        if mark is None:
            mark = Mark(str(marker))
        self.own_markers.insert(0, mark)
        self.keywords[mark.name] = mark


class FixtureRequest:
    """What a fixture (or test) learns about the test id it is set up for.

    ``param`` is the current param of a parametrized fixture; ``addfinalizer``
    registers a callable run when this fixture instance (or, for a test, the
    test) is torn down; ``getfixturevalue`` returns the value of another
    fixture of the same test.
    """

    def __init__(
        self,
        *,
        fixturename: str | None,
        scope: str,
        node: ItemNode,
        test: TestDef,
        instance: object,
        config: object,
        lookup: Callable[[str], object],
        finalizers: list[Callable[[], object]],
        param: object = _NO_PARAM,
        param_index: int = 0,
    ) -> None:
        self.fixturename = fixturename
        self.scope = scope
        self.node = node
        self.config = config
        self.instance = instance
        self._test = test
        self._lookup = lookup
        self._finalizers = finalizers
        self._param = param
        self.param_index = param_index

    @property
    def param(self) -> object:
        """The param of a parametrized fixture; ``AttributeError`` for a fixture without params."""
        if self._param is _NO_PARAM:
            raise AttributeError(
                f"'request.param' is only set for parametrized fixtures; "
                f"{self.fixturename or 'this test'} has no params"
            )
        return self._param

    @property
    def function(self) -> Callable[..., Any] | None:
        """The test function."""
        return self._test.func

    @property
    def cls(self) -> type | None:
        """The test class, or ``None`` for a module-level test."""
        return self._test.cls

    @property
    def module(self) -> Any:
        """The module that defines the test function."""
        import sys

        func = self._test.func
        return sys.modules.get(getattr(func, "__module__", "") or "")

    @property
    def keywords(self) -> dict[str, object]:
        """The test's keywords (its name and marks)."""
        return self.node.keywords

    def addfinalizer(self, finalizer: Callable[[], object]) -> None:
        """Call *finalizer* when this fixture instance (or test) is torn down, last added first."""
        self._finalizers.append(finalizer)

    def applymarker(self, marker: Any) -> None:
        """Apply a mark to the test id, like ``request.node.add_marker``."""
        self.node.add_marker(marker)

    def getfixturevalue(self, name: str) -> object:
        """Return the value of fixture *name* for this test id."""
        return self._lookup(name)

    def __repr__(self) -> str:
        return f"<FixtureRequest for {self.node.nodeid!r} fixture={self.fixturename!r}>"
