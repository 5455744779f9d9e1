"""End-to-end: suites in pytest, pytest-asyncio and pytest-trio style run unchanged under --pytest-compat."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import CliRun, Project

PYTEST_SUITE = """
import warnings

import pytest
from pytest import FixtureRequest, MonkeyPatch


@pytest.fixture(params=[1, 2], ids=["one", "two"])
def number(request: FixtureRequest):
    return request.param


@pytest.fixture
def doubled(number):
    yield number * 2


@pytest.mark.parametrize("offset", [0, pytest.param(10, id="ten")])
def test_parametrize_and_fixture_params(doubled, number, offset):
    assert doubled + offset == number * 2 + offset


def test_raises_warns_approx(monkeypatch: MonkeyPatch):
    monkeypatch.setenv("COMPAT_SUITE", "on")
    with pytest.raises(ZeroDivisionError, match="division"):
        1 / 0
    with pytest.warns(UserWarning, match="careful"):
        warnings.warn("careful", UserWarning)
    assert 0.1 + 0.2 == pytest.approx(0.3)


@pytest.mark.skip(reason="not today")
def test_skipped_by_mark():
    raise AssertionError("never runs")


def test_skipped_by_call():
    pytest.skip("skipped inside")


@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False


def test_importorskip_of_a_missing_module():
    pytest.importorskip("no_such_module_anywhere")


class TestGrouped:
    @pytest.fixture(autouse=True)
    def prepared(self):
        self.ready = True

    def test_method_sees_autouse_fixture(self):
        assert self.ready
"""


@pytest.fixture(scope="module")
def pytest_style_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One --pytest-compat run of a suite using pytest's authoring API."""
    project = Project(tmp_path_factory.mktemp("pytest_style"))
    project.write("test_style.py", PYTEST_SUITE)
    return project.run("--pytest-compat")


def test_pytest_style_suite_passes_where_pytest_passes(pytest_style_run: CliRun) -> None:
    assert pytest_style_run.exit_code == 0, pytest_style_run.output
    assert pytest_style_run.counts == {"passed": 6, "skipped": 3, "xfailed": 1}


def test_pytest_param_ids_and_fixture_ids_name_the_tests(pytest_style_run: CliRun) -> None:
    ids = [nodeid for nodeid in pytest_style_run.outcomes if "test_parametrize_and_fixture_params" in nodeid]
    assert any("one" in nodeid and "ten" in nodeid for nodeid in ids), ids


def test_importorskip_of_a_missing_module_skips(pytest_style_run: CliRun) -> None:
    assert pytest_style_run.test("test_importorskip_of_a_missing_module")["outcome"] == "skipped"


def test_import_pytest_without_compat_is_not_served_by_rustest(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_probe.py",
        "import pytest\n\ndef test_probe():\n    assert not hasattr(pytest, '__rustest_shim__')\n",
    )
    run = project.run()
    assert run.outcomes == {"test_probe.py::test_probe": "passed"}, run.output


def test_pytest_compat_config_switch_turns_compatibility_on(tmp_path: Path) -> None:
    project = Project(tmp_path, "[tool.rustest]\npytest_compat = true\n")
    project.write("test_probe.py", "import pytest\n\ndef test_probe():\n    assert pytest.__rustest_shim__\n")
    run = project.run()
    assert run.outcomes == {"test_probe.py::test_probe": "passed"}, run.output


ASYNCIO_SUITE = """
import asyncio

import pytest
import pytest_asyncio


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server():
    yield {"loop": asyncio.get_running_loop()}


@pytest_asyncio.fixture
async def client(server):
    return server


@pytest.mark.asyncio(loop_scope="module")
async def test_marked_test_shares_the_fixture_loop(server):
    assert asyncio.get_running_loop() is server["loop"]


async def test_unmarked_async_test_runs(client):
    await asyncio.sleep(0)
    assert asyncio.get_running_loop() is client["loop"]


@pytest.mark.asyncio(loop_scope="function")
async def test_narrower_explicit_loop_scope(server):
    raise AssertionError("must not run")
"""


