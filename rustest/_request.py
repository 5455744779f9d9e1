"""The ``request`` object handed to fixtures and tests that ask for ``request``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rustest._definitions import TestDef
from rustest._spec import Mark

__all__ = ["CallSpec", "FixtureLookupError", "FixtureRequest", "ItemNode", "fixture_lookup_error"]

_NO_PARAM = object()


class FixtureLookupError(LookupError):
    """``request.getfixturevalue()`` asked for a fixture that is not available to this test."""


def _who(nodeid: str, requester: str | None) -> str:
    return f"fixture {requester!r} of {nodeid}" if requester else nodeid


def _test_function_name(nodeid: str) -> str:
    return nodeid.rsplit("::", 1)[-1].split("[", 1)[0]


def fixture_lookup_error(
    name: str,
    nodeid: str,
    *,
    requester: str | None,
    planned: Sequence[str],
    set_up: bool,
) -> FixtureLookupError:
    """Return the error for ``request.getfixturevalue(name)`` that cannot be answered, with its fixes.

    *requester* is the fixture that called it (``None`` for the test itself),
    *planned* the fixture names planned for the test id, and *set_up* whether
    *name* is among them but not set up yet (it is set up later than the
    requester).
    """
    where = f"request.getfixturevalue({name!r}) in {_who(nodeid, requester)}"
    if set_up:
        return FixtureLookupError(
            f"{where}: fixture {name!r} is planned for this test but is set up after "
            f"{requester or 'this point'}, so it has no value yet.\n"
            f"Fix: request {name!r} as an argument of {requester or 'the test'} "
            f"(def {requester or _test_function_name(nodeid)}({name}, ...)), "
            f"so that rustest sets it up first."
        )
    lines = [
        f"{where}: fixture {name!r} is not among the fixtures planned for this test.",
        "rustest plans every test's fixtures before anything runs, so getfixturevalue() can only return "
        "a fixture that the test already uses, directly or through another fixture.",
        "Fix it in one of these ways:",
        f"  - take it as an argument:  def {_test_function_name(nodeid)}({name}, ...)",
        f'  - mark the test:  @mark.usefixtures("{name}")',
    ]
    if requester:
        lines.append(f"  - request it in the fixture that needs it:  def {requester}({name}, ...)")
    import difflib  # only an unknown fixture name pays for it

    close = difflib.get_close_matches(name, planned, n=3)
    if close:
        lines.append("Did you mean " + " or ".join(repr(c) for c in close) + "?")
    if planned:
        lines.append("Fixtures planned for this test: " + ", ".join(sorted(set(planned))))
    return FixtureLookupError("\n".join(lines))


class CallSpec:
    """The parametrization of one test id, as ``request.node.callspec``.

    ``params`` maps each argument of ``parametrize`` (direct or
    ``indirect``) to its value for this test id; ``id`` is the text between
    the brackets of the test id.
    """

    def __init__(self, params: dict[str, object], id: str) -> None:
        self.params = params
        self.id = id

    def getparam(self, name: str) -> object:
        """Return the value of parametrized argument *name*; ``ValueError`` if it has none."""
        try:
            return self.params[name]
        except KeyError:
            raise ValueError(name) from None

    def __repr__(self) -> str:
        return f"CallSpec(id={self.id!r}, params={self.params!r})"


def _module_of(test: TestDef) -> ModuleType | None:
    return sys.modules.get(getattr(test.func, "__module__", "") or "")


class ItemNode:
    """The test id a request belongs to, with pytest's node helpers for marks.

    Besides ``nodeid`` and ``name`` it offers what pytest's ``Function`` item
    offers test code: ``originalname``, ``path``, ``location``, ``function``,
    ``cls``, ``module``, ``callspec`` (parametrized tests only), ``config``,
    ``keywords``, ``user_properties`` and the marker helpers.
    """

    def __init__(self, nodeid: str, test: TestDef, *, config: object = None) -> None:
        self.nodeid = nodeid
        self.name = nodeid.rsplit("::", 1)[-1]
        self.originalname = self.name.split("[", 1)[0]
        self.config = config
        self.own_markers: list[Mark] = list(test.marks)
        self.keywords: dict[str, object] = {self.name: True, **{m.name: m for m in test.marks}}
        self.user_properties: list[tuple[str, object]] = []
        """``(name, value)`` pairs for the test's report; ``record_property`` appends to it."""
        self._test = test

    @property
    def function(self) -> Callable[..., Any] | None:
        """The test function."""
        return self._test.func

    @property
    def obj(self) -> Callable[..., Any] | None:
        """The test function (pytest's name for the object a node wraps)."""
        return self._test.func

    @property
    def cls(self) -> type | None:
        """The test class, or ``None`` for a module-level test."""
        return self._test.cls

    @property
    def module(self) -> ModuleType | None:
        """The module that defines the test function."""
        return _module_of(self._test)

    @property
    def path(self) -> Path:
        """The file that defines the test."""
        module_file = getattr(self.module, "__file__", None)
        if module_file:
            return Path(module_file)
        code = getattr(self._test.func, "__code__", None)
        if code is not None:
            return Path(code.co_filename)
        return Path(self.nodeid.split("::", 1)[0])

    @property
    def location(self) -> tuple[str, int | None, str]:
        """``(file relative to the root, 0-based line, dotted name in the file)`` as pytest reports it."""
        relpath, _, line = self._test.location.rpartition(":")
        domain = ".".join(self.nodeid.split("::")[1:])
        if not relpath or not line.isdigit():
            return (self.nodeid.split("::", 1)[0], None, domain)
        return (relpath, int(line) - 1, domain)

    @property
    def callspec(self) -> CallSpec:
        """The parametrization of this test id; ``AttributeError`` when the test is not parametrized."""
        if "[" not in self.name:
            raise AttributeError(f"{self.nodeid} is not parametrized, so it has no callspec")
        params: dict[str, object] = dict(self._test.values)
        params.update((name, value) for name, (_key, value) in self._test.indirect.items())
        return CallSpec(params, self.name[self.name.index("[") + 1 : -1])

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

    def __repr__(self) -> str:
        return f"<ItemNode {self.nodeid!r}>"


