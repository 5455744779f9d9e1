"""Executor speed: 5,000 generated async tests through ``rustest.core`` against a floor timed alongside.

Run ``python -m benchmarks.bench_executor [--tests N] [--rounds R]``. For every
backend (asyncio, trio) and shape of ``benchmarks.executor_suites`` (a fresh
loop per test; one session loop reached by ``loop_scope`` or by a session
async fixture) it times, in one process:

- the floor: the same test functions run with the least work a runner must do;
- rustest: ``core.execute(core.plan(...))``, planning included, with no listener;
- rustest with one no-op listener, which makes the executor build every event.

The machine these figures come from is shared with other work (a load of
about five on two cores), so the process often gets a fraction of a core
and wall time mostly measures the other processes. Every run is therefore
timed on two clocks: the process's CPU time (``time.process_time``, all its
threads), which is what targets are judged on, and wall time, shown beside it.
Each round times the floor and both rustest variants back to back (rotating
who goes first), ``--rounds`` rounds are run (5 by default), and the fastest
run on each clock counts: the minimum is the run least disturbed by others.
Every run must pass every test, or the benchmark stops. The table gives, per
row, the floor's and rustest's CPU microseconds per test, their ratio, the
ratio of wall times, the target (1.2 for a fresh loop per test, 1.3 for a
shared session loop) and whether the CPU ratio met it.

``--trio-isolation`` prints, instead, what giving each test of a fresh trio
suite a run of its own costs: ``trio.run`` per test, rustest's trio runner
(an inline run) per test, and one shared ``trio.run`` that gives each test a
task, a nursery and a context of its own (see ``run_shared_trio_run`` for
what that does not isolate).

The ``Executor`` and ``Floor`` classes wrap the same measurements for asv
(``track_ratio`` and ``time_*``). asv drops ``PYTHONPATH``: install the
project first (``pip install -e . --no-build-isolation``).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from benchmarks.executor_suites import (
    BACKENDS,
    SHAPES,
    TARGETS,
    Suite,
    make_suite,
    run_floor,
    run_rustest,
    run_shared_trio_run,
    run_trio_runners,
)
from rustest.core import Event, Listener

__all__ = [
    "LISTENER_MODES",
    "TRIO_ISOLATIONS",
    "Executor",
    "Floor",
    "ShapeTimes",
    "Timing",
    "format_row",
    "main",
    "measure",
    "measure_trio_isolation",
]

LISTENER_MODES = ("none", "no-op")
"""How rustest runs: without listeners, or with one listener that ignores every event."""

_ASV_TESTS = 5000
_ASV_ROUNDS = 3
_COLUMNS = (
    ("backend", 8),
    ("shape", 16),
    ("listeners", 9),
    ("floor cpu µs/test", 17),
    ("rustest cpu µs/test", 19),
    ("ratio", 6),
    ("wall ratio", 10),
    ("target", 6),
    ("met?", 4),
)


def _ignore(event: Event) -> None:
    """A listener that does nothing, so that only the cost of building and delivering events shows."""


_LISTENERS: dict[str, tuple[Listener, ...]] = {"none": (), "no-op": (_ignore,)}


@dataclass(frozen=True)
class Timing:
    """The fastest CPU seconds and, separately, the fastest wall seconds of several runs."""

    cpu: float
    wall: float

    def best(self, other: Timing) -> Timing:
        """Keep the smaller time on each clock."""
        return Timing(min(self.cpu, other.cpu), min(self.wall, other.wall))


_NOT_RUN = Timing(float("inf"), float("inf"))


@dataclass(frozen=True)
class ShapeTimes:
    """The fastest times of the floor and of each rustest listener mode on one suite."""

    backend: str
    shape: str
    n_tests: int
    floor: Timing
    rustest: dict[str, Timing]

    def ratio(self, mode: str) -> float:
        """rustest's CPU time in listener *mode* over the floor's."""
        return self.rustest[mode].cpu / self.floor.cpu

    def wall_ratio(self, mode: str) -> float:
        """rustest's wall time in listener *mode* over the floor's."""
        return self.rustest[mode].wall / self.floor.wall

    def per_test(self, seconds: float) -> float:
        """*seconds* for the whole suite as microseconds per test."""
        return seconds / self.n_tests * 1e6


def _timed(run: Callable[[], int], expected: int, what: str) -> Timing:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    passed = run()
    timing = Timing(time.process_time() - cpu, time.perf_counter() - wall)
    if passed != expected:
        raise RuntimeError(f"{what} passed {passed} of {expected} tests; the benchmark needs all of them")
    return timing


def _best_times(
    runners: Sequence[tuple[str, Callable[[], int]]], suite: Suite, rounds: int
) -> dict[str, Timing]:
    """Run each of *runners* on *suite* once per round, interleaved, *rounds* times; keep minima."""
    if rounds <= 0:
        raise ValueError(f"rounds must be positive, not {rounds}")
    best = {name: _NOT_RUN for name, _ in runners}
    for round_index in range(rounds):
        # Rotating the order keeps a slow spell of the machine from always hitting the same runner.
        shift = round_index % len(runners)
        for name, run in [*runners[shift:], *runners[:shift]]:
            what = f"{name} on the {suite.backend} {suite.shape} suite"
            best[name] = best[name].best(_timed(run, suite.n_tests, what))
    return best


def measure(suite: Suite, rounds: int, modes: Sequence[str] = LISTENER_MODES) -> ShapeTimes:
    """Time the floor and rustest in each of *modes* on *suite*, interleaved, *rounds* times; keep minima."""
    runners: list[tuple[str, Callable[[], int]]] = [("floor", functools.partial(run_floor, suite))]
    runners += [(mode, functools.partial(run_rustest, suite, _LISTENERS[mode])) for mode in modes]
    best = _best_times(runners, suite, rounds)
    floor = best.pop("floor")
    return ShapeTimes(suite.backend, suite.shape, suite.n_tests, floor, best)


TRIO_ISOLATIONS = (
    "trio.run per test",
    "rustest's trio runner per test",
    "one trio.run, a task, nursery and context per test",
)
"""Ways to give each test of a ``fresh`` trio suite a loop of its own, or what a shared run can isolate."""


def measure_trio_isolation(n_tests: int, rounds: int) -> dict[str, Timing]:
    """Time each of ``TRIO_ISOLATIONS`` on *n_tests* fresh trio tests, interleaved, *rounds* times."""
    suite = make_suite("trio", "fresh", n_tests)
    strategies = (run_floor, run_trio_runners, run_shared_trio_run)
    runners = [
        (name, functools.partial(run, suite)) for name, run in zip(TRIO_ISOLATIONS, strategies, strict=True)
    ]
    return _best_times(runners, suite, rounds)


def _row(cells: Sequence[str]) -> str:
    return "  ".join(
        cell.ljust(width) if index < 3 else cell.rjust(width)
        for index, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def format_row(times: ShapeTimes, mode: str) -> str:
    """Return the table row of *times* for listener *mode*."""
    ratio = times.ratio(mode)
    target = TARGETS[times.shape]
    return _row(
        [
            times.backend,
            times.shape,
            mode,
            f"{times.per_test(times.floor.cpu):.1f}",
            f"{times.per_test(times.rustest[mode].cpu):.1f}",
            f"{ratio:.2f}",
            f"{times.wall_ratio(mode):.2f}",
            f"{target:.1f}",
            "yes" if ratio <= target else "no",
        ]
    )


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_executor", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--tests", type=int, default=5000, help="tests per suite (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the fastest run counts")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument(
        "--trio-isolation",
        action="store_true",
        help="instead, time what giving each fresh trio test its own run costs, against a shared run",
    )
    return parser.parse_args(argv)


def _print_trio_isolation(n_tests: int, rounds: int) -> None:
    times = measure_trio_isolation(n_tests, rounds)
    base = times[TRIO_ISOLATIONS[0]].cpu
    print(f"{'isolation of each fresh trio test':52}  {'cpu µs/test':>11}  {'vs trio.run':>11}")
    for name in TRIO_ISOLATIONS:
        cpu = times[name].cpu
        print(f"{name:52}  {cpu / n_tests * 1e6:11.1f}  {cpu / base:11.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; return 1 if a target was missed, else 0."""
    options = _parse_arguments(argv)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = f"load average {load} on {os.cpu_count()} cores"
    if options.trio_isolation:
        print(
            f"{options.tests} fresh trio tests; the three ways interleaved, best of "
            f"{options.rounds} rounds ({machine})"
        )
        _print_trio_isolation(options.tests, options.rounds)
        return 0
    print(
        f"{options.tests} async tests per suite; floor and rustest interleaved, best of "
        f"{options.rounds} rounds on each clock; targets judged on CPU time ({machine})"
    )
    print(_row([name for name, _ in _COLUMNS]))
    missed = False
    for backend in options.backends:
        for shape in options.shapes:
            times = measure(make_suite(backend, shape, options.tests), options.rounds)
            for mode in LISTENER_MODES:
                print(format_row(times, mode), flush=True)
                missed |= times.ratio(mode) > TARGETS[shape]
    return 1 if missed else 0


