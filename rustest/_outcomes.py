"""Outcome signals a test raises to end itself early: skip, fail, xfail and exit.

The signals derive from ``BaseException`` (as pytest's do), so a broad
``except Exception`` in the code under test cannot swallow them. Each
raising function carries its exception class as ``.Exception``
(``skip.Exception is Skipped``), which suites written for pytest use in
``except`` clauses.
"""

from __future__ import annotations

import re
import sys
import warnings
from typing import Any, ClassVar, NoReturn

from rustest._marks import MarkDecorator, mark

__all__ = [
    "Exit",
    "Failed",
    "OutcomeException",
    "Skipped",
    "XFailed",
    "exit",
    "fail",
    "importorskip",
    "skip",
    "skip_decorator",
    "xfail",
]


class OutcomeException(BaseException):
    """Base of the signals that end a test with an outcome other than an error.

    ``msg`` is the reason shown to the user; ``pytrace=False`` asks reporters
    to show only ``msg``, without a traceback.
    """

    def __init__(self, msg: str | None = None, pytrace: bool = True) -> None:
        if msg is not None and not isinstance(msg, str):
            raise TypeError(
                f"{type(self).__name__} expects a string reason, got {type(msg).__name__}; "
                "did you mean to use a mark?"
            )
        super().__init__(msg)
        self.msg = msg
        self.pytrace = pytrace

    def __repr__(self) -> str:
        if self.msg is not None:
            return self.msg
        return f"<{type(self).__name__} instance>"

    __str__ = __repr__


class Skipped(OutcomeException):
    """Raised by ``skip()``: the test (or, with ``allow_module_level``, the module) is skipped."""

    def __init__(
        self, msg: str | None = None, pytrace: bool = True, allow_module_level: bool = False
    ) -> None:
        super().__init__(msg, pytrace)
        self.allow_module_level = allow_module_level


class Failed(OutcomeException):
    """Raised by ``fail()`` and by failed ``raises``/``warns`` checks: the test fails."""


class XFailed(Failed):
    """Raised by ``xfail()``: the test is reported as an expected failure."""


class Exit(Exception):
    """Raised by ``exit()``: stop the whole run; ``returncode`` becomes the exit status."""

    def __init__(self, msg: str = "unknown reason", returncode: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.returncode = returncode


class _Skip:
    """Skip the running test with *reason*.

    Call it from a test, a fixture, or (with ``allow_module_level=True``) a
    test module's top level to skip the whole module. Prefer
    ``mark.skipif`` when the condition is known at import time.
    """

    Exception: ClassVar[type[Skipped]] = Skipped

    def __call__(self, reason: str = "", allow_module_level: bool = False) -> NoReturn:
        """Raise ``Skipped(reason)``."""
        __tracebackhide__ = True
        raise Skipped(reason, allow_module_level=allow_module_level)


class _Fail:
    """Fail the running test with *reason*; ``pytrace=False`` hides the traceback."""

    Exception: ClassVar[type[Failed]] = Failed

    def __call__(self, reason: str = "", pytrace: bool = True) -> NoReturn:
        """Raise ``Failed(reason)``."""
        __tracebackhide__ = True
        raise Failed(reason, pytrace)


class _XFail:
    """End the running test as an expected failure with *reason*.

    Nothing after the call runs. Prefer ``mark.xfail`` for known bugs.
    """

    Exception: ClassVar[type[XFailed]] = XFailed

    def __call__(self, reason: str = "") -> NoReturn:
        """Raise ``XFailed(reason)``."""
        __tracebackhide__ = True
        raise XFailed(reason)


class _Exit:
    """Stop the whole test run with *reason*; *returncode* is the process exit status."""

    Exception: ClassVar[type[Exit]] = Exit

    def __call__(self, reason: str = "", returncode: int | None = None) -> NoReturn:
        """Raise ``Exit(reason, returncode)``."""
        __tracebackhide__ = True
        raise Exit(reason, returncode)


skip = _Skip()
fail = _Fail()
xfail = _XFail()
exit = _Exit()  # shadows the builtin on purpose: suites written for pytest call it by this name


def skip_decorator(reason: str | None = None) -> MarkDecorator:
    """Return ``mark.skip(reason=reason)``: a decorator that skips a test or class unconditionally."""
    return mark.skip(reason=reason)


def importorskip(
    modname: str,
    minversion: str | None = None,
    reason: str | None = None,
    *,
    exc_type: type[ImportError] = ModuleNotFoundError,
) -> Any:
    """Import and return module *modname*, or skip the test (or module) when that fails.

    The skip happens when the import raises *exc_type*. The default,
    ``ModuleNotFoundError``, means "not installed"; a module that is
    installed but breaks on import is a real error and surfaces as one. Pass
    ``exc_type=ImportError`` to skip in that case too. With *minversion*, a
    module whose ``__version__`` is older (PEP 440 ordering) is skipped as
    well. *reason* replaces the default skip message for a failed import.
    """
    __tracebackhide__ = True
    compile(modname, "", "eval")  # a malformed name is a SyntaxError here, not a confusing skip
    failure: Skipped | None
    with warnings.catch_warnings():
        # A same-named directory without __init__.py triggers ImportWarning; it is not the user's concern.
        warnings.simplefilter("ignore")
        try:
            __import__(modname)
        except exc_type as exc:
            failure = Skipped(reason or f"could not import {modname!r}: {exc}", allow_module_level=True)
        else:
            failure = None
    if failure is not None:
        raise failure
    module = sys.modules[modname]
    if minversion is None:
        return module
    found = getattr(module, "__version__", None)
    found_key = _version_key(found) if isinstance(found, str) else None
    if found_key is None or found_key < _required_version_key(minversion):
        raise Skipped(
            f"module {modname!r} has __version__ {found!r}, required is: {minversion!r}",
            allow_module_level=True,
        )
    return module


_VERSION = re.compile(
    r"""
    ^\s*v?
    (?:(?P<epoch>\d+)!)?
    (?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?
    (?:-(?P<post_implicit>\d+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post_n>\d*))?
    (?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?
    \s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}

_VersionKey = tuple[int, tuple[int, ...], tuple[int, int], tuple[int, int], tuple[int, int]]


def _version_key(text: str) -> _VersionKey | None:
    """Return a sort key that orders PEP 440 versions as ``packaging`` does, or None if unparsable.

    rustest depends on nothing but ``outcome``, so the comparison lives here.
    """
    match = _VERSION.match(text)
    if match is None:
        return None
    release = tuple(int(part) for part in match["release"].split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    post_text = match["post_implicit"] or match["post_n"]
    has_post = match["post_implicit"] is not None or match["post_n"] is not None
    has_dev = match["dev_n"] is not None
    if match["pre"] is not None:
        pre = (_PRE_RANK[match["pre"].lower()], int(match["pre_n"] or 0))
    elif has_dev and not has_post:
        pre = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (3, 0)  # a final release sorts after its pre-releases
    post = (1, int(post_text or 0)) if has_post else (0, 0)
    dev = (0, int(match["dev_n"] or 0)) if has_dev else (1, 0)
    return (int(match["epoch"] or 0), release, pre, post, dev)


def _required_version_key(minversion: str) -> _VersionKey:
    key = _version_key(minversion)
    if key is None:
        raise ValueError(f"importorskip: minversion {minversion!r} is not a valid version")
    return key
