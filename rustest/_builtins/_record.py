"""``record_property``: extra facts a test attaches to its report, as pytest's fixture of that name.

Each call adds a ``(name, value)`` pair to ``request.node.user_properties``;
the report carries them, the JUnit XML report writes them as the test case's
``<properties>`` and the JSON report as its ``properties``.
"""

from __future__ import annotations

from collections.abc import Callable

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef
from rustest._request import FixtureRequest

__all__ = ["fixtures", "record_property"]


def record_property(request: FixtureRequest) -> Callable[[str, object], None]:
    """Give the test a ``record(name, value)`` function that adds a property to its report."""
    properties = request.node.user_properties

    def record(name: str, value: object) -> None:
        properties.append((name, value))

    return record


def fixtures() -> list[FixtureDef]:
    """Return the ``record_property`` fixture definition."""
    return [builtin(record_property)]
