"""Which files are test modules and which directories the walk enters."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from rustest._collect._exclude import PathPatterns
from rustest._collect._markdown import is_markdown
from rustest._collect._nodeids import relpath
from rustest._config import Config

__all__ = ["BUILTIN_NORECURSEDIRS", "Discovery"]

BUILTIN_NORECURSEDIRS = (
    ".*",
    "*.egg",
    "*.egg-info",
    "_darcs",
    "CVS",
    "{arch}",
    "__pycache__",
    "venv",
    "build",
    "dist",
    "node_modules",
)
"""Directory-name globs never entered: pytest's defaults plus caches and package build output.

``.*`` covers ``.git``, ``.hg``, ``.svn``, ``.tox``, ``.nox``, ``.venv`` and
the ``.mypy_cache`` / ``.pytest_cache`` / ``.rustest_cache`` directories.
Any directory holding a ``pyvenv.cfg`` (a virtual environment) is skipped too.
"""

CONFTEST = "conftest.py"


class Discovery:
    """Apply ``python_files``, ``norecursedirs`` and ``exclude`` to the entries of a directory."""

    def __init__(self, config: Config, rootdir: Path) -> None:
        self._rootdir = rootdir
        self._python_files = config.python_files
        self._norecursedirs = BUILTIN_NORECURSEDIRS + config.norecursedirs
        self._exclude = PathPatterns(config.exclude)

    def listing(self, directory: Path, *, markdown: bool = False) -> tuple[list[Path], list[Path]]:
        """Return the test files and the subdirectories to enter, each sorted by name.

        With *markdown*, Markdown files that are not excluded count as test
        files too. Raises ``OSError`` when *directory* cannot be read.
        """
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        files: list[Path] = []
        subdirectories: list[Path] = []
        for entry in entries:
            path = directory / entry.name
            if entry.is_dir():
                if self._enters(path):
                    subdirectories.append(path)
            elif entry.is_file() and (
                self.is_test_file(path)
                or (markdown and is_markdown(path) and not self._excluded(path, is_dir=False))
            ):
                files.append(path)
        return files, subdirectories

    def is_test_file(self, path: Path) -> bool:
        """Tell whether *path* matches ``python_files`` and is not excluded (``conftest.py`` never is one)."""
        if path.suffix != ".py" or path.name == CONFTEST:
            return False
        if not any(self._matches_file_pattern(path, pattern) for pattern in self._python_files):
            return False
        return not self._excluded(path, is_dir=False)

    def _matches_file_pattern(self, path: Path, pattern: str) -> bool:
        # As in pytest, a pattern with a slash matches the path, one without matches the name.
        if "/" in pattern:
            return fnmatch.fnmatch(relpath(path, self._rootdir), pattern)
        return fnmatch.fnmatch(path.name, pattern)

    def _enters(self, directory: Path) -> bool:
        if any(fnmatch.fnmatch(directory.name, pattern) for pattern in self._norecursedirs):
            return False
        if (directory / "pyvenv.cfg").is_file():
            return False
        return not self._excluded(directory, is_dir=True)

    def _excluded(self, path: Path, *, is_dir: bool) -> bool:
        return bool(self._exclude) and self._exclude.excludes(relpath(path, self._rootdir), is_dir=is_dir)