class Executor:
    """asv: rustest running 5,000 async tests, and its time over the floor's measured alongside.

    The ``time_*`` benchmarks read the process's CPU time, for the reason the
    module's docstring gives.
    """

    params: ClassVar[list[list[str]]] = [list(BACKENDS), list(SHAPES), list(LISTENER_MODES)]
    param_names: ClassVar[list[str]] = ["backend", "shape", "listeners"]
    timeout = 1800.0
    number = 1
    repeat = (1, 5, 120.0)
    warmup_time = 0.0
    timer = staticmethod(time.process_time)

    def setup(self, backend: str, shape: str, listeners: str) -> None:
        """Generate the suite; building the definitions is not what is measured."""
        self.suite = make_suite(backend, shape, _ASV_TESTS)

    def track_ratio(self, backend: str, shape: str, listeners: str) -> float:
        """rustest's CPU time over the floor's, best of interleaved rounds (target 1.2 fresh, 1.3 session)."""
        return measure(self.suite, _ASV_ROUNDS, (listeners,)).ratio(listeners)

    track_ratio.unit = "ratio"  # type: ignore[attr-defined]

    def track_wall_ratio(self, backend: str, shape: str, listeners: str) -> float:
        """rustest's wall time over the floor's, best of interleaved rounds."""
        return measure(self.suite, _ASV_ROUNDS, (listeners,)).wall_ratio(listeners)

    track_wall_ratio.unit = "ratio"  # type: ignore[attr-defined]

    def time_rustest(self, backend: str, shape: str, listeners: str) -> None:
        """Plan and execute the suite with ``rustest.core``."""
        run_rustest(self.suite, _LISTENERS[listeners])


class Floor:
    """asv: the floor's CPU time on the same 5,000 async tests."""

    params: ClassVar[list[list[str]]] = [list(BACKENDS), list(SHAPES)]
    param_names: ClassVar[list[str]] = ["backend", "shape"]
    timeout = 1800.0
    number = 1
    repeat = (1, 5, 120.0)
    warmup_time = 0.0
    timer = staticmethod(time.process_time)

    def setup(self, backend: str, shape: str) -> None:
        """Generate the suite."""
        self.suite = make_suite(backend, shape, _ASV_TESTS)

    def time_floor(self, backend: str, shape: str) -> None:
        """Run the suite's test functions the cheapest way its backend allows."""
        run_floor(self.suite)


if __name__ == "__main__":
    raise SystemExit(main())
