"""The loop-scope guide's database and API-client patterns, on a real SQLite file and a real HTTP client.

- ``database`` (session): one ``aiosqlite`` connection for the whole run.
- ``client`` (module): an ``httpx.AsyncClient`` that calls the ASGI app
  in-process, reused by the tests of one module.
- ``clean_database`` (function): empties the table before each test.

No test names a loop: every test here needs the session-scoped ``database``,
through ``client`` or ``clean_database``, so rustest runs them all, and these
fixtures, on the session loop, the one the connection belongs to.
"""

from collections.abc import AsyncIterator

import httpx
from users_api import create_app
from users_db import UserStore

from rustest import fixture


@fixture(scope="session")
async def database(tmp_path_factory) -> AsyncIterator[UserStore]:
    """One database file and connection for the session."""
    store = await UserStore.open(tmp_path_factory.mktemp("db") / "users.sqlite3")
    yield store
    await store.close()


@fixture(scope="module")
async def client(database: UserStore) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, reused within a test module; requests never leave the process."""
    transport = httpx.ASGITransport(app=create_app(database))
    async with httpx.AsyncClient(transport=transport, base_url="http://users.test") as client:
        yield client


@fixture
async def clean_database(database: UserStore) -> UserStore:
    """The session database, emptied before each test that asks for it."""
    await database.clear()
    return database
