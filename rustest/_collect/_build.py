"""Definitions from imported modules: the fixtures, test classes and test functions they hold."""

from __future__ import annotations

import fnmatch
import functools
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any, cast

from rustest._collect._fixtures import fixture_defs, fixture_spec
from rustest._collect._funcargs import code_flags, getfuncargnames
from rustest._collect._marks import (
    BUILTIN_MARKS,
    MarkError,
    PlacedMark,
    Traits,
    class_marks,
    interpret,
    place,
)
from rustest._collect._nodeids import relpath
from rustest._collect._results import CollectionError
from rustest._collect._tree import Tree
from rustest._config import Config
from rustest._definitions import FixtureDef, TestDef
from rustest._errors import DefinitionError
from rustest._parametrize import ParamCase, expand_parametrize
from rustest._scope import Scope
from rustest._spec import Mark, get_marks

__all__ = ["Builder", "class_members"]

Members = Sequence[tuple[str, object]]


def class_members(cls: type) -> list[tuple[str, object]]:
    """Return the attributes of *cls* and its bases in pytest's collection order.

    Inherited attributes come first (the most basic class first), each in
    definition order; an overridden attribute takes the value and the
    position of the most derived class that defines it.
    """
    seen: set[str] = set()
    per_class: list[list[tuple[str, object]]] = []
    for klass in cls.__mro__:
        if klass is object:
            continue
        own = [(name, value) for name, value in vars(klass).items() if name not in seen]
        seen.update(name for name, _ in own)
        per_class.append(own)
    return [member for own in reversed(per_class) for member in own]


def _matches_name(name: str, patterns: Sequence[str]) -> bool:
    """Apply pytest's rule for ``python_classes`` and ``python_functions``: a prefix, or a glob."""
    prefixes, globs = _name_patterns(tuple(patterns))
    return name.startswith(prefixes) or any(fnmatch.fnmatchcase(name, pattern) for pattern in globs)


