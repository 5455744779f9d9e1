"""The cache folder under the root: last failures for ``--lf``/``--ff`` and the ``cache`` fixture."""

from __future__ import annotations

from pathlib import Path

__all__ = ["Cache"]

_README = """# rustest cache directory

This directory holds rustest's state between runs (for example the tests that
failed last time, used by `--lf` and `--ff`). Do not commit it; delete it or run
with `--cache-clear` to start afresh.
"""


class Cache:
    """JSON values stored under ``<root>/.rustest_cache/v/<key>``; ``key`` may contain ``/``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        parts = [p for p in key.split("/") if p not in ("", ".", "..")]
        if not parts:
            raise ValueError(f"cache key {key!r} names no file; use a key like 'myplugin/state'")
        return self.directory.joinpath("v", *parts)

    def get(self, key: str, default: object) -> object:
        """Return the value stored under *key*, or *default* if there is none or it is unreadable."""
        try:
            with self._path(key).open(encoding="utf-8") as handle:
                # Imported here: a run with no cached state to read or change never needs json.
                import json

                return json.load(handle)
        except (OSError, ValueError):
            return default

    def set(self, key: str, value: object) -> None:
        """Store the JSON-serialisable *value* under *key* (silently skipped on a read-only tree)."""
        import json

        path = self._path(key)
        text = json.dumps(value, indent=2, sort_keys=True)
        try:
            self._ensure_directory()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError:
            return

    def mkdir(self, name: str) -> Path:
        """Return a directory ``<cache>/d/<name>`` for files a test wants to keep between runs."""
        path = self.directory / "d" / name
        self._ensure_directory()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def create(self) -> bool:
        """Make the cache folder (with its README and .gitignore) if missing; return whether it exists.

        False on a tree that cannot be written: the run then goes without a cache.
        """
        try:
            self._ensure_directory()
        except OSError:
            return False
        return True

    def clear(self) -> None:
        """Remove everything in the cache."""
        import shutil

        shutil.rmtree(self.directory, ignore_errors=True)

    def _ensure_directory(self) -> None:
        if not self.directory.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / "README.md").write_text(_README, encoding="utf-8")
            (self.directory / ".gitignore").write_text("# created by rustest\n*\n", encoding="utf-8")
