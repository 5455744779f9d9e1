"""``monkeypatch``: change attributes, mappings, the environment, ``sys.path`` and the cwd for one test."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import warnings
from collections.abc import Generator, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Final, TypeVar

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef

__all__ = ["MonkeyPatch", "fixtures", "monkeypatch"]

K = TypeVar("K")
V = TypeVar("V")


class _Missing:
    """The marker for "there was nothing there": undo deletes instead of restoring."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()


def _resolve(dotted: str) -> object:
    """Import the object named by *dotted* (``"os.path"``), importing submodules as needed."""
    parts = dotted.split(".")
    used = parts[0]
    found: object = importlib.import_module(used)
    for part in parts[1:]:
        used = f"{used}.{part}"
        if hasattr(found, part):
            found = getattr(found, part)
            continue
        try:
            importlib.import_module(used)
        except ImportError as exc:
            # Only a missing module *used* is a plain miss; an import error inside it is a real error.
            if exc.name == used:
                raise
            raise ImportError(f"import error in {used}: {exc}") from exc
        found = _getattr_or_explain(found, part, used)
    return found


def _getattr_or_explain(obj: object, name: str, where: str) -> object:
    try:
        return getattr(obj, name)
    except AttributeError as exc:
        raise AttributeError(f"{type(obj).__name__!r} object at {where} has no attribute {name!r}") from exc


def _split_target(dotted: object, raising: bool) -> tuple[str, object]:
    """Return ``(attribute name, owner object)`` for a dotted import path like ``"os.path.sep"``."""
    if not isinstance(dotted, str) or "." not in dotted:
        raise TypeError(f"must be absolute import path string, not {dotted!r}")
    module, attribute = dotted.rsplit(".", 1)
    owner = _resolve(module)
    if raising:
        _getattr_or_explain(owner, attribute, module)
    return attribute, owner


class MonkeyPatch:
    """Changes to objects, mappings, the environment, ``sys.path`` and the cwd, each undone by ``undo()``.

    The ``monkeypatch`` fixture gives one per test and undoes it after the
    test, whatever its outcome. Outside fixtures, use ``MonkeyPatch.context()``.
    """

    def __init__(self) -> None:
        self._attributes: list[tuple[object, str, object]] = []
        self._items: list[tuple[MutableMapping[Any, Any], object, object]] = []
        self._saved_cwd: str | None = None
        self._saved_sys_path: list[str] | None = None

    @classmethod
    @contextmanager
    def context(cls) -> Iterator[MonkeyPatch]:
        """Return a context manager giving a new ``MonkeyPatch`` whose changes are undone on exit."""
        patch = cls()
        try:
            yield patch
        finally:
            patch.undo()

    def setattr(
        self,
        target: object,
        name: object = _MISSING,
        value: object = _MISSING,
        raising: bool = True,
    ) -> None:
        """Set attribute *name* of *target* to *value*, to be restored on undo.

        ``setattr("os.path.sep", value)`` names the target by its dotted
        import path instead. With ``raising=True`` (the default) the attribute
        must already exist.
        """
        __tracebackhide__ = True
        if value is _MISSING:
            if not isinstance(target, str):
                raise TypeError(
                    "use setattr(target, name, value) or setattr(target, value) "
                    "with target being a dotted import string"
                )
            value = name
            name, target = _split_target(target, raising)
        elif not isinstance(name, str):
            raise TypeError(
                "use setattr(target, name, value) with name being a string or "
                "setattr(target, value) with target being a dotted import string"
            )
        old = getattr(target, name, _MISSING)
        if raising and old is _MISSING:
            raise AttributeError(f"{target!r} has no attribute {name!r}")
        if inspect.isclass(target):
            # Keep the raw class attribute, so a staticmethod or classmethod is restored as one.
            old = target.__dict__.get(name, _MISSING)
        self._attributes.append((target, name, old))
        setattr(target, name, value)

    def delattr(self, target: object, name: object = _MISSING, raising: bool = True) -> None:
        """Delete attribute *name* of *target* (or the dotted path *target*), to be restored on undo.

        A missing attribute raises ``AttributeError`` unless ``raising=False``.
        """
        __tracebackhide__ = True
        if name is _MISSING:
            if not isinstance(target, str):
                raise TypeError(
                    "use delattr(target, name) or delattr(target) with target being a dotted import string"
                )
            name, target = _split_target(target, raising)
        if not isinstance(name, str):
            raise TypeError(f"attribute name must be a string, not {name!r}")
        if not hasattr(target, name):
            if raising:
                raise AttributeError(name)
            return
        old = target.__dict__.get(name, _MISSING) if inspect.isclass(target) else getattr(target, name)
        self._attributes.append((target, name, old))
        delattr(target, name)

    def setitem(self, mapping: MutableMapping[K, V], name: K, value: V) -> None:
        """Set ``mapping[name] = value``, to be restored (or removed) on undo."""
        self._items.append((mapping, name, mapping.get(name, _MISSING)))
        mapping[name] = value

    def delitem(self, mapping: MutableMapping[K, V], name: K, raising: bool = True) -> None:
        """Delete ``mapping[name]``, to be restored on undo; a missing key raises unless ``raising=False``."""
        __tracebackhide__ = True
        if name not in mapping:
            if raising:
                raise KeyError(name)
            return
        self._items.append((mapping, name, mapping[name]))
        del mapping[name]

    def setenv(self, name: str, value: str, prepend: str | None = None) -> None:
        """Set environment variable *name* to *value*, restored on undo.

        With *prepend* (a separator such as ``os.pathsep``) and an existing
        variable, the result is ``value + prepend + old value``. A value that
        is not a string is converted with ``str()``, with a warning.
        """
        if not isinstance(value, str):
            warnings.warn(
                f"Value of environment variable {name} type should be str, but got {value!r} "
                f"(type: {type(value).__name__}); converted to str implicitly",
                UserWarning,
                stacklevel=2,
            )
            value = str(value)
        if prepend and name in os.environ:
            value = f"{value}{prepend}{os.environ[name]}"
        self.setitem(os.environ, name, value)

    def delenv(self, name: str, raising: bool = True) -> None:
        """Remove environment variable *name* until undo; a missing one raises unless ``raising=False``."""
        __tracebackhide__ = True
        self.delitem(os.environ, name, raising=raising)

    def syspath_prepend(self, path: str | os.PathLike[str]) -> None:
        """Put *path* first on ``sys.path`` (restored on undo) and invalidate the import caches.

        Invalidating matters when the caller writes modules there right after:
        the finders' directory caches would otherwise not see them.
        """
        if self._saved_sys_path is None:
            self._saved_sys_path = sys.path[:]
        sys.path.insert(0, os.fspath(path))
        importlib.invalidate_caches()

    def chdir(self, path: str | os.PathLike[str]) -> None:
        """Change the current working directory to *path*; the original one is restored on undo."""
        if self._saved_cwd is None:
            self._saved_cwd = os.getcwd()
        os.chdir(path)

    def undo(self) -> None:
        """Undo every change, newest first; calling it again does nothing until new changes are made.

        Attributes are restored first, then mapping items and environment
        variables, then ``sys.path``, then the working directory.
        """
        for target, name, old in reversed(self._attributes):
            if old is _MISSING:
                delattr(target, name)
            else:
                setattr(target, name, old)
        self._attributes.clear()
        for mapping, key, old in reversed(self._items):
            if old is _MISSING:
                # Already gone is the state we want, so a KeyError here is no error.
                mapping.pop(key, None)
            else:
                mapping[key] = old
        self._items.clear()
        if self._saved_sys_path is not None:
            sys.path[:] = self._saved_sys_path
            self._saved_sys_path = None
        if self._saved_cwd is not None:
            os.chdir(self._saved_cwd)
            self._saved_cwd = None


def monkeypatch() -> Generator[MonkeyPatch, None, None]:
    """Give the test a ``MonkeyPatch`` and undo all its changes after the test."""
    patch = MonkeyPatch()
    try:
        yield patch
    finally:
        patch.undo()


def fixtures() -> list[FixtureDef]:
    """Return the monkeypatch fixture definition."""
    return [builtin(monkeypatch)]
