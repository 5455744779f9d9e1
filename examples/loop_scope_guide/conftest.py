"""Fixtures shared by the whole example suite."""

from minidb import Database

from rustest import fixture


@fixture(scope="session")
async def database():
    """One database for the session; its worker task runs on the session loop."""
    database = await Database.connect()
    yield database
    await database.close()