@pytest.fixture(scope="module")
def asyncio_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One --pytest-compat run of a pytest-asyncio suite in strict mode."""
    project = Project(
        tmp_path_factory.mktemp("asyncio"), '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n'
    )
    project.write("test_async.py", ASYNCIO_SUITE)
    return project.run("--pytest-compat")


def test_pytest_asyncio_fixture_with_loop_scope_shares_its_loop(asyncio_run: CliRun) -> None:
    assert asyncio_run.test("test_marked_test_shares_the_fixture_loop")["outcome"] == "passed", (
        asyncio_run.output
    )


def test_unmarked_async_tests_run_in_strict_mode(asyncio_run: CliRun) -> None:
    assert asyncio_run.test("test_unmarked_async_test_runs")["outcome"] == "passed", asyncio_run.output


def test_explicit_test_loop_scope_narrower_than_a_fixture_loop_scope_is_a_plan_error(
    asyncio_run: CliRun,
) -> None:
    entry = asyncio_run.test("test_narrower_explicit_loop_scope")
    assert entry["outcome"] == "error"
    assert "loop_scope='function'" in entry["failures"][0]["message"]


def test_fixture_loop_scope_narrower_than_its_own_async_dependency_is_a_plan_error(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_conflict.py",
        """
        import pytest_asyncio

        @pytest_asyncio.fixture(scope="session")
        async def pool():
            return "pool"

        @pytest_asyncio.fixture(loop_scope="function")
        async def session(pool):
            return pool

        async def test_uses_session(session):
            raise AssertionError("must not run")
        """,
    )
    run = project.run("--pytest-compat")
    entry = run.test("test_uses_session")
    assert entry["outcome"] == "error", run.output
    assert "loop_scope" in entry["failures"][0]["message"]


TRIO_SUITE = """
import trio
import pytest
from pytest_trio import trio_fixture


@trio_fixture
def root_task():
    return trio.lowlevel.current_root_task()


async def test_runs_on_trio(root_task):
    assert trio.lowlevel.current_root_task() is root_task


async def test_autojump_clock_skips_the_wait(autojump_clock):
    start = trio.current_time()
    await trio.sleep(3600)
    assert trio.current_time() - start == pytest.approx(3600)


async def test_nursery_fixture_runs_background_tasks(nursery):
    started = trio.Event()

    async def background():
        started.set()
        await trio.sleep_forever()

    nursery.start_soon(background)
    await started.wait()
"""


@pytest.mark.parametrize(
    ("config", "conftest"),
    [
        pytest.param("[tool.pytest.ini_options]\ntrio_mode = true\n", "", id="trio_mode-setting"),
        pytest.param(
            "[tool.rustest]\n", "from pytest_trio.enable_trio_mode import *\n", id="enable_trio_mode"
        ),
    ],
)
def test_trio_mode_runs_unmarked_async_tests_on_trio(tmp_path: Path, config: str, conftest: str) -> None:
    project = Project(tmp_path, config)
    project.write("conftest.py", conftest)
    project.write("test_trio.py", TRIO_SUITE)
    run = project.run("--pytest-compat")
    assert run.exit_code == 0, run.output
    assert set(run.outcomes.values()) == {"passed"}
    assert run.report is not None
    assert run.report["warnings"] == []


def test_trio_mark_without_trio_mode_runs_on_trio(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_marked.py",
        """
        import pytest
        import trio

        @pytest.mark.trio
        async def test_marked(mock_clock):
            before = trio.current_time()
            mock_clock.jump(5)
            assert trio.current_time() - before == 5
        """,
    )
    run = project.run("--pytest-compat")
    assert run.outcomes == {"test_marked.py::test_marked": "passed"}, run.output


HOOK_CONFTEST = """
def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow tests")

def pytest_collection_modifyitems(items):
    items.reverse()

pytest_plugins = ["pytester"]
"""


@pytest.fixture(scope="module")
def hooks_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """A run whose root and sub-directory conftest.py files define hooks rustest does not run."""
    project = Project(tmp_path_factory.mktemp("hooks"))
    project.write("conftest.py", HOOK_CONFTEST)
    project.write("sub/conftest.py", "def pytest_configure(config):\n    pass\n")
    project.write("sub/test_a.py", "def test_a():\n    pass\n")
    project.write("test_b.py", "def test_b():\n    pass\n")
    return project.run("--pytest-compat")


def warning_messages(run: CliRun) -> list[str]:
    assert run.report is not None, run.output
    return [warning["message"] for warning in run.report["warnings"]]


def test_conftest_hooks_do_not_stop_the_run(hooks_run: CliRun) -> None:
    assert hooks_run.outcomes == {"test_b.py::test_b": "passed", "sub/test_a.py::test_a": "passed"}


def test_each_unsupported_hook_is_reported_once_by_name(hooks_run: CliRun) -> None:
    messages = warning_messages(hooks_run)
    configure = [message for message in messages if "pytest_configure" in message]
    assert len(configure) == 1
    assert "conftest.py, sub/conftest.py" in configure[0]
    assert any("pytest_collection_modifyitems" in message for message in messages)


def test_plugins_listed_in_pytest_plugins_are_reported(hooks_run: CliRun) -> None:
    assert any("pytest plugin 'pytester'" in message for message in warning_messages(hooks_run))


def test_unsupported_hook_warning_reaches_the_terminal(hooks_run: CliRun) -> None:
    assert "pytest_collection_modifyitems" in hooks_run.stdout


MISSING_SUITE = """
import pytest


def test_reads_a_missing_pytest_name():
    pytest.Stash


