"""``raises``: assert that a block or a call raises an exception, and inspect it afterwards."""

from __future__ import annotations

import builtins
import re
import sys
import traceback
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, overload

from rustest._outcomes import fail

__all__ = ["ExceptionInfo", "RaisesContext", "raises"]

E = TypeVar("E", bound=BaseException)

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup

    _EXCEPTION_GROUPS: tuple[type[BaseException], ...] = (BaseExceptionGroup,)
else:
    _EXCEPTION_GROUPS = ()


class ExceptionInfo(Generic[E]):
    """The exception a ``raises`` block caught: ``.value``, ``.type``, ``.tb`` and helpers.

    From a ``with raises(...) as info:`` block it is filled in when the block
    exits; reading it inside the block is an error.
    """

    __slots__ = ("_caught",)

    def __init__(self, caught: tuple[type[E], E, TracebackType | None] | None = None) -> None:
        self._caught = caught

    @classmethod
    def from_exception(cls, exception: E) -> ExceptionInfo[E]:
        """Return the info of an exception object that was raised (or just created)."""
        return cls((type(exception), exception, exception.__traceback__))

    def fill(self, caught: tuple[type[E], E, TracebackType | None]) -> None:
        """Record the caught exception; done once, by the ``raises`` block that made this info."""
        if self._caught is not None:
            raise RuntimeError("ExceptionInfo is already filled")
        self._caught = caught

    def _get(self) -> tuple[type[E], E, TracebackType | None]:
        if self._caught is None:
            raise AssertionError(
                "the exception is only known after the 'with raises(...)' block exits; "
                "read it after the block, not inside it"
            )
        return self._caught

    @property
    def type(self) -> type[E]:
        """The exception's class."""
        return self._get()[0]

    @property
    def value(self) -> E:
        """The exception object."""
        return self._get()[1]

    @property
    def tb(self) -> TracebackType | None:
        """The exception's traceback."""
        return self._get()[2]

    @property
    def traceback(self) -> TracebackType | None:
        """The exception's traceback (the same as ``tb``)."""
        return self.tb

    @property
    def typename(self) -> str:
        """The exception class's name (``"ValueError"``)."""
        return self.type.__name__

    def exconly(self, tryshort: bool = False) -> str:
        """Return ``"Type: message"``; with *tryshort*, drop the ``AssertionError: `` prefix."""
        text = "".join(traceback.format_exception_only(self.type, self.value)).rstrip()
        if tryshort and isinstance(self.value, AssertionError):
            text = text.removeprefix("AssertionError: ")
        return text

    def errisinstance(
        self, exc: builtins.type[BaseException] | tuple[builtins.type[BaseException], ...]
    ) -> bool:
        """Return whether the exception is an instance of *exc*."""
        return isinstance(self.value, exc)

    def match(self, regexp: str | re.Pattern[str]) -> Literal[True]:
        """Assert that *regexp* is found (``re.search``) in the exception's message and notes."""
        __tracebackhide__ = True
        text = _exception_text(self.value)
        if re.search(regexp, text) is None:
            raise AssertionError(_mismatch_message(regexp, text))
        return True

    def __repr__(self) -> str:
        if self._caught is None:
            return "<ExceptionInfo for raises contextmanager>"
        return f"<ExceptionInfo {self._caught[1]!r}>"


class RaisesContext(Generic[E]):
    """The context manager ``raises(...)`` returns; entering it gives the ``ExceptionInfo``.

    On exit it fails the test (``Failed``) if nothing was raised, lets an
    exception of another type through unchanged, and raises
    ``AssertionError`` if the message does not match *match*.
    """

    def __init__(
        self,
        expected_exception: type[E] | tuple[type[E], ...],
        *,
        match: str | re.Pattern[str] | None = None,
    ) -> None:
        self.expected_exceptions = _exception_types(expected_exception)
        self.match = _compiled(match)
        self.excinfo: ExceptionInfo[E] = ExceptionInfo()

    def __enter__(self) -> ExceptionInfo[E]:
        return self.excinfo

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool:
        __tracebackhide__ = True
        if exc_value is None:
            if len(self.expected_exceptions) == 1:
                fail(f"DID NOT RAISE {self.expected_exceptions[0]!r}")
            fail(f"DID NOT RAISE any of {self.expected_exceptions!r}")
        if not isinstance(exc_value, self.expected_exceptions):
            return False
        if self.match is not None:
            text = _exception_text(exc_value, group_message_only=True)
            if self.match.search(text) is None:
                raise AssertionError(_mismatch_message(self.match.pattern, text))
        self.excinfo.fill((type(exc_value), exc_value, exc_tb))
        return True

    def __repr__(self) -> str:
        expected = ", ".join(kind.__name__ for kind in self.expected_exceptions)
        suffix = "" if self.match is None else f", match={self.match.pattern!r}"
        return f"RaisesContext({expected}{suffix})"


