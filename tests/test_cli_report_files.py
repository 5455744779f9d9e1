"""End-to-end: the --junitxml and --json files of a run with every outcome and a collection error."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_helpers import CliRun, Project

from rustest import __version__

MIXED_SUITE = """
import sys
from rustest import fixture, mark, parametrize

@fixture
def broken():
    raise RuntimeError("setup broke")

def test_pass():
    print("hello from stdout")
    sys.stderr.write("hello from stderr\\n")

def test_fail():
    assert 1 == 2

def test_setup_error(broken):
    pass

@mark.skip(reason="not today")
def test_skipped():
    pass

@mark.xfail(reason="known bug")
def test_xfailed():
    assert False

@mark.slow
class TestGroup:
    @parametrize("n", [1, 2])
    def test_param(self, n):
        pass

def test_control_characters():
    print("bell\\x07 and escape\\x1b")
"""

NODE_IDS = [
    "test_mixed.py::test_pass",
    "test_mixed.py::test_fail",
    "test_mixed.py::test_setup_error",
    "test_mixed.py::test_skipped",
    "test_mixed.py::test_xfailed",
    "test_mixed.py::TestGroup::test_param[1]",
    "test_mixed.py::TestGroup::test_param[2]",
    "test_mixed.py::test_control_characters",
]


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One run of a suite with every outcome plus a file that fails to import, writing both files."""
    project = Project(tmp_path_factory.mktemp("report-files"))
    project.write("test_mixed.py", MIXED_SUITE)
    project.write("test_broken.py", "import no_such_module_for_rustest\n\ndef test_never():\n    pass\n")
    return project.run(junitxml=True)


def _collected_count(run: CliRun) -> int:
    found = re.search(r"collected (\d+) items", run.stdout)
    assert found is not None, run.stdout
    return int(found.group(1))


def _case(run: CliRun, classname: str, name: str) -> ET.Element:
    found = [c for c in run.testcases() if c.get("classname") == classname and c.get("name") == name]
    assert len(found) == 1, [(c.get("classname"), c.get("name")) for c in run.testcases()]
    return found[0]


def _only_child(case: ET.Element) -> ET.Element:
    children = [child for child in case if child.tag not in ("system-out", "system-err")]
    assert len(children) == 1, [child.tag for child in case]
    return children[0]


def _described(element: ET.Element) -> tuple[str, str | None, str | None]:
    return element.tag, element.get("type"), element.get("message")


def test_the_mixed_run_fails_with_exit_code_1(mixed_run: CliRun) -> None:
    assert mixed_run.exit_code == 1, mixed_run.output
    assert "collected 8 items / 1 error" in mixed_run.stdout


# -- JUnit XML -----------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_collected_test_and_per_collection_error(mixed_run: CliRun) -> None:
    assert mixed_run.junit is not None
    assert mixed_run.junit.tag == "testsuites"
    assert len(mixed_run.testcases()) == _collected_count(mixed_run) + 1


def test_junit_suite_attributes_count_each_kind_of_result(mixed_run: CliRun) -> None:
    assert mixed_run.junit is not None
    suite = mixed_run.junit.find("testsuite")
    assert suite is not None
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "9", "failures": "1", "errors": "2", "skipped": "2"}


def test_junit_failure_holds_the_message_type_and_traceback(mixed_run: CliRun) -> None:
    failure = _only_child(_case(mixed_run, "test_mixed", "test_fail"))
    assert failure.tag == "failure"
    assert failure.get("message") == "assert 1 == 2"
    assert failure.get("type") == "AssertionError"
    assert failure.text is not None
    assert ">       assert 1 == 2" in failure.text
    assert failure.text.endswith("test_mixed.py:13: AssertionError")


def test_junit_setup_error_is_an_error_element_naming_the_phase(mixed_run: CliRun) -> None:
    error = _only_child(_case(mixed_run, "test_mixed", "test_setup_error"))
    assert error.tag == "error"
    assert error.get("message") == 'failed on setup with "RuntimeError: setup broke"'
    assert error.get("type") == "RuntimeError"


