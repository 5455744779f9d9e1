"""Node ids: paths relative to the rootdir, and the node-id arguments that select tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Target", "parse_target", "relpath", "selects"]


def relpath(path: str | Path, rootdir: Path) -> str:
    """Return *path* relative to *rootdir* with forward slashes (``..`` parts when outside it)."""
    return os.path.relpath(path, rootdir).replace(os.sep, "/")


@dataclass(frozen=True, slots=True)
class Target:
    """One command-line argument: an absolute path and, for a node id, the part after the path.

    ``arg`` is the argument as given (for messages); ``selector`` is the full
    node id relative to the rootdir (``tests/test_a.py::TestX::test_y``), or
    ``None`` when the argument names a whole file or directory.
    """

    arg: str
    path: Path
    selector: str | None


def parse_target(arg: str, cwd: Path, rootdir: Path) -> Target:
    """Split *arg* (``path`` or ``path::Class::test[id]``, relative to *cwd*) into a ``Target``."""
    path_part, separator, rest = arg.partition("::")
    path = Path(os.path.abspath(cwd / path_part))
    selector = f"{relpath(path, rootdir)}::{rest}" if separator and rest else None
    return Target(arg, path, selector)


def selects(selector: str, test_id: str) -> bool:
    """Tell whether a node-id *selector* names *test_id*.

    A selector names the test itself, every parametrization of it when it has
    no ``[...]`` part, and everything inside it when it names a class.
    """
    if not test_id.startswith(selector):
        return False
    tail = test_id[len(selector) :]
    return not tail or tail.startswith(("[", "::"))
