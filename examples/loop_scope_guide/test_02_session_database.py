"""Example 2 and "fixtures cache their values": tests share the session loop of their fixtures."""

from minidb import Database

from rustest import fixture


@fixture(scope="session")
async def db():
    """Shared database for all tests."""
    database = await Database.connect()
    yield database
    await database.disconnect()


async def test_users(db):
    users = await db.query("SELECT * FROM users")
    assert len(users) > 0


async def test_posts(db):
    posts = await db.query("SELECT * FROM posts")
    assert len(posts) > 0


@fixture(scope="session")
async def counter():
    return {"value": 0}  # This dict is shared


async def test_1(counter):
    counter["value"] += 1
    assert counter["value"] == 1


async def test_2(counter):
    assert counter["value"] == 1  # Sees test_1's change
