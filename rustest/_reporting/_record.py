"""What a run reported, gathered from its events for the reporters that write at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rustest._events import (
    CollectionFailed,
    Event,
    Failure,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    WarningEmitted,
)

__all__ = ["SessionRecord", "WarningRecord", "deciding_failure"]


@dataclass(frozen=True, slots=True)
class WarningRecord:
    """A warning of the run, with the test it belongs to when there is one."""

    message: str
    nodeid: str | None = None


class SessionRecord:
    """Collect reports, collection errors and warnings in the order the events bring them."""

    def __init__(self) -> None:
        self.item_count = 0
        self.started_at: float | None = None
        self.reports: list[TestReport] = []
        self.collection_errors: list[CollectionFailed] = []
        self.warnings: list[WarningRecord] = []
        self.finished: SessionFinished | None = None

    def add(self, event: Event) -> None:
        """Take one event into the record."""
        if isinstance(event, TestFinished):
            report = event.report
            self.reports.append(report)
            if report.warnings:
                self.warnings.extend(WarningRecord(message, report.nodeid) for message in report.warnings)
        elif isinstance(event, SessionStarted):
            self.item_count = event.item_count
            self.started_at = time.time()
        elif isinstance(event, WarningEmitted):
            self.warnings.append(WarningRecord(event.message, event.nodeid))
        elif isinstance(event, CollectionFailed):
            self.collection_errors.append(event)
        elif isinstance(event, SessionFinished):
            self.finished = event

    def start_time(self) -> float:
        """Return when the run started (seconds since the epoch), inferred from its end if never told."""
        if self.started_at is not None:
            return self.started_at
        duration = self.finished.duration if self.finished is not None else 0.0
        return time.time() - duration


def deciding_failure(report: TestReport) -> Failure | None:
    """Return the failure that decided a report's outcome: the one of its ``when`` phase, else the first."""
    for failure in report.failures:
        if failure.phase is report.when:
            return failure
    return report.failures[0] if report.failures else None
