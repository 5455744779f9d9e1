"""ANSI colouring of terminal output and the ``--color`` decision."""

from __future__ import annotations

import enum
import os
import re
from typing import TextIO

__all__ = ["COLOR_OPTIONS", "Color", "paint", "should_use_color", "visible_length"]

COLOR_OPTIONS = ("auto", "always", "never")
"""The values ``--color`` accepts."""

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_ANSI_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m")


class Color(str, enum.Enum):
    """A foreground colour, valued by its ANSI SGR code."""

    RED = "31"
    GREEN = "32"
    YELLOW = "33"
    CYAN = "36"


def paint(text: str, color: Color | None = None, *, bold: bool = False) -> str:
    """Wrap *text* in the ANSI codes for *color* and *bold*; plain text when neither is asked for."""
    if not text or (color is None and not bold):
        return text
    prefix = f"\x1b[{color.value}m" if color is not None else ""
    if bold:
        prefix += _BOLD
    return f"{prefix}{text}{_RESET}"


def visible_length(text: str) -> int:
    """Return the number of columns *text* takes on a terminal, ignoring ANSI colour codes."""
    return len(_ANSI_SEQUENCE.sub("", text))


def should_use_color(stream: TextIO, option: str) -> bool:
    """Decide whether output written to *stream* gets colours, for ``--color=auto|always|never``.

    ``always`` and ``never`` are what the person asked for on the command
    line, so they win over the environment (as the NO_COLOR convention
    wants). With ``auto``, a non-empty ``NO_COLOR`` disables colours, then a
    non-empty ``FORCE_COLOR`` enables them, and otherwise colours are used
    only on a terminal that is not ``TERM=dumb``.
    """
    if option not in COLOR_OPTIONS:
        raise ValueError(f"--color must be one of {', '.join(COLOR_OPTIONS)}, not {option!r}")
    if option != "auto":
        return option == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:
        # isatty() on a closed stream raises; such a stream is no terminal.
        return False
