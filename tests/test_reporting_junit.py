"""The JUnit XML file CI services read: structure, counts, names and characters XML cannot hold."""

from __future__ import annotations

import datetime
import socket
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

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
)
from rustest._reporting import JUnitXmlReporter


def run(
    path: Path, reports: Sequence[TestReport], *, before: Sequence[Event] = (), **options: str
) -> ET.Element:
    """Feed a whole run to a JUnit reporter writing to *path* and return the parsed document."""
    reporter = JUnitXmlReporter(path, **options)
    for event in before:
        reporter(event)
    reporter(SessionStarted(len(reports)))
    for report in reports:
        reporter(TestStarted(report.nodeid))
        reporter(TestFinished(report))
    reporter(SessionFinished(dict(Counter(report.outcome for report in reports)), 1.2345))
    return ET.parse(path).getroot()


def case(root: ET.Element, name: str) -> ET.Element:
    found = root.find(f"./testsuite/testcase[@name='{name}']")
    assert found is not None, f"no testcase named {name}"
    return found


def test_nothing_is_written_before_the_session_finishes(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    reporter = JUnitXmlReporter(path)
    reporter(SessionStarted(1))
    reporter(TestFinished(TestReport("tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.1)))
    assert not path.exists()


def test_document_is_testsuites_around_one_named_testsuite(tmp_path: Path) -> None:
    root = run(tmp_path / "junit.xml", [], suite_name="unit")
    suite = root.find("testsuite")
    assert root.tag == "testsuites"
    assert suite is not None
    assert suite.get("name") == "unit"


def test_file_starts_with_an_utf8_xml_declaration(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    run(path, [])
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "ci" / "junit.xml"
    run(path, [])
    assert path.is_file()


def test_suite_counts_tests_failures_errors_and_skips(tmp_path: Path) -> None:
    reports = [
        TestReport("tests/test_a.py::test_pass", Outcome.PASSED, Phase.CALL, 0.1),
        TestReport(
            "tests/test_a.py::test_fail",
            Outcome.FAILED,
            Phase.CALL,
            0.1,
            failures=(Failure(Phase.CALL, "ValueError", "boom"),),
        ),
        TestReport(
            "tests/test_a.py::test_error",
            Outcome.ERROR,
            Phase.SETUP,
            0.1,
            failures=(Failure(Phase.SETUP, "OSError", "no port"),),
        ),
        TestReport("tests/test_a.py::test_skip", Outcome.SKIPPED, Phase.SETUP, 0.0, reason="later"),
        TestReport("tests/test_a.py::test_xfail", Outcome.XFAILED, Phase.CALL, 0.0, reason="bug"),
        TestReport("tests/test_a.py::test_xpass", Outcome.XPASSED, Phase.CALL, 0.0, reason="bug"),
    ]
    root = run(tmp_path / "junit.xml", reports)
    suite = root.find("testsuite")
    assert suite is not None
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped", "time")}
    assert counts == {"tests": "6", "failures": "1", "errors": "1", "skipped": "2", "time": "1.234"}
    assert {key: root.get(key) for key in ("tests", "failures", "errors", "skipped")} == {
        "tests": "6",
        "failures": "1",
        "errors": "1",
        "skipped": "2",
    }


def test_suite_records_a_timezone_aware_timestamp_and_the_hostname(tmp_path: Path) -> None:
    suite = run(tmp_path / "junit.xml", []).find("testsuite")
    assert suite is not None
    timestamp = datetime.datetime.fromisoformat(suite.get("timestamp", ""))
    assert timestamp.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.timezone.utc) - timestamp) < datetime.timedelta(minutes=5)
    assert suite.get("hostname") == socket.gethostname()


def test_testcase_names_follow_pytest_for_classes_and_params(tmp_path: Path) -> None:
    report = TestReport("tests/unit/test_a.py::TestX::test_y[a/b::c]", Outcome.PASSED, Phase.CALL, 0.25)
    testcase = case(run(tmp_path / "junit.xml", [report]), "test_y[a/b::c]")
    assert testcase.get("classname") == "tests.unit.test_a.TestX"
    assert testcase.get("time") == "0.250"


def test_testcase_gives_file_and_line_from_the_location(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0, location="tests/test_a.py:12"
    )
    testcase = case(run(tmp_path / "junit.xml", [report]), "test_x")
    assert (testcase.get("file"), testcase.get("line")) == ("tests/test_a.py", "12")


def test_testcase_without_location_takes_the_file_from_the_test_id(tmp_path: Path) -> None:
    report = TestReport("tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0)
    testcase = case(run(tmp_path / "junit.xml", [report]), "test_x")
    assert (testcase.get("file"), testcase.get("line")) == ("tests/test_a.py", None)


def test_passed_test_has_no_result_element(tmp_path: Path) -> None:
    report = TestReport("tests/test_a.py::test_x", Outcome.PASSED, Phase.CALL, 0.0)
    assert list(case(run(tmp_path / "junit.xml", [report]), "test_x")) == []


def test_failure_carries_message_type_and_traceback(tmp_path: Path) -> None:
    source = tmp_path / "test_a.py"
    source.write_text("def test_x():\n    assert 1 == 2\n")
    failure = Failure(
        Phase.CALL, "AssertionError", "assert 1 == 2", (Frame(str(source), 2, "test_x", "assert 1 == 2"),)
    )
    report = TestReport("test_a.py::test_x", Outcome.FAILED, Phase.CALL, 0.0, failures=(failure,))
    element = case(run(tmp_path / "junit.xml", [report]), "test_x").find("failure")
    assert element is not None
    assert element.get("message") == "assert 1 == 2"
    assert element.get("type") == "AssertionError"
    assert element.text is not None
    assert ">       assert 1 == 2\nE       assert 1 == 2" in element.text


def test_error_says_in_which_phase_it_happened(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x",
        Outcome.ERROR,
        Phase.TEARDOWN,
        0.0,
        failures=(Failure(Phase.TEARDOWN, "OSError", "port busy"),),
    )
    element = case(run(tmp_path / "junit.xml", [report]), "test_x").find("error")
    assert element is not None
    assert element.get("message") == 'failed on teardown with "OSError: port busy"'
    assert element.get("type") == "OSError"


def test_skipped_test_has_skipped_element_with_its_reason(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x",
        Outcome.SKIPPED,
        Phase.SETUP,
        0.0,
        location="tests/test_a.py:3",
        reason="Skipped: no network",
    )
    element = case(run(tmp_path / "junit.xml", [report]), "test_x").find("skipped")
    assert element is not None
    assert element.get("message") == "no network"
    assert element.text == "tests/test_a.py:3: no network"


def test_xfailed_test_counts_as_skipped(tmp_path: Path) -> None:
    report = TestReport("tests/test_a.py::test_x", Outcome.XFAILED, Phase.CALL, 0.0, reason="bug 7")
    element = case(run(tmp_path / "junit.xml", [report]), "test_x").find("skipped")
    assert element is not None
    assert (element.get("type"), element.get("message")) == ("rustest.xfail", "bug 7")


def test_xpassed_test_counts_as_passed(tmp_path: Path) -> None:
    report = TestReport("tests/test_a.py::test_x", Outcome.XPASSED, Phase.CALL, 0.0, reason="bug 7")
    root = run(tmp_path / "junit.xml", [report])
    assert list(case(root, "test_x")) == []
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped")) == ("0", "0")


def test_captured_output_goes_to_system_out_and_system_err(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x",
        Outcome.PASSED,
        Phase.CALL,
        0.0,
        stdout="printed",
        stderr="complained\n",
        log="INFO app: started\n",
    )
    testcase = case(run(tmp_path / "junit.xml", [report]), "test_x")
    assert testcase.findtext("system-out") == "printed\nINFO app: started\n"
    assert testcase.findtext("system-err") == "complained\n"


def test_collection_error_becomes_a_testcase_with_an_error(tmp_path: Path) -> None:
    failed_file = CollectionFailed("tests/test_bad.py", "SyntaxError: invalid syntax")
    root = run(tmp_path / "junit.xml", [], before=[failed_file])
    testcase = case(root, "tests.test_bad")
    assert testcase.get("classname") == ""
    element = testcase.find("error")
    assert element is not None
    assert element.get("message") == "collection failure"
    assert element.text == "SyntaxError: invalid syntax"
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("errors")) == ("1", "1")


def test_control_characters_are_spelled_out_so_the_file_parses(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x[\x1b]",
        Outcome.FAILED,
        Phase.CALL,
        0.0,
        failures=(Failure(Phase.CALL, "ValueError", "bad \x00 byte \x1b[31m\ud800"),),
        stdout="bell \x07 and tab \t\n",
    )
    root = run(tmp_path / "junit.xml", [report])
    testcase = case(root, "test_x[#x1B]")
    element = testcase.find("failure")
    assert element is not None
    assert element.get("message") == "ValueError: bad #x00 byte #x1B[31m#xD800"
    assert testcase.findtext("system-out") == "bell #x07 and tab \t\n"


def test_newlines_in_messages_survive_in_attributes(tmp_path: Path) -> None:
    report = TestReport(
        "tests/test_a.py::test_x",
        Outcome.FAILED,
        Phase.CALL,
        0.0,
        failures=(Failure(Phase.CALL, "AssertionError", "assert 1 == 2\n  more detail"),),
    )
    element = case(run(tmp_path / "junit.xml", [report]), "test_x").find("failure")
    assert element is not None
    assert element.get("message") == "assert 1 == 2\n  more detail"
