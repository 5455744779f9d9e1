"""The service over TCP: a module-scoped client, and fresh connections, against the session server."""

import socket

import trio
from notes_service import NotesClient

from rustest import mark

pytestmark = mark.trio


async def test_a_new_note_gets_the_first_id(client, clean_store):
    assert await client.add("buy milk") == 1


async def test_a_note_can_be_read_back(client, clean_store):
    note_id = await client.add("call Bob")
    assert await client.get(note_id) == "call Bob"


async def test_an_unknown_note_is_missing(client, clean_store):
    assert await client.get(42) is None


async def test_notes_are_stored_in_the_database(client, clean_store):
    await client.add("one")
    await client.add("two")
    assert (await client.count(), await clean_store.count()) == (2, 2)


async def test_a_malformed_request_is_an_error(client):
    assert (await client.request("SHOUT")).startswith("ERROR")


async def test_many_clients_at_once(service, clean_store):
    async def add_one(n: int) -> None:
        connection = await NotesClient.connect(service)
        await connection.add(f"note {n}")
        await connection.aclose()

    async with trio.open_nursery() as nursery:
        for n in range(20):
            nursery.start_soon(add_one, n)
    assert await clean_store.count() == 20


def test_a_plain_socket_reaches_the_service_from_a_sync_test(service):
    # No trio code runs in this test, yet the session loop keeps serving.
    with socket.create_connection((service.host, service.port), timeout=5) as connection:
        connection.sendall(b"COUNT\n")
        assert connection.makefile().readline().startswith("COUNT ")


def test_a_sync_test_may_call_trio_run_while_the_service_lives(service):
    async def count_over_tcp() -> str:
        stream = await trio.open_tcp_stream(service.host, service.port)
        async with stream:
            await stream.send_all(b"COUNT\n")
            return (await stream.receive_some(100)).decode()

    assert trio.run(count_over_tcp).startswith("COUNT ")
