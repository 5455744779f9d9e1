"""The users table of the example service, on SQLite through the async driver ``aiosqlite``.

An ``aiosqlite`` connection runs its queries on a thread of its own and hands
each result back to the event loop that awaited it. The tests keep every use
of the connection on the loop that opened it, as drivers that bind a
connection to its loop (asyncpg, for one) require.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

__all__ = ["DuplicateEmailError", "User", "UserStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE
)
"""


class DuplicateEmailError(ValueError):
    """Another user already has this email address."""


@dataclass(frozen=True)
class User:
    """A row of the ``users`` table."""

    id: int
    name: str
    email: str


class UserStore:
    """Create, read and count users in one SQLite database file."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    @classmethod
    async def open(cls, path: Path) -> UserStore:
        """Open (creating if needed) the database at *path* and make sure the table exists."""
        connection = await aiosqlite.connect(path)
        await connection.execute(_SCHEMA)
        await connection.commit()
        return cls(connection)

    async def close(self) -> None:
        """Close the connection; the store is unusable afterwards."""
        await self._connection.close()

    async def add(self, name: str, email: str) -> User:
        """Insert a user and return it with its new id; raise ``DuplicateEmailError`` for a taken email."""
        try:
            cursor = await self._connection.execute(
                "INSERT INTO users (name, email) VALUES (?, ?)", (name, email)
            )
        except sqlite3.IntegrityError:
            raise DuplicateEmailError(email) from None
        await self._connection.commit()
        assert cursor.lastrowid is not None
        return User(cursor.lastrowid, name, email)

    async def get(self, user_id: int) -> User | None:
        """Return the user with *user_id*, or ``None``."""
        async with self._connection.execute(
            "SELECT id, name, email FROM users WHERE id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else User(*row)

    async def all(self) -> list[User]:
        """Return every user, oldest first."""
        async with self._connection.execute("SELECT id, name, email FROM users ORDER BY id") as cursor:
            return [User(*row) async for row in cursor]

    async def clear(self) -> None:
        """Delete every user and restart the ids at 1."""
        await self._connection.execute("DELETE FROM users")
        await self._connection.execute("DELETE FROM sqlite_sequence WHERE name = 'users'")
        await self._connection.commit()
