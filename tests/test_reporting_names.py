"""How reporters derive headings, JUnit names, locations and paths from test ids."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rustest._reporting._names import display_path, head_line, junit_names, nodeid_path, split_location


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/test_a.py::test_x", "test_x"),
        ("tests/test_a.py::TestX::test_y", "TestX.test_y"),
        ("tests/test_a.py::TestX::Inner::test_y[1-a::b]", "TestX.Inner.test_y[1-a::b]"),
        ("tests/test_a.py", "tests/test_a.py"),
    ],
)
def test_head_line_names_a_test_without_its_file(nodeid: str, expected: str) -> None:
    assert head_line(nodeid) == expected


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/test_a.py::test_x", ("tests.test_a", "test_x")),
        ("tests/test_a.py::TestX::test_y[p/q::r.py]", ("tests.test_a.TestX", "test_y[p/q::r.py]")),
        ("test_top.py::test_x", ("test_top", "test_x")),
        ("tests/test_bad.py", ("", "tests.test_bad")),
    ],
)
def test_junit_names_follow_pytest(nodeid: str, expected: tuple[str, str]) -> None:
    assert junit_names(nodeid) == expected


def test_nodeid_path_is_the_part_before_the_first_double_colon() -> None:
    assert nodeid_path("tests/test_a.py::TestX::test_y[a::b]") == "tests/test_a.py"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("tests/test_a.py:12", ("tests/test_a.py", 12)),
        ("tests/test_a.py", ("tests/test_a.py", None)),
        ("C:/work/test_a.py:3", ("C:/work/test_a.py", 3)),
    ],
)
def test_split_location_separates_the_line_number(location: str, expected: tuple[str, int | None]) -> None:
    assert split_location(location) == expected


def test_display_path_is_relative_to_the_rootdir(tmp_path: Path) -> None:
    assert display_path(str(tmp_path / "tests" / "test_a.py"), str(tmp_path)) == os.path.join(
        "tests", "test_a.py"
    )


def test_display_path_keeps_an_absolute_path_when_it_is_shorter(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c" / "d" / "e" / "f" / "g"
    assert display_path("/x.py", str(deep)) == "/x.py"


def test_display_path_leaves_relative_paths_alone() -> None:
    assert display_path("tests/test_a.py", "/somewhere") == "tests/test_a.py"