def test_imports_a_missing_pytest_name():
    from pytest import Pytester


def test_asks_for_pytester(pytester):
    pass


def test_asks_for_event_loop(event_loop):
    pass


def pytest_generate_tests(metafunc):
    if "generated" in metafunc.fixturenames:
        metafunc.parametrize("generated", [1, 2])


def test_generated(generated):
    pass


def test_unaffected_by_the_hook():
    pass
"""


@pytest.fixture(scope="module")
def missing_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """A run of tests that each use one pytest feature rustest lacks."""
    project = Project(tmp_path_factory.mktemp("missing"))
    project.write("test_missing.py", MISSING_SUITE)
    return project.run("--pytest-compat")


@pytest.mark.parametrize(
    ("test", "outcome", "feature"),
    [
        ("test_reads_a_missing_pytest_name", "failed", "pytest.Stash is not supported by rustest"),
        ("test_imports_a_missing_pytest_name", "failed", "pytest.Pytester is not supported by rustest"),
        ("test_asks_for_pytester", "error", "pytest's pytester fixture is not supported by rustest"),
        ("test_asks_for_event_loop", "error", "pytest-asyncio's event_loop fixture is not supported"),
        ("test_generated", "failed", "pytest_generate_tests (in module test_missing) is not supported"),
    ],
)
def test_missing_feature_fails_the_test_naming_it(
    missing_run: CliRun, test: str, outcome: str, feature: str
) -> None:
    entry = missing_run.test(test)
    assert entry["outcome"] == outcome
    assert feature in entry["failures"][0]["message"]


def test_tests_that_do_not_use_the_missing_feature_pass(missing_run: CliRun) -> None:
    assert missing_run.test("test_unaffected_by_the_hook")["outcome"] == "passed"


def test_missing_feature_at_conftest_import_is_a_collection_error_naming_it(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "conftest.py",
        """
        import pytest

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_setup(item):
            pass
        """,
    )
    project.write("test_a.py", "def test_a():\n    pass\n")
    run = project.run("--pytest-compat")
    assert run.exit_code == 2, run.output
    assert run.report is not None
    (error,) = run.report["collection_errors"]
    assert "pytest.hookimpl is not supported by rustest" in error["message"]


def test_event_loop_override_is_reported(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_loop.py",
        """
        import asyncio
        import pytest

        @pytest.fixture(scope="session")
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()

        async def test_async():
            pass
        """,
    )
    run = project.run("--pytest-compat")
    assert any("overriding pytest-asyncio's event_loop fixture" in m for m in warning_messages(run)), (
        run.output
    )


def test_register_assert_rewrite_explains_asserts_in_helper_modules(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("helpers/__init__.py", "")
    project.write("helpers/checks.py", "def check_equal(a, b):\n    assert a == b\n")
    project.write("conftest.py", 'import pytest\n\npytest.register_assert_rewrite("helpers")\n')
    project.write(
        "test_helper.py", "from helpers.checks import check_equal\n\ndef test_it():\n    check_equal(1, 2)\n"
    )
    run = project.run("--pytest-compat")
    assert "assert 1 == 2" in run.test("test_it")["failures"][0]["message"], run.output


def test_asyncio_default_test_loop_scope_gives_unmarked_tests_that_loop(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("pytest.ini", "[pytest]\nasyncio_default_test_loop_scope = module\n")
    project.write(
        "test_shared.py",
        """
        import asyncio

        loops = []

        async def test_first():
            loops.append(asyncio.get_running_loop())

        async def test_second():
            assert asyncio.get_running_loop() is loops[0]
        """,
    )
    run = project.run("--pytest-compat")
    assert run.outcomes == {
        "test_shared.py::test_first": "passed",
        "test_shared.py::test_second": "passed",
    }, run.output


def test_pytest_mock_types_are_rustest_mocker_fixtures(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_mocking.py",
        """
        import os
        from pytest_mock import MockerFixture

        def test_patch(mocker: MockerFixture):
            assert isinstance(mocker, MockerFixture)
            mocker.patch("os.getcwd", return_value="/nowhere")
            assert os.getcwd() == "/nowhere"
        """,
    )
    run = project.run("--pytest-compat")
    assert run.outcomes == {"test_mocking.py::test_patch": "passed"}, run.output


def test_fixture_loop_scope_wider_than_its_scope_is_honoured(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "test_wide.py",
        """
        import asyncio
        import pytest_asyncio

        loops = []

        @pytest_asyncio.fixture(loop_scope="module")
        async def per_test():
            return asyncio.get_running_loop()

        async def test_first(per_test):
            loops.append(per_test)

        async def test_second(per_test):
            assert per_test is loops[0]
        """,
    )
    run = project.run("--pytest-compat")
    assert run.outcomes == {"test_wide.py::test_first": "passed", "test_wide.py::test_second": "passed"}, (
        run.output
    )
