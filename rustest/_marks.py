"""The ``mark`` namespace: ``mark.slow``, ``mark.skipif(...)``, ``mark.parametrize(...)``, ...

``mark.<name>`` gives a ``MarkDecorator``. Calling it with a single function
or class applies the mark: the ``Mark`` is appended to the object's
``pytestmark`` list, as pytest does. Calling it with anything else returns a
new decorator that carries those arguments. Built-in marks check their
arguments when they are given, so a typo fails at import with a message
naming the mark, and they are stored in one normal form that collection
reads:

- ``skip``: ``kwargs["reason"]`` if given.
- ``skipif``: ``args == (condition,)``; ``kwargs["reason"]`` if given.
- ``xfail``: ``args == (condition,)`` if a condition was given; ``reason``,
  ``raises``, ``strict`` and ``run`` in ``kwargs`` if given.
- ``usefixtures``: ``args`` are the fixture names.
- ``parametrize``: ``args == (argnames, argvalues)`` with ``argvalues`` a
  list; ``kwargs == {"ids": list | callable | None, "indirect": bool | list}``.
- ``asyncio``, ``trio``, ``anyio``: ``kwargs["loop_scope"]`` (a scope label) if given.
- ``filterwarnings``: ``args`` are the filter strings.
"""

from __future__ import annotations

import enum
import inspect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from rustest._errors import DefinitionError
from rustest._scope import Scope
from rustest._spec import FIXTURE_ATTR, MARKS_ATTR, Mark, get_marks

__all__ = ["MarkDecorator", "MarkGenerator", "listed_ids", "mark", "source_location", "store_mark"]

Markable = TypeVar("Markable", bound=Callable[..., object] | type)

_MISSPELLINGS = frozenset({"parameterize", "parametrise", "parameterise"})
_WARNING_ACTIONS = ("default", "always", "all", "ignore", "module", "once", "error")


class _Omitted(enum.Enum):
    """Marks an argument the caller did not pass, where ``None`` is a meaningful value."""

    OMITTED = "omitted"


_OMITTED = _Omitted.OMITTED


@dataclass(frozen=True, slots=True)
class MarkDecorator:
    """A decorator that applies one ``Mark`` to a test function or class.

    ``@mark.slow`` applies ``Mark("slow")``; ``mark.timeout(5)`` returns a new
    decorator carrying the argument. Use ``with_args`` to pass a single
    function or class as a mark argument.
    """

    mark: Mark

    @property
    def name(self) -> str:
        """The mark's name (``"slow"``)."""
        return self.mark.name

    @property
    def args(self) -> tuple[Any, ...]:
        """The mark's positional arguments."""
        return self.mark.args

    @property
    def kwargs(self) -> Mapping[str, Any]:
        """The mark's keyword arguments."""
        return self.mark.kwargs

    def with_args(self, *args: object, **kwargs: object) -> MarkDecorator:
        """Return a decorator whose mark has *args* appended and *kwargs* merged in."""
        combined = Mark(self.mark.name, self.mark.args + args, {**self.mark.kwargs, **kwargs})
        return MarkDecorator(_checked(combined))

    @overload
    def __call__(self, target: Markable, /) -> Markable: ...  # type: ignore[overload-overlap]

    @overload
    def __call__(self, *args: object, **kwargs: object) -> MarkDecorator: ...

    def __call__(self, *args: object, **kwargs: object) -> object:
        """Apply the mark to a single function or class, or return a decorator with more arguments."""
        if len(args) == 1 and not kwargs:
            target = args[0]
            # A staticmethod's marks are read from the function it wraps.
            inner = target.__func__ if isinstance(target, staticmethod | classmethod) else target
            if inspect.isclass(inner) or _is_named_callable(inner):
                store_mark(inner, _checked(self.mark))
                return target
        return self.with_args(*args, **kwargs)


