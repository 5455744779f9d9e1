"""Plain definitions that the planner reads: scope nodes, fixtures and tests.

Collection (or an embedding framework) builds these; the planner only reads
their plain fields and never calls ``func``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rustest._scope import Scope

__all__ = ["BUILTIN", "SESSION_NODE", "FixtureDef", "Node", "TestDef", "XFail"]

BUILTIN = -1
"""The ``FixtureDef.node`` of a built-in fixture: visible everywhere, overridable by any other."""

SESSION_NODE = 0
"""Index of the session root in the node list; every node list starts with it."""


@dataclass(frozen=True, slots=True)
class Node:
    """One scope instance of the collection tree: the session, a package, a module or a class.

    ``parent`` is the index of the enclosing node (``-1`` for the session
    root). A class nested in a class has the outer class as its parent.
    """

    scope: Scope
    parent: int
    name: str

    def __post_init__(self) -> None:
        if self.scope is Scope.FUNCTION:
            raise ValueError(f"node {self.name!r}: a node cannot have function scope")


@dataclass(frozen=True, slots=True)
class FixtureDef:
    """A fixture definition.

    ``node`` is where it is visible: the index of the node that defines it (a
    class, a module, or the package of a ``conftest.py``), or ``BUILTIN``.
    ``requests`` are the names of the fixtures it asks for, in argument order.
    ``params`` expand the fixture into one instance per value; ``ids`` name
    them in test ids. ``loop_scope`` is an explicit loop scope (as
    ``pytest_asyncio.fixture(loop_scope=...)``); ``backend`` pins an async
    fixture to one backend. ``is_method`` marks a fixture defined in a test
    class: ``func`` is the plain function and the executor passes the test's
    class instance as its first argument.
    """

    name: str
    func: Callable[..., Any] | None = None
    scope: Scope = Scope.FUNCTION
    requests: tuple[str, ...] = ()
    is_async: bool = False
    is_generator: bool = False
    autouse: bool = False
    params: tuple[object, ...] | None = None
    ids: tuple[str, ...] | None = None
    node: int = SESSION_NODE
    loop_scope: Scope | None = None
    backend: str | None = None
    is_method: bool = False
    location: str = ""

    def __post_init__(self) -> None:
        if self.params is not None and self.ids is not None and len(self.ids) != len(self.params):
            raise ValueError(
                f"fixture {self.name!r} ({self.location or 'unknown location'}): "
                f"{len(self.ids)} ids for {len(self.params)} params; give one id per param"
            )

    @property
    def param_ids(self) -> tuple[str, ...]:
        """The test-id fragment of each param: ``ids`` if given, else ``name0``, ``name1``, ..."""
        if self.params is None:
            return ()
        if self.ids is not None:
            return self.ids
        return tuple(f"{self.name}{i}" for i in range(len(self.params)))


@dataclass(frozen=True, slots=True)
class XFail:
    """An expected failure: ``raises`` limits which exceptions count, ``strict`` fails an xpass."""

    reason: str = ""
    raises: tuple[type[BaseException], ...] | None = None
    strict: bool = True
    run: bool = True


@dataclass(slots=True)
class TestDef:
    """A test, with its own parametrization already expanded.

    Treat it as read-only once it is handed to the planner: plans keep
    references to it. Unlike ``Node`` and ``FixtureDef`` it is not frozen,
    because a frozen dataclass's constructor costs three times as much and a
    collection makes one ``TestDef`` per test.

    ``id`` is the node id (``tests/test_db.py::TestUsers::test_create[1]``);
    ``node`` is the index of the module or class node that holds it.
    ``requests`` are fixture names the function takes as arguments;
    ``values`` are the arguments supplied directly by parametrization (these
    names shadow fixtures of the same name for the whole closure);
    ``indirect`` maps fixture names to the param this test hands them
    (``request.param``), keyed by a string that is equal for equal values.
    ``loop_scope`` is an explicit loop scope and ``loop_scope_source`` says
    where it came from (``"decorator"``, ``"class"``, ``"module"``, ``"config"``).
    ``cls`` is the test class of a method: the executor makes one instance
    per item and passes it as ``self`` to the test and its method fixtures.
    ``marks`` are the ``rustest._spec.Mark`` objects that apply to the test.
    """

    __test__ = False

    id: str
    func: Callable[..., Any] | None = None
    node: int = SESSION_NODE
    requests: tuple[str, ...] = ()
    usefixtures: tuple[str, ...] = ()
    is_async: bool = False
    backend: str = "asyncio"
    loop_scope: Scope | None = None
    loop_scope_source: str = ""
    values: Mapping[str, object] = field(default_factory=dict)
    indirect: Mapping[str, tuple[str, object]] = field(default_factory=dict)
    skip: str | None = None
    xfail: XFail | None = None
    marks: tuple[Any, ...] = ()
    cls: type | None = None
    location: str = ""