@overload
def raises(
    expected_exception: type[E] | tuple[type[E], ...],
    *,
    match: str | re.Pattern[str] | None = ...,
) -> RaisesContext[E]: ...


@overload
def raises(
    expected_exception: type[E] | tuple[type[E], ...],
    func: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> ExceptionInfo[E]: ...


def raises(
    expected_exception: type[E] | tuple[type[E], ...],
    *args: Any,
    **kwargs: Any,
) -> RaisesContext[E] | ExceptionInfo[E]:
    """Assert that code raises *expected_exception* (a type, or a tuple of types; subclasses count).

    As a context manager, ``with raises(ValueError, match=r"must be \\d+") as
    info:`` checks the block; *match* is searched (``re.search``) in the
    message and its notes; ``info`` holds the exception afterwards. The
    legacy form ``raises(ValueError, func, *args, **kwargs)`` calls
    ``func(*args, **kwargs)`` (every keyword goes to *func*) and returns the
    ``ExceptionInfo``.
    """
    __tracebackhide__ = True
    if not args:
        unexpected = sorted(set(kwargs) - {"match"})
        if unexpected:
            raise TypeError(
                f"unexpected keyword arguments passed to raises: {', '.join(unexpected)}; "
                "to pass arguments to a function, use raises(Exc, func, *args, **kwargs)"
            )
        return RaisesContext(expected_exception, match=kwargs.get("match"))
    func = args[0]
    if not callable(func):
        raise TypeError(f"{func!r} object (type: {type(func).__name__}) must be callable")
    with RaisesContext(expected_exception) as info:
        func(*args[1:], **kwargs)
    return info


def _exception_text(exception: BaseException, *, group_message_only: bool = False) -> str:
    """Return the text ``match`` patterns are searched in: the message, then each PEP 678 note.

    With *group_message_only*, an exception group contributes its own message
    only, not the summary of its sub-exceptions.
    """
    message = str(exception)
    if group_message_only and isinstance(exception, _EXCEPTION_GROUPS):
        message = str(exception.args[0])
    notes = getattr(exception, "__notes__", None)
    return "\n".join([message, *notes]) if isinstance(notes, list) else message


def _mismatch_message(pattern: str | re.Pattern[str], text: str) -> str:
    shown = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    message = f"Regex pattern did not match.\n  Expected regex: {shown!r}\n  Actual message: {text!r}"
    if shown == text:
        message += "\n Did you mean to `re.escape()` the regex?"
    return message


def _exception_types(expected: object) -> tuple[type[Any], ...]:
    __tracebackhide__ = True
    candidates = expected if isinstance(expected, tuple) else (expected,)
    if not candidates:
        raise ValueError(
            "raises() needs an exception type or a non-empty tuple of them, got (); an unexpected "
            "exception already fails the test, so there is nothing to assert for 'raises nothing'"
        )
    for candidate in candidates:
        if not (isinstance(candidate, type) and issubclass(candidate, BaseException)):
            shown = type(candidate).__name__ if isinstance(candidate, BaseException) else repr(candidate)
            raise TypeError(f"raises() expects exception types such as ValueError, got {shown}")
    return candidates


def _compiled(match: str | re.Pattern[str] | None) -> re.Pattern[str] | None:
    __tracebackhide__ = True
    if match is None or isinstance(match, re.Pattern):
        return match
    if match == "":
        warnings.warn(
            "raises(match='') always matches; to check for an empty message pass '^$', "
            "and to skip the check leave match out",
            UserWarning,
            stacklevel=4,
        )
    try:
        return re.compile(match)
    except re.error as exc:
        fail(f"invalid regex pattern in raises(match={match!r}): {exc}")
