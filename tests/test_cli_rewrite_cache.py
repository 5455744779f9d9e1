"""End-to-end: with bytecode writing off, rewritten test modules are cached in ``.rustest_cache``."""

from __future__ import annotations

from pathlib import Path

from test_builtin_project import run_project

FILES = {
    "test_values.py": """
        def test_compares():
            value = 2
            assert value + 1 == 4
    """,
}


def test_rewritten_code_is_kept_in_the_cache_folder_once_it_exists(tmp_path: Path) -> None:
    # run_project sets PYTHONDONTWRITEBYTECODE=1, as many CI machines do. The first
    # run makes .rustest_cache (for --lf); the second finds it and keeps rewritten code there.
    first = run_project(tmp_path, FILES)
    run_project(tmp_path, FILES)
    cached = [f for f in (first.root / ".rustest_cache" / "rewritten").rglob("*") if f.is_file()]
    third = run_project(tmp_path, FILES)
    assert cached, "no rewritten code was kept"
    assert not list(first.root.rglob("__pycache__"))
    assert "assert (2 + 1) == 4" in third.failure_text("test_compares")


def test_an_edited_test_file_is_rewritten_again(tmp_path: Path) -> None:
    run_project(tmp_path, FILES)
    run_project(tmp_path, FILES)
    edited = {"test_values.py": FILES["test_values.py"].replace("value + 1 == 4", "value + 2 == 5")}
    run = run_project(tmp_path, edited)
    assert "assert (2 + 2) == 5" in run.failure_text("test_compares")
