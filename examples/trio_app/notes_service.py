"""A line-based TCP service over a ``NoteStore``, and its client, both on trio.

One request per line, one reply per line:

- ``ADD <text>`` → ``OK <id>``
- ``GET <id>`` → ``NOTE <text>``, or ``MISSING``
- ``COUNT`` → ``COUNT <n>``
- anything else → ``ERROR <why>``
"""

from __future__ import annotations

from dataclasses import dataclass

import trio
from notes_store import NoteStore

__all__ = ["Address", "LineStream", "NotesClient", "serve_notes"]


@dataclass(frozen=True)
class Address:
    """Where the service listens."""

    host: str
    port: int


class LineStream:
    """Read and write newline-terminated lines on a trio stream."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self._buffer = b""

    async def read_line(self) -> str | None:
        """Return the next line without its newline, or ``None`` when the peer has closed."""
        while b"\n" not in self._buffer:
            data = await self.stream.receive_some(4096)
            if not data:
                return None
            self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    async def write_line(self, line: str) -> None:
        """Send *line* and a newline."""
        await self.stream.send_all(line.encode() + b"\n")


async def _answer(store: NoteStore, request: str) -> str:
    command, _, argument = request.partition(" ")
    if command == "ADD" and argument:
        return f"OK {await store.add(argument)}"
    if command == "GET" and argument.isdigit():
        text = await store.get(int(argument))
        return "MISSING" if text is None else f"NOTE {text}"
    if command == "COUNT" and not argument:
        return f"COUNT {await store.count()}"
    return f"ERROR cannot {request!r}"


async def serve_notes(
    store: NoteStore,
    host: str = "127.0.0.1",
    *,
    task_status: trio.TaskStatus[Address] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve *store* on a free port of *host* until cancelled; ``nursery.start`` returns the ``Address``."""

    async def handle(stream: trio.SocketStream) -> None:
        lines = LineStream(stream)
        async with stream:
            while (request := await lines.read_line()) is not None:
                await lines.write_line(await _answer(store, request))

    listeners = await trio.open_tcp_listeners(0, host=host)
    bound_host, port = listeners[0].socket.getsockname()[:2]
    async with trio.open_nursery() as nursery:
        await nursery.start(trio.serve_listeners, handle, listeners)
        task_status.started(Address(bound_host, port))


class NotesClient:
    """One connection to the service."""

    def __init__(self, lines: LineStream) -> None:
        self._lines = lines

    @classmethod
    async def connect(cls, address: Address) -> NotesClient:
        """Open a connection to the service at *address*."""
        return cls(LineStream(await trio.open_tcp_stream(address.host, address.port)))

    async def request(self, line: str) -> str:
        """Send one request line and return the reply line."""
        await self._lines.write_line(line)
        reply = await self._lines.read_line()
        if reply is None:
            raise ConnectionError("the service closed the connection")
        return reply

    async def add(self, text: str) -> int:
        """Store a note through the service and return its id."""
        return int((await self.request(f"ADD {text}")).removeprefix("OK "))

    async def get(self, note_id: int) -> str | None:
        """Return the text of a note, or ``None`` if there is none."""
        reply = await self.request(f"GET {note_id}")
        return None if reply == "MISSING" else reply.removeprefix("NOTE ")

    async def count(self) -> int:
        """Return how many notes the service holds."""
        return int((await self.request("COUNT")).removeprefix("COUNT "))

    async def aclose(self) -> None:
        """Close the connection."""
        await self._lines.stream.aclose()
