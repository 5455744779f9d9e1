"""The JSON report: its schema, key order and contents."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rustest._events import (
    CollectionFailed,
    Event,
    Failure,
    Frame,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
    WarningEmitted,
)
from rustest._reporting import JsonReporter
from rustest._version import __version__


def run(
    path: Path,
    reports: Sequence[TestReport],
    *,
    before: Sequence[Event] = (),
    after: Sequence[Event] = (),
) -> dict[str, Any]:
    """Feed a whole run to a JSON reporter writing to *path* and return the parsed document."""
    reporter = JsonReporter(path)
    for event in before:
        reporter(event)
    reporter(SessionStarted(len(reports)))
    for report in reports:
        reporter(TestStarted(report.nodeid))
        reporter(TestFinished(report))
    for event in after:
        reporter(event)
    reporter(SessionFinished(dict(Counter(report.outcome for report in reports)), 2.5))
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_top_level_keys_come_in_a_stable_order(tmp_path: Path) -> None:
    document = run(tmp_path / "report.json", [])
    assert list(document) == [
        "rustest_version",
        "created",
        "duration",
        "summary",
        "tests",
        "collection_errors",
        "warnings",
    ]


def test_document_names_the_version_start_and_duration(tmp_path: Path) -> None:
    before = time.time()
    document = run(tmp_path / "report.json", [])
    assert document["rustest_version"] == __version__
    assert before <= document["created"] <= time.time()
    assert document["duration"] == 2.5


def test_summary_counts_every_outcome_and_the_total(tmp_path: Path) -> None:
    reports = [
        TestReport("tests/test_a.py::test_1", Outcome.PASSED, Phase.CALL, 0.0),
        TestReport("tests/test_a.py::test_2", Outcome.PASSED, Phase.CALL, 0.0),
        TestReport("tests/test_a.py::test_3", Outcome.XFAILED, Phase.CALL, 0.0),
    ]
    summary = run(tmp_path / "report.json", reports)["summary"]
    assert summary == {
        "passed": 2,
        "failed": 0,
        "error": 0,
        "skipped": 0,
        "xfailed": 1,
        "xpassed": 0,
        "total": 3,
    }
    assert list(summary)[-1] == "total"


def test_each_test_lists_its_whole_report(tmp_path: Path) -> None:
    failure = Failure(
        Phase.CALL,
        "AssertionError",
        "assert 1 == 2",
        (
            Frame("tests/test_a.py", 4, "test_x", "assert one() == 2"),
            Frame("tests/lib.py", 9, "one", "return 1"),
        ),
    )
    report = TestReport(
        "tests/test_a.py::test_x",
        Outcome.FAILED,
        Phase.CALL,
        0.125,
        location="tests/test_a.py:3",
        failures=(failure,),
        stdout="out\n",
        stderr="err\n",
        log="INFO x\n",
        warnings=("UserWarning: careful",),
        marks=("slow", "network"),
        properties=(("ticket", "JIRA-1"), ("value", Path("a"))),
    )
    [test] = run(tmp_path / "report.json", [report])["tests"]
    assert test == {
        "nodeid": "tests/test_a.py::test_x",
        "outcome": "failed",
        "when": "call",
        "duration": 0.125,
        "location": "tests/test_a.py:3",
        "reason": "",
        "failures": [
            {
                "phase": "call",
                "type": "AssertionError",
                "message": "assert 1 == 2",
                "traceback": [
                    {"file": "tests/test_a.py", "line": 4, "name": "test_x", "source": "assert one() == 2"},
                    {"file": "tests/lib.py", "line": 9, "name": "one", "source": "return 1"},
                ],
            }
        ],
        "stdout": "out\n",
        "stderr": "err\n",
        "log": "INFO x\n",
        "warnings": ["UserWarning: careful"],
        "marks": ["slow", "network"],
        "properties": [["ticket", "JIRA-1"], ["value", "a"]],
    }


def test_tests_come_in_the_order_they_finished(tmp_path: Path) -> None:
    reports = [
        TestReport("tests/test_b.py::test_2", Outcome.PASSED, Phase.CALL, 0.0),
        TestReport("tests/test_a.py::test_1", Outcome.SKIPPED, Phase.SETUP, 0.0, reason="later"),
    ]
    tests = run(tmp_path / "report.json", reports)["tests"]
    assert [(test["nodeid"], test["outcome"], test["reason"]) for test in tests] == [
        ("tests/test_b.py::test_2", "passed", ""),
        ("tests/test_a.py::test_1", "skipped", "later"),
    ]


def test_collection_errors_are_listed_with_path_and_message(tmp_path: Path) -> None:
    failed_file = CollectionFailed("tests/test_bad.py", "SyntaxError: invalid syntax")
    document = run(tmp_path / "report.json", [], before=[failed_file])
    assert document["collection_errors"] == [
        {"path": "tests/test_bad.py", "message": "SyntaxError: invalid syntax"}
    ]


def test_warnings_list_test_warnings_and_loose_ones_in_order(tmp_path: Path) -> None:
    report = TestReport("tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0, warnings=("W: one",))
    document = run(
        tmp_path / "report.json",
        [report],
        after=[WarningEmitted("W: two", nodeid="tests/test_a.py::test_x"), WarningEmitted("W: three")],
    )
    assert document["warnings"] == [
        {"message": "W: one", "nodeid": "tests/test_a.py::test_x"},
        {"message": "W: two", "nodeid": "tests/test_a.py::test_x"},
        {"message": "W: three", "nodeid": None},
    ]


def test_control_characters_and_lone_surrogates_stay_valid_json(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0, stdout="\x1b[31m\x00\udcff"
    )
    path = tmp_path / "report.json"
    [test] = run(path, [report])["tests"]
    assert test["stdout"] == "\x1b[31m\x00\udcff"
    assert path.read_bytes().isascii()


def test_file_is_written_into_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "out" / "nested" / "report.json"
    run(path, [])
    assert path.is_file()


def test_nothing_is_written_before_the_session_finishes(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    reporter = JsonReporter(path)
    reporter(SessionStarted(1))
    reporter(TestFinished(TestReport("tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0)))
    assert not path.exists()
