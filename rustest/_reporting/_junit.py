"""The JUnit XML reporter: the file Jenkins, GitLab and GitHub read to show test results.

The layout is the one pytest's ``--junitxml`` writes::

    <testsuites name tests failures errors skipped time>
      <testsuite name tests failures errors skipped time timestamp hostname>
        <testcase classname name time file line>
          <failure message type>traceback</failure>       a failed test
          <error message type>traceback</error>           an error in setup or teardown
          <skipped type message>where: why</skipped>      skipped and xfailed tests
          <system-out>...</system-out>                    captured stdout (and log)
          <system-err>...</system-err>                    captured stderr
        </testcase>
      </testsuite>
    </testsuites>

An xpassed test that was not strict counts as passed. A file that could not
be collected is a test case of its own with an ``<error>``. Characters that
XML cannot hold (control characters, lone surrogates) are written as
``#xNN``, so the file always parses.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import TYPE_CHECKING

from rustest._events import CollectionFailed, Event, Failure, Outcome, SessionFinished, TestReport
from rustest._reporting._names import junit_names, nodeid_path, split_location
from rustest._reporting._record import SessionRecord, deciding_failure
from rustest._reporting._sections import strip_reason_prefix
from rustest._reporting._traceback import LineKind, TracebackRenderer, exception_text

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = ["JUnitXmlReporter"]

# Compiled on first use: this character class takes milliseconds to compile,
# which every run would pay at import time, with or without --junitxml.
_ILLEGAL_XML_CHARACTERS = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_ENTRY_SEPARATOR_WIDTH = 80


def _xml_text(text: str) -> str:
    """Replace each character XML 1.0 cannot hold with a visible ``#xNN`` spelling of its code."""

    def spell(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"#x{code:02X}" if code <= 0xFF else f"#x{code:04X}"

    return re.sub(_ILLEGAL_XML_CHARACTERS, spell, text)


def _element(tag: str, attributes: dict[str, str], text: str = "") -> ET.Element:
    # Imported here: a run without --junitxml never pays for the XML package.
    import xml.etree.ElementTree as ET

    element = ET.Element(tag, {key: _xml_text(value) for key, value in attributes.items()})
    if text:
        element.text = _xml_text(text)
    return element


def _hostname() -> str:
    import socket

    return socket.gethostname()


class JUnitXmlReporter:
    """Write the run as JUnit XML to *path* when the session finishes."""

    def __init__(self, path: str | Path, suite_name: str = "rustest") -> None:
        self.path = Path(path)
        self.suite_name = suite_name
        self._record = SessionRecord()
        self._renderer = TracebackRenderer()

    def __call__(self, event: Event) -> None:
        """Take one event of the run; the file is written on ``SessionFinished``."""
        self._record.add(event)
        if isinstance(event, SessionFinished):
            self._write(event)

    def _write(self, finished: SessionFinished) -> None:
        import xml.etree.ElementTree as ET

        tree = ET.ElementTree(self._document(finished))
        ET.indent(tree)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tree.write(self.path, encoding="utf-8", xml_declaration=True)

    def _document(self, finished: SessionFinished) -> ET.Element:
        cases = [self._collection_case(error) for error in self._record.collection_errors]
        cases.extend(self._test_case(report) for report in self._record.reports)
        totals = {
            "tests": str(len(cases)),
            "failures": str(sum(case.find("failure") is not None for case in cases)),
            "errors": str(sum(case.find("error") is not None for case in cases)),
            "skipped": str(sum(case.find("skipped") is not None for case in cases)),
            "time": f"{finished.duration:.3f}",
        }
        started = datetime.datetime.fromtimestamp(self._record.start_time(), datetime.timezone.utc)
        suite = _element(
            "testsuite",
            {
                "name": self.suite_name,
                **totals,
                "timestamp": started.astimezone().isoformat(),
                "hostname": _hostname(),
            },
        )
        suite.extend(cases)
        suites = _element("testsuites", {"name": self.suite_name, **totals})
        suites.append(suite)
        return suites

    def _collection_case(self, error: CollectionFailed) -> ET.Element:
        classname, name = junit_names(error.path)
        case = _element(
            "testcase", {"classname": classname, "name": name, "time": "0.000", "file": error.path}
        )
        case.append(_element("error", {"message": "collection failure"}, error.message))
        return case

    def _test_case(self, report: TestReport) -> ET.Element:
        classname, name = junit_names(report.nodeid)
        path, line = (
            split_location(report.location) if report.location else (nodeid_path(report.nodeid), None)
        )
        attributes = {"classname": classname, "name": name, "time": f"{report.duration:.3f}", "file": path}
        if line is not None:
            attributes["line"] = str(line)
        case = _element("testcase", attributes)
        if report.properties:
            properties = _element("properties", {})
            properties.extend(
                _element("property", {"name": name, "value": str(value)}) for name, value in report.properties
            )
            case.append(properties)
        result = self._result(report)
        if result is not None:
            case.append(result)
        stdout = report.stdout
        if report.log:
            # JUnit has no place for logs; CI pages show them with the output they interleave with.
            separator = "" if not stdout or stdout.endswith("\n") else "\n"
            stdout = f"{stdout}{separator}{report.log}"
        if stdout:
            case.append(_element("system-out", {}, stdout))
        if report.stderr:
            case.append(_element("system-err", {}, report.stderr))
        return case

    def _result(self, report: TestReport) -> ET.Element | None:
        reason = strip_reason_prefix(report.reason)
        if report.outcome is Outcome.FAILED:
            return self._problem("failure", report, report.reason or "failed")
        if report.outcome is Outcome.ERROR:
            return self._problem("error", report, f"error at {report.when.value}")
        if report.outcome is Outcome.SKIPPED:
            where = report.location or nodeid_path(report.nodeid)
            return _element("skipped", {"type": "rustest.skip", "message": reason}, f"{where}: {reason}")
        if report.outcome is Outcome.XFAILED:
            return _element("skipped", {"type": "rustest.xfail", "message": reason})
        return None

    def _problem(self, tag: str, report: TestReport, fallback_message: str) -> ET.Element:
        failure = deciding_failure(report)
        if failure is None:
            return _element(tag, {"message": fallback_message})
        message = exception_text(failure)
        if tag == "error":
            message = f'failed on {failure.phase.value} with "{message}"'
        body = "\n\n".join(self._traceback_text(f, report) for f in report.failures)
        return _element(tag, {"message": message, "type": failure.exc_type}, body)

    def _traceback_text(self, failure: Failure, report: TestReport) -> str:
        location = report.location or nodeid_path(report.nodeid)
        lines = []
        for line in self._renderer.render(failure, "long", location=location):
            if line.kind is LineKind.ENTRY_SEPARATOR:
                lines.append((line.text * (_ENTRY_SEPARATOR_WIDTH // len(line.text))).rstrip())
            else:
                lines.append(line.text)
        return "\n".join(lines).strip("\n")
