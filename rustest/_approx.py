"""``approx``: compare numbers, and sequences or mappings of numbers, within a tolerance.

Semantics follow pytest's ``approx``: a value matches when it is within
``max(rel * |expected|, abs)`` of the expected one, with ``rel=1e-6`` and
``abs=1e-12`` by default; giving only ``abs`` uses ``abs`` alone. Booleans,
strings and other non-numbers compare by plain equality; infinities only
equal themselves; NaN equals NaN only with ``nan_ok=True``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Collection, Iterable, Mapping, Sized
from decimal import Decimal
from numbers import Complex
from pprint import pformat
from typing import Any, ClassVar, cast

__all__ = ["ApproxBase", "ApproxDecimal", "ApproxMapping", "ApproxScalar", "ApproxSequence", "approx"]

Tolerance = float | Decimal


class ApproxBase:
    """An expected value that compares equal to values close enough to it (``actual == approx(x)``)."""

    def __init__(self, expected: Any, rel: Tolerance | None, abs: Tolerance | None, nan_ok: bool) -> None:
        self.expected = expected
        self.rel = rel
        self.abs = abs
        self.nan_ok = nan_ok

    def __eq__(self, actual: object) -> bool:
        """Return whether every number of *actual* is close enough to its expected counterpart."""
        return all(value == self._scalar(expected) for value, expected in self._pairs(actual))

    def __ne__(self, actual: object) -> bool:
        """Return the opposite of ``==``."""
        return not self == actual

    def __bool__(self) -> bool:
        """Refuse truth testing: ``assert approx(x)`` is always a mistake for ``assert y == approx(x)``."""
        raise AssertionError(
            "approx() is not supported in a boolean context.\nDid you mean: `assert a == approx(b)`?"
        )

    def _scalar(self, expected: object) -> ApproxScalar:
        kind = ApproxDecimal if isinstance(expected, Decimal) else ApproxScalar
        return kind(expected, self.rel, self.abs, self.nan_ok)

    def _pairs(self, actual: object) -> Iterable[tuple[object, object]]:
        """Yield (actual, expected) pairs of scalars to compare."""
        raise NotImplementedError


class ApproxScalar(ApproxBase):
    """A single expected number (or any value, compared by plain equality if not a number)."""

    DEFAULT_ABSOLUTE_TOLERANCE: ClassVar[Tolerance] = 1e-12
    DEFAULT_RELATIVE_TOLERANCE: ClassVar[Tolerance] = 1e-6

    @property
    def tolerance(self) -> Any:
        """The allowed distance from the expected value: the wider of the relative and absolute tolerance."""
        absolute = self.DEFAULT_ABSOLUTE_TOLERANCE if self.abs is None else self.abs
        if self.rel is None and self.abs is not None:
            return absolute
        relative = (self.DEFAULT_RELATIVE_TOLERANCE if self.rel is None else self.rel) * builtins.abs(
            self.expected
        )
        return max(relative, absolute)

    def __eq__(self, actual: object) -> bool:
        """Return whether *actual* is within the tolerance of the expected number."""
        expected = self.expected
        if isinstance(expected, bool) and not isinstance(actual, bool):
            return False
        if actual == expected:
            return True
        if isinstance(expected, bool) or not (_is_number(expected) and _is_number(actual)):
            return False
        number: Any = actual
        if math.isnan(builtins.abs(expected)):
            return self.nan_ok and math.isnan(builtins.abs(number))
        if math.isinf(builtins.abs(expected)):
            return False
        return bool(builtins.abs(expected - number) <= self.tolerance)

    def __repr__(self) -> str:
        """Return ``1.0 ± 1.0e-06``: the expected value and the tolerance (``∠ ±180°`` for complex)."""
        expected = self.expected
        if isinstance(expected, bool) or not _is_number(expected) or math.isinf(builtins.abs(expected)):
            return str(expected)
        tolerance = self.tolerance
        shown = f"{tolerance:g}" if 1e-3 <= tolerance < 1e3 else f"{tolerance:.1e}"
        if isinstance(expected, complex) and expected.imag and not math.isinf(tolerance):
            shown += " ∠ ±180°"
        return f"{expected} ± {shown}"

    def _pairs(self, actual: object) -> Iterable[tuple[object, object]]:
        return [(actual, self.expected)]


class ApproxDecimal(ApproxScalar):
    """A single expected ``Decimal``; tolerances are Decimals too (float ones are converted)."""

    DEFAULT_ABSOLUTE_TOLERANCE: ClassVar[Tolerance] = Decimal("1e-12")
    DEFAULT_RELATIVE_TOLERANCE: ClassVar[Tolerance] = Decimal("1e-6")

    def __init__(self, expected: Any, rel: Tolerance | None, abs: Tolerance | None, nan_ok: bool) -> None:
        super().__init__(expected, _as_decimal(rel), _as_decimal(abs), nan_ok)


class ApproxMapping(ApproxBase):
    """A mapping of expected numbers: equal to a mapping with the same keys and close values."""

    def __init__(self, expected: Any, rel: Tolerance | None, abs: Tolerance | None, nan_ok: bool) -> None:
        super().__init__(expected, rel, abs, nan_ok)
        for key, value in expected.items():
            if isinstance(value, type(expected)):
                raise TypeError(
                    f"approx() does not support nested mappings: key={key!r} value={value!r}\n"
                    f"  full mapping={pformat(expected)}"
                )

    def __eq__(self, actual: object) -> bool:
        """Return whether *actual* has the same keys and each value is close to the expected one."""
        keys = getattr(actual, "keys", None)
        if not callable(keys) or set(keys()) != set(self.expected.keys()):
            return False
        return super().__eq__(actual)

    def __repr__(self) -> str:
        """Return ``approx({'a': 1.0 ± 1.0e-06})``."""
        return f"approx({ {key: self._scalar(value) for key, value in self.expected.items()}!r})"

    def _pairs(self, actual: object) -> Iterable[tuple[object, object]]:
        return [(actual[key], value) for key, value in self.expected.items()]  # type: ignore[index]


class ApproxSequence(ApproxBase):
    """An ordered sequence of expected numbers: equal to a sequence of the same length with close items."""

    def __init__(self, expected: Any, rel: Tolerance | None, abs: Tolerance | None, nan_ok: bool) -> None:
        super().__init__(expected, rel, abs, nan_ok)
        for index, value in enumerate(expected):
            if isinstance(value, type(expected)):
                raise TypeError(
                    f"approx() does not support nested data structures: {value!r} at index {index}\n"
                    f"  full sequence: {pformat(expected)}"
                )

    def __eq__(self, actual: object) -> bool:
        """Return whether *actual* has as many items as expected and each is close to its counterpart."""
        if not isinstance(actual, Sized) or len(actual) != len(self.expected):
            return False
        return super().__eq__(actual)

    def __repr__(self) -> str:
        """Return ``approx([1.0 ± 1.0e-06, ...])``, keeping a tuple a tuple."""
        kind = type(self.expected) if type(self.expected) in (list, tuple) else list
        return f"approx({kind(self._scalar(value) for value in self.expected)!r})"

    def _pairs(self, actual: object) -> Iterable[tuple[object, object]]:
        return zip(cast(Iterable[object], actual), self.expected, strict=True)


def approx(
    expected: object,
    rel: Tolerance | None = None,
    abs: Tolerance | None = None,
    nan_ok: bool = False,
) -> ApproxBase:
    """Return an object equal to values within tolerance of *expected*: ``assert 0.1 + 0.2 == approx(0.3)``.

    *expected* is a number (int, float, complex, ``Decimal``), an ordered
    sequence of numbers, or a mapping whose values are numbers. A value
    matches when it is within ``max(rel * |expected|, abs)``; *rel* defaults
    to ``1e-6`` and *abs* to ``1e-12``, and giving only *abs* uses it alone.
    *nan_ok* makes NaN equal NaN.
    """
    for label, tolerance in (("relative", rel), ("absolute", abs)):
        if tolerance is not None and (math.isnan(tolerance) or tolerance < 0):
            raise ValueError(f"{label} tolerance must be a non-negative number, got {tolerance!r}")
    if isinstance(expected, Decimal):
        return ApproxDecimal(expected, rel, abs, nan_ok)
    if isinstance(expected, Mapping):
        return ApproxMapping(expected, rel, abs, nan_ok)
    if (
        hasattr(expected, "__getitem__")
        and isinstance(expected, Sized)
        and not isinstance(expected, str | bytes)
    ):
        return ApproxSequence(expected, rel, abs, nan_ok)
    if isinstance(expected, Collection) and not isinstance(expected, str | bytes):
        raise TypeError(f"approx() only supports ordered sequences, but got: {expected!r}")
    return ApproxScalar(expected, rel, abs, nan_ok)


def _is_number(value: object) -> bool:
    return isinstance(value, Complex | Decimal)


def _as_decimal(tolerance: Tolerance | None) -> Decimal | None:
    if tolerance is None or isinstance(tolerance, Decimal):
        return tolerance
    return Decimal(repr(tolerance))
