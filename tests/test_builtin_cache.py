"""``cache``: values and directories that outlive a run, in the folder ``--lf`` uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_builtin_project import run_project

from rustest._builtins._cache_fixture import cache
from rustest._definitions import TestDef
from rustest._request import FixtureRequest, ItemNode

WRITE_THEN_READ = {
    "test_a.py": """
        def test_remember(cache):
            previous = cache.get("demo/count", 0)
            cache.set("demo/count", previous + 1)
            print(f"count was {previous}")
    """,
}


def test_a_value_set_in_one_run_is_read_in_the_next(tmp_path: Path) -> None:
    run_project(tmp_path, WRITE_THEN_READ)
    second = run_project(tmp_path, WRITE_THEN_READ, "-s")
    assert "count was 1" in second.stdout


def test_values_are_stored_in_the_cache_folder_of_the_root(tmp_path: Path) -> None:
    run = run_project(tmp_path, WRITE_THEN_READ)
    stored = run.root / ".rustest_cache" / "v" / "demo" / "count"
    assert json.loads(stored.read_text()) == 1


def test_the_cache_folder_is_the_one_last_failed_uses(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                def test_fails(cache):
                    assert False
            """
        },
    )
    assert (run.root / ".rustest_cache" / "v" / "cache" / "lastfailed").exists()


def test_mkdir_gives_a_directory_that_persists_between_runs(tmp_path: Path) -> None:
    files = {
        "test_a.py": """
            def test_keep(cache):
                folder = cache.mkdir("downloads")
                marker = folder / "marker"
                print(f"existed={marker.exists()}")
                marker.write_text("x")
        """,
    }
    run_project(tmp_path, files)
    assert "existed=True" in run_project(tmp_path, files, "-s").stdout


def test_a_missing_value_gives_the_default(tmp_path: Path) -> None:
    run = run_project(
        tmp_path,
        {
            "test_a.py": """
                def test_default(cache):
                    assert cache.get("never/set", "fallback") == "fallback"
            """
        },
    )
    assert run.outcome("test_default") == "passed", run.failure_text("test_default")


def test_without_a_cache_in_the_config_the_fixture_explains_what_is_needed() -> None:
    test = TestDef(id="t.py::test_x")
    request = FixtureRequest(
        fixturename="cache",
        scope="session",
        node=ItemNode(test.id, test),
        test=test,
        instance=None,
        config=None,
        lookup=lambda name: None,
        finalizers=[],
    )
    with pytest.raises(RuntimeError, match="needs a run with a cache folder"):
        cache(request)
