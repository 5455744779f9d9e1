"""The JSON reporter: the whole run as one JSON document, for tools and dashboards.

The document is written when the session finishes. Its keys always come in
this order, and every key is always present::

    {
      "rustest_version": "0.1.0",
      "created": 1700000000.0,          # when the run started, seconds since the epoch
      "duration": 1.23,                 # seconds the run took
      "summary": {                      # tests per outcome, zeros included
        "passed": 0, "failed": 0, "error": 0,
        "skipped": 0, "xfailed": 0, "xpassed": 0,
        "total": 0
      },
      "tests": [                        # one per test id, in the order they finished
        {
          "nodeid": "tests/test_a.py::test_x",
          "outcome": "failed",          # passed|failed|error|skipped|xfailed|xpassed
          "when": "call",               # setup|call|teardown: the phase that decided it
          "duration": 0.01,
          "location": "tests/test_a.py:3",
          "reason": "",                 # why it was skipped or xfailed
          "failures": [
            {
              "phase": "call",
              "type": "AssertionError",
              "message": "assert 1 == 2",
              "traceback": [            # outermost user frame first
                {"file": "tests/test_a.py", "line": 3, "name": "test_x", "source": "assert 1 == 2"}
              ]
            }
          ],
          "stdout": "", "stderr": "", "log": "",
          "warnings": ["..."],
          "marks": ["slow"],
          "properties": [["ticket", "JIRA-1"]]   # from record_property; odd values as strings
        }
      ],
      "collection_errors": [{"path": "tests/test_bad.py", "message": "..."}],
      "warnings": [{"message": "...", "nodeid": "tests/test_a.py::test_x"}]   # nodeid may be null
    }

``summary`` counts test outcomes only; files that could not be collected
are listed in ``collection_errors``. ``warnings`` holds every warning of the
run: those attached to a test (also listed in the test's own ``warnings``)
and those that belong to none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rustest._events import Event, Failure, Outcome, SessionFinished, TestReport
from rustest._reporting._record import SessionRecord
from rustest._version import __version__

__all__ = ["JsonReporter"]


def _failure_data(failure: Failure) -> dict[str, Any]:
    return {
        "phase": failure.phase.value,
        "type": failure.exc_type,
        "message": failure.message,
        "traceback": [
            {"file": frame.filename, "line": frame.lineno, "name": frame.name, "source": frame.line}
            for frame in failure.frames
        ],
    }


def _test_data(report: TestReport) -> dict[str, Any]:
    return {
        "nodeid": report.nodeid,
        "outcome": report.outcome.value,
        "when": report.when.value,
        "duration": report.duration,
        "location": report.location,
        "reason": report.reason,
        "failures": [_failure_data(failure) for failure in report.failures],
        "stdout": report.stdout,
        "stderr": report.stderr,
        "log": report.log,
        "warnings": list(report.warnings),
        "marks": list(report.marks),
        "properties": [[name, _json_value(value)] for name, value in report.properties],
    }


def _json_value(value: object) -> object:
    # Recorded values are anything the test chose; JSON keeps the plain ones and a string of the rest.
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class JsonReporter:
    """Write the run as one JSON document to *path* when the session finishes (schema above)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._record = SessionRecord()

    def __call__(self, event: Event) -> None:
        """Take one event of the run; the file is written on ``SessionFinished``."""
        self._record.add(event)
        if isinstance(event, SessionFinished):
            self._write(event)

    def _write(self, finished: SessionFinished) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", encoding="utf-8") as stream:
            import json  # a run without --json never needs it

            json.dump(self._document(finished), stream, indent=2)
            stream.write("\n")

    def _document(self, finished: SessionFinished) -> dict[str, Any]:
        record = self._record
        summary = {outcome.value: finished.counts.get(outcome, 0) for outcome in Outcome}
        summary["total"] = sum(summary.values())
        return {
            "rustest_version": __version__,
            "created": record.start_time(),
            "duration": finished.duration,
            "summary": summary,
            "tests": [_test_data(report) for report in record.reports],
            "collection_errors": [
                {"path": error.path, "message": error.message} for error in record.collection_errors
            ],
            "warnings": [
                {"message": warning.message, "nodeid": warning.nodeid} for warning in record.warnings
            ],
        }
