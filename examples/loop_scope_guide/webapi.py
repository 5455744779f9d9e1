"""A tiny JSON-over-HTTP server and client on loopback sockets, bound to the loop that runs them."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from minidb import Database


@dataclass
class Response:
    """An HTTP response: ``status`` (also ``status_code``) and the decoded JSON body."""

    status: int
    body: Any

    @property
    def status_code(self) -> int:
        """The HTTP status, as httpx names it."""
        return self.status

    def json(self) -> Any:
        """The decoded body."""
        return self.body


async def _handle(database: Database, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request_line = (await reader.readline()).decode()
    method, path, _ = request_line.split(" ", 2)
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    payload = json.loads(await reader.readexactly(length)) if length else None
    status, body = 404, {"error": "not found"}
    if method == "GET" and path == "/users":
        status, body = 200, [u.email for u in await database.query("SELECT * FROM users")]
    elif method == "GET" and path.startswith("/users/"):
        user = await database.get_user(int(path.rsplit("/", 1)[1]))
        status, body = 200, {"id": user.id, "email": user.email}
    elif method == "POST" and path == "/users":
        user = await database.create_user(f"{payload['name'].lower()}@example.com")
        status, body = 201, {"id": user.id, "email": user.email}
    data = json.dumps(body).encode()
    writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


class APIClient:
    """Serves the API on an ephemeral loopback port and talks to it over real sockets."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database or Database()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> APIClient:
        """Start the server on the running loop."""
        self.server = await asyncio.start_server(lambda r, w: _handle(self.database, r, w), "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def request(self, method: str, path: str, json_body: Any = None) -> Response:
        """Send one request and return the response."""
        if self.server is None:
            await self.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(json_body).encode() if json_body is not None else b""
        writer.write(f"{method} {path} HTTP/1.1\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = json.loads(await reader.readexactly(length))
        writer.close()
        await writer.wait_closed()
        return Response(status, body)

    async def get(self, path: str) -> Response:
        """``GET path``."""
        return await self.request("GET", path)

    async def post(self, path: str, json: Any = None) -> Response:
        """``POST path`` with a JSON body."""
        return await self.request("POST", path, json)

    async def aclose(self) -> None:
        """Stop the server."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
