"""With bytecode writing off, rewritten code is cached in the cache directory the caller names."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rustest._assertion import RewriteHook, _cache, _rewrite, import_path_rewritten, install_rewrite_hook
from rustest._version import __version__

# Sample files are never named test_*.py or conftest.py: pytest's own rewriting
# hook, which runs these tests, would otherwise import them before ours.
FAILING = "def check():\n    value = 1\n    assert value == 2\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable directory with bytecode writing off, and no module of its own left behind."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.fixture
def cache_dir(project: Path) -> Path:
    """The project's cache directory, made as its owner would make it."""
    directory = project / ".rustest_cache"
    directory.mkdir()
    return directory


@pytest.fixture
def rewrites(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files rewritten (not served from a cache) during the test."""
    seen: list[str] = []
    original = _rewrite.compile_rewritten

    def counting(source: bytes, filename: str) -> object:
        seen.append(filename)
        return original(source, filename)

    monkeypatch.setattr(_rewrite, "compile_rewritten", counting)
    return seen


@pytest.fixture
def hooks() -> Iterator[list[RewriteHook]]:
    """Hooks installed by a test, removed again afterwards."""
    installed: list[RewriteHook] = []
    yield installed
    for hook in installed:
        hook.uninstall()


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    importlib.invalidate_caches()
    return path


def message_of(module: ModuleType) -> str:
    with pytest.raises(AssertionError) as caught:
        module.check()
    return str(caught.value)


def cached_files(cache_dir: Path) -> list[str]:
    folder = cache_dir / _cache.REWRITTEN_FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def test_rewritten_code_is_cached_in_the_cache_directory(project: Path, cache_dir: Path) -> None:
    source = write(project / "sample_elsewhere.py", FAILING)
    import_path_rewritten(source, "sample_elsewhere", cache_dir=cache_dir)
    [name] = cached_files(cache_dir)
    assert name.startswith("sample_elsewhere.")
    assert name.endswith(f".{sys.implementation.cache_tag}-rustest-{__version__}.pyc")
    assert not (project / "__pycache__").exists()


def test_cached_code_in_the_cache_directory_is_reused(
    project: Path, cache_dir: Path, rewrites: list[str]
) -> None:
    source = write(project / "sample_reused_elsewhere.py", FAILING)
    import_path_rewritten(source, "sample_reused_elsewhere_first", cache_dir=cache_dir)
    second = import_path_rewritten(source, "sample_reused_elsewhere_second", cache_dir=cache_dir)
    assert rewrites == [str(source)]
    assert message_of(second) == "assert 1 == 2"


def test_hook_caches_in_the_cache_directory(
    project: Path, cache_dir: Path, hooks: list[RewriteHook], rewrites: list[str]
) -> None:
    source = write(project / "sample_hooked_elsewhere.py", FAILING)
    hooks.append(install_rewrite_hook(lambda path: path == str(source), cache_dir=str(cache_dir)))
    importlib.import_module("sample_hooked_elsewhere")
    del sys.modules["sample_hooked_elsewhere"]
    module = importlib.import_module("sample_hooked_elsewhere")
    assert rewrites == [str(source)]
    assert message_of(module) == "assert 1 == 2"


def test_edited_source_is_rewritten_again(project: Path, cache_dir: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_edited_elsewhere.py", FAILING)
    import_path_rewritten(source, "sample_edited_elsewhere_first", cache_dir=cache_dir)
    write(source, "def check():\n    assert 'edited' == 'source'\n")
    second = import_path_rewritten(source, "sample_edited_elsewhere_second", cache_dir=cache_dir)
    assert len(rewrites) == 2
    assert message_of(second).startswith("assert 'edited' == 'source'")


def test_edit_of_the_same_size_is_seen_through_the_modification_time(project: Path, cache_dir: Path) -> None:
    source = write(project / "sample_same_size_elsewhere.py", FAILING)
    import_path_rewritten(source, "sample_same_size_elsewhere_first", cache_dir=cache_dir)
    mtime_ns = source.stat().st_mtime_ns
    write(source, FAILING.replace("2", "3"))
    os.utime(source, ns=(mtime_ns + 1, mtime_ns + 1))
    second = import_path_rewritten(source, "sample_same_size_elsewhere_second", cache_dir=cache_dir)
    assert message_of(second) == "assert 1 == 3"


def test_same_named_files_in_different_folders_are_cached_apart(
    project: Path, cache_dir: Path, rewrites: list[str]
) -> None:
    first = write(project / "one" / "sample_twin.py", FAILING)
    second = write(project / "two" / "sample_twin.py", FAILING.replace("2", "3"))
    import_path_rewritten(first, "sample_twin_one", cache_dir=cache_dir)
    import_path_rewritten(second, "sample_twin_two", cache_dir=cache_dir)
    again_first = import_path_rewritten(first, "sample_twin_one_again", cache_dir=cache_dir)
    again_second = import_path_rewritten(second, "sample_twin_two_again", cache_dir=cache_dir)
    assert len(cached_files(cache_dir)) == 2
    assert rewrites == [str(first), str(second)]
    assert (message_of(again_first), message_of(again_second)) == ("assert 1 == 2", "assert 1 == 3")


def test_unwritable_cache_folder_still_imports(project: Path, cache_dir: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_unwritable_elsewhere.py", FAILING)
    # A file where the folder should be: nothing can be written there,
    # whatever the permissions of the user running the tests.
    (cache_dir / _cache.REWRITTEN_FOLDER).write_text("not a directory")
    first = import_path_rewritten(source, "sample_unwritable_elsewhere_first", cache_dir=cache_dir)
    import_path_rewritten(source, "sample_unwritable_elsewhere_second", cache_dir=cache_dir)
    assert message_of(first) == "assert 1 == 2"
    assert len(rewrites) == 2


def test_missing_cache_directory_is_not_created(project: Path, rewrites: list[str]) -> None:
    source = write(project / "sample_no_cache_dir.py", FAILING)
    missing = project / ".rustest_cache"
    module = import_path_rewritten(source, "sample_no_cache_dir", cache_dir=missing)
    assert message_of(module) == "assert 1 == 2"
    assert not missing.exists()


def test_cache_directory_is_left_alone_while_bytecode_is_written(
    project: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    source = write(project / "sample_bytecode_on.py", FAILING)
    import_path_rewritten(source, "sample_bytecode_on", cache_dir=cache_dir)
    assert cached_files(cache_dir) == []
    assert (project / "__pycache__").is_dir()


def test_code_rewritten_by_another_rewriter_is_not_reused(
    project: Path, cache_dir: Path, rewrites: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write(project / "sample_other_rewriter.py", FAILING)
    import_path_rewritten(source, "sample_other_rewriter_first", cache_dir=cache_dir)
    monkeypatch.setattr(_cache, "_rewriter_fingerprint", lambda: b"another rewriter")
    second = import_path_rewritten(source, "sample_other_rewriter_second", cache_dir=cache_dir)
    assert len(rewrites) == 2
    assert message_of(second) == "assert 1 == 2"
