"""``warns`` and ``deprecated_call``: assert that code emits a warning, and record what it emits."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar, overload

from rustest._outcomes import Exit, fail

__all__ = ["WarningsChecker", "WarningsRecorder", "deprecated_call", "warns"]

T = TypeVar("T")

_DEPRECATIONS: tuple[type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


class WarningsRecorder:
    """A context manager that records every warning emitted inside it, each once per call.

    Inside the block all warnings are recorded (none is raised or shown);
    the recorder is a sequence of ``warnings.WarningMessage``.
    """

    def __init__(self) -> None:
        self._catcher: warnings.catch_warnings[list[warnings.WarningMessage]] | None = None
        self._records: list[warnings.WarningMessage] = []

    @property
    def list(self) -> list[warnings.WarningMessage]:
        """The recorded warnings, oldest first."""
        return self._records

    def __getitem__(self, index: int) -> warnings.WarningMessage:
        """Return the recorded warning at *index*."""
        return self._records[index]

    def __iter__(self) -> Iterator[warnings.WarningMessage]:
        """Iterate over the recorded warnings, oldest first."""
        return iter(self._records)

    def __len__(self) -> int:
        """Return the number of recorded warnings."""
        return len(self._records)

    def pop(self, cls: type[Warning] = Warning) -> warnings.WarningMessage:
        """Remove and return the first warning of category *cls*, preferring an exact category match.

        Among subclasses of *cls*, the least derived one is taken. Raises
        ``AssertionError`` when no recorded warning is a *cls*.
        """
        __tracebackhide__ = True
        best: int | None = None
        for index, record in enumerate(self._records):
            if record.category is cls:
                return self._records.pop(index)
            if issubclass(record.category, cls) and (
                best is None or not issubclass(record.category, self._records[best].category)
            ):
                best = index
        if best is None:
            raise AssertionError(f"{cls!r} not found in warning list")
        return self._records.pop(best)

    def clear(self) -> None:
        """Forget the warnings recorded so far."""
        self._records.clear()

    def __enter__(self) -> WarningsRecorder:
        if self._catcher is not None:
            raise RuntimeError(f"cannot enter {self!r} twice")
        self._catcher = warnings.catch_warnings(record=True)
        self._records = self._catcher.__enter__()
        # "always": a warning already shown once elsewhere must still be recorded here.
        warnings.simplefilter("always")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if self._catcher is None:
            raise RuntimeError(f"cannot exit {self!r} without entering it first")
        self._catcher.__exit__(exc_type, exc_value, exc_tb)
        self._catcher = None


class WarningsChecker(WarningsRecorder):
    """The context manager ``warns(...)`` returns: it records warnings and checks one was expected.

    On exit it fails the test when no recorded warning is an
    *expected_warning* whose message matches *match* (an exception from the
    block becomes the failure's context; skip, fail and exit signals pass
    through unchecked). Every
    warning that was not expected is emitted again, so filters and other
    checks further out still see it.
    """

    def __init__(
        self,
        expected_warning: type[Warning] | tuple[type[Warning], ...] = Warning,
        match: str | re.Pattern[str] | None = None,
    ) -> None:
        super().__init__()
        candidates = expected_warning if isinstance(expected_warning, tuple) else (expected_warning,)
        for candidate in candidates:
            if not (isinstance(candidate, type) and issubclass(candidate, Warning)):
                raise TypeError(f"warns() expects Warning subclasses, got {candidate!r}")
        self.expected_warning = candidates
        self.match = match

    def matches(self, record: warnings.WarningMessage) -> bool:
        """Return whether *record* is an expected warning whose message matches."""
        return issubclass(record.category, self.expected_warning) and (
            self.match is None or re.search(self.match, str(record.message)) is not None
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc_value, exc_tb)
        __tracebackhide__ = True
        if exc_value is not None and (not isinstance(exc_value, Exception) or isinstance(exc_value, Exit)):
            # Skip/fail/exit signals and Ctrl-C are control flow: they propagate, never "DID NOT WARN".
            return
        try:
            self._check()
        finally:
            for record in self:
                if not self.matches(record):
                    warnings.warn_explicit(
                        message=record.message,
                        category=record.category,
                        filename=record.filename,
                        lineno=record.lineno,
                        source=record.source,
                    )

    def _check(self) -> None:
        __tracebackhide__ = True
        from pprint import pformat  # only a failed warns() check shows the warnings this way

        emitted = pformat([record.message for record in self], indent=2)
        if not any(issubclass(record.category, self.expected_warning) for record in self):
            fail(
                f"DID NOT WARN. No warnings of type {self._expected_text()} were emitted.\n"
                f" Emitted warnings: {emitted}."
            )
        if not any(self.matches(record) for record in self):
            pattern = self.match.pattern if isinstance(self.match, re.Pattern) else self.match
            fail(
                f"DID NOT WARN. No warnings of type {self._expected_text()} "
                "matching the regex were emitted.\n"
                f" Regex: {pattern}\n"
                f" Emitted warnings: {emitted}."
            )

    def _expected_text(self) -> str:
        return (
            repr(self.expected_warning[0]) if len(self.expected_warning) == 1 else repr(self.expected_warning)
        )


@overload
def warns(
    expected_warning: type[Warning] | tuple[type[Warning], ...] = ...,
    *,
    match: str | re.Pattern[str] | None = ...,
) -> WarningsChecker: ...


@overload
def warns(
    expected_warning: type[Warning] | tuple[type[Warning], ...],
    func: Callable[..., T],
    /,
    *args: Any,
    **kwargs: Any,
) -> T: ...


def warns(
    expected_warning: type[Warning] | tuple[type[Warning], ...] = Warning,
    *args: Any,
    match: str | re.Pattern[str] | None = None,
    **kwargs: Any,
) -> WarningsChecker | Any:
    """Assert that code emits at least one *expected_warning* (a class or a tuple of classes).

    As a context manager, ``with warns(UserWarning, match="deprecated") as
    record:`` checks the block; *match* is searched (``re.search``) in the
    warning's message and ``record`` lists every warning emitted. The form
    ``warns(UserWarning, func, *args, **kwargs)`` calls the function, checks
    it warned, and returns its result.
    """
    __tracebackhide__ = True
    if not args:
        if kwargs:
            raise TypeError(
                f"unexpected keyword arguments passed to warns: {', '.join(sorted(kwargs))}; "
                "to pass arguments to a function, use warns(Warning, func, *args, **kwargs)"
            )
        return WarningsChecker(expected_warning, match=match)
    func = args[0]
    if not callable(func):
        raise TypeError(f"{func!r} object (type: {type(func).__name__}) must be callable")
    with WarningsChecker(expected_warning, match=match):
        return func(*args[1:], **kwargs)


@overload
def deprecated_call(*, match: str | re.Pattern[str] | None = ...) -> WarningsChecker: ...


@overload
def deprecated_call(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


def deprecated_call(
    func: Callable[..., Any] | None = None, /, *args: Any, **kwargs: Any
) -> WarningsChecker | Any:
    """Assert that code emits a ``DeprecationWarning``, ``PendingDeprecationWarning`` or ``FutureWarning``.

    Use it like ``warns``: ``with deprecated_call(match="old"):`` or
    ``deprecated_call(func, *args, **kwargs)``, which returns the result.
    """
    __tracebackhide__ = True
    if func is None:
        return warns(_DEPRECATIONS, *args, **kwargs)
    return warns(_DEPRECATIONS, func, *args, **kwargs)
