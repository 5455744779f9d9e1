"""The ``request`` object: pytest's node details, config access and ``getfixturevalue``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from test_builtin_project import ProjectRun, run_project

from rustest._definitions import TestDef
from rustest._request import FixtureLookupError, FixtureRequest, ItemNode, fixture_lookup_error

PROJECT = {
    "test_a.py": """
        import sys
        from pathlib import Path

        from rustest import fixture, mark, parametrize

        @fixture
        def base():
            return 10

        @fixture
        def uses_base(base):
            return base + 1

        @fixture
        def dynamic(request, base):
            return request.getfixturevalue("base") * 2

        def test_node_name_and_id(request):
            assert request.node.name == "test_node_name_and_id"
            assert request.node.nodeid == "test_a.py::test_node_name_and_id"

        @parametrize("x", [1])
        def test_originalname_drops_the_params(request, x):
            assert request.node.name == "test_originalname_drops_the_params[1]"
            assert request.node.originalname == "test_originalname_drops_the_params"

        def test_path_is_the_test_file(request):
            assert request.node.path == Path(__file__)
            assert request.path == Path(__file__)

        def test_location_is_pytest_style(request):
            line = test_location_is_pytest_style.__code__.co_firstlineno - 1
            assert request.node.location == ("test_a.py", line, "test_location_is_pytest_style")

        def test_function_and_module(request):
            assert request.node.function is test_function_and_module
            assert request.function is test_function_and_module
            assert request.node.module is sys.modules[__name__]

        class TestGroup:
            def test_cls_and_domain(self, request):
                assert request.node.cls is TestGroup
                assert request.node.location[2] == "TestGroup.test_cls_and_domain"

        @parametrize(("a", "b"), [(1, "x")], ids=["case"])
        def test_callspec_gives_params_and_id(request, a, b):
            assert request.node.callspec.params == {"a": 1, "b": "x"}
            assert request.node.callspec.id == "case"

        def test_callspec_is_missing_when_not_parametrized(request):
            assert not hasattr(request.node, "callspec")

        def test_config_is_the_run_config(request):
            assert request.node.config is request.config
            assert request.config.rootpath == Path(__file__).parent
            assert request.config.getoption("--tb") == "auto"

        @mark.slow
        def test_markers_are_visible(request):
            assert request.node.get_closest_marker("slow") is not None

        def test_getfixturevalue_returns_a_planned_fixture(request, uses_base):
            assert request.getfixturevalue("base") == 10

        def test_getfixturevalue_from_a_fixture(dynamic):
            assert dynamic == 20

        @parametrize("value", [5])
        def test_getfixturevalue_returns_a_parametrize_value(request, value):
            assert request.getfixturevalue("value") == 5

        def test_getfixturevalue_of_request_is_the_request(request):
            assert request.getfixturevalue("request") is request

        def test_getfixturevalue_of_an_unplanned_fixture(request):
            request.getfixturevalue("base")

        @fixture
        def refuses(request):
            request.raiseerror("refusing on purpose")

        def test_raiseerror_fails_the_fixture(refuses):
            pass
    """,
}


@pytest.fixture(scope="module")
def project_run(tmp_path_factory: pytest.TempPathFactory) -> ProjectRun:
    """One run of a project whose tests check the request object from inside."""
    return run_project(tmp_path_factory.mktemp("request"), PROJECT)


@pytest.mark.parametrize(
    "name",
    [
        "test_node_name_and_id",
        "test_originalname_drops_the_params[1]",
        "test_path_is_the_test_file",
        "test_location_is_pytest_style",
        "test_function_and_module",
        "test_cls_and_domain",
        "test_callspec_gives_params_and_id[case]",
        "test_callspec_is_missing_when_not_parametrized",
        "test_config_is_the_run_config",
        "test_markers_are_visible",
        "test_getfixturevalue_returns_a_planned_fixture",
        "test_getfixturevalue_from_a_fixture",
        "test_getfixturevalue_returns_a_parametrize_value[5]",
        "test_getfixturevalue_of_request_is_the_request",
    ],
)
def test_request_behaves_like_pytest(project_run: ProjectRun, name: str) -> None:
    assert project_run.outcome(name) == "passed", project_run.failure_text(name)


def test_getfixturevalue_of_an_unplanned_fixture_says_how_to_plan_it(project_run: ProjectRun) -> None:
    name = "test_getfixturevalue_of_an_unplanned_fixture"
    assert project_run.outcome(name) == "failed"
    text = project_run.failure_text(name)
    assert '@mark.usefixtures("base")' in text
    assert "def test_getfixturevalue_of_an_unplanned_fixture(base, ...)" in text


def test_raiseerror_errors_the_test_with_the_message(project_run: ProjectRun) -> None:
    name = "test_raiseerror_fails_the_fixture"
    assert project_run.outcome(name) == "error"
    assert "refusing on purpose" in project_run.failure_text(name)


def make_request(
    *,
    fixturename: str | None = None,
    planned: Sequence[str] | None = None,
    values: dict[str, object] | None = None,
) -> FixtureRequest:
    """Return a request for ``tests/test_x.py::test_x`` whose lookup knows only ``db`` (value 1)."""
    test = TestDef(id="tests/test_x.py::test_x", values=values or {})

    def lookup(name: str) -> object:
        if name == "db":
            return 1
        raise FixtureLookupError(f"lookup of {name}")

    return FixtureRequest(
        fixturenames=None if planned is None else (lambda: planned),
        fixturename=fixturename,
        scope="function",
        node=ItemNode(test.id, test),
        test=test,
        instance=None,
        config=None,
        lookup=lookup,
        finalizers=[],
    )


def test_fixturenames_lists_the_planned_fixtures() -> None:
    assert make_request(planned=["db", "user"]).fixturenames == ["db", "user"]


def test_fixturenames_is_absent_when_the_executor_gives_no_names() -> None:
    assert not hasattr(make_request(), "fixturenames")


def test_getfixturevalue_checks_the_planned_names_first() -> None:
    with pytest.raises(FixtureLookupError, match="not among the fixtures planned"):
        make_request(planned=["db"]).getfixturevalue("cache")


def test_getfixturevalue_asks_the_executor_for_planned_names() -> None:
    assert make_request(planned=["db"]).getfixturevalue("db") == 1


def test_getfixturevalue_prefers_parametrize_values() -> None:
    assert make_request(values={"db": "direct"}).getfixturevalue("db") == "direct"


def test_node_config_is_filled_from_the_request() -> None:
    test = TestDef(id="t.py::test_x")
    node = ItemNode(test.id, test)
    config = object()
    FixtureRequest(
        fixturename=None,
        scope="function",
        node=node,
        test=test,
        instance=None,
        config=config,
        lookup=lambda name: None,
        finalizers=[],
    )
    assert node.config is config


def unplanned(requester: str | None = None, planned: Sequence[str] = ("dbs", "cache")) -> str:
    """Return the message for ``getfixturevalue('db')`` of a fixture not planned for the test."""
    error = fixture_lookup_error(
        "db", "tests/test_x.py::test_x[1]", requester=requester, planned=planned, set_up=False
    )
    return str(error)


def test_lookup_error_names_the_call_and_the_test() -> None:
    assert unplanned().startswith("request.getfixturevalue('db') in tests/test_x.py::test_x[1]:")


def test_lookup_error_explains_why_rustest_needs_the_fixture_up_front() -> None:
    assert "plans every test's fixtures before anything runs" in unplanned()


def test_lookup_error_shows_the_argument_fix_with_the_test_function_name() -> None:
    assert "def test_x(db, ...)" in unplanned()


def test_lookup_error_shows_the_usefixtures_fix() -> None:
    assert '@mark.usefixtures("db")' in unplanned()


def test_lookup_error_from_a_fixture_suggests_requesting_it_there() -> None:
    message = unplanned(requester="user")
    assert "fixture 'user' of tests/test_x.py::test_x[1]" in message
    assert "def user(db, ...)" in message


def test_lookup_error_suggests_close_names() -> None:
    assert "Did you mean 'dbs'?" in unplanned()


def test_lookup_error_lists_the_planned_fixtures() -> None:
    assert "Fixtures planned for this test: cache, dbs" in unplanned()


def test_lookup_error_for_a_fixture_set_up_later_says_to_request_it() -> None:
    error = fixture_lookup_error("db", "t.py::test_x", requester="user", planned=["db", "user"], set_up=True)
    assert "is set up after user" in str(error)
    assert "def user(db, ...)" in str(error)


def test_request_for_an_unknown_fixture_through_the_executor_names_the_test(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                def test_unknown(request):
                    request.getfixturevalue("nonexistent")
            """
        },
    )
    assert "test_a.py::test_unknown" in run.failure_text("test_unknown")
