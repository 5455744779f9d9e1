"""Notes in a SQLite file, used from trio through worker threads.

The standard ``sqlite3`` module blocks, so every query runs in a thread
through ``trio.to_thread.run_sync``; a capacity limiter of one keeps the
connection to one query at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import trio

__all__ = ["NoteStore"]

T = TypeVar("T")

_SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)"


class NoteStore:
    """Add, read and count notes; every method runs its query off the trio thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._limiter = trio.CapacityLimiter(1)

    @classmethod
    async def open(cls, path: Path) -> NoteStore:
        """Open (creating if needed) the database at *path*."""

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(path, check_same_thread=False)
            connection.execute(_SCHEMA)
            connection.commit()
            return connection

        return cls(await trio.to_thread.run_sync(connect))

    async def _run(self, query: Callable[[], T]) -> T:
        return await trio.to_thread.run_sync(query, limiter=self._limiter)

    async def add(self, text: str) -> int:
        """Store a note and return its id."""

        def insert() -> int:
            with self._connection:
                cursor = self._connection.execute("INSERT INTO notes (text) VALUES (?)", (text,))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return await self._run(insert)

    async def get(self, note_id: int) -> str | None:
        """Return the text of note *note_id*, or ``None``."""

        def select() -> str | None:
            row = self._connection.execute("SELECT text FROM notes WHERE id = ?", (note_id,)).fetchone()
            return None if row is None else str(row[0])

        return await self._run(select)

    async def count(self) -> int:
        """Return how many notes there are."""
        return await self._run(
            lambda: int(self._connection.execute("SELECT COUNT(*) FROM notes").fetchone()[0])
        )

    async def clear(self) -> None:
        """Delete every note and restart the ids at 1."""

        def delete() -> None:
            with self._connection:
                self._connection.execute("DELETE FROM notes")
                self._connection.execute("DELETE FROM sqlite_sequence WHERE name = 'notes'")

        await self._run(delete)

    async def close(self) -> None:
        """Close the connection."""
        await self._run(self._connection.close)
