"""Example 3: a function-scoped async fixture on top of a session one runs on the session loop."""

from rustest import fixture


@fixture
async def user(database):
    """Function-scoped fixture using session fixture."""
    user = await database.create_user("test@example.com")
    yield user
    await database.delete_user(user.id)


async def test_user_email(user):
    assert user.email == "test@example.com"


async def test_user_is_deleted_after_each_test(database, user):
    users = await database.query("SELECT * FROM users")
    assert [u.email for u in users].count("test@example.com") == 1
