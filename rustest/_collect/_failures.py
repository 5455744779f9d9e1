"""Messages for files that fail to import, with tracebacks trimmed to the user's frames."""

from __future__ import annotations

import importlib
import os
import traceback

from rustest._traceback import is_internal_file

__all__ = ["describe_import_failure"]

_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(importlib.__file__))


def _is_machinery(filename: str) -> bool:
    """Tell whether a frame belongs to rustest or the import system rather than to the user."""
    return is_internal_file(filename) or os.path.dirname(os.path.abspath(filename)) == _IMPORTLIB_DIR


def describe_import_failure(label: str, exc: BaseException) -> str:
    """Describe *exc*, raised while importing the file *label*, for the person who must fix it.

    The message starts with a headline naming the file, then the traceback
    through the user's code only (a syntax error shows its line and caret).
    """
    lines = [f"{type(exc).__name__} while importing {label}."]
    if isinstance(exc, ImportError):
        lines.append("Hint: make sure your test modules and packages have valid Python names.")
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if not _is_machinery(frame.filename)]
    if frames:
        lines.append("Traceback (most recent call last):")
        lines.append("".join(traceback.format_list(frames)).rstrip("\n"))
    lines.append("".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n"))
    return "\n".join(lines)
