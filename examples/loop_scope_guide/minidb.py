"""A small in-memory async database whose connection belongs to the event loop that opened it.

Every query travels through an ``asyncio.Queue`` to a worker task running on
the loop that started the database, so using one ``Database`` from two loops
fails exactly as real drivers do ("bound to a different event loop").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class User:
    """A row of the ``users`` table."""

    id: int
    email: str


class Database:
    """An async database with ``users`` and ``posts`` tables and a tiny SQL subset."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.tables: dict[str, list[Any]] = {
            "users": [User(next(self._ids), "seed@example.com")],
            "posts": [{"id": 1, "title": "hello"}],
        }
        self._requests: asyncio.Queue[tuple[Callable[[], Any], asyncio.Future[Any]]] | None = None
        self._worker: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, url: str = "memory://") -> Database:
        """Open a database and start its worker on the running loop."""
        database = cls()
        await database._start()
        return database

    async def _start(self) -> None:
        self._requests = asyncio.Queue()
        self._worker = asyncio.create_task(self._serve(), name="minidb-worker")

    async def _serve(self) -> None:
        assert self._requests is not None
        while True:
            operation, reply = await self._requests.get()
            try:
                reply.set_result(operation())
            except Exception as exc:
                reply.set_exception(exc)

    async def _call(self, operation: Callable[[], Any]) -> Any:
        if self._requests is None:
            await self._start()
        assert self._requests is not None
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._requests.put((operation, reply))
        return await reply

    async def query(self, sql: str) -> list[Any]:
        """Run ``SELECT * FROM <table>``."""
        match = re.fullmatch(r"SELECT \* FROM (\w+)", sql.strip())
        if match is None:
            raise ValueError(f"unsupported query: {sql!r}")
        return await self._call(lambda: list(self.tables[match.group(1)]))

    async def execute(self, sql: str) -> None:
        """Run ``TRUNCATE TABLE <table>``."""
        match = re.fullmatch(r"TRUNCATE TABLE (\w+)", sql.strip())
        if match is None:
            raise ValueError(f"unsupported statement: {sql!r}")
        await self._call(lambda: self.tables[match.group(1)].clear())

    async def create_user(self, email: str) -> User:
        """Insert a user and return it."""

        def insert() -> User:
            user = User(next(self._ids), email)
            self.tables["users"].append(user)
            return user

        return await self._call(insert)

    async def get_user(self, user_id: int) -> User:
        """Return the user with *user_id*."""
        users = await self.query("SELECT * FROM users")
        return next(u for u in users if u.id == user_id)

    async def delete_user(self, user_id: int) -> None:
        """Delete the user with *user_id*."""
        await self._call(
            lambda: self.tables["users"].__setitem__(
                slice(None), [u for u in self.tables["users"] if u.id != user_id]
            )
        )

    async def close(self) -> None:
        """Stop the worker."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    disconnect = close
