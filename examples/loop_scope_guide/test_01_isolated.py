"""Example 1: no async fixtures, so each test gets a fresh loop of its own."""

import asyncio

LOOPS = []


async def test_independent_1():
    LOOPS.append(asyncio.get_running_loop())
    await asyncio.sleep(0.01)
    assert True


async def test_independent_2():
    LOOPS.append(asyncio.get_running_loop())
    await asyncio.sleep(0.01)
    assert LOOPS[0] is not LOOPS[1]
