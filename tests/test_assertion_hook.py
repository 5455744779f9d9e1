"""Importing with asserts rewritten: the meta-path hook, loading by path, the bytecode cache, tracebacks."""

from __future__ import annotations

import importlib
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import rustest
from rustest._assertion import RewriteHook, _rewrite, import_path_rewritten, install_rewrite_hook
from rustest._version import __version__

# Sample files are never named test_*.py or conftest.py: pytest's own rewriting
# hook, which runs these tests, would otherwise import them before ours.
FAILING = "def check():\n    value = 1\n    assert value == 2\n"


@pytest.fixture
def bytecode_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytecode caches written next to the sources, whatever the environment says."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bytecode_writing: None) -> Iterator[Path]:
    """An importable directory, with bytecode writing on and no module of its own left behind."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.fixture
def hooks() -> Iterator[list[RewriteHook]]:
    """Hooks installed by a test, removed again afterwards."""
    installed: list[RewriteHook] = []
    yield installed
    for hook in installed:
        hook.uninstall()


@pytest.fixture
def rewrites(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files rewritten (not served from the cache) during the test."""
    seen: list[str] = []
    original = _rewrite.compile_rewritten

    def counting(source: bytes, filename: str) -> object:
        seen.append(filename)
        return original(source, filename)

    monkeypatch.setattr(_rewrite, "compile_rewritten", counting)
    return seen


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    importlib.invalidate_caches()
    return path


def message_of(module: ModuleType) -> str:
    with pytest.raises(AssertionError) as caught:
        module.check()
    return str(caught.value)


def cache_file_for(source: Path) -> Path:
    tag = f"{sys.implementation.cache_tag}-rustest-{__version__}"
    return source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"


def test_hook_rewrites_the_modules_it_is_told_to(project: Path, hooks: list[RewriteHook]) -> None:
    write(project / "sample_selected.py", FAILING)
    hooks.append(install_rewrite_hook(lambda path: path.endswith("sample_selected.py")))
    module = importlib.import_module("sample_selected")
    assert message_of(module) == "assert 1 == 2"


def test_hook_leaves_other_modules_plain(project: Path, hooks: list[RewriteHook]) -> None:
    write(project / "sample_plain.py", FAILING)
    hooks.append(install_rewrite_hook(lambda path: False))
    module = importlib.import_module("sample_plain")
    assert message_of(module) == ""


def test_hook_is_given_absolute_paths(project: Path, hooks: list[RewriteHook]) -> None:
    source = write(project / "sample_paths.py", FAILING)
    asked: list[str] = []

    def should_rewrite(path: str) -> bool:
        asked.append(path)
        return True

    hooks.append(install_rewrite_hook(should_rewrite))
    importlib.import_module("sample_paths")
    assert asked == [str(source)]


def test_uninstalled_hook_no_longer_rewrites(project: Path, hooks: list[RewriteHook]) -> None:
    write(project / "sample_after_uninstall.py", FAILING)
    hook = install_rewrite_hook(lambda path: True)
    hooks.append(hook)
    hook.uninstall()
    module = importlib.import_module("sample_after_uninstall")
    assert message_of(module) == ""
    assert hook not in sys.meta_path


def test_hook_rewrites_modules_inside_packages(project: Path, hooks: list[RewriteHook]) -> None:
    write(project / "sample_package" / "__init__.py", "")
    write(project / "sample_package" / "checks.py", FAILING)
    hooks.append(install_rewrite_hook(lambda path: path.endswith("checks.py")))
    module = importlib.import_module("sample_package.checks")
    assert message_of(module) == "assert 1 == 2"


def test_hook_sits_just_before_the_path_finder(hooks: list[RewriteHook]) -> None:
    hook = install_rewrite_hook(lambda path: False)
    hooks.append(hook)
    position = sys.meta_path.index(hook)
    assert sys.meta_path[position + 1] is importlib.machinery.PathFinder


