"""End-to-end speed: ``python -m rustest`` against the bare floor and ``python -m pytest`` on equal suites.

Run ``python -m benchmarks.bench_e2e [--tests N] [--files M] [--repeat R]``.
For every shape of ``benchmarks.e2e_suites`` it writes the suites into a
temporary directory, then runs the floor script, rustest and pytest each in
a subprocess of this interpreter, ``--repeat`` times (3 by default), and
keeps the fastest wall time and the smallest peak resident set of each, read
with ``os.wait4``, so the first run fills the bytecode and assertion-rewrite
caches the next ones use. Every run must report exactly N passed tests, or the
benchmark stops: the three never measure different work.

It prints one row per shape: the three wall times, rustest/floor (the
target is at most 1.3) and pytest/rustest (the target is at least 15), the
same two ratios of CPU time (user plus system, steadier than wall time on a
shared machine), and the peak memory of each. pytest runs with plugin autoloading off (its best case: no
unrelated plugins) and with pytest-asyncio for the async shapes; when pytest
or pytest-asyncio is not installed its columns read ``n/a``.

The ``EndToEnd*`` classes wrap the same measurements for asv. asv drops
``PYTHONPATH``, so every subprocess imports the installed rustest.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from benchmarks.e2e_suites import SHAPES, Suite, write_suite

__all__ = [
    "FLOOR_TARGET",
    "PYTEST_TARGET",
    "EndToEndAgainstFloor",
    "EndToEndAgainstPytest",
    "Measurement",
    "ShapeResult",
    "format_row",
    "main",
    "measure_floor",
    "measure_pytest",
    "measure_rustest",
    "measure_shape",
    "pytest_available",
]

FLOOR_TARGET = 1.3
"""rustest may take at most this many times the floor's wall time."""

PYTEST_TARGET = 15.0
"""rustest must be at least this many times faster than pytest."""

_ASV_TESTS = 5000
_PASSED = re.compile(r"(\d+) passed")
_PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@dataclass(frozen=True)
class Measurement:
    """The best of several runs of one command: wall seconds, CPU seconds and peak resident set in MiB.

    CPU seconds (user plus system) are printed beside wall seconds because on
    a machine shared with other work the wall time also measures the others.
    """

    seconds: float
    cpu_seconds: float
    peak_mib: float


@dataclass(frozen=True)
class ShapeResult:
    """The measurements of one shape; ``pytest`` is ``None`` when pytest could not run it."""

    shape: str
    floor: Measurement
    rustest: Measurement
    pytest: Measurement | None

    @property
    def rustest_over_floor(self) -> float:
        """How many times the floor's wall time rustest took."""
        return self.rustest.seconds / self.floor.seconds

    @property
    def pytest_over_rustest(self) -> float | None:
        """How many times faster than pytest rustest was, or ``None`` without pytest."""
        return None if self.pytest is None else self.pytest.seconds / self.rustest.seconds

    @property
    def rustest_over_floor_cpu(self) -> float:
        """How many times the floor's CPU time rustest used."""
        return self.rustest.cpu_seconds / self.floor.cpu_seconds

    @property
    def pytest_over_rustest_cpu(self) -> float | None:
        """How many times rustest's CPU time pytest used, or ``None`` without pytest."""
        return None if self.pytest is None else self.pytest.cpu_seconds / self.rustest.cpu_seconds


def pytest_available(suite: Suite) -> bool:
    """Tell whether this interpreter can run the pytest variant of *suite*."""
    needed = ["pytest", "pytest_asyncio"] if suite.is_async else ["pytest"]
    return all(importlib.util.find_spec(name) is not None for name in needed)


