"""Importing test modules and conftest files by path, in pytest's default ``prepend`` mode.

A file in a directory with ``__init__.py`` is imported as a module of its
package (``pkg.sub.test_a``): the first directory above it without
``__init__.py`` goes first on ``sys.path``, so relative imports work.
Otherwise the file's own directory goes first on ``sys.path`` and the module
is named after the file.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

__all__ = ["ImportMismatchError", "assertion_rewriting", "import_path", "module_name_for"]

_CONFTEST_MODULE = "conftest"


class ImportMismatchError(ImportError):
    """The module name of a test file is already taken by another file."""

    def __init__(self, name: str, imported: str, wanted: Path) -> None:
        super().__init__(
            "import file mismatch:\n"
            f"imported module {name!r} has this __file__ attribute:\n  {imported}\n"
            f"which is not the same as the test file we want to collect:\n  {wanted}\n"
            "HINT: a test file in a directory without __init__.py is imported under its bare file name, "
            "so two such files with the same name clash. Add __init__.py files to their directories "
            "(making them packages) or give the files unique names; stale __pycache__ directories can "
            "cause this too."
        )


def module_name_for(path: Path) -> tuple[str, Path]:
    """Return the module name of *path* and the directory that must be on ``sys.path`` to import it."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.append(directory.name)
        directory = directory.parent
    return ".".join(reversed(parts)), directory


def import_path(path: Path) -> ModuleType:
    """Import the file *path* (absolute) and return its module.

    Raises whatever the import raises, or ``ImportMismatchError`` when the
    module name already belongs to another file.
    """
    name, sys_path_entry = module_name_for(path)
    if str(sys_path_entry) not in sys.path:
        sys.path.insert(0, str(sys_path_entry))
    if name == _CONFTEST_MODULE:
        # conftest.py files outside packages all share this name; each one must load its own file.
        sys.modules.pop(name, None)
    module = importlib.import_module(name)
    imported = getattr(module, "__file__", None)
    if imported is None or not _same_file(imported, path):
        raise ImportMismatchError(name, str(imported), path)
    return module


def _same_file(imported: str, path: Path) -> bool:
    try:
        return os.path.samefile(imported, path)
    except OSError:
        return False


@contextlib.contextmanager
def assertion_rewriting(
    should_rewrite: Callable[[str], bool], *, cache_dir: Path | None = None
) -> Iterator[None]:
    """Rewrite the asserts of the files *should_rewrite* accepts while the block imports them.

    With bytecode writing off, rewritten code is cached in *cache_dir* (the
    run's ``.rustest_cache``) once that directory exists. Does nothing when
    the ``rustest._assertion`` package is not available.
    """
    if importlib.util.find_spec("rustest._assertion") is None:
        yield
        return
    hook = importlib.import_module("rustest._assertion").install_rewrite_hook(
        should_rewrite, cache_dir=cache_dir
    )
    try:
        yield
    finally:
        hook.uninstall()