def test_rewritten_code_is_cached_under_a_rustest_tag(project: Path) -> None:
    source = write(project / "sample_cached.py", FAILING)
    module = import_path_rewritten(source, "sample_cached")
    assert cache_file_for(source).is_file()
    assert module.__cached__ == str(cache_file_for(source))


def test_plain_bytecode_cache_is_not_touched(project: Path) -> None:
    source = write(project / "sample_separate.py", FAILING)
    import_path_rewritten(source, "sample_separate")
    assert [path.name for path in (project / "__pycache__").iterdir()] == [cache_file_for(source).name]


def test_cache_follows_the_pycache_prefix(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = project / "prefix"
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    source = write(project / "sample_prefixed.py", FAILING)
    module = import_path_rewritten(source, "sample_prefixed")
    cached = Path(module.__cached__)
    assert cached.is_file()
    assert cached.is_relative_to(prefix)
    assert not (project / "__pycache__").exists()


def test_cached_code_is_reused_while_the_source_is_unchanged(project: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_reused.py", FAILING)
    import_path_rewritten(source, "sample_reused_first")
    second = import_path_rewritten(source, "sample_reused_second")
    assert rewrites == [str(source)]
    assert message_of(second) == "assert 1 == 2"


def test_changed_source_is_rewritten_again(project: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_changed.py", FAILING)
    import_path_rewritten(source, "sample_changed_first")
    write(source, "def check():\n    assert 'changed' == 'source'\n")
    second = import_path_rewritten(source, "sample_changed_second")
    assert len(rewrites) == 2
    assert message_of(second).startswith("assert 'changed' == 'source'")


def test_edit_of_the_same_size_is_seen_through_the_modification_time(
    project: Path, rewrites: list[str]
) -> None:
    source = write(project / "sample_same_size.py", FAILING)
    import_path_rewritten(source, "sample_same_size_first")
    mtime_ns = source.stat().st_mtime_ns
    write(source, FAILING.replace("2", "3"))
    os.utime(source, ns=(mtime_ns + 1, mtime_ns + 1))
    second = import_path_rewritten(source, "sample_same_size_second")
    assert message_of(second) == "assert 1 == 3"


def test_unwritable_cache_directory_still_imports(project: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_unwritable.py", FAILING)
    # A file where the cache directory should be: nothing can be written there,
    # whatever the permissions of the user running the tests.
    (project / "__pycache__").write_text("not a directory")
    first = import_path_rewritten(source, "sample_unwritable_first")
    import_path_rewritten(source, "sample_unwritable_second")
    assert message_of(first) == "assert 1 == 2"
    assert len(rewrites) == 2


def test_no_cache_is_written_when_bytecode_writing_is_off(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    source = write(project / "sample_no_bytecode.py", FAILING)
    module = import_path_rewritten(source, "sample_no_bytecode")
    assert message_of(module) == "assert 1 == 2"
    assert not (project / "__pycache__").exists()


def test_corrupt_cache_file_is_replaced(project: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_corrupt.py", FAILING)
    import_path_rewritten(source, "sample_corrupt_first")
    cache = cache_file_for(source)
    cache.write_bytes(cache.read_bytes()[:-20])
    module = import_path_rewritten(source, "sample_corrupt_second")
    assert message_of(module) == "assert 1 == 2"
    assert len(rewrites) == 2


@pytest.mark.usefixtures("bytecode_writing")
def test_cache_of_a_moved_directory_is_not_reused(tmp_path: Path, rewrites: list[str]) -> None:
    original = write(tmp_path / "before" / "sample_moved.py", FAILING)
    import_path_rewritten(original, "sample_moved_before")
    shutil.copytree(tmp_path / "before", tmp_path / "after", copy_function=shutil.copy2)
    moved = tmp_path / "after" / "sample_moved.py"
    assert cache_file_for(moved).is_file()
    module = import_path_rewritten(moved, "sample_moved_after")
    assert rewrites == [str(original), str(moved)]
    assert module.check.__code__.co_filename == str(moved)
    sys.modules.pop("sample_moved_before")
    sys.modules.pop("sample_moved_after")


def test_module_attributes_point_at_the_source(project: Path) -> None:
    source = write(project / "sample_attributes.py", FAILING)
    module = import_path_rewritten(source, "sample_attributes")
    assert module.__file__ == str(source)
    assert module.__name__ == "sample_attributes"
    assert module.__spec__ is not None
    assert module.__spec__.origin == str(source)
    assert inspect.getsource(module) == FAILING


def test_syntax_error_names_the_file_and_line(project: Path) -> None:
    source = write(project / "sample_broken.py", "x = 1\n\ndef check(:\n    pass\n")
    with pytest.raises(SyntaxError) as caught:
        import_path_rewritten(source, "sample_broken")
    assert caught.value.filename == str(source)
    assert caught.value.lineno == 3
    assert "sample_broken" not in sys.modules


def test_failed_import_leaves_no_module_behind(project: Path) -> None:
    source = write(project / "sample_raising.py", "raise RuntimeError('at import')\n")
    with pytest.raises(RuntimeError, match="at import"):
        import_path_rewritten(source, "sample_raising")
    assert "sample_raising" not in sys.modules


@pytest.mark.parametrize("marker", ["PYTEST_DONT_REWRITE", "RUSTEST_DONT_REWRITE"])
def test_docstring_marker_opts_a_module_out(project: Path, marker: str) -> None:
    source = write(project / "sample_opt_out.py", f'"""Plain asserts here: {marker}."""\n' + FAILING)
    module = import_path_rewritten(source, f"sample_opt_out_{marker.lower()}")
    assert message_of(module) == ""


def test_traceback_points_at_the_failing_assert(project: Path) -> None:
    source = write(project / "sample_traceback.py", "def check():\n    value = 1\n\n    assert value == 2\n")
    module = import_path_rewritten(source, "sample_traceback")
    with pytest.raises(AssertionError) as caught:
        module.check()
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno, frame.line) == (str(source), 4, "assert value == 2")


def test_traceback_inside_a_multiline_assert_points_at_the_raising_call(project: Path) -> None:
    source = write(
        project / "sample_multiline.py",
        """
        def explode():
            raise LookupError("boom")

        def check():
            assert (
                1
                == explode()
            )
        """,
    )
    module = import_path_rewritten(source, "sample_multiline")
    with pytest.raises(LookupError) as caught:
        module.check()
    frame = traceback.extract_tb(caught.value.__traceback__)[-2]
    assert (frame.name, frame.lineno, frame.line) == ("check", 8, "== explode()")


def test_loaded_module_is_bound_on_its_parent_package(project: Path) -> None:
    write(project / "sample_parent" / "__init__.py", "")
    source = write(project / "sample_parent" / "checks.py", FAILING)
    parent = importlib.import_module("sample_parent")
    module = import_path_rewritten(source, "sample_parent.checks")
    assert parent.checks is module


def test_init_file_is_loaded_as_a_package(project: Path) -> None:
    source = write(project / "sample_init_package" / "__init__.py", FAILING)
    module = import_path_rewritten(source, "sample_init_package")
    assert module.__path__ == [str(source.parent)]
    assert message_of(module) == "assert 1 == 2"


def test_asserts_stay_disabled_under_optimize(tmp_path: Path) -> None:
    source = write(tmp_path / "sample_optimized.py", "assert False\nRAN = True\n")
    program = (
        "import pathlib, sys\n"
        "from rustest._assertion import import_path_rewritten\n"
        f"module = import_path_rewritten(pathlib.Path({str(source)!r}), 'sample_optimized')\n"
        "print(module.RAN)\n"
    )
    repository_root = str(Path(rustest.__file__).resolve().parent.parent)
    environment = {**os.environ, "PYTHONPATH": repository_root, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-O", "-c", program],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr
