"""Every example and pattern of the loop-scope guide, executed on asyncio and on trio.

Each test builds the guide's fixtures and tests from plain functions, runs
them through ``rustest.core.run`` and checks what the user code observed:
which loop each step ran on, and in which order setup, test and teardown ran.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from executor_helpers import FakeDatabase, Suite

from rustest import core


def test_tests_without_async_fixtures_each_get_a_loop_of_their_own(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    @suite.test
    async def test_independent_1() -> None:
        await kit.sleep(0.001)
        loops["first"] = kit.current_loop()

    @suite.test
    async def test_independent_2() -> None:
        await kit.sleep(0.001)
        loops["second"] = kit.current_loop()

    run = suite.run()

    assert run.outcomes == {
        "test_independent_1": core.Outcome.PASSED,
        "test_independent_2": core.Outcome.PASSED,
    }
    assert loops["first"] is not loops["second"]


def test_a_session_database_is_shared_by_two_tests_on_its_own_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    seen: dict[str, object] = {}

    @suite.fixture(scope="session")
    async def db() -> AsyncIterator[FakeDatabase]:
        database = FakeDatabase(kit)
        seen["db"] = database
        yield database
        await database.disconnect()

    @suite.test
    async def test_users(db: FakeDatabase) -> None:
        seen["users"] = (db, kit.current_loop())
        assert len(await db.query("SELECT * FROM users")) > 0

    @suite.test
    async def test_posts(db: FakeDatabase) -> None:
        seen["posts"] = (db, kit.current_loop())
        assert len(await db.query("SELECT * FROM posts")) > 0

    run = suite.run()

    assert run.outcomes == {"test_users": core.Outcome.PASSED, "test_posts": core.Outcome.PASSED}
    database = seen["db"]
    assert isinstance(database, FakeDatabase)
    assert seen["users"] == (database, database.loop)
    assert seen["posts"] == (database, database.loop)
    assert database.closed


def test_a_function_fixture_over_a_session_fixture_runs_on_the_session_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    @suite.fixture(scope="session")
    async def database() -> FakeDatabase:
        return FakeDatabase(kit)

    @suite.fixture
    async def user(database: FakeDatabase) -> AsyncIterator[tuple[int, str]]:
        loops["user"] = kit.current_loop()
        created = await database.create_user("test@example.com")
        yield created
        await database.delete_user(created[0])
        loops["user teardown"] = kit.current_loop()

    @suite.test
    async def test_user_email(user: tuple[int, str], database: FakeDatabase) -> None:
        loops["test"] = kit.current_loop()
        loops["database"] = database.loop
        assert user[1] == "test@example.com"

    run = suite.run()

    assert run.outcomes == {"test_user_email": core.Outcome.PASSED}
    session_loop = loops["database"]
    assert loops["user"] is session_loop
    assert loops["test"] is session_loop
    assert loops["user teardown"] is session_loop


def test_a_test_over_session_and_module_fixtures_runs_on_the_session_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    @suite.fixture(scope="session")
    async def db() -> FakeDatabase:
        return FakeDatabase(kit)

    @suite.fixture(scope="module")
    async def api_client() -> object:
        loops["api_client"] = kit.current_loop()
        return object()

    @suite.test
    async def test_with_both(db: FakeDatabase, api_client: object) -> None:
        loops["test"] = kit.current_loop()
        user_id, _email = await db.create_user("someone@example.com")
        assert user_id == 1

    @suite.test
    async def test_isolated_after() -> None:
        loops["isolated"] = kit.current_loop()

    run = suite.run()

    assert run.outcomes == {"test_with_both": core.Outcome.PASSED, "test_isolated_after": core.Outcome.PASSED}
    plan = suite.plan()
    assert plan.loops[plan.item(0).loop].scope is core.Scope.SESSION
    assert loops["api_client"] is loops["test"]
    assert loops["isolated"] is not loops["test"]


def test_a_function_fixture_cleaning_a_session_database_serves_each_test(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def database() -> AsyncIterator[FakeDatabase]:
        calls.append("connect")
        db = FakeDatabase(kit)
        yield db
        await db.disconnect()
        calls.append("close")

    @suite.fixture
    async def clean_database(database: FakeDatabase) -> AsyncIterator[FakeDatabase]:
        database.users.clear()
        calls.append("clean")
        yield database

    @suite.test
    async def test_create_user(clean_database: FakeDatabase) -> None:
        user_id, _email = await clean_database.create_user("test@example.com")
        calls.append(f"created {user_id}")

    @suite.test
    async def test_create_another_user(clean_database: FakeDatabase) -> None:
        user_id, _email = await clean_database.create_user("other@example.com")
        calls.append(f"created {user_id}")

    run = suite.run()

    assert run.outcomes == {
        "test_create_user": core.Outcome.PASSED,
        "test_create_another_user": core.Outcome.PASSED,
    }
    assert calls == ["connect", "clean", "created 1", "clean", "created 1", "close"]


def test_a_module_client_opened_with_async_with_serves_every_test_of_the_module(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture(scope="module")
    async def api_client() -> AsyncIterator[list[str]]:
        async with kit.background(lambda: kit.sleep(3600)):
            calls.append("open")
            yield calls
            calls.append("closing")
        calls.append("closed")

    @suite.test
    async def test_get_users(api_client: list[str]) -> None:
        api_client.append("get")

    @suite.test
    async def test_create_user(api_client: list[str]) -> None:
        api_client.append("post")

    run = suite.run()

    assert run.outcomes == {"test_get_users": core.Outcome.PASSED, "test_create_user": core.Outcome.PASSED}
    assert calls == ["open", "get", "post", "closing", "closed"]


def test_an_async_generator_fixture_is_torn_down_after_the_test(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture
    async def temp_file() -> AsyncIterator[str]:
        await kit.sleep(0)
        calls.append("write file")
        yield "/tmp/test_file.txt"
        await kit.sleep(0)
        calls.append("remove file")

    @suite.test
    async def test_read_file(temp_file: str) -> None:
        calls.append(f"read {temp_file}")

    run = suite.run()

    assert run.outcomes == {"test_read_file": core.Outcome.PASSED}
    assert calls == ["write file", "read /tmp/test_file.txt", "remove file"]


def test_a_mutable_session_fixture_value_carries_changes_to_the_next_test(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def counter() -> dict[str, int]:
        return {"value": 0}

    @suite.test
    async def test_1(counter: dict[str, int]) -> None:
        counter["value"] += 1
        assert counter["value"] == 1

    @suite.test
    async def test_2(counter: dict[str, int]) -> None:
        assert counter["value"] == 1

    run = suite.run()

    assert run.outcomes == {"test_1": core.Outcome.PASSED, "test_2": core.Outcome.PASSED}


def test_an_explicit_wider_loop_scope_makes_tests_share_one_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    loops: dict[str, object] = {}

    @suite.test(loop_scope="session")
    async def test_shared_1() -> None:
        loops["first"] = kit.current_loop()

    @suite.test(loop_scope="session")
    async def test_shared_2() -> None:
        loops["second"] = kit.current_loop()

    @suite.test(loop_scope="function")
    async def test_isolated() -> None:
        loops["isolated"] = kit.current_loop()

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert loops["first"] is loops["second"]
    assert loops["isolated"] is not loops["first"]


def test_an_explicit_narrower_loop_scope_is_a_setup_error_naming_the_fixture_path(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def database() -> FakeDatabase:
        return FakeDatabase(kit)

    @suite.fixture
    async def user(database: FakeDatabase) -> tuple[int, str]:
        return await database.create_user("test@example.com")

    @suite.test(loop_scope="function")
    async def test_query(user: tuple[int, str]) -> None:
        raise AssertionError("a test with a loop scope error must not run")

    report = suite.run().report("test_query")

    assert (report.outcome, report.when) == (core.Outcome.ERROR, core.Phase.SETUP)
    (failure,) = report.failures
    assert failure.exc_type == "LoopScopeError"
    assert isinstance(failure.exception, core.LoopScopeError)
    for part in ("test_mod.py::test_query", "function", "decorator", "session", "user", "database"):
        assert part in failure.message


def test_an_explicit_narrower_loop_scope_sets_up_none_of_the_tests_fixtures(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def database() -> FakeDatabase:
        calls.append("database")
        return FakeDatabase(kit)

    @suite.fixture
    def settings() -> str:
        calls.append("settings")
        return "settings"

    @suite.test(loop_scope="function")
    async def test_query(settings: str, database: FakeDatabase) -> None:
        calls.append("test_query")

    run = suite.run()

    assert run.outcomes == {"test_query": core.Outcome.ERROR}
    assert calls == []


def test_a_loop_scope_error_leaves_the_other_users_of_the_fixture_running(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def database() -> FakeDatabase:
        return FakeDatabase(kit)

    @suite.test(loop_scope="function")
    async def test_forced_narrow(database: FakeDatabase) -> None:
        await database.query("SELECT 1")

    @suite.test
    async def test_automatic(database: FakeDatabase) -> None:
        await database.query("SELECT 1")

    run = suite.run()

    assert run.outcomes == {"test_forced_narrow": core.Outcome.ERROR, "test_automatic": core.Outcome.PASSED}


def test_an_explicit_class_loop_scope_gives_each_test_class_one_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    first_class, second_class = suite.test_class("TestUsers"), suite.test_class("TestPosts")
    loops: dict[str, object] = {}

    def method_recording_as(name: str) -> Callable[[], Awaitable[None]]:
        async def test_method() -> None:
            loops[name] = kit.current_loop()

        test_method.__name__ = name
        return test_method

    for node, prefix in ((first_class, "users"), (second_class, "posts")):
        for number in (1, 2):
            suite.test(node=node, loop_scope="class")(method_recording_as(f"test_{prefix}_{number}"))

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert run.item_ids[0] == "test_mod.py::TestUsers::test_users_1"
    assert loops["test_users_1"] is loops["test_users_2"]
    assert loops["test_posts_1"] is loops["test_posts_2"]
    assert loops["test_users_1"] is not loops["test_posts_1"]


def test_a_class_fixture_puts_the_methods_of_its_class_on_one_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    test_class = suite.test_class("TestApi")
    loops: dict[str, object] = {}

    @suite.fixture(scope="class", node=test_class)
    async def client() -> object:
        loops["client"] = kit.current_loop()
        return object()

    @suite.test(node=test_class)
    async def test_get(client: object) -> None:
        loops["get"] = kit.current_loop()

    @suite.test(node=test_class)
    async def test_post(client: object) -> None:
        loops["post"] = kit.current_loop()

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert loops["client"] is loops["get"] is loops["post"]


def test_each_param_of_a_session_fixture_serves_its_tests_on_the_session_loop_in_turn(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []
    loops: list[object] = []

    @suite.fixture(scope="session", params=["sqlite", "postgres"])
    async def database(request: core.FixtureRequest) -> AsyncIterator[object]:
        calls.append(f"connect {request.param}")
        loops.append(kit.current_loop())
        yield request.param
        calls.append(f"close {request.param}")

    @suite.test
    async def test_query(database: str) -> None:
        loops.append(kit.current_loop())
        calls.append(f"query {database}")

    @suite.test
    async def test_insert(database: str) -> None:
        loops.append(kit.current_loop())
        calls.append(f"insert {database}")

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert calls == [
        "connect sqlite",
        "query sqlite",
        "insert sqlite",
        "close sqlite",
        "connect postgres",
        "query postgres",
        "insert postgres",
        "close postgres",
    ]
    assert len({id(loop) for loop in loops}) == 1
