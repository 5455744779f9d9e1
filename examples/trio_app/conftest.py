"""A real service for the whole session: a trio TCP server on loopback, started in a fixture's nursery.

- ``store`` (session): the SQLite notes database.
- ``service`` (session): runs ``serve_notes`` in a nursery that the fixture
  opens before ``yield`` and closes after it. rustest runs an async
  generator fixture's setup and teardown in one task, so the nursery is
  valid, and it keeps the session's trio loop running between tests, so
  the server answers even while a sync test talks to it over a plain socket.
- ``client`` (module): one connection to the service per test module.
- ``clean_store`` (function): the store, emptied before each test.
"""

from collections.abc import AsyncIterator

import trio
from notes_service import Address, NotesClient, serve_notes
from notes_store import NoteStore

from rustest import fixture


@fixture(scope="session")
async def store(tmp_path_factory) -> AsyncIterator[NoteStore]:
    """One notes database for the session."""
    notes = await NoteStore.open(tmp_path_factory.mktemp("notes") / "notes.sqlite3")
    yield notes
    await notes.close()


@fixture(scope="session")
async def service(store: NoteStore) -> AsyncIterator[Address]:
    """The notes service, serving in the background for the whole session."""
    async with trio.open_nursery() as nursery:
        address = await nursery.start(serve_notes, store)
        yield address
        nursery.cancel_scope.cancel()


@fixture(scope="module")
async def client(service: Address) -> AsyncIterator[NotesClient]:
    """A connection to the service, shared by the tests of a module."""
    connection = await NotesClient.connect(service)
    yield connection
    await connection.aclose()


@fixture
async def clean_store(store: NoteStore) -> NoteStore:
    """The session store, emptied before each test that asks for it."""
    await store.clear()
    return store
