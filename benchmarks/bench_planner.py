"""Planner benchmarks: the compiled core against its pure-Python twin on synthetic suites.

asv runs the classes below, parametrized over the core (``"cython"``,
``"python"``) and the suite size (1,000, 10,000 and 100,000 tests over 1,000
fixtures). ``python -m benchmarks.bench_planner`` prints the same comparison
as a table: time per test for both cores and the speedup of the compiled one,
measured in the same run on the same input.

Times are process CPU time, so other work on a shared machine does not
count, and timed calls run with the cycle collector paused, as ``timeit``
(and so asv) runs them: both cores are measured on their own work.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import TypeVar

from benchmarks.synthetic import make_suite
from rustest._definitions import FixtureDef, Node, TestDef
from rustest._plan import Plan

__all__ = [
    "CORES",
    "FIXTURES",
    "SIZES",
    "Planner",
    "PlannerSpeedup",
    "load_core",
    "main",
    "measure",
    "suite",
]

CORES = {"cython": "rustest._core", "python": "rustest._core_py"}
"""The planning cores by name, and the module of each."""

SIZES = (1_000, 10_000, 100_000)
"""Suite sizes in tests (before fixture params expand them)."""

FIXTURES = 1_000
"""How many fixtures every synthetic suite defines."""

_Suite = tuple[list[Node], list[FixtureDef], list[TestDef]]
_PlanFunction = Callable[..., Plan]
_Tracked = TypeVar("_Tracked", bound=Callable[..., float])

# Long enough for one pure-Python plan of 100,000 tests on a slow machine, twice.
_TIMEOUT = 1200.0


def _unit(name: str) -> Callable[[_Tracked], _Tracked]:
    """Give an asv ``track_*`` benchmark the unit asv shows its values in."""

    def mark(func: _Tracked) -> _Tracked:
        func.__dict__["unit"] = name
        return func

    return mark


def load_core(name: str) -> ModuleType:
    """Return the planning core *name*; raise ``NotImplementedError`` (asv's skip) if it is not built."""
    try:
        return importlib.import_module(CORES[name])
    except ImportError as exc:
        raise NotImplementedError(f"the {name} core is not available: {exc}") from exc


@functools.lru_cache(maxsize=len(SIZES))
def suite(tests: int, fixtures: int = FIXTURES, seed: int = 0) -> _Suite:
    """Return the synthetic suite of *tests* tests over *fixtures* fixtures, built once per process."""
    return make_suite(tests, fixtures, seed)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _timed(plan: _PlanFunction, inputs: _Suite) -> tuple[float, Plan]:
    """Return the CPU seconds of one ``plan(*inputs)`` with the collector paused, and the plan."""
    with _collector_paused():
        start = time.process_time()
        result = plan(*inputs)
        return time.process_time() - start, result


def measure(plan: _PlanFunction, inputs: _Suite, budget: float = 1.0, runs: int = 5) -> float:
    """Return the best CPU seconds of ``plan(*inputs)`` over up to *runs* runs within *budget* seconds."""
    best = float("inf")
    spent = 0.0
    for _ in range(runs):
        elapsed, _plan = _timed(plan, inputs)
        best = min(best, elapsed)
        spent += elapsed
        if spent >= budget:
            break
    return best


class Planner:
    """Planning time of each core for each suite size."""

    params = (list(CORES), list(SIZES))
    param_names = ("core", "tests")
    timeout = _TIMEOUT
    timer = time.process_time

    def setup(self, core: str, tests: int) -> None:
        """Load the core and build the suite (skipped by asv when the core is not built)."""
        self.plan: _PlanFunction = load_core(core).plan
        self.inputs = suite(tests)

    def time_plan(self, core: str, tests: int) -> None:
        """Plan the whole suite."""
        self.plan(*self.inputs)

    @_unit("us/test")
    def track_us_per_test(self, core: str, tests: int) -> float:
        """Microseconds of planning per test, best of a few runs."""
        return 1e6 * measure(self.plan, self.inputs) / tests


class PlannerSpeedup:
    """How many times faster the compiled core plans than the pure-Python twin, per suite size."""

    params = (list(SIZES),)
    param_names = ("tests",)
    timeout = _TIMEOUT

    def setup(self, tests: int) -> None:
        """Load both cores (skipped by asv when the compiled one is not built) and build the suite."""
        self.compiled: _PlanFunction = load_core("cython").plan
        self.pure: _PlanFunction = load_core("python").plan
        self.inputs = suite(tests)

    @_unit("x")
    def track_speedup(self, tests: int) -> float:
        """Pure-Python time over compiled time, both measured here on the same suite."""
        return measure(self.pure, self.inputs) / measure(self.compiled, self.inputs)


def main(argv: Sequence[str] | None = None) -> int:
    """Print time per test of both cores and the compiled core's speedup, per suite size."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_planner", description=main.__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="suite sizes in tests")
    parser.add_argument("--fixtures", type=int, default=FIXTURES, help="fixtures per suite")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic suites")
    args = parser.parse_args(argv)
    pure = load_core("python").plan
    try:
        compiled: _PlanFunction | None = load_core("cython").plan
    except NotImplementedError as exc:
        print(f"warning: {exc}; showing the pure-Python core alone", file=sys.stderr)
        compiled = None
    header = (
        f"{'tests':>8} {'items':>8} {'cython s':>9} {'cython us/test':>15} "
        f"{'python s':>9} {'python us/test':>15} {'speedup':>8} {'same plan':>9}"
    )
    print(
        f"planning synthetic suites over {args.fixtures:,} fixtures (seed {args.seed}): "
        "CPU seconds, best of a few runs (the pure-Python core runs once)"
    )
    print(header)
    for tests in args.sizes:
        inputs = suite(tests, args.fixtures, args.seed)
        python_s, reference = _timed(pure, inputs)
        row = f"{tests:>8,} {reference.item_count:>8,} "
        if compiled is None:
            row += f"{'-':>9} {'-':>15} "
        else:
            cython_s = measure(compiled, inputs)
            row += f"{cython_s:>9.3f} {1e6 * cython_s / tests:>15.2f} "
        row += f"{python_s:>9.3f} {1e6 * python_s / tests:>15.2f} "
        if compiled is None:
            row += f"{'-':>8} {'-':>9}"
        else:
            same = "yes" if compiled(*inputs) == reference else "NO"
            row += f"{python_s / cython_s:>7.1f}x {same:>9}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
