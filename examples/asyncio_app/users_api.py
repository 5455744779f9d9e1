"""A small JSON API over the users table, written as a plain ASGI application.

Routes: ``GET /users``, ``POST /users`` (``{"name": ..., "email": ...}``),
``GET /users/{id}``. Any ASGI server can serve it; the tests call it
in-process through ``httpx.ASGITransport``, with no socket at all.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict
from typing import Any

from users_db import DuplicateEmailError, UserStore

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_app(store: UserStore) -> App:
    """Return the ASGI application serving *store*."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        status, payload = await _route(store, scope["method"], scope["path"], await _body(receive))
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _route(store: UserStore, method: str, path: str, body: bytes) -> tuple[int, Any]:
    if path == "/users" and method == "GET":
        return 200, [asdict(user) for user in await store.all()]
    if path == "/users" and method == "POST":
        return await _create(store, body)
    if path.startswith("/users/") and method == "GET":
        user_id = path.removeprefix("/users/")
        user = await store.get(int(user_id)) if user_id.isdigit() else None
        return (200, asdict(user)) if user else (404, {"error": f"no user {user_id}"})
    return 404, {"error": f"no route {method} {path}"}


async def _create(store: UserStore, body: bytes) -> tuple[int, Any]:
    try:
        fields = json.loads(body)
        name, email = fields["name"], fields["email"]
    except (ValueError, KeyError, TypeError):
        return 422, {"error": "send a JSON object with 'name' and 'email'"}
    try:
        user = await store.add(name, email)
    except DuplicateEmailError:
        return 409, {"error": f"{email} is taken"}
    return 201, asdict(user)
