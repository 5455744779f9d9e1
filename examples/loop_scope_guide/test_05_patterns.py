"""The guide's common patterns: clean database, API client, async generator teardown."""

import asyncio
import os
import tempfile
from pathlib import Path

from webapi import APIClient

from rustest import fixture


@fixture
async def clean_database(database):
    """Clean database before each test."""
    await database.execute("TRUNCATE TABLE users")
    yield database


async def test_create_user(clean_database):
    user = await clean_database.create_user("test@example.com")
    assert user.id is not None


@fixture(scope="module")
async def api_client(database):
    """API client reused within a test module."""
    client = APIClient(database)
    yield client
    await client.aclose()


async def test_get_users(api_client):
    response = await api_client.get("/users")
    assert response.status_code == 200


async def test_create_user_over_http(api_client):
    response = await api_client.post("/users", json={"name": "Alice"})
    assert response.status_code == 201


CREATED = []


@fixture
async def temp_file():
    """Create and clean up a temporary file."""
    fd, file_path = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    await asyncio.to_thread(Path(file_path).write_text, "test data")
    CREATED.append(file_path)
    yield file_path
    await asyncio.to_thread(os.remove, file_path)


async def test_read_file(temp_file):
    content = await asyncio.to_thread(Path(temp_file).read_text)
    assert content == "test data"


def test_temp_file_was_removed_after_its_test():
    assert CREATED
    assert not os.path.exists(CREATED[0])