def test_junit_skipped_and_xfailed_tests_are_skipped_elements_with_their_reasons(mixed_run: CliRun) -> None:
    skipped = _only_child(_case(mixed_run, "test_mixed", "test_skipped"))
    xfailed = _only_child(_case(mixed_run, "test_mixed", "test_xfailed"))
    assert (skipped.tag, skipped.get("type"), skipped.get("message")) == (
        "skipped",
        "rustest.skip",
        "not today",
    )
    assert (xfailed.tag, xfailed.get("type"), xfailed.get("message")) == (
        "skipped",
        "rustest.xfail",
        "known bug",
    )


def test_junit_names_class_tests_by_module_and_class_with_parameter_ids(mixed_run: CliRun) -> None:
    case = _case(mixed_run, "test_mixed.TestGroup", "test_param[2]")
    assert case.get("file") == "test_mixed.py"
    assert case.get("line") is not None


def test_junit_passed_tests_have_no_result_element_but_keep_their_output(mixed_run: CliRun) -> None:
    case = _case(mixed_run, "test_mixed", "test_pass")
    assert [child.tag for child in case] == ["system-out", "system-err"]
    assert case.findtext("system-out") == "hello from stdout\n"
    assert case.findtext("system-err") == "hello from stderr\n"


def test_junit_spells_out_characters_xml_cannot_hold(mixed_run: CliRun) -> None:
    case = _case(mixed_run, "test_mixed", "test_control_characters")
    assert case.findtext("system-out") == "bell#x07 and escape#x1B\n"


def test_junit_collection_error_is_a_testcase_with_an_error(mixed_run: CliRun) -> None:
    error = _only_child(_case(mixed_run, "", "test_broken"))
    assert error.tag == "error"
    assert error.get("message") == "collection failure"
    assert "No module named 'no_such_module_for_rustest'" in (error.text or "")


# -- JSON ----------------------------------------------------------------------------------------


def test_json_has_one_entry_per_collected_test_in_run_order(mixed_run: CliRun) -> None:
    assert [test["nodeid"] for test in mixed_run.tests] == NODE_IDS
    assert len(mixed_run.tests) == _collected_count(mixed_run)


def test_json_summary_counts_every_outcome(mixed_run: CliRun) -> None:
    assert mixed_run.report is not None
    assert mixed_run.report["summary"] == {
        "passed": 4,
        "failed": 1,
        "error": 1,
        "skipped": 1,
        "xfailed": 1,
        "xpassed": 0,
        "total": 8,
    }


def test_json_failure_holds_the_phase_type_message_and_user_frames(mixed_run: CliRun) -> None:
    test = mixed_run.test("test_mixed.py::test_fail")
    assert (test["outcome"], test["when"], test["location"]) == ("failed", "call", "test_mixed.py:12")
    [failure] = test["failures"]
    assert (failure["phase"], failure["type"], failure["message"]) == (
        "call",
        "AssertionError",
        "assert 1 == 2",
    )
    last = failure["traceback"][-1]
    assert (last["line"], last["name"], last["source"]) == (13, "test_fail", "assert 1 == 2")
    assert last["file"].endswith("test_mixed.py")


def test_json_setup_error_is_decided_in_the_setup_phase(mixed_run: CliRun) -> None:
    test = mixed_run.test("test_mixed.py::test_setup_error")
    assert (test["outcome"], test["when"]) == ("error", "setup")
    assert [(f["phase"], f["type"], f["message"]) for f in test["failures"]] == [
        ("setup", "RuntimeError", "setup broke")
    ]


def test_json_skip_and_xfail_reasons_are_kept(mixed_run: CliRun) -> None:
    assert mixed_run.test("test_mixed.py::test_skipped")["reason"] == "not today"
    xfailed = mixed_run.test("test_mixed.py::test_xfailed")
    assert (xfailed["outcome"], xfailed["reason"]) == ("xfailed", "known bug")


