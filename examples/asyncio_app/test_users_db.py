"""The database layer on its own: the function-scoped ``clean_database`` over the session connection."""

import asyncio

from users_db import DuplicateEmailError, User

from rustest import raises


async def test_a_new_user_gets_the_first_id(clean_database):
    user = await clean_database.add("Bob", "bob@example.com")
    assert user == User(1, "Bob", "bob@example.com")


async def test_each_test_starts_from_an_empty_table(clean_database):
    assert await clean_database.all() == []


async def test_a_taken_email_is_refused(clean_database):
    await clean_database.add("Carol", "carol@example.com")
    with raises(DuplicateEmailError):
        await clean_database.add("Carol again", "carol@example.com")


async def test_the_session_fixtures_share_one_loop(database, clean_database):
    # Both are built on the session loop, the loop this test runs on.
    assert clean_database is database
    loop = asyncio.get_running_loop()
    await database.add("Dave", "dave@example.com")
    assert asyncio.get_running_loop() is loop


def test_a_sync_test_may_run_its_own_loop():
    # Sync tests run with no loop running, even while the session loop lives.
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42