class MarkGenerator:
    """The ``mark`` namespace: each attribute is a ``MarkDecorator`` of that name.

    ``mark.slow``, ``mark.skip(reason=...)``, ``mark.skipif(cond, reason=...)``,
    ``mark.xfail(cond, *, reason=, raises=, strict=, run=)``,
    ``mark.usefixtures(*names)``, ``mark.parametrize(argnames, argvalues,
    *, ids=None, indirect=False)``, ``mark.asyncio(loop_scope=None)``,
    ``mark.trio``, ``mark.anyio``, ``mark.filterwarnings(*filters)``.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> MarkDecorator:
        """Return the decorator of mark *name*."""
        if name.startswith("_"):
            raise AttributeError("mark names must not start with an underscore")
        if name in _MISSPELLINGS:
            raise AttributeError(f"unknown mark {name!r}: did you mean 'parametrize'?")
        return MarkDecorator(Mark(name))


mark = MarkGenerator()
"""The mark namespace (``from rustest import mark``)."""


def store_mark(obj: object, new: Mark) -> None:
    """Append *new* to the ``pytestmark`` list of function or class *obj*.

    The list is always replaced, never mutated: a class that only inherits
    its base's list gets a copy of its own, so the base is unaffected.
    """
    if getattr(obj, FIXTURE_ATTR, None) is not None:
        raise DefinitionError(
            f"mark.{new.name} is applied to fixture {_name_of(obj)!r} ({source_location(obj)}): "
            "marks have no effect on fixtures; mark the tests that use the fixture instead"
        )
    setattr(obj, MARKS_ATTR, [*get_marks(obj), new])


def source_location(obj: object) -> str:
    """Return ``file:line`` of the definition of function or class *obj*, or ``"unknown location"``."""
    code = getattr(inspect.unwrap(obj), "__code__", None) if callable(obj) else None
    if code is not None:
        return f"{code.co_filename}:{code.co_firstlineno}"
    try:
        filename = inspect.getsourcefile(obj)  # type: ignore[arg-type]
        _, line = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return "unknown location"
    return f"{filename}:{line}"


def _name_of(obj: object) -> str:
    return str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj)))


def _is_named_callable(obj: object) -> bool:
    # A lambda is taken as a mark argument (``mark.key(lambda x: x)``), not as a target.
    return callable(obj) and getattr(obj, "__name__", "<lambda>") != "<lambda>"


_BUILTIN_CHECKS: dict[str, Callable[..., Mark]] = {}


def _builtin(name: str) -> Callable[[Callable[..., Mark]], Callable[..., Mark]]:
    def register(check: Callable[..., Mark]) -> Callable[..., Mark]:
        check.__qualname__ = f"mark.{name}"  # so Python's own argument errors name the mark
        _BUILTIN_CHECKS[name] = check
        return check

    return register


def _checked(candidate: Mark) -> Mark:
    """Return *candidate* in normal form if it is a built-in mark, checking its arguments."""
    check = _BUILTIN_CHECKS.get(candidate.name)
    if check is None:
        return candidate
    return check(*candidate.args, **candidate.kwargs)


def _given(**values: object) -> dict[str, object]:
    return {key: value for key, value in values.items() if value is not None}


def _require(
    mark_name: str, what: str, value: object, expected: type | tuple[type, ...], wanted: str
) -> None:
    if not isinstance(value, expected):
        raise TypeError(f"mark.{mark_name}: {what} must be {wanted}, got {value!r}")


@_builtin("skip")
def _skip(reason: str | None = None) -> Mark:
    _require("skip", "reason", reason, (str, type(None)), "a string")
    return Mark("skip", (), _given(reason=reason))


@_builtin("skipif")
def _skipif(condition: object, reason: str | None = None) -> Mark:
    _require("skipif", "reason", reason, (str, type(None)), "a string")
    return Mark("skipif", (condition,), _given(reason=reason))


@_builtin("xfail")
def _xfail(
    condition: object = _OMITTED,
    *,
    reason: str | None = None,
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None,
    strict: bool | None = None,
    run: bool | None = None,
) -> Mark:
    _require("xfail", "reason", reason, (str, type(None)), "a string")
    _require("xfail", "strict", strict, (bool, type(None)), "True or False")
    _require("xfail", "run", run, (bool, type(None)), "True or False")
    if raises is not None and not _is_exception_types(raises):
        raise TypeError(f"mark.xfail: raises must be an exception type or a tuple of them, got {raises!r}")
    args = () if condition is _OMITTED else (condition,)
    return Mark("xfail", args, _given(reason=reason, raises=raises, strict=strict, run=run))


@_builtin("usefixtures")
def _usefixtures(*names: str) -> Mark:
    for name in names:
        _require("usefixtures", "each fixture name", name, str, "a string")
    return Mark("usefixtures", names)


@_builtin("parametrize")
def _parametrize(
    argnames: str | Sequence[str],
    argvalues: Iterable[object],
    *,
    ids: Iterable[object] | Callable[[Any], object] | None = None,
    indirect: bool | str | Sequence[str] = False,
) -> Mark:
    if not isinstance(argnames, str):
        if not (isinstance(argnames, Sequence) and all(isinstance(name, str) for name in argnames)):
            raise TypeError(f"mark.parametrize: argnames must be 'a, b' or a list of names, got {argnames!r}")
        argnames = list(argnames)
    _require("parametrize", "argvalues", argvalues, Iterable, "an iterable of values")
    values = list(argvalues)
    return Mark(
        "parametrize",
        (argnames, values),
        {"ids": listed_ids(ids, len(values), "mark.parametrize"), "indirect": _normalised_indirect(indirect)},
    )


def listed_ids(
    ids: Iterable[object] | Callable[[Any], object] | None, count: int, owner: str
) -> list[object] | Callable[[Any], object] | None:
    """Return *ids* as a list (or the callable, or None), for *count* parameter sets of *owner*.

    *owner* names the decorator in the error raised for ids of a wrong type.
    """
    if ids is None or callable(ids):
        return ids
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise TypeError(f"{owner}: ids must be a list of ids or a callable, got {ids!r}")
    # A generator such as itertools.count() may be endless: take one id per parameter set.
    return list(ids) if isinstance(ids, Sequence) else list(itertools.islice(ids, count))


def _normalised_indirect(indirect: bool | str | Sequence[str]) -> bool | list[str]:
    if isinstance(indirect, bool):
        return indirect
    if isinstance(indirect, str):
        return [indirect]
    if isinstance(indirect, Sequence) and all(isinstance(name, str) for name in indirect):
        return list(indirect)
    raise TypeError(f"mark.parametrize: indirect must be True, False or a list of argnames, got {indirect!r}")


def _loop_mark(name: str, loop_scope: str | None) -> Mark:
    if loop_scope is None:
        return Mark(name)
    _require(name, "loop_scope", loop_scope, str, "a scope name")
    try:
        label = Scope.parse(loop_scope).label
    except ValueError as exc:
        raise DefinitionError(f"mark.{name}(loop_scope={loop_scope!r}): {exc}") from None
    return Mark(name, (), {"loop_scope": label})


@_builtin("asyncio")
def _asyncio(*, loop_scope: str | None = None) -> Mark:
    return _loop_mark("asyncio", loop_scope)


@_builtin("trio")
def _trio(*, loop_scope: str | None = None) -> Mark:
    return _loop_mark("trio", loop_scope)


@_builtin("anyio")
def _anyio(*, loop_scope: str | None = None) -> Mark:
    return _loop_mark("anyio", loop_scope)


@_builtin("filterwarnings")
def _filterwarnings(*filters: str) -> Mark:
    for text in filters:
        _require("filterwarnings", "each filter", text, str, "a string like 'ignore::DeprecationWarning'")
        _check_warning_filter(text)
    return Mark("filterwarnings", filters)


def _check_warning_filter(text: str) -> None:
    """Reject a filter that ``warnings`` would refuse at run time: ``action:message:category:module:line``."""
    fields = text.split(":")
    problem = ""
    if len(fields) > 5:
        problem = "too many fields (at most 5: action:message:category:module:line)"
    else:
        action = fields[0].strip()
        lineno = fields[4].strip() if len(fields) == 5 else ""
        if action and not any(known.startswith(action) for known in _WARNING_ACTIONS):
            problem = f"unknown action {action!r} (one of {', '.join(_WARNING_ACTIONS)})"
        elif lineno and not lineno.isdigit():
            problem = f"line {lineno!r} is not a non-negative integer"
    if problem:
        raise DefinitionError(f"mark.filterwarnings({text!r}): {problem}")


def _is_exception_types(value: object) -> bool:
    candidates = value if isinstance(value, tuple) else (value,)
    return bool(candidates) and all(
        isinstance(candidate, type) and issubclass(candidate, BaseException) for candidate in candidates
    )