def _environment(suite: Suite, extra: dict[str, str]) -> dict[str, str]:
    """Return the environment of every measured process of *suite*.

    Bytecode caching is switched on even where ``PYTHONDONTWRITEBYTECODE``
    is set, as it is for a person running their tests twice: without it
    every run would measure compiling and assertion rewriting. The caches
    go under the suite's directory, so nothing is written into the checkout.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUSTEST_", "PYTEST_"))
        and key not in ("NO_COLOR", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE")
    }
    environment["PYTHONPYCACHEPREFIX"] = str(suite.floor_script.parent / ".pycache")
    environment.update(extra)
    return environment


def _run_once(command: Sequence[str], cwd: Path, env: dict[str, str], n_tests: int) -> Measurement:
    """Run *command* once; check it reported *n_tests* passes; return its wall time and peak RSS."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        # Popen must not wait for a child that os.wait4 already reaped.
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    found = _PASSED.findall(text)
    if process.returncode != 0 or not found or int(found[-1]) != n_tests:
        raise RuntimeError(
            f"{' '.join(command)} in {cwd} exited {process.returncode} without reporting "
            f"{n_tests} passed tests:\n{text[-3000:]}"
        )
    # ru_maxrss is in KiB on Linux.
    return Measurement(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _best_of(
    command: Sequence[str], cwd: Path, env: dict[str, str], n_tests: int, repeat: int
) -> Measurement:
    runs = [_run_once(command, cwd, env, n_tests) for _ in range(repeat)]
    return Measurement(
        min(run.seconds for run in runs),
        min(run.cpu_seconds for run in runs),
        min(run.peak_mib for run in runs),
    )


def measure_floor(suite: Suite, repeat: int) -> Measurement:
    """Time the floor script of *suite*."""
    command = [sys.executable, str(suite.floor_script)]
    return _best_of(command, suite.floor_script.parent, _environment(suite, {}), suite.n_tests, repeat)


def measure_rustest(suite: Suite, repeat: int) -> Measurement:
    """Time ``python -m rustest -q`` on the rustest variant of *suite*."""
    command = [sys.executable, "-m", "rustest", "-q"]
    return _best_of(command, suite.rustest_dir, _environment(suite, {}), suite.n_tests, repeat)


def measure_pytest(suite: Suite, repeat: int) -> Measurement | None:
    """Time ``python -m pytest -q`` on the pytest variant of *suite*, or ``None`` if it cannot run."""
    if not pytest_available(suite):
        return None
    command = [sys.executable, "-m", "pytest", "-q"]
    if suite.is_async:
        command += ["-p", "pytest_asyncio.plugin"]
    return _best_of(command, suite.pytest_dir, _environment(suite, _PYTEST_ENV), suite.n_tests, repeat)


def measure_shape(suite: Suite, repeat: int = 3, *, with_pytest: bool = True) -> ShapeResult:
    """Measure the floor, rustest and (with *with_pytest*) pytest on *suite*, *repeat* times each."""
    floor = measure_floor(suite, repeat)
    rustest = measure_rustest(suite, repeat)
    pytest = measure_pytest(suite, repeat) if with_pytest else None
    return ShapeResult(suite.shape, floor, rustest, pytest)


_COLUMNS = (
    ("shape", 14),
    ("floor s", 8),
    ("rustest s", 10),
    ("pytest s", 9),
    ("rustest/floor", 14),
    ("pytest/rustest", 15),
    ("cpu r/f", 8),
    ("cpu p/r", 8),
    ("floor MiB", 10),
    ("rustest MiB", 12),
    ("pytest MiB", 11),
)


def _row(cells: Sequence[str]) -> str:
    return "  ".join(
        cell.rjust(width) if index else cell.ljust(width)
        for index, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def format_row(result: ShapeResult) -> str:
    """Return the table row of *result*; a missed target is flagged with ``!``."""
    over_floor = result.rustest_over_floor
    over_rustest = result.pytest_over_rustest
    cpu_over_rustest = result.pytest_over_rustest_cpu
    floor_flag = "" if over_floor <= FLOOR_TARGET else " !"
    pytest_flag = "" if over_rustest is None or over_rustest >= PYTEST_TARGET else " !"
    return _row(
        [
            result.shape,
            f"{result.floor.seconds:.3f}",
            f"{result.rustest.seconds:.3f}",
            "n/a" if result.pytest is None else f"{result.pytest.seconds:.3f}",
            f"{over_floor:.2f}x{floor_flag}",
            "n/a" if over_rustest is None else f"{over_rustest:.1f}x{pytest_flag}",
            f"{result.rustest_over_floor_cpu:.2f}x",
            "n/a" if cpu_over_rustest is None else f"{cpu_over_rustest:.1f}x",
            f"{result.floor.peak_mib:.1f}",
            f"{result.rustest.peak_mib:.1f}",
            "n/a" if result.pytest is None else f"{result.pytest.peak_mib:.1f}",
        ]
    )


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_e2e", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--tests", type=int, default=5000, help="tests per suite (default 5000)")
    parser.add_argument("--files", type=int, default=50, help="modules per suite (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES), help="shapes to run")
    parser.add_argument("--no-pytest", dest="with_pytest", action="store_false", help="skip pytest")
    parser.add_argument("--keep", type=Path, default=None, help="write the suites here and keep them")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table; return 1 if rustest missed a target, else 0."""
    options = _parse_arguments(argv)
    with tempfile.TemporaryDirectory(prefix="rustest-e2e-") as scratch:
        root = options.keep or Path(scratch)
        print(
            f"{options.tests} tests in {options.files} files per shape; best of {options.repeat} runs; "
            f"targets: rustest/floor <= {FLOOR_TARGET}, pytest/rustest >= {PYTEST_TARGET:g}"
        )
        print(_row([name for name, _ in _COLUMNS]))
        missed = False
        for shape in options.shapes:
            suite = write_suite(root / shape, shape, options.tests, options.files)
            result = measure_shape(suite, options.repeat, with_pytest=options.with_pytest)
            print(format_row(result), flush=True)
            over_rustest = result.pytest_over_rustest
            missed |= result.rustest_over_floor > FLOOR_TARGET
            missed |= over_rustest is not None and over_rustest < PYTEST_TARGET
    return 1 if missed else 0


class _EndToEnd:
    """Shared asv plumbing: the suites are written once, the measurements rerun per benchmark."""

    params: ClassVar[list[list[str]]] = [list(SHAPES)]
    param_names: ClassVar[list[str]] = ["shape"]
    timeout = 1800.0
    unit = "ratio"

    def setup_cache(self) -> str:
        """Write every shape once into asv's cache directory and return where."""
        root = Path.cwd() / "e2e-suites"
        for shape in SHAPES:
            write_suite(root / shape, shape, _ASV_TESTS)
        return str(root)

    def suite(self, root: str, shape: str) -> Suite:
        """Return the suite ``setup_cache`` wrote for *shape*."""
        base = Path(root) / shape
        return Suite(shape, _ASV_TESTS, base / "for_rustest", base / "for_pytest", base / "floor.py")


class EndToEndAgainstFloor(_EndToEnd):
    """asv: rustest's wall time and peak memory on 5,000-test suites, as multiples of the floor's."""

    def track_rustest_over_floor(self, root: str, shape: str) -> float:
        """rustest's wall time over the floor's (target: at most 1.3)."""
        suite = self.suite(root, shape)
        return measure_rustest(suite, 3).seconds / measure_floor(suite, 3).seconds

    def track_rustest_peak_memory_over_floor(self, root: str, shape: str) -> float:
        """rustest's peak resident set over the floor's."""
        suite = self.suite(root, shape)
        return measure_rustest(suite, 1).peak_mib / measure_floor(suite, 1).peak_mib


class EndToEndAgainstPytest(_EndToEnd):
    """asv: how many times faster than pytest rustest runs 5,000-test suites (target: at least 15)."""

    def setup(self, root: str, shape: str) -> None:
        """Skip the shape when pytest (or pytest-asyncio for async shapes) is not installed."""
        if not pytest_available(self.suite(root, shape)):
            raise NotImplementedError(f"pytest cannot run the {shape} suite here")

    def track_pytest_over_rustest(self, root: str, shape: str) -> float:
        """pytest's wall time over rustest's."""
        suite = self.suite(root, shape)
        pytest = measure_pytest(suite, 3)
        assert pytest is not None
        return pytest.seconds / measure_rustest(suite, 3).seconds


if __name__ == "__main__":
    sys.exit(main())
