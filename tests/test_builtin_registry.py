"""The set of built-in fixtures: names, scopes, visibility, overriding, and the package's exports."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from test_builtin_project import run_project

import rustest._builtins
from rustest._builtins import builtin_fixtures
from rustest._definitions import BUILTIN
from rustest._scope import Scope

EXPECTED_SCOPES = {
    "tmp_path": Scope.FUNCTION,
    "tmp_path_factory": Scope.SESSION,
    "tmpdir": Scope.FUNCTION,
    "tmpdir_factory": Scope.SESSION,
    "monkeypatch": Scope.FUNCTION,
    "capsys": Scope.FUNCTION,
    "capsysbinary": Scope.FUNCTION,
    "capfd": Scope.FUNCTION,
    "capfdbinary": Scope.FUNCTION,
    "caplog": Scope.FUNCTION,
    "mocker": Scope.FUNCTION,
    "class_mocker": Scope.CLASS,
    "module_mocker": Scope.MODULE,
    "package_mocker": Scope.PACKAGE,
    "session_mocker": Scope.SESSION,
    "cache": Scope.SESSION,
    "recwarn": Scope.FUNCTION,
    "record_property": Scope.FUNCTION,
}

MODULES = [
    "rustest._builtins",
    "rustest._builtins._cache_fixture",
    "rustest._builtins._capture_fixtures",
    "rustest._builtins._define",
    "rustest._builtins._logging",
    "rustest._builtins._mock",
    "rustest._builtins._mocker",
    "rustest._builtins._monkeypatch",
    "rustest._builtins._record",
    "rustest._builtins._recwarn",
    "rustest._builtins._tmp",
]


def test_builtin_fixtures_have_pytest_names_and_scopes() -> None:
    assert {f.name: f.scope for f in builtin_fixtures()} == EXPECTED_SCOPES


def test_builtin_fixtures_are_defined_once_each() -> None:
    names = [f.name for f in builtin_fixtures()]
    assert len(names) == len(set(names))


def test_builtin_fixtures_are_visible_everywhere() -> None:
    assert {f.node for f in builtin_fixtures()} == {BUILTIN}


def test_builtin_fixture_requests_come_from_their_signatures() -> None:
    requests = {f.name: f.requests for f in builtin_fixtures()}
    assert requests["tmp_path"] == ("request", "tmp_path_factory")
    assert requests["capsys"] == ()


def test_builtin_fixture_locations_point_into_the_package() -> None:
    for fixture in builtin_fixtures():
        path, _, line = fixture.location.rpartition(":")
        assert path.startswith("rustest/_builtins/"), fixture
        assert line.isdigit(), fixture


@pytest.mark.parametrize("module_name", MODULES)
def test_every_name_in_all_is_defined(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_package_exports_the_fixture_classes() -> None:
    assert set(rustest._builtins.__all__) >= {
        "CaptureFixture",
        "CaptureResult",
        "LogCaptureFixture",
        "MockerFixture",
        "MonkeyPatch",
        "TempPathFactory",
        "builtin_fixtures",
    }


def test_a_user_fixture_overrides_a_builtin_of_the_same_name(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "conftest.py": """
                from rustest import fixture

                @fixture
                def tmp_path():
                    return "mine"
            """,
            "test_a.py": """
                def test_override(tmp_path):
                    assert tmp_path == "mine"
            """,
        },
    )
    assert run.outcome("test_override") == "passed", run.failure_text("test_override")


def test_a_user_fixture_can_build_on_the_builtin_it_overrides(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "conftest.py": """
                from rustest import fixture

                @fixture
                def monkeypatch(monkeypatch):
                    monkeypatch.setenv("FROM_CONFTEST", "yes")
                    return monkeypatch
            """,
            "test_a.py": """
                import os

                def test_chained(monkeypatch):
                    assert os.environ["FROM_CONFTEST"] == "yes"
                    assert hasattr(monkeypatch, "undo")
            """,
        },
    )
    assert run.outcome("test_chained") == "passed", run.failure_text("test_chained")
