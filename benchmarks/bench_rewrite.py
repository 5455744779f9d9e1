"""Assert rewriting: what a cold import of a test module costs, per assert, against a plain compile.

A cold import (nothing cached, as on every run where bytecode writing is off
and no cache directory is given) parses the module, rewrites its asserts and
compiles the result; a warm one only reads the cached code. For modules of
100 test functions, each holding one assert of a given shape, this measures:

- plain: compiling the module as Python would, asserts untouched;
- cold: ``compile_rewritten``, what a cold import costs;
- cached: loading the rewritten code as the cache stores it (``marshal``);
- rewriting: cold minus cached, what not having the cache costs.

``python -m benchmarks.bench_rewrite`` prints them in microseconds per assert,
with cold over plain as the ratio. Times are process CPU time, the best of a
few runs (``--runs``), with the cyclic collector paused as ``timeit`` pauses
it (rewriting pauses it itself), so other work on a shared machine counts
little. asv runs the ``Rewrite`` class, parametrized over the shapes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import marshal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from rustest._assertion._rewrite import compile_rewritten

__all__ = ["ASSERTS", "SHAPES", "Rewrite", "main", "measure", "module_source"]

SHAPES = {
    "compare": ("", "value = {i}\n    assert value + 1 > value"),
    "name": ("", "value = {i}\n    assert value"),
    "call": ("items, expected", "assert len(items) == expected.count"),
    "boolean": ("items, expected, limit", "assert items and expected.count < {i} + 1 <= limit"),
    "message": ("items", "assert items[0] == {i}, f'item {{items[0]}} is not {i}'"),
}
"""The parameters and the body of each test function, by shape (``{i}`` is the function's number)."""

ASSERTS = 100
"""How many test functions, one assert each, every module holds."""

_FILENAME = "test_bench_rewrite.py"
_Tracked = TypeVar("_Tracked", bound=Callable[..., float])


def _unit(name: str) -> Callable[[_Tracked], _Tracked]:
    """Give an asv ``track_*`` benchmark the unit asv shows its values in."""

    def mark(func: _Tracked) -> _Tracked:
        func.__dict__["unit"] = name
        return func

    return mark


@functools.lru_cache(maxsize=len(SHAPES))
def module_source(shape: str, asserts: int = ASSERTS) -> bytes:
    """Return a module of *asserts* test functions whose body is the *shape*, as a test file holds it."""
    parameters, body = SHAPES[shape]
    functions = (f"def test_{i}({parameters}):\n    {body.format(i=i)}\n" for i in range(asserts))
    return "\n\n".join(functions).encode()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def measure(work: Callable[[], object], runs: int = 5) -> float:
    """Return the best CPU seconds of *work* over *runs* runs, the cyclic collector paused."""
    best = float("inf")
    with _collector_paused():
        for _ in range(runs):
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
    return best


def _plain(source: bytes) -> Callable[[], object]:
    return functools.partial(compile, source, _FILENAME, "exec", dont_inherit=True)


def _cold(source: bytes) -> Callable[[], object]:
    return functools.partial(compile_rewritten, source, _FILENAME)


def _cached(source: bytes) -> Callable[[], object]:
    return functools.partial(marshal.loads, marshal.dumps(compile_rewritten(source, _FILENAME)))


class Rewrite:
    """Cold and plain compiling of a module of asserts, per shape."""

    params = (list(SHAPES),)
    param_names = ("shape",)
    timer = time.process_time

    def setup(self, shape: str) -> None:
        """Build the module's source."""
        self.source = module_source(shape)

    def time_cold(self, shape: str) -> None:
        """Parse, rewrite and compile the module."""
        compile_rewritten(self.source, _FILENAME)

    def time_plain(self, shape: str) -> None:
        """Compile the module unchanged."""
        compile(self.source, _FILENAME, "exec", dont_inherit=True)

    @_unit("us/assert")
    def track_cold_us_per_assert(self, shape: str) -> float:
        """Microseconds per assert of a cold import, best of a few runs."""
        return 1e6 * measure(_cold(self.source)) / ASSERTS

    @_unit("x")
    def track_cold_over_plain(self, shape: str) -> float:
        """Cold import time over plain compile time, both measured here on the same module."""
        return measure(_cold(self.source)) / measure(_plain(self.source))


def main(argv: Sequence[str] | None = None) -> int:
    """Print microseconds per assert of plain, cold and cached imports, and the rewriting cost, per shape."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_rewrite", description=main.__doc__)
    parser.add_argument(
        "--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES), help="assert shapes"
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement; the best counts")
    args = parser.parse_args(argv)
    print(f"modules of {ASSERTS} test functions, one assert each: CPU us per assert, best of {args.runs}")
    print(f"{'shape':>8} {'plain':>8} {'cold':>8} {'cached':>8} {'rewriting':>10} {'cold/plain':>11}  assert")
    for shape in args.shapes:
        source = module_source(shape)
        plain, cold, cached = (
            1e6 * measure(work(source), args.runs) / ASSERTS for work in (_plain, _cold, _cached)
        )
        example = SHAPES[shape][1].format(i=7).splitlines()[-1].strip()
        print(
            f"{shape:>8} {plain:>8.1f} {cold:>8.1f} {cached:>8.1f} {cold - cached:>10.1f} "
            f"{cold / plain:>10.1f}x  {example}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
