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


def _rewritten(root: Path) -> list[Path]:
    return [f for f in (root / ".rustest_cache" / "rewritten").rglob("*") if f.is_file()]


def test_rewritten_code_is_kept_in_the_cache_folder_from_the_first_run(tmp_path: Path) -> None:
    # run_project sets PYTHONDONTWRITEBYTECODE=1, as many CI machines do.
    first = run_project(tmp_path, FILES)
    cached = _rewritten(first.root)
    second = run_project(tmp_path, FILES)
    assert cached, "no rewritten code was kept"
    assert not list(first.root.rglob("__pycache__"))
    assert "assert (2 + 1) == 4" in second.failure_text("test_compares")


def test_a_passing_suite_keeps_its_rewritten_code_too(tmp_path: Path) -> None:
    # Nothing failed, so the run has no last-failed state to write; the cache folder is made anyway.
    passing = {"test_values.py": FILES["test_values.py"].replace("== 4", "== 3")}
    run = run_project(tmp_path, passing)
    assert run.outcomes() == {"test_compares": "passed"}
    assert _rewritten(run.root)


def test_helpers_registered_for_rewriting_under_pytest_compat_are_cached_too(tmp_path: Path) -> None:
    files = {
        "helpers/__init__.py": "",
        "helpers/checks.py": "def check_equal(a, b):\n    assert a == b\n",
        "conftest.py": 'import pytest\n\npytest.register_assert_rewrite("helpers")\n',
        "test_helper.py": "from helpers.checks import check_equal\n\ndef test_it():\n    check_equal(1, 2)\n",
    }
    run = run_project(tmp_path, files, "--pytest-compat")
    assert "assert 1 == 2" in run.failure_text("test_it")
    assert any(path.name.startswith("checks.") for path in _rewritten(run.root))


def test_an_edited_test_file_is_rewritten_again(tmp_path: Path) -> None:
    run_project(tmp_path, FILES)
    run_project(tmp_path, FILES)
    edited = {"test_values.py": FILES["test_values.py"].replace("value + 1 == 4", "value + 2 == 5")}
    run = run_project(tmp_path, edited)
    assert "assert (2 + 2) == 5" in run.failure_text("test_compares")
