"""The end-to-end benchmark's suites: rustest, pytest and the floor all pass every test of every shape."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks.bench_e2e import format_row, measure_floor, measure_pytest, measure_rustest, measure_shape
from benchmarks.e2e_suites import SHAPES, write_suite

SMALL_TESTS = 20
SMALL_FILES = 2


@pytest.mark.parametrize("shape", SHAPES)
def test_rustest_and_the_floor_pass_every_test_of_the_shape(tmp_path: Path, shape: str) -> None:
    suite = write_suite(tmp_path, shape, SMALL_TESTS, SMALL_FILES)
    result = measure_shape(suite, repeat=1, with_pytest=False)
    assert result.rustest.seconds > 0
    assert result.floor.peak_mib > 0
    assert format_row(result).startswith(shape)


def test_pytest_passes_every_test_of_the_pytest_variant(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "fixtures", SMALL_TESTS, SMALL_FILES)
    measured = measure_pytest(suite, repeat=1)
    assert measured is not None
    assert measured.seconds > 0


def test_pytest_is_reported_unavailable_for_async_shapes_without_pytest_asyncio(tmp_path: Path) -> None:
    if importlib.util.find_spec("pytest_asyncio") is not None:
        pytest.skip("pytest-asyncio is installed here")
    suite = write_suite(tmp_path, "async_session", SMALL_TESTS, SMALL_FILES)
    assert measure_pytest(suite, repeat=1) is None


def test_a_run_that_does_not_pass_every_test_stops_the_benchmark(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "plain", SMALL_TESTS, SMALL_FILES)
    (suite.rustest_dir / "test_000.py").write_text("def test_broken():\n    assert False\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="without reporting 20 passed tests"):
        measure_rustest(suite, repeat=1)


def test_a_floor_that_counts_other_tests_than_the_runners_stops_the_benchmark(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "plain", SMALL_TESTS, SMALL_FILES)
    with (suite.rustest_dir / "test_001.py").open("a", encoding="utf-8") as module:
        module.write("\n\ndef test_extra():\n    pass\n")
    with pytest.raises(RuntimeError, match=r"floor\.py .* without reporting 20 passed tests"):
        measure_floor(suite, repeat=1)


def test_a_floor_with_a_failing_test_stops_the_benchmark(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, "plain", SMALL_TESTS, SMALL_FILES)
    with (suite.rustest_dir / "test_001.py").open("a", encoding="utf-8") as module:
        module.write("\n\ndef test_19():\n    assert False\n")
    with pytest.raises(RuntimeError, match=r"floor\.py .* exited 1 "):
        measure_floor(suite, repeat=1)


@pytest.mark.parametrize(("n_tests", "n_files"), [(25, 5), (0, 5), (20, 0)])
def test_suite_sizes_must_fill_every_module_equally(tmp_path: Path, n_tests: int, n_files: int) -> None:
    with pytest.raises(ValueError, match="must be a positive multiple"):
        write_suite(tmp_path, "plain", n_tests, n_files)


def test_an_unknown_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown shape 'huge'"):
        write_suite(tmp_path, "huge")