def test_json_lists_the_marks_of_each_test(mixed_run: CliRun) -> None:
    assert "slow" in mixed_run.test("test_mixed.py::TestGroup::test_param[1]")["marks"]
    assert mixed_run.test("test_mixed.py::test_pass")["marks"] == []


def test_json_keeps_the_captured_output_of_each_test(mixed_run: CliRun) -> None:
    test = mixed_run.test("test_mixed.py::test_pass")
    assert (test["stdout"], test["stderr"]) == ("hello from stdout\n", "hello from stderr\n")


def test_json_lists_collection_errors_apart_from_tests(mixed_run: CliRun) -> None:
    assert mixed_run.report is not None
    [error] = mixed_run.report["collection_errors"]
    assert error["path"] == "test_broken.py"
    assert "ModuleNotFoundError" in error["message"]


def test_json_names_the_rustest_version_and_the_run_times(mixed_run: CliRun) -> None:
    assert mixed_run.report is not None
    assert mixed_run.report["rustest_version"] == __version__
    assert mixed_run.report["duration"] >= 0
    assert mixed_run.report["created"] > 0


# -- paths ---------------------------------------------------------------------------------------


def test_report_files_are_written_into_directories_that_do_not_exist_yet(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write("test_one.py", "def test_one():\n    pass\n")
    run = project.run(
        "--json", "out/deep/report.json", "--junit-xml", "out/deeper/still/junit.xml", json_report=False
    )
    assert run.exit_code == 0, run.output
    document = json.loads((project.root / "out/deep/report.json").read_text(encoding="utf-8"))
    assert [test["nodeid"] for test in document["tests"]] == ["test_one.py::test_one"]
    junit = ET.parse(project.root / "out/deeper/still/junit.xml").getroot()
    assert [case.get("name") for case in junit.iter("testcase")] == ["test_one"]


# -- record_property --------------------------------------------------------------------------------

PROPERTIES_SUITE = """
def test_with_properties(record_property):
    record_property("ticket", "JIRA-1")
    record_property("attempts", 3)
    record_property("ticket", "JIRA-2")

def test_failing_with_a_property(record_property):
    record_property("seed", object.__name__)
    assert False

def test_without_properties():
    pass
"""


@pytest.fixture(scope="module")
def properties_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """A run whose tests record properties with ``record_property``."""
    project = Project(tmp_path_factory.mktemp("report-properties"))
    project.write("test_properties.py", PROPERTIES_SUITE)
    return project.run(junitxml=True)


def _junit_properties(run: CliRun, name: str) -> list[tuple[str | None, str | None]]:
    case = _case(run, "test_properties", name)
    return [(p.get("name"), p.get("value")) for p in case.iter("property")]


def test_junit_testcase_lists_its_recorded_properties_in_order(properties_run: CliRun) -> None:
    assert _junit_properties(properties_run, "test_with_properties") == [
        ("ticket", "JIRA-1"),
        ("attempts", "3"),
        ("ticket", "JIRA-2"),
    ]


def test_junit_properties_of_a_failing_test_come_before_its_failure(properties_run: CliRun) -> None:
    case = _case(properties_run, "test_properties", "test_failing_with_a_property")
    assert [child.tag for child in case][:2] == ["properties", "failure"]


def test_junit_testcase_without_properties_has_no_properties_element(properties_run: CliRun) -> None:
    assert _case(properties_run, "test_properties", "test_without_properties").find("properties") is None


def test_json_entry_lists_recorded_properties_with_their_json_values(properties_run: CliRun) -> None:
    assert properties_run.test("test_with_properties")["properties"] == [
        ["ticket", "JIRA-1"],
        ["attempts", 3],
        ["ticket", "JIRA-2"],
    ]
    assert properties_run.test("test_without_properties")["properties"] == []