@functools.lru_cache(maxsize=16)
def _name_patterns(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split name patterns into the prefixes every name is checked against and the globs among them."""
    return patterns, tuple(pattern for pattern in patterns if any(c in pattern for c in "*?["))


def _test_attribute(obj: object) -> object:
    """The ``__test__`` attribute of *obj* (``None`` if absent or unreadable)."""
    try:
        return getattr(obj, "__test__", None)
    except Exception:  # a broken __getattr__ makes an object uncollectable, not a crash
        return None


def _param_key(value: object) -> str:
    """Return a string equal for equal values, so tests handing a fixture equal params share it."""
    try:
        text = repr(value)
    except Exception:  # a failing __repr__ still needs a stable key: identity is the best there is
        text = f"at {id(value):#x}"
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}:{text}"


def _split_values(case: ParamCase | None) -> tuple[dict[str, object], dict[str, tuple[str, object]]]:
    """Split the values of *case* into direct arguments and indirect ``request.param`` entries."""
    if case is None:
        return {}, {}
    values = {name: value for name, value in case.values.items() if name not in case.indirect}
    indirect = {name: (_param_key(case.values[name]), case.values[name]) for name in case.indirect}
    return values, indirect


def _id_suffix(case: ParamCase | None, backend: str | None) -> str:
    parts = [part for part in (case.id if case is not None else None, backend) if part is not None]
    return f"[{'-'.join(parts)}]" if parts else ""


_UNPARAMETRIZED: tuple[None] = (None,)
_NO_PLACED_MARKS: list[PlacedMark] = []


def _unwrapped(func: Callable[..., Any]) -> FunctionType | None:
    """Return the plain function under *func* (through bound methods and decorators), or None if none."""
    if type(func) is FunctionType and "__wrapped__" not in func.__dict__:
        return func
    real = inspect.unwrap(func.__func__ if inspect.ismethod(func) else func)
    return real if callable(func) and inspect.isfunction(real) else None


@dataclass(slots=True)
class _Template:
    """What all the tests made from one test function share."""

    base_id: str
    func: Callable[..., Any]
    cls: type | None
    node: int
    requests: tuple[str, ...]
    is_async: bool
    location: str

    def add_to(
        self, tests: list[TestDef], case: ParamCase | None, marks: tuple[Mark, ...], traits: Traits
    ) -> None:
        """Append the tests of one parametrization *case* to *tests*: one per backend."""
        values, indirect = _split_values(case)
        for backend in traits.backends:
            # Positional, in TestDef's field order (mypy checks each type): with sixteen
            # keywords the constructor cost three times as much, and this runs once per test.
            tests.append(
                TestDef(
                    self.base_id + _id_suffix(case, backend if traits.backend_suffix else None)
                    if case is not None or traits.backend_suffix
                    else self.base_id,
                    self.func,
                    self.node,
                    self.requests,
                    traits.usefixtures,
                    self.is_async,
                    backend,
                    traits.loop_scope,
                    traits.loop_scope_source,
                    values,
                    indirect,
                    traits.skip,
                    traits.xfail,
                    marks,
                    self.cls,
                    self.location,
                )
            )


class Builder:
    """Turn imported modules into nodes, fixtures and tests, recording what cannot be collected."""

    def __init__(self, config: Config, tree: Tree) -> None:
        self.config = config
        self.tree = tree
        self.fixtures: list[FixtureDef] = []
        self.tests: list[TestDef] = []
        self.errors: list[CollectionError] = []
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        self._traits_cache: dict[
            tuple[object, ...],
            tuple[tuple[object, ...], tuple[tuple[Mark, ...], Traits]],
        ] = {}
        self._outer_parametrized: dict[int, tuple[list[PlacedMark], bool]] = {}
        self._relative_files: dict[str, str] = {}

    # -- entry points --------------------------------------------------------------------------

    def add_conftest(self, module: ModuleType, directory: Path, label: str) -> None:
        """Add the fixtures of a ``conftest.py`` in *directory*; *label* is its path for messages."""
        self._add_fixtures(list(vars(module).items()), self.tree.directory(directory), label)

    def add_module(self, module: ModuleType, path: Path) -> None:
        """Add the test module *module* imported from *path*."""
        label = relpath(path, self.tree.rootdir)
        node = self.tree.add(Scope.MODULE, self.tree.directory(path.parent), path.name, label)
        module_marks = get_marks(module)
        if not self._marks_known(module_marks, label, label):
            return
        members = list(vars(module).items())
        self._add_fixtures(members, node, label)
        self._add_tests(members, None, node, label, label, place(module_marks, "module"))

    # -- members -------------------------------------------------------------------------------

    def _add_fixtures(self, members: Members, node: int, label: str, owner: type | None = None) -> None:
        fixtures, errors = fixture_defs(members, node, self.tree.rootdir, owner)
        self.fixtures.extend(fixtures)
        self.errors.extend(CollectionError(label, message) for message in errors)

    def _add_tests(
        self,
        members: Members,
        owner: type | None,
        node: int,
        prefix: str,
        label: str,
        outer: list[PlacedMark],
    ) -> None:
        for name, obj in members:
            if inspect.isclass(obj):
                if self._is_test_class(name, obj):
                    self._add_class(obj, name, node, prefix, label, outer)
            elif self._is_test_function(name, obj):
                self._add_function(name, obj, owner, node, prefix, label, outer)

    def _is_test_class(self, name: str, cls: type) -> bool:
        marker = _test_attribute(cls)
        if marker is False or not (marker is True or _matches_name(name, self.config.python_classes)):
            return False
        return not inspect.isabstract(cls)

    def _is_test_function(self, name: str, obj: object) -> bool:
        marker = _test_attribute(obj)
        if marker is False or not (marker is True or _matches_name(name, self.config.python_functions)):
            return False
        if not (callable(obj) or isinstance(obj, (staticmethod, classmethod))):
            return False
        return fixture_spec(obj) is None

    def _add_class(
        self, cls: type, name: str, parent: int, prefix: str, label: str, outer: list[PlacedMark]
    ) -> None:
        class_id = f"{prefix}::{name}"
        reason = self._uncollectable_class(cls)
        if reason:
            self._warn(f"cannot collect test class {name!r} because {reason} (from: {label})")
            return
        node = self.tree.add(Scope.CLASS, parent, name, class_id)
        own_marks = class_marks(cls)
        if not self._marks_known(own_marks, class_id, label):
            return
        members = class_members(cls)
        self._add_fixtures(members, node, label, owner=cls)
        self._add_tests(members, cls, node, class_id, label, [*place(own_marks, "class"), *outer])

    def _uncollectable_class(self, cls: type) -> str | None:
        unittest = sys.modules.get("unittest")
        if unittest is not None and issubclass(cls, unittest.TestCase):
            return "it is a unittest.TestCase; unittest-style classes are not supported"
        if inspect.getattr_static(cls, "__init__") is not object.__init__:
            return "it has a __init__ constructor"
        if inspect.getattr_static(cls, "__new__") is not object.__new__:
            return "it has a __new__ constructor"
        return None

    # -- one test function ---------------------------------------------------------------------

    def _add_function(
        self,
        name: str,
        obj: object,
        owner: type | None,
        node: int,
        prefix: str,
        label: str,
        outer: list[PlacedMark],
    ) -> None:
        base_id = f"{prefix}::{name}"
        func, cls, is_method = self._bind(obj, owner)
        real = _unwrapped(func)
        if real is None:
            self._warn(f"cannot collect {base_id!r} because it is not a function")
            return
        is_async, is_generator = code_flags(func)
        if is_generator:
            self._error(
                label, f"{base_id}: 'yield' keyword is allowed in fixtures, but not in tests ({name})"
            )
            return
        try:
            requests = getfuncargnames(func, skip_first=is_method)
        except (TypeError, ValueError) as exc:
            self._error(label, f"{base_id}: could not determine the arguments of {name}: {exc}")
            return
        own_marks = get_marks(func)
        if own_marks and not self._marks_known(own_marks, base_id, label):
            return
        try:
            cases: Sequence[ParamCase | None] = (
                expand_parametrize([*own_marks, *(placed.mark for placed in outer)])
                if own_marks or self._parametrized(outer)
                else ()
            ) or _UNPARAMETRIZED
        except DefinitionError as exc:
            self._error(label, f"{base_id}: {exc}")
            return
        code = real.__code__
        template = _Template(
            base_id,
            func,
            cls,
            node,
            requests,
            is_async,
            f"{self._relative_file(code.co_filename)}:{code.co_firstlineno}",
        )
        own = place(own_marks, "decorator") if own_marks else _NO_PLACED_MARKS
        # Traits of the cases without marks of their own (most often all of them), made once.
        unmarked: tuple[tuple[Mark, ...], Traits] | None = None
        for case in cases:
            case_marks: Sequence[Mark] = case.marks if case is not None else ()
            if case_marks and not self._marks_known(case_marks, base_id, label):
                continue
            found = unmarked if not case_marks else None
            if found is None:
                try:
                    found = self._traits(own, case_marks, outer, is_async, real.__globals__)
                except MarkError as exc:
                    self._error(label, f"{base_id}{_id_suffix(case, None)}: {exc}")
                    continue
                if not case_marks:
                    unmarked = found
            template.add_to(self.tests, case, *found)

    def _parametrized(self, outer: list[PlacedMark]) -> bool:
        """Tell whether the class and module marks *outer* hold a ``parametrize`` (asked once per list)."""
        key = id(outer)
        known = self._outer_parametrized.get(key)
        if known is None or known[0] is not outer:
            known = self._outer_parametrized[key] = (
                outer,
                any(placed.mark.name == "parametrize" for placed in outer),
            )
        return known[1]

    def _traits(
        self,
        own: list[PlacedMark],
        case_marks: Sequence[Mark],
        outer: list[PlacedMark],
        is_async: bool,
        namespace: Mapping[str, Any],
    ) -> tuple[tuple[Mark, ...], Traits]:
        """Return the marks of one test and what they decide, worked out once per distinct set of marks.

        Tests with the same marks in the same places (most often: none of their
        own, under the same class and module) in the same module namespace
        share the answer, so each set is interpreted once per run.
        """
        key = (
            tuple(id(placed.mark) for placed in own),
            tuple(map(id, case_marks)),
            id(outer),
            is_async,
            id(namespace),
        )
        cached = self._traits_cache.get(key)
        if cached is not None:
            return cached[1]
        placed = [*own, *place(case_marks, "decorator"), *outer] if case_marks else [*own, *outer]
        traits = interpret(placed, is_async=is_async, config=self.config, namespace=namespace)
        found = (tuple(item.mark for item in placed), traits)
        # The key is made of ids; the entry keeps their objects alive, so no id is reused meanwhile.
        self._traits_cache[key] = ((outer, namespace, own, case_marks), found)
        return found

    def _relative_file(self, filename: str) -> str:
        relative = self._relative_files.get(filename)
        if relative is None:
            relative = self._relative_files[filename] = relpath(filename, self.tree.rootdir)
        return relative

    @staticmethod
    def _bind(obj: object, owner: type | None) -> tuple[Callable[..., Any], type | None, bool]:
        """Return (function to call, class to instantiate for it, whether it takes ``self``)."""
        if isinstance(obj, staticmethod):
            return obj.__func__, None, False
        if isinstance(obj, classmethod) and owner is not None:
            return obj.__get__(None, owner), None, False
        function = cast("Callable[..., Any]", obj)
        if owner is None:
            return function, None, False
        return function, owner, True

    # -- marks, errors and warnings ------------------------------------------------------------

    def _marks_known(self, marks: Iterable[Mark], site: str, label: str) -> bool:
        """Report marks that are neither built in nor registered; False if that is an error here."""
        config = self.config
        if not (config.markers or config.strict_markers):
            return True
        names = (mark.name for mark in marks)
        unknown = [
            name for name in dict.fromkeys(names) if name not in BUILTIN_MARKS and name not in config.markers
        ]
        for name in unknown:
            message = f'Unknown mark "{name}" on {site}; register it in [tool.rustest] markers'
            if config.strict_markers:
                self._error(label, f"{message} (strict_markers is on)")
            else:
                self._warn(message)
        return not (unknown and config.strict_markers)

    def _error(self, label: str, message: str) -> None:
        self.errors.append(CollectionError(label, message))

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)
