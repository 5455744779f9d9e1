"""Render a test's failure as pytest does for ``--tb=long|short|line`` (and ``auto``).

Sources are read through :mod:`linecache`, so a traceback shows the code as
the test imported it even when the file is gone, and each file is parsed at
most once per renderer to find where the failing function and statement
begin and end.
"""

from __future__ import annotations

import ast
import bisect
import enum
import linecache
import textwrap
from dataclasses import dataclass

from rustest._events import Failure, Frame
from rustest._reporting._names import display_path

__all__ = [
    "TB_STYLES",
    "LineKind",
    "StyledLine",
    "TracebackRenderer",
    "exception_text",
]

TB_STYLES = ("auto", "long", "short", "line", "no")
"""The values ``--tb`` accepts."""

_FLOW_MARKER = ">"
_FAIL_MARKER = "E"
_SOURCE_INDENT = "    "


class LineKind(enum.Enum):
    """What a rendered line is, so the terminal can colour it or draw it at full width."""

    PLAIN = "plain"
    ERROR = "error"
    ENTRY_SEPARATOR = "entry-separator"


@dataclass(frozen=True, slots=True)
class StyledLine:
    """One line of a rendered failure; an ``ENTRY_SEPARATOR`` line holds the mark to repeat."""

    text: str
    kind: LineKind = LineKind.PLAIN


def exception_text(failure: Failure) -> str:
    """Return the exception as pytest shows it: ``ExcType: message``, or the bare ``assert ...`` text.

    A failed ``assert`` already explains itself, so its ``AssertionError:``
    prefix is dropped, as pytest does for rewritten asserts.
    """
    if failure.exc_type.rsplit(".", 1)[-1] == "AssertionError" and failure.message.startswith("assert "):
        return failure.message
    return f"{failure.exc_type}: {failure.message}" if failure.message else failure.exc_type


@dataclass(frozen=True, slots=True)
class _FileLayout:
    """Where statements and functions begin in one source file (line numbers from 1)."""

    statement_starts: tuple[int, ...]
    functions: tuple[tuple[int, int], ...]
    """(first line including decorators, last line) of every function, in any order."""


def _layout_of(source: str) -> _FileLayout | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    starts: set[int] = set()
    functions: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.stmt, ast.ExceptHandler)):
            continue
        starts.add(node.lineno)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            starts.add(first)
            if not isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                functions.append((first, node.end_lineno))
        for name in ("orelse", "finalbody"):
            block: list[ast.stmt] = getattr(node, name, None) or []
            if block:
                # The ``else:`` / ``finally:`` line before the block ends the statement above it.
                starts.add(block[0].lineno - 1)
    return _FileLayout(tuple(sorted(starts)), tuple(functions))


