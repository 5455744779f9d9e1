"""Explicit control: loop_scope wider than needed is honoured."""

import asyncio

from rustest import mark

SEEN = {}


async def do_something():
    await asyncio.sleep(0)
    return asyncio.get_running_loop()


# Force function scope (new loop per test)
@mark.asyncio(loop_scope="function")
async def test_isolated():
    SEEN["isolated"] = await do_something()


# Force session scope (share loop across all tests)
@mark.asyncio(loop_scope="session")
async def test_shared():
    SEEN["shared"] = await do_something()


@mark.asyncio(loop_scope="session")
async def test_shared_again():
    assert await do_something() is SEEN["shared"]
    assert SEEN["shared"] is not SEEN["isolated"]
