"""How reporters derive file names, headings and JUnit names from test ids and locations."""

from __future__ import annotations

import os
import re

__all__ = ["display_path", "head_line", "junit_names", "nodeid_path", "split_location"]

_PY_SUFFIX = re.compile(r"\.py$")


def nodeid_path(nodeid: str) -> str:
    """Return the file part of a test id: ``tests/test_a.py`` for ``tests/test_a.py::TestX::test_y``."""
    return nodeid.split("::", 1)[0]


def head_line(nodeid: str) -> str:
    """Return the heading pytest gives a test in its sections: ``TestX.test_y[1]``, or the id of a file."""
    path_and_names, bracket, params = nodeid.partition("[")
    names = path_and_names.split("::")
    if len(names) == 1:
        return nodeid
    return ".".join(names[1:]) + bracket + params


def junit_names(nodeid: str) -> tuple[str, str]:
    """Return the JUnit ``(classname, name)`` of a test id, as pytest's junitxml derives them.

    ``tests/test_a.py::TestX::test_y[p]`` gives ``("tests.test_a.TestX",
    "test_y[p]")``; a bare file id gives ``("", "tests.test_a")``. Parameters
    are kept as written, even when they hold ``/`` or ``::``.
    """
    path_and_names, bracket, params = nodeid.partition("[")
    names = path_and_names.split("::")
    names[0] = _PY_SUFFIX.sub("", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def split_location(location: str) -> tuple[str, int | None]:
    """Split ``path:line`` into its path and line number; a location without a line gives ``None``."""
    path, colon, line = location.rpartition(":")
    if colon and line.isdigit():
        return path, int(line)
    return location, None


def display_path(filename: str, rootdir: str) -> str:
    """Return *filename* relative to *rootdir* (or the working directory) when that is shorter."""
    if not filename or not os.path.isabs(filename):
        return filename
    try:
        relative = os.path.relpath(filename, rootdir or os.getcwd())
    except ValueError:
        # On Windows a path on another drive has no relative form.
        return filename
    return relative if len(relative) < len(filename) else filename