class TracebackRenderer:
    """Render failures in one of the ``--tb`` styles, with paths shown relative to *rootdir*."""

    def __init__(self, rootdir: str = "") -> None:
        self._rootdir = rootdir
        self._layouts: dict[str, _FileLayout | None] = {}

    def render(self, failure: Failure, style: str, *, location: str = "") -> list[StyledLine]:
        """Return the lines that show *failure* in *style* (``auto``, ``long``, ``short`` or ``line``).

        A failure without frames (a plan error, a failure raised outside user
        code) is shown with its whole message, every line marked ``E``;
        *location* then says where the test is.
        """
        if style == "line":
            return [StyledLine(self.crash_line(failure, location=location))]
        if not failure.frames:
            return self._render_frameless(failure, location)
        frames = failure.frames
        styles = [style] * len(frames)
        if style == "auto":
            # As pytest: the test and the raising frame in full, the path between in one line each.
            styles = ["long" if index in (0, len(frames) - 1) else "short" for index in range(len(frames))]
        lines: list[StyledLine] = []
        for index, frame in enumerate(frames):
            last = index == len(frames) - 1
            if styles[index] == "long":
                lines.append(StyledLine(""))
                lines.extend(self._long_entry(frame, failure if last else None))
            else:
                lines.extend(self._short_entry(frame, failure if last else None))
            if not last and (styles[index] == "long" or styles[index + 1] == "long"):
                lines.append(StyledLine("_ ", LineKind.ENTRY_SEPARATOR))
        return lines

    def crash_line(self, failure: Failure, *, location: str = "") -> str:
        """Return ``path:line: ExcType: message`` (first line only) for the frame that raised."""
        text = exception_text(failure).split("\n", 1)[0]
        if failure.frames:
            frame = failure.frames[-1]
            where = f"{self._path(frame.filename)}:{frame.lineno}"
        else:
            where = location
        return f"{where}: {text}" if where else text

    def _path(self, filename: str) -> str:
        return display_path(filename, self._rootdir)

    def _render_frameless(self, failure: Failure, location: str) -> list[StyledLine]:
        lines = self._error_lines(failure, len(_SOURCE_INDENT))
        lines.append(StyledLine(""))
        lines.append(StyledLine(f"{location}: {failure.exc_type}" if location else failure.exc_type))
        return lines

    def _error_lines(self, failure: Failure, indent: int) -> list[StyledLine]:
        prefix = _FAIL_MARKER + " " * (indent - 1)
        lines = exception_text(failure).split("\n")
        return [StyledLine((prefix + line).rstrip(), LineKind.ERROR) for line in lines]

    def _short_entry(self, frame: Frame, failure: Failure | None) -> list[StyledLine]:
        source = linecache.getline(frame.filename, frame.lineno).strip() or frame.line.strip() or "???"
        lines = [
            StyledLine(f"{self._path(frame.filename)}:{frame.lineno}: in {frame.name}"),
            StyledLine(_SOURCE_INDENT + source),
        ]
        if failure is not None:
            lines.extend(self._error_lines(failure, len(_SOURCE_INDENT)))
        return lines

    def _long_entry(self, frame: Frame, failure: Failure | None) -> list[StyledLine]:
        block, marker = self._source_block(frame)
        lines: list[StyledLine] = []
        for index, text in enumerate(block):
            prefix = _FLOW_MARKER + "   " if index == marker else _SOURCE_INDENT
            lines.append(StyledLine((prefix + text).rstrip()))
        if failure is not None:
            failing = block[marker]
            indent = len(_SOURCE_INDENT) + len(failing) - len(failing.lstrip())
            lines.extend(self._error_lines(failure, indent))
        lines.append(StyledLine(""))
        message = failure.exc_type.rsplit(".", 1)[-1] if failure is not None else ""
        lines.append(StyledLine(f"{self._path(frame.filename)}:{frame.lineno}: {message}".rstrip()))
        return lines

    def _source_block(self, frame: Frame) -> tuple[list[str], int]:
        """Return the dedented source from the function's first line to the end of the failing statement.

        The second value is the index of the failing line in that block.
        """
        file_lines = [line.rstrip("\n") for line in linecache.getlines(frame.filename)]
        lineno = frame.lineno
        if not 1 <= lineno <= len(file_lines):
            return [frame.line.strip() or "???"], 0
        layout = self._layout(frame.filename, file_lines)
        if layout is None:
            return [file_lines[lineno - 1].strip()], 0
        first, last = _block_bounds(layout, lineno, file_lines)
        block = textwrap.dedent("\n".join(file_lines[first - 1 : last])).split("\n")
        return block, lineno - first

    def _layout(self, filename: str, file_lines: list[str]) -> _FileLayout | None:
        if filename not in self._layouts:
            self._layouts[filename] = _layout_of("\n".join(file_lines) + "\n")
        return self._layouts[filename]


def _block_bounds(layout: _FileLayout, lineno: int, file_lines: list[str]) -> tuple[int, int]:
    """Return the first and last line (inclusive) to show for a frame stopped at *lineno*."""
    starts = layout.statement_starts
    position = bisect.bisect_right(starts, lineno)
    statement_start = starts[position - 1] if position else lineno
    statement_end = starts[position] - 1 if position < len(starts) else len(file_lines)
    enclosing = [(first, end) for first, end in layout.functions if first <= lineno <= end]
    if enclosing:
        function_first, function_end = max(enclosing)
        first = function_first
        statement_end = min(statement_end, function_end)
    else:
        first = statement_start
    while statement_end > lineno and _is_blank_or_comment(file_lines[statement_end - 1]):
        statement_end -= 1
    return first, max(statement_end, lineno)


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")