class FixtureRequest:
    """What a fixture (or test) learns about the test id it is set up for.

    ``param`` is the current param of a parametrized fixture; ``addfinalizer``
    registers a callable run when this fixture instance (or, for a test, the
    test) is torn down; ``getfixturevalue`` returns the value of another
    fixture of the same test. *fixturenames*, when the executor gives it,
    returns the names of the fixtures planned for the test id; it makes
    ``request.fixturenames`` available and lets a failed lookup list them.
    """

    def __init__(
        self,
        *,
        fixturenames: Callable[[], Sequence[str]] | None = None,
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
        if node.config is None:
            node.config = config
        self.instance = instance
        self._test = test
        self._lookup = lookup
        self._finalizers = finalizers
        self._fixturenames = fixturenames
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
    def fixturenames(self) -> list[str]:
        """The names of the fixtures planned for this test id, in setup order."""
        if self._fixturenames is None:
            raise AttributeError(
                "request.fixturenames is not available: this executor does not pass the planned fixture names"
            )
        return list(self._fixturenames())

    @property
    def function(self) -> Callable[..., Any] | None:
        """The test function."""
        return self._test.func

    @property
    def cls(self) -> type | None:
        """The test class, or ``None`` for a module-level test."""
        return self._test.cls

    @property
    def module(self) -> ModuleType | None:
        """The module that defines the test function."""
        return _module_of(self._test)

    @property
    def path(self) -> Path:
        """The file that defines the test."""
        return self.node.path

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

    def raiseerror(self, msg: str | None) -> None:
        """Raise a ``FixtureLookupError`` with *msg*, failing the setup of the requesting fixture."""
        raise FixtureLookupError(msg or f"error in fixture {self.fixturename!r} of {self.node.nodeid}")

    def getfixturevalue(self, name: str) -> object:
        """Return the value of fixture *name* for this test id.

        The fixture must be planned for the test (requested by it, by one of
        its fixtures, by ``usefixtures`` or autouse) and already set up; a
        ``parametrize`` argument name gives its value, and ``"request"`` gives
        this request.
        """
        if name == "request":
            return self
        if name in self._test.values:
            return self._test.values[name]
        if self._fixturenames is not None:
            planned = self._fixturenames()
            if name not in planned:
                raise fixture_lookup_error(
                    name, self.node.nodeid, requester=self.fixturename, planned=planned, set_up=False
                )
        return self._lookup(name)

    def __repr__(self) -> str:
        return f"<FixtureRequest for {self.node.nodeid!r} fixture={self.fixturename!r}>"
