"""The sections a terminal run ends with: errors, failures, passes, warnings, durations, short summary."""

from __future__ import annotations

import os
from collections import Counter

from rustest._events import Outcome, TestReport
from rustest._reporting._color import Color
from rustest._reporting._names import head_line, nodeid_path
from rustest._reporting._record import SessionRecord, WarningRecord, deciding_failure
from rustest._reporting._traceback import LineKind, TracebackRenderer, exception_text
from rustest._reporting._writer import TerminalWriter

__all__ = [
    "OUTCOME_STYLE",
    "SectionWriter",
    "format_trimmed",
    "parse_report_chars",
    "strip_reason_prefix",
]

OUTCOME_STYLE: dict[Outcome, tuple[str, str, Color]] = {
    Outcome.PASSED: (".", "PASSED", Color.GREEN),
    Outcome.FAILED: ("F", "FAILED", Color.RED),
    Outcome.ERROR: ("E", "ERROR", Color.RED),
    Outcome.SKIPPED: ("s", "SKIPPED", Color.YELLOW),
    Outcome.XFAILED: ("x", "XFAIL", Color.YELLOW),
    Outcome.XPASSED: ("X", "XPASS", Color.YELLOW),
}
"""Per outcome: its progress character, its word in verbose lines and summaries, and its colour."""

_DURATIONS_MIN = 0.005
"""Shorter durations are hidden below ``-vv``, as pytest's ``--durations-min`` default."""

_COLLAPSE_WARNING_LOCATIONS = 10
"""From this many tests with the same warning on, the summary counts them per file instead."""

_REASON_PREFIXES = ("Skipped: ", "reason: ")


def parse_report_chars(chars: str) -> str:
    """Expand pytest's ``-r`` characters into the ordered set of summaries to show.

    ``a`` means every outcome but passes, ``A`` everything, ``N`` resets; ``F``
    and ``S`` are old spellings of ``f`` and ``s``.
    """
    selected = ""
    for char in chars:
        if char in "FS":
            char = char.lower()
        if char == "a":
            selected = "sxXEf"
        elif char == "A":
            selected = "PpsxXEf"
        elif char == "N":
            selected = ""
        elif char not in selected:
            selected += char
    return selected


def strip_reason_prefix(reason: str) -> str:
    """Drop the ``Skipped: `` or ``reason: `` prefix that skip and xfail reasons may carry."""
    for prefix in _REASON_PREFIXES:
        if reason.startswith(prefix):
            return reason[len(prefix) :]
    return reason


def format_trimmed(template: str, message: str, available: int) -> str | None:
    """Fill *template* with the first line of *message*, cut with ``...`` to fit *available* columns.

    Returns ``None`` when not even the template and an ellipsis fit.
    """
    message = message.split("\n", 1)[0]
    ellipsis = "..."
    template_width = len(template.format(""))
    if template_width + len(ellipsis) > available:
        return None
    if template_width + len(message) > available:
        message = message[: available - len(ellipsis) - template_width] + ellipsis
    return template.format(message)


def _running_on_ci() -> bool:
    """Tell whether a CI service runs us; its logs are read later, so nothing is cut to the width."""
    return "CI" in os.environ or "BUILD_NUMBER" in os.environ


