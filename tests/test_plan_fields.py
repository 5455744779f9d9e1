"""Test definitions are read field by field: subclasses of ``TestDef`` plan exactly as ``TestDef`` does.

The compiled core reads a ``TestDef``'s slots directly and anything else
through attribute access; both ways must give the same plan.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

from rustest._definitions import FixtureDef, Node, TestDef, XFail
from rustest._scope import Scope

__all__: list[str] = []

SESSION, MODULE = range(2)
NODES = (Node(Scope.SESSION, -1, "session"), Node(Scope.MODULE, SESSION, "test_mod.py"))
FIXTURES = (
    FixtureDef("db", scope=Scope.SESSION, is_async=True),
    FixtureDef("user", requests=("db",), params=(1, 2)),
    FixtureDef("token", scope=Scope.MODULE),
)
TESTS = (
    TestDef("test_mod.py::test_user", node=MODULE, requests=("user",), is_async=True),
    TestDef("test_mod.py::test_value[0]", node=MODULE, requests=("token", "n"), values={"n": 0}),
    TestDef("test_mod.py::test_indirect", node=MODULE, requests=("token",), indirect={"token": ("a", "a")}),
    TestDef("test_mod.py::test_used", node=MODULE, usefixtures=("token",), backend="trio", is_async=True),
    TestDef("test_mod.py::test_skipped", node=MODULE, requests=("db",), skip="not today"),
    TestDef("test_mod.py::test_not_run", node=MODULE, xfail=XFail(run=False)),
    TestDef(
        "test_mod.py::test_narrow",
        node=MODULE,
        requests=("db",),
        is_async=True,
        loop_scope=Scope.FUNCTION,
        loop_scope_source="decorator",
    ),
)


@dataclasses.dataclass(slots=True)
class LabelledTest(TestDef):
    """A ``TestDef`` an embedding framework extended with a field of its own."""

    label: str = ""


class NamespacedTest(TestDef):
    """A ``TestDef`` whose id is computed on access, as an embedding framework might do."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        return f"suite/{value}" if name == "id" else value


def copy_as(cls: type[TestDef], test: TestDef) -> TestDef:
    """Return a *cls* instance with the fields of *test*."""
    return cls(**{f.name: object.__getattribute__(test, f.name) for f in dataclasses.fields(test)})


def test_subclass_instances_plan_as_testdefs_do(core: ModuleType) -> None:
    labelled = [copy_as(LabelledTest, t) for t in TESTS]
    plain = core.plan(NODES, FIXTURES, TESTS)
    extended = core.plan(NODES, FIXTURES, labelled)
    assert plain.describe() == extended.describe()
    assert plain.item_ids == extended.item_ids
    assert plain.errors == extended.errors
    assert plain.loops == extended.loops


def test_fields_of_subclass_instances_are_read_through_attribute_access(core: ModuleType) -> None:
    plan = core.plan(NODES, FIXTURES, [copy_as(NamespacedTest, t) for t in TESTS])
    expected = [f"suite/{item_id}" for item_id in core.plan(NODES, FIXTURES, TESTS).item_ids]
    assert plan.item_ids == expected
