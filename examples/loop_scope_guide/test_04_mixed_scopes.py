"""Example 4: session and module async fixtures together; the widest (session) loop wins."""

import socket

from webapi import APIClient

from rustest import fixture


@fixture(scope="module")
async def api_client(database):
    client = await APIClient(database).start()
    yield client
    await client.aclose()


async def test_with_both(database, api_client):
    user = await database.get_user(1)
    response = await api_client.get(f"/users/{user.id}")
    assert response.status == 200


def test_sync_code_reaches_the_server_between_async_steps(api_client):
    # The session loop keeps serving while this sync test blocks on a plain socket.
    with socket.create_connection(("127.0.0.1", api_client.port), timeout=5) as conn:
        conn.sendall(b"GET /users HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        assert conn.recv(1024).startswith(b"HTTP/1.1 200")
