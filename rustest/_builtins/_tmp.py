"""``tmp_path`` and ``tmp_path_factory``: fresh directories under one base directory per run.

The base directory is ``<system temp>/rustest-of-<user>/rustest-<N>``, with
``N`` one more than the newest run's; only the last three runs are kept, as
pytest does. ``RUSTEST_BASETEMP`` names a base directory to use instead (it
is emptied first). ``tmpdir`` and ``tmpdir_factory`` give the same
directories as ``py.path.local`` objects when ``py.path`` is importable.
"""

from __future__ import annotations

import getpass
import importlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef
from rustest._outcomes import skip
from rustest._request import FixtureRequest
from rustest._scope import Scope

__all__ = [
    "BASETEMP_ENV",
    "KEEP_RUNS",
    "TempPathFactory",
    "TempdirFactory",
    "fixtures",
    "tmp_path",
    "tmp_path_factory",
    "tmpdir",
    "tmpdir_factory",
]

BASETEMP_ENV = "RUSTEST_BASETEMP"
"""Environment variable naming the base directory to use instead of a numbered one."""

KEEP_RUNS = 3
"""How many numbered run directories are kept; older ones are removed when a new one is made."""

_RUN_PREFIX = "rustest-"
_LOCK_NAME = ".lock"
_STALE_LOCK_SECONDS = 3 * 24 * 3600
_MAX_NAME = 30


def _user_name() -> str:
    try:
        user = getpass.getuser()
    except (ImportError, OSError, KeyError):
        return "unknown"
    return re.sub(r"\W", "_", user)


def _user_root(temproot: Path) -> Path:
    """Return ``<temproot>/rustest-of-<user>``, private to this user, creating it if needed."""
    root = temproot / f"rustest-of-{_user_name()}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        root = temproot / "rustest-of-unknown"
        root.mkdir(mode=0o700, exist_ok=True)
    if hasattr(os, "getuid"):
        status = root.stat()
        if status.st_uid != os.getuid():
            # Another user could plant files in a directory they own: refuse rather than share it.
            raise OSError(
                f"the temporary directory {root} is not owned by the current user; fix this and try again"
            )
        if status.st_mode & 0o077:
            root.chmod(status.st_mode & ~0o077)
    return root


def _run_number(path: Path) -> int:
    suffix = path.name[len(_RUN_PREFIX) :]
    return int(suffix) if suffix.isdigit() else -1