def _last_line(text: str) -> str:
    """Return the last non-blank line of a traceback, without the ``E`` marker it may carry."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    last = lines[-1].strip()
    return last[1:].lstrip() if last.startswith("E ") else last


class SectionWriter:
    """Write the sections that follow the progress lines, from what the run recorded."""

    def __init__(
        self,
        writer: TerminalWriter,
        record: SessionRecord,
        renderer: TracebackRenderer,
        *,
        verbosity: int,
        tb_style: str,
        durations: int | None,
        show_capture: bool,
        report_chars: str,
    ) -> None:
        self._writer = writer
        self._record = record
        self._renderer = renderer
        self._verbosity = verbosity
        self._tb_style = tb_style
        self._durations = durations
        self._show_capture = show_capture
        self._report_chars = report_chars

    def write_all(self) -> None:
        """Write every section that has something to say, in pytest's order."""
        if self._tb_style != "no":
            self._write_errors()
            self._write_failures()
        if "P" in self._report_chars:
            self._write_passes()
        self._write_warnings()
        if self._durations is not None:
            self._write_durations(self._durations)
        self._write_short_summary()

    def _reports(self, outcome: Outcome) -> list[TestReport]:
        return [report for report in self._record.reports if report.outcome is outcome]

    def _write_errors(self) -> None:
        errors = self._reports(Outcome.ERROR)
        if not errors and not self._record.collection_errors:
            return
        writer = self._writer
        writer.sep("=", "ERRORS")
        for collection_error in self._record.collection_errors:
            writer.sep("_", f"ERROR collecting {collection_error.path}", Color.RED, bold=True)
            writer.line(collection_error.message.rstrip("\n"))
        for report in errors:
            title = f"ERROR at {report.when.value} of {head_line(report.nodeid)}"
            writer.sep("_", title, Color.RED, bold=True)
            self._write_report_body(report)

    def _write_failures(self) -> None:
        failed = self._reports(Outcome.FAILED)
        if not failed:
            return
        writer = self._writer
        writer.sep("=", "FAILURES")
        for report in failed:
            if self._tb_style == "line":
                for line in self._crash_lines(report):
                    writer.line(line)
                continue
            writer.sep("_", head_line(report.nodeid), Color.RED, bold=True)
            self._write_report_body(report)

    def _write_passes(self) -> None:
        passed = [report for report in self._reports(Outcome.PASSED) if self._has_output(report)]
        if not passed or not self._show_capture:
            return
        writer = self._writer
        writer.sep("=", "PASSES")
        for report in passed:
            writer.sep("_", head_line(report.nodeid), Color.GREEN, bold=True)
            self._write_captured(report)

    def _crash_lines(self, report: TestReport) -> list[str]:
        location = self._location(report)
        if not report.failures:
            return [f"{location}: {report.reason}" if report.reason else location]
        return [self._renderer.crash_line(failure, location=location) for failure in report.failures]

    def _location(self, report: TestReport) -> str:
        return report.location or nodeid_path(report.nodeid)

    def _write_report_body(self, report: TestReport) -> None:
        writer = self._writer
        if not report.failures and report.reason:
            writer.line(report.reason)
        for index, failure in enumerate(report.failures):
            if index:
                title = f"error at {failure.phase.value} of {head_line(report.nodeid)}"
                writer.sep("_ ", title, Color.RED)
            for line in self._renderer.render(failure, self._tb_style, location=self._location(report)):
                if line.kind is LineKind.ENTRY_SEPARATOR:
                    writer.sep(line.text)
                elif line.kind is LineKind.ERROR:
                    writer.line(line.text, Color.RED, bold=True)
                else:
                    writer.line(line.text)
        if self._tb_style != "line":
            self._write_captured(report)

    def _has_output(self, report: TestReport) -> bool:
        return bool(report.stdout or report.stderr or report.log)

    def _write_captured(self, report: TestReport) -> None:
        if not self._show_capture:
            return
        for kind, text in (("stdout", report.stdout), ("stderr", report.stderr), ("log", report.log)):
            if text:
                self._writer.sep("-", f"Captured {kind} {report.when.value}")
                self._writer.line(text[:-1] if text.endswith("\n") else text)

    def _write_warnings(self) -> None:
        if not self._record.warnings:
            return
        grouped: dict[str, list[WarningRecord]] = {}
        for warning in self._record.warnings:
            grouped.setdefault(warning.message, []).append(warning)
        writer = self._writer
        writer.sep("=", "warnings summary", Color.YELLOW)
        for message, warnings in grouped.items():
            locations = _warning_locations(warnings)
            if locations:
                writer.line("\n".join(locations))
                writer.line("\n".join(f"  {line}" for line in message.splitlines()).rstrip())
            else:
                writer.line(message.rstrip())
            writer.line()

    def _write_durations(self, count: int) -> None:
        reports = sorted(self._record.reports, key=lambda report: report.duration, reverse=True)
        if not reports:
            return
        writer = self._writer
        if count:
            writer.sep("=", f"slowest {count} durations")
            reports = reports[:count]
        else:
            writer.sep("=", "slowest durations")
        for index, report in enumerate(reports):
            if self._verbosity < 2 and report.duration < _DURATIONS_MIN:
                hidden = len(reports) - index
                writer.line()
                writer.line(
                    f"({hidden} durations < {_DURATIONS_MIN:g}s hidden.  Use -vv to show these durations.)"
                )
                break
            writer.line(f"{report.duration:02.2f}s {report.when.value:<8} {report.nodeid}")

    def _write_short_summary(self) -> None:
        lines: list[str] = []
        for char in self._report_chars:
            if char == "f":
                lines.extend(self._simple_lines(Outcome.FAILED))
            elif char == "E":
                lines.extend(self._collection_error_lines())
                lines.extend(self._simple_lines(Outcome.ERROR))
            elif char == "s":
                lines.extend(self._skipped_lines())
            elif char == "x":
                lines.extend(self._reason_lines(Outcome.XFAILED))
            elif char == "X":
                lines.extend(self._reason_lines(Outcome.XPASSED))
            elif char == "p":
                lines.extend(self._simple_lines(Outcome.PASSED))
        if not lines:
            return
        self._writer.sep("=", "short test summary info", Color.CYAN, bold=True)
        for line in lines:
            self._writer.line(line)

    def _word(self, outcome: Outcome) -> str:
        _, word, color = OUTCOME_STYLE[outcome]
        return self._writer.markup(word, color)

    def _with_message(self, outcome: Outcome, subject: str, message: str) -> str:
        line = f"{self._word(outcome)} {subject}"
        if not message:
            return line
        if _running_on_ci() or self._verbosity >= 2:
            first_line = message.split("\n", 1)[0]
            return f"{line} - {first_line}"
        word_width = len(OUTCOME_STYLE[outcome][1])
        trimmed = format_trimmed(" - {}", message, self._writer.width - word_width - 1 - len(subject))
        return line + (trimmed or "")

    def _simple_lines(self, outcome: Outcome) -> list[str]:
        lines = []
        for report in self._reports(outcome):
            failure = deciding_failure(report)
            message = exception_text(failure) if failure is not None else report.reason
            lines.append(self._with_message(outcome, report.nodeid, message))
        return lines

    def _collection_error_lines(self) -> list[str]:
        return [
            self._with_message(Outcome.ERROR, error.path, _last_line(error.message))
            for error in self._record.collection_errors
        ]

    def _reason_lines(self, outcome: Outcome) -> list[str]:
        lines = []
        for report in self._reports(outcome):
            reason = strip_reason_prefix(report.reason)
            line = f"{self._word(outcome)} {report.nodeid}"
            lines.append(f"{line} - {reason}" if reason else line)
        return lines

    def _skipped_lines(self) -> list[str]:
        folded: Counter[tuple[str, str]] = Counter()
        for report in self._reports(Outcome.SKIPPED):
            folded[(self._location(report), strip_reason_prefix(report.reason))] += 1
        word = self._word(Outcome.SKIPPED)
        return [f"{word} [{count}] {where}: {reason}".rstrip() for (where, reason), count in folded.items()]


def _warning_locations(warnings: list[WarningRecord]) -> list[str]:
    """Return the tests a warning came from, or per-file counts when there are many of them."""
    nodeids = [warning.nodeid for warning in warnings if warning.nodeid]
    if len(nodeids) < _COLLAPSE_WARNING_LOCATIONS:
        return list(dict.fromkeys(nodeids))
    per_file = Counter(nodeid_path(nodeid) for nodeid in nodeids)
    return [f"{path}: {count} warning{'s' if count > 1 else ''}" for path, count in per_file.items()]
