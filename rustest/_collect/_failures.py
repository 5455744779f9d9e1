"""Messages for files that fail to import, with tracebacks trimmed to the user's frames."""

from __future__ import annotations

import importlib
import os
import traceback

__all__ = ["describe_import_failure"]

_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(importlib.__file__))
_RUSTEST_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _is_machinery(filename: str) -> bool:
    """Tell whether a frame belongs to the import system or to rustest itself, not to the user."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.abspath(filename)
    return path.startswith(_RUSTEST_DIR) or os.path.dirname(path) == _IMPORTLIB_DIR


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
