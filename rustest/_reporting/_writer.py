"""A small terminal writer: coloured text, separator lines and the width of the current line."""

from __future__ import annotations

import shutil
from typing import TextIO

from rustest._reporting._color import Color, paint, visible_length

__all__ = ["TerminalWriter", "terminal_width"]

_MIN_WIDTH = 40
_FALLBACK_WIDTH = 80


def terminal_width() -> int:
    """Return the terminal's width in columns (``COLUMNS`` first), 80 when unknown or absurdly narrow."""
    columns = shutil.get_terminal_size((_FALLBACK_WIDTH, 24)).columns
    # A width this small is a misconfigured terminal; wrapping every line helps nobody.
    return columns if columns >= _MIN_WIDTH else _FALLBACK_WIDTH


class TerminalWriter:
    """Write to a text stream, colouring only when asked to, and remember how long the current line is."""

    def __init__(self, stream: TextIO, *, color: bool, width: int) -> None:
        self._stream = stream
        self.color = color
        self.width = width
        self.current_line_width = 0

    def markup(self, text: str, color: Color | None = None, *, bold: bool = False) -> str:
        """Return *text* with colour codes when this writer colours, else unchanged."""
        return paint(text, color, bold=bold) if self.color else text

    def write(self, text: str, color: Color | None = None, *, bold: bool = False) -> None:
        """Write *text* (which may hold newlines) and flush, so progress shows while tests run."""
        if not text:
            return
        self._stream.write(self.markup(text, color, bold=bold))
        self._stream.flush()
        last_newline = text.rfind("\n")
        if last_newline == -1:
            self.current_line_width += visible_length(text)
        else:
            self.current_line_width = visible_length(text[last_newline + 1 :])

    def write_progress(self, char: str, color: Color | None = None) -> None:
        """Write one progress character and flush: the per-test path, kept to the least work.

        *char* is a single visible character with no newline or colour code.
        """
        self._stream.write(paint(char, color) if self.color else char)
        self._stream.flush()
        self.current_line_width += 1

    def line(self, text: str = "", color: Color | None = None, *, bold: bool = False) -> None:
        """Write *text* followed by a newline."""
        self.write(text, color, bold=bold)
        self.write("\n")

    def ensure_newline(self) -> None:
        """End the current line if something is written on it."""
        if self.current_line_width:
            self.write("\n")

    def sep(self, char: str, title: str = "", color: Color | None = None, *, bold: bool = False) -> None:
        """Write a full-width line of *char* with *title* centred in it, as pytest draws its sections.

        *title* may already hold colour codes (the closing line colours each
        count); only its visible characters count towards the width, and the
        fill on both sides keeps *color* either way.
        """
        self.ensure_newline()
        mark = char.rstrip()
        if not title:
            fill = char * (self.width // len(char))
            # With a two-character fill such as "_ " there is room for one more mark at the right.
            if len(fill) + len(mark) <= self.width:
                fill += mark
            self.line(fill.rstrip(), color, bold=bold)
            return
        title_width = visible_length(title)
        fill = char * max((self.width - title_width - 2) // (2 * len(char)), 1)
        right = f" {fill}"
        if 2 * len(fill) + title_width + 2 + len(mark) <= self.width:
            right += mark
        if title_width == len(title):
            self.line(f"{fill} {title}{right}".rstrip(), color, bold=bold)
            return
        left = self.markup(f"{fill} ", color, bold=bold)
        self.line(left + title + self.markup(right.rstrip(), color, bold=bold))
