"""The HTTP API, through the module-scoped client, starting each test from an empty table."""

import asyncio

import httpx

from rustest import fixture, mark, parametrize


@fixture
async def alice(client: httpx.AsyncClient, clean_database) -> dict:
    """A user created through the API in an otherwise empty database."""
    response = await client.post("/users", json={"name": "Alice", "email": "alice@example.com"})
    assert response.status_code == 201
    return response.json()


async def test_an_empty_database_lists_no_users(client, clean_database):
    response = await client.get("/users")
    assert (response.status_code, response.json()) == (200, [])


async def test_creating_a_user_returns_it_with_an_id(alice):
    assert alice == {"id": 1, "name": "Alice", "email": "alice@example.com"}


async def test_a_created_user_can_be_fetched(client, alice):
    response = await client.get(f"/users/{alice['id']}")
    assert (response.status_code, response.json()) == (200, alice)


async def test_a_taken_email_is_a_conflict(client, alice):
    response = await client.post("/users", json={"name": "Other Alice", "email": alice["email"]})
    assert response.status_code == 409


@parametrize("body", [{"name": "No email"}, ["not", "an", "object"]], ids=["missing-field", "not-an-object"])
async def test_a_malformed_user_is_rejected(client, clean_database, body):
    response = await client.post("/users", json=body)
    assert response.status_code == 422


@parametrize("path", ["/users/999", "/users/abc", "/nowhere"])
async def test_unknown_paths_are_not_found(client, clean_database, path):
    response = await client.get(path)
    assert response.status_code == 404


async def test_concurrent_requests_share_the_connection(client, clean_database):
    emails = [f"user{n}@example.com" for n in range(10)]
    responses = await asyncio.gather(
        *(client.post("/users", json={"name": email, "email": email}) for email in emails)
    )
    assert [response.status_code for response in responses] == [201] * 10
    listed = (await client.get("/users")).json()
    assert sorted(user["email"] for user in listed) == sorted(emails)


@mark.asyncio(loop_scope="session")
async def test_an_explicit_loop_scope_as_wide_as_needed_is_honoured(client, clean_database):
    assert (await client.get("/users")).json() == []
