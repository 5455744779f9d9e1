"""The pytest-like terminal reporter: header, progress while tests run, then the run's sections."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TextIO

from rustest._events import (
    Event,
    Outcome,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
)
from rustest._reporting._color import Color
from rustest._reporting._names import nodeid_path
from rustest._reporting._record import SessionRecord
from rustest._reporting._sections import (
    OUTCOME_STYLE,
    SectionWriter,
    format_trimmed,
    parse_report_chars,
    strip_reason_prefix,
)
from rustest._reporting._summary import format_session_duration, main_color, summary_parts
from rustest._reporting._traceback import TB_STYLES, TracebackRenderer
from rustest._reporting._writer import TerminalWriter, terminal_width
from rustest._version import __version__

__all__ = ["TerminalReporter"]

_PROGRESS_WIDTH = len(" [100%]")


class TerminalReporter:
    """Report a run on a terminal the way pytest does.

    ``verbosity`` 0 prints one progress line per file (``tests/test_a.py ..F
    [ 40%]``), 1 and more one line per test, below 0 only the progress
    characters. ``tb_style`` is ``auto``, ``long``, ``short``, ``line`` or
    ``no``. ``durations`` lists the N slowest tests (0: all; ``None``: no
    list). ``report_chars`` selects the short test summary as pytest's
    ``-r`` does: ``f`` failed, ``E`` error, ``s`` skipped, ``x`` xfailed,
    ``X`` xpassed, ``p`` passed, ``P`` passed with their output, ``a`` all
    but passes, ``A`` all, ``N`` none; other characters are ignored.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        verbosity: int = 0,
        tb_style: str = "auto",
        color: bool = False,
        durations: int | None = None,
        rootdir: str = "",
        show_capture: bool = True,
        report_chars: str = "fE",
    ) -> None:
        if tb_style not in TB_STYLES:
            raise ValueError(f"--tb must be one of {', '.join(TB_STYLES)}, not {tb_style!r}")
        if durations is not None and durations < 0:
            raise ValueError(f"--durations must be 0 (all) or a positive count, not {durations}")
        self._writer = TerminalWriter(stream, color=color, width=terminal_width())
        self._verbosity = verbosity
        self._rootdir = rootdir
        self._record = SessionRecord()
        self._sections = SectionWriter(
            self._writer,
            self._record,
            TracebackRenderer(rootdir),
            verbosity=verbosity,
            tb_style=tb_style,
            durations=durations,
            show_capture=show_capture,
            report_chars=parse_report_chars(report_chars),
        )
        self._deselected = 0
        self._counts: Counter[Outcome] = Counter()
        self._current_path: str | None = None
        # The current file's id prefix ("tests/test_a.py::"): most test ids start with it.
        self._current_prefix = ""
        self._open_nodeid: str | None = None
        self._unfilled = False
        # Set when an earlier process of the same run already wrote the header and some progress.
        self._continued = False
        self._finished_unrecorded = 0

    def deselected(self, count: int) -> None:
        """Count *count* more tests as deselected (by ``-k`` or ``-m``); call it before the run starts."""
        self._deselected += count

    def continue_run(
        self, finished: int, counts: Mapping[Outcome, int], reports: Sequence[TestReport]
    ) -> None:
        """Carry on a run whose header and first *finished* tests an earlier process already showed.

        *counts* are those tests' outcomes and *reports* the ones the closing
        sections need (failures, errors, warnings...). Nothing is printed for
        them now, and the header is not printed again; call it before the run
        starts.
        """
        self._continued = True
        for report in reports:
            self._record.add(TestFinished(report))
        self._finished_unrecorded += finished - len(reports)
        self._counts.update(counts)

    def __call__(self, event: Event) -> None:
        """Show one event of the run."""
        if isinstance(event, TestStarted):
            # The commonest event, which the record does not keep: the shortest way through.
            self._test_started(event.nodeid)
            return
        self._record.add(event)
        if isinstance(event, TestFinished):
            self._test_finished(event.report)
        elif isinstance(event, SessionStarted):
            self._write_header(event.item_count)
        elif isinstance(event, SessionFinished):
            self._session_finished(event)

    def _write_header(self, item_count: int) -> None:
        if self._verbosity < 0 or self._continued:
            return
        writer = self._writer
        writer.sep("=", "test session starts", bold=True)
        writer.line(f"platform {sys.platform} -- Python {sys.version.split()[0]}, rustest {__version__}")
        if self._rootdir:
            writer.line(f"rootdir: {self._rootdir}")
        writer.line(self._collected_line(item_count), bold=True)

    def _collected_line(self, item_count: int) -> str:
        collected = item_count + self._deselected
        line = f"collected {collected} item{'' if collected == 1 else 's'}"
        errors = len(self._record.collection_errors)
        if errors:
            line += f" / {errors} error{'' if errors == 1 else 's'}"
        if self._deselected:
            line += f" / {self._deselected} deselected / {item_count} selected"
        return line

    def _test_started(self, nodeid: str) -> None:
        if self._verbosity == 0:
            self._enter_file(nodeid)
        elif self._verbosity > 0:
            # Shown before the test runs, so a test that hangs can be seen.
            self._writer.write(f"\n{nodeid} ")
            self._open_nodeid = nodeid

    def _test_finished(self, report: TestReport) -> None:
        self._counts[report.outcome] += 1
        letter, word, color = OUTCOME_STYLE[report.outcome]
        writer = self._writer
        if self._verbosity <= 0:
            if self._verbosity == 0:
                self._enter_file(report.nodeid)
            writer.write_progress(letter, color)
            self._unfilled = True
            if writer.current_line_width + _PROGRESS_WIDTH + 1 >= writer.width:
                # As pytest: a long run of characters breaks with the progress so far.
                writer.write(self._progress_text(), self._progress_color())
                writer.write("\n")
                self._unfilled = False
            return
        if self._open_nodeid != report.nodeid:
            writer.write(f"\n{report.nodeid} ")
        self._open_nodeid = None
        writer.write(word, color)
        if report.outcome in (Outcome.SKIPPED, Outcome.XFAILED, Outcome.XPASSED) and report.reason:
            self._write_verbose_reason(report.reason)
        self._unfilled = True
        self._fill_progress()

    def _write_verbose_reason(self, reason: str) -> None:
        writer = self._writer
        reason = strip_reason_prefix(reason)
        if self._verbosity >= 2:
            writer.write(f" ({reason})")
            return
        available = writer.width - writer.current_line_width - _PROGRESS_WIDTH - 1
        trimmed = format_trimmed(" ({})", reason, available)
        if trimmed is not None:
            writer.write(trimmed)

    def _enter_file(self, nodeid: str) -> None:
        if self._current_prefix and nodeid.startswith(self._current_prefix):
            return
        path = nodeid_path(nodeid)
        if path == self._current_path:
            return
        self._fill_progress()
        self._current_path = path
        self._current_prefix = f"{path}::"
        self._writer.write(f"\n{path} ")

    def _progress_text(self) -> str:
        total = self._record.item_count
        done = len(self._record.reports) + self._finished_unrecorded
        percent = min(done * 100 // total, 100) if total else 100
        return f" [{percent:3d}%]"

    def _progress_color(self) -> Color:
        return main_color(
            self._counts,
            warnings=len(self._record.warnings),
            collection_errors=len(self._record.collection_errors),
            finished=False,
        )

    def _fill_progress(self) -> None:
        """End the current progress line with the percentage, right-aligned one column short of the edge."""
        if not self._unfilled:
            return
        writer = self._writer
        text = self._progress_text().rjust(writer.width - writer.current_line_width - 1)
        writer.write(text, self._progress_color())
        self._unfilled = False

    def _session_finished(self, event: SessionFinished) -> None:
        self._fill_progress()
        self._writer.ensure_newline()
        if self._verbosity >= 0:
            self._writer.line()
        self._sections.write_all()
        if event.interrupted:
            reason = f"Interrupted: {event.reason}" if event.reason else "Interrupted"
            self._writer.sep("!", reason, Color.RED)
        self._write_summary_line(event)

    def _write_summary_line(self, event: SessionFinished) -> None:
        if self._verbosity < -1:
            return
        writer = self._writer
        warnings = len(self._record.warnings)
        collection_errors = len(self._record.collection_errors)
        parts = summary_parts(
            event.counts,
            deselected=self._deselected,
            warnings=warnings,
            collection_errors=collection_errors,
        )
        color = main_color(event.counts, warnings=warnings, collection_errors=collection_errors)
        if not parts:
            parts = [("no tests ran", Color.YELLOW)]
        text = ", ".join(
            writer.markup(part, part_color, bold=part_color is color) for part, part_color in parts
        )
        text += writer.markup(f" in {format_session_duration(event.duration)}", color)
        if self._verbosity >= 0:
            writer.sep("=", text, color)
        else:
            writer.line(text)
