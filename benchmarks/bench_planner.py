"""Planning speed: the compiled core against its pure-Python twin, on synthetic suites.

asv runs the classes below (``asv run --python=same --quick``); as a script,
``python -m benchmarks.bench_planner`` prints the time per test of both cores and
their ratio per size, all measured in the same run. Targets: 100,000 tests over
1,000 fixtures planned in under 0.5 s by the compiled core, and the compiled core
at least 5x faster than the twin. Times are process CPU time, so other work on a
shared machine does not count.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import time
from collections.abc import Callable, Sequence
from types import ModuleType

from benchmarks.synthetic import make_suite
from rustest import _core_py
from rustest._definitions import FixtureDef, Node, TestDef

__all__ = ["PlannerSpeed", "main", "measure"]

FIXTURES = 1_000
SIZES = (1_000, 10_000, 100_000)

Suite = tuple[list[Node], list[FixtureDef], list[TestDef]]


def _cores() -> dict[str, ModuleType]:
    cores: dict[str, ModuleType] = {"python": _core_py}
    with contextlib.suppress(ImportError):
        cores["cython"] = importlib.import_module("rustest._core")
    return cores


def _best_cpu_seconds(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def measure(suite: Suite, core: ModuleType, repeat: int = 3) -> float:
    """Return the best CPU seconds of *repeat* plans of *suite* with *core*."""
    nodes, fixtures, tests = suite
    return _best_cpu_seconds(lambda: core.plan(nodes, fixtures, tests), repeat)


class PlannerSpeed:
    """asv: planning time per core and size, the time per test, and the compiled core's speed-up."""

    params = (("cython", "python"), SIZES)
    param_names = ("core", "tests")
    timeout = 600

    def setup(self, core: str, tests: int) -> None:
        cores = _cores()
        if core not in cores:
            raise NotImplementedError(f"the {core} core is not built")
        self.core = cores[core]
        self.suite = make_suite(tests, FIXTURES, seed=0)

    def time_plan(self, core: str, tests: int) -> None:
        """Plan the suite once."""
        nodes, fixtures, defs = self.suite
        self.core.plan(nodes, fixtures, defs)

    def track_us_per_test(self, core: str, tests: int) -> float:
        """Microseconds of CPU per planned test."""
        return measure(self.suite, self.core) / tests * 1e6

    track_us_per_test.unit = "us"  # type: ignore[attr-defined]

    def track_speedup(self, core: str, tests: int) -> float:
        """Pure-Python time over this core's time, measured in the same process."""
        return measure(self.suite, _core_py) / measure(self.suite, self.core)

    track_speedup.unit = "x"  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-test time of both cores and their ratio for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cores = _cores()
    print(f"{'tests':>8} {'cython s':>9} {'us/test':>8} {'python s':>9} {'us/test':>8} {'ratio':>6}")
    for size in args.sizes:
        suite = make_suite(size, FIXTURES, seed=0)
        python = measure(suite, cores["python"], args.repeat)
        if "cython" in cores:
            cython = measure(suite, cores["cython"], args.repeat)
            print(
                f"{size:>8} {cython:>9.3f} {cython / size * 1e6:>8.2f} {python:>9.3f} "
                f"{python / size * 1e6:>8.2f} {python / cython:>5.1f}x"
            )
        else:
            print(f"{size:>8} {'n/a':>9} {'':>8} {python:>9.3f} {python / size * 1e6:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
