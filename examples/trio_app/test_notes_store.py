"""The store on its own, on the session's trio loop, with a clean table per test."""

import trio

from rustest import mark

pytestmark = mark.trio


async def test_each_test_starts_from_an_empty_store(clean_store):
    assert await clean_store.count() == 0


async def test_ids_restart_after_a_clean(clean_store):
    assert [await clean_store.add("a"), await clean_store.add("b")] == [1, 2]


async def test_queries_run_off_the_trio_thread_one_at_a_time(clean_store):
    async with trio.open_nursery() as nursery:
        for n in range(10):
            nursery.start_soon(clean_store.add, f"note {n}")
    assert await clean_store.count() == 10
