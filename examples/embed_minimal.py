"""A tiny check framework of its own, planned and run by ``rustest.core`` on asyncio and on trio.

The framework has two kinds of objects, *resources* and *checks*, declared
with its own decorators. It never collects files and never prints through
rustest: it turns its objects into rustest definitions, lets the planner
decide the order and the event loops, and reads the events.

Run it with ``python examples/embed_minimal.py``; it exits 0 when every
check passed on both backends.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from rustest import core

__all__ = ["Check", "Resource", "Suite", "yield_control"]


async def yield_control() -> None:
    """Let other tasks run, on whichever backend is running this code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        import trio

        await trio.sleep(0)
    else:
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Resource:
    """Something checks use, made by an async function (or an async generator that cleans up after it)."""

    name: str
    factory: Callable[..., Any]
    shared: bool


@dataclass(frozen=True)
class Check:
    """An async function that raises when what it checks does not hold; it names the resources it uses."""

    name: str
    function: Callable[..., Any]
    uses: tuple[str, ...]


@dataclass
class Suite:
    """A named set of resources and checks."""

    name: str
    resources: list[Resource] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def resource(self, *, shared: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a resource; a shared one is made once for the whole run, others once per check."""

        def declare(factory: Callable[..., Any]) -> Callable[..., Any]:
            self.resources.append(Resource(factory.__name__, factory, shared))
            return factory

        return declare

    def check(self, *uses: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a check that receives the resources named *uses*."""

        def declare(function: Callable[..., Any]) -> Callable[..., Any]:
            self.checks.append(Check(function.__name__, function, uses))
            return function

        return declare

    def definitions(
        self, backends: tuple[str, ...]
    ) -> tuple[list[core.Node], list[core.FixtureDef], list[core.TestDef]]:
        """Translate the suite into rustest's plain definitions: one test per check and backend."""
        nodes = [core.Node(core.Scope.SESSION, -1, "run"), core.Node(core.Scope.MODULE, 0, self.name)]
        fixtures = [
            core.FixtureDef(
                name=resource.name,
                func=resource.factory,
                scope=core.Scope.SESSION if resource.shared else core.Scope.FUNCTION,
                is_async=True,
                # Decided once per definition, never per test.
                is_generator=inspect.isasyncgenfunction(resource.factory),
                node=1,
            )
            for resource in self.resources
        ]
        tests = [
            core.TestDef(
                id=f"{self.name}::{check.name}[{backend}]",
                func=check.function,
                node=1,
                requests=check.uses,
                is_async=True,
                backend=backend,
            )
            for backend in backends
            for check in self.checks
        ]
        return nodes, fixtures, tests

    def run(self, backends: tuple[str, ...] = ("asyncio", "trio")) -> core.SessionResult:
        """Run every check on each of *backends*, printing one line per check."""

        def show(event: core.Event) -> None:
            if isinstance(event, core.TestFinished):
                report = event.report
                print(f"{report.outcome.value.upper():8} {report.nodeid}")
                for failure in report.failures:
                    print(f"         {failure.headline}")

        return core.run(*self.definitions(backends), listeners=[show])


inventory = Suite("inventory")


@inventory.resource(shared=True)
async def warehouse() -> AsyncIterator[dict[str, int]]:
    """Stock shared by every check of one backend; set up once, emptied after the last check."""
    stock = {"apples": 3, "pears": 0}
    await yield_control()
    yield stock
    stock.clear()


@inventory.resource()
async def order() -> dict[str, int]:
    """A fresh, empty order for each check."""
    return {}


@inventory.check("warehouse")
async def apples_are_in_stock(warehouse: dict[str, int]) -> None:
    await yield_control()
    assert warehouse["apples"] > 0


@inventory.check("warehouse", "order")
async def an_order_takes_from_the_stock(warehouse: dict[str, int], order: dict[str, int]) -> None:
    order["apples"] = 2
    warehouse["apples"] -= order["apples"]
    assert warehouse["apples"] == 1


@inventory.check("warehouse")
async def the_shared_stock_remembers_the_order(warehouse: dict[str, int]) -> None:
    # Same instance as the previous check, on the same backend: the order was taken.
    assert warehouse["apples"] == 1


def main() -> int:
    """Run the inventory suite on asyncio and trio; return 0 when every check passed."""
    result = inventory.run()
    counts = ", ".join(f"{count} {outcome.value}" for outcome, count in result.counts.items())
    print(f"{counts} in {result.duration:.2f}s")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