def _lock_is_stale(lock: Path) -> bool:
    """Return whether the run that wrote *lock* is over (its process is gone, or the lock is days old)."""
    try:
        text = lock.read_text(encoding="ascii").strip()
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return True
    if os.name == "posix" and text.isdigit():
        try:
            os.kill(int(text), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return age > _STALE_LOCK_SECONDS


def _remove_tree(path: Path) -> None:
    """Remove *path* by first renaming it aside, so a half-removed tree never keeps a run's name."""
    garbage = path.with_name(f"garbage-{os.urandom(16).hex()}")
    try:
        path.rename(garbage)
    except OSError:
        return
    shutil.rmtree(garbage, ignore_errors=True)


def _remove_old_runs(root: Path, newest: int, keep: int) -> None:
    for entry in root.iterdir():
        if entry.name.startswith("garbage-"):
            shutil.rmtree(entry, ignore_errors=True)
            continue
        if not entry.name.startswith(_RUN_PREFIX) or entry.is_symlink():
            continue
        number = _run_number(entry)
        if 0 <= number <= newest - keep:
            lock = entry / _LOCK_NAME
            if not lock.exists() or _lock_is_stale(lock):
                _remove_tree(entry)


def _point_current_link(root: Path, target: Path) -> None:
    link = root / f"{_RUN_PREFIX}current"
    try:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    except OSError:
        return  # The link is a convenience; a file system without symlinks loses nothing else.


def _make_run_directory(root: Path, keep: int) -> Path:
    """Create ``rustest-<N>`` in *root* with the next free number, lock it, and prune old runs."""
    for _attempt in range(10):
        numbers = [_run_number(p) for p in root.iterdir() if p.name.startswith(_RUN_PREFIX)]
        number = max(numbers, default=-1) + 1
        path = root / f"{_RUN_PREFIX}{number}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue  # Another run took this number first; look again.
        (path / _LOCK_NAME).write_text(str(os.getpid()), encoding="ascii")
        _point_current_link(root, path)
        _remove_old_runs(root, number, keep)
        return path
    raise OSError(f"could not create a numbered run directory in {root} after 10 attempts")


class TempPathFactory:
    """Makes fresh temporary directories under one base directory for the whole run.

    *given_basetemp* (or the ``RUSTEST_BASETEMP`` environment variable, read
    by ``from_environment``) fixes the base directory, which is emptied when
    first used; otherwise a numbered one is made under *temproot* (the
    system temporary directory by default), keeping the newest *keep* runs.
    """

    def __init__(
        self,
        given_basetemp: str | os.PathLike[str] | None = None,
        *,
        temproot: str | os.PathLike[str] | None = None,
        keep: int = KEEP_RUNS,
    ) -> None:
        self._given_basetemp = None if given_basetemp is None else Path(os.path.abspath(given_basetemp))
        self._temproot = None if temproot is None else Path(temproot)
        self._keep = keep
        self._basetemp: Path | None = None
        self._lock: Path | None = None
        self._next_number: dict[str, int] = {}

    @classmethod
    def from_environment(cls) -> TempPathFactory:
        """Return a factory that honours ``RUSTEST_BASETEMP`` when it is set and not empty."""
        return cls(os.environ.get(BASETEMP_ENV) or None)

    def getbasetemp(self) -> Path:
        """Return the base directory of this run, creating it on first use."""
        if self._basetemp is not None:
            return self._basetemp
        if self._given_basetemp is not None:
            basetemp = self._given_basetemp
            if basetemp.exists():
                shutil.rmtree(basetemp)
            basetemp.mkdir(mode=0o700, parents=True)
        else:
            temproot = self._temproot or Path(tempfile.gettempdir())
            basetemp = _make_run_directory(_user_root(temproot.resolve()), self._keep)
            self._lock = basetemp / _LOCK_NAME
        self._basetemp = basetemp.resolve()
        return self._basetemp

    def mktemp(self, basename: str, numbered: bool = True) -> Path:
        """Create and return a new directory called *basename* in the base directory.

        With *numbered* (the default) the name gets the first free number
        (``data0``, ``data1``, ...); without it, *basename* itself is created
        and must not exist yet. *basename* must be one relative path part.
        """
        basetemp = self.getbasetemp()
        normalized = os.path.normpath(basename)
        if (basetemp / normalized).resolve().parent != basetemp:
            raise ValueError(f"{basename} is not a normalized and relative path")
        if not numbered:
            path = basetemp / normalized
            path.mkdir(mode=0o700)
            return path
        number = self._next_number.get(normalized, 0)
        while True:
            path = basetemp / f"{normalized}{number}"
            number += 1
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                continue
            self._next_number[normalized] = number
            return path

    def release(self) -> None:
        """Mark this run's numbered directory as no longer in use, so later runs may remove it."""
        if self._lock is not None:
            self._lock.unlink(missing_ok=True)
            self._lock = None


def _test_directory_name(request: FixtureRequest) -> str:
    return re.sub(r"\W", "_", request.node.name)[:_MAX_NAME]


def tmp_path_factory() -> Generator[TempPathFactory, None, None]:
    """Give the run's ``TempPathFactory``; its directories stay for inspection after the run."""
    factory = TempPathFactory.from_environment()
    yield factory
    factory.release()


def tmp_path(request: FixtureRequest, tmp_path_factory: TempPathFactory) -> Path:
    """Give a fresh directory for this test, named after it (``test_name0``)."""
    return tmp_path_factory.mktemp(_test_directory_name(request), numbered=True)


def _local_path_class() -> Any:
    try:
        return importlib.import_module("py.path").local
    except ImportError:
        skip("tmpdir and tmpdir_factory need py.path (pip install py); use tmp_path or tmp_path_factory")


class TempdirFactory:
    """``tmp_path_factory`` giving ``py.path.local`` objects, for suites that use ``tmpdir_factory``."""

    def __init__(self, factory: TempPathFactory, local: Any) -> None:
        self._factory = factory
        self._local = local

    def mktemp(self, basename: str, numbered: bool = True) -> Any:
        """Create a new directory as ``TempPathFactory.mktemp`` does and return it as ``py.path.local``."""
        return self._local(self._factory.mktemp(basename, numbered).resolve())

    def getbasetemp(self) -> Any:
        """Return the base directory as ``py.path.local``."""
        return self._local(self._factory.getbasetemp().resolve())


def tmpdir_factory(tmp_path_factory: TempPathFactory) -> TempdirFactory:
    """Give a ``TempdirFactory`` over the run's ``tmp_path_factory`` (skips without ``py.path``)."""
    return TempdirFactory(tmp_path_factory, _local_path_class())


def tmpdir(tmp_path: Path) -> Any:
    """Give this test's ``tmp_path`` as a ``py.path.local`` (skips without ``py.path``)."""
    return _local_path_class()(tmp_path)


def fixtures() -> list[FixtureDef]:
    """Return the temporary-directory fixture definitions."""
    return [
        builtin(tmp_path_factory, Scope.SESSION),
        builtin(tmp_path),
        builtin(tmpdir_factory, Scope.SESSION),
        builtin(tmpdir),
    ]
