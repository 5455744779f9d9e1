"""Turning exceptions into ``Failure`` records with tracebacks trimmed to user code."""

from __future__ import annotations

import os
import sys
import traceback
from types import TracebackType

from rustest._events import Failure, Frame, Phase

__all__ = ["failure_from", "is_internal_file"]

_RUSTEST_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _module_dir(name: str) -> str | None:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(file)) + os.sep if file else None


def _internal_dirs() -> tuple[str, ...]:
    dirs = [_RUSTEST_DIR]
    for name in ("asyncio", "trio", "outcome", "concurrent.futures", "contextlib"):
        found = _module_dir(name)
        if found:
            dirs.append(found)
    return tuple(dirs)


def is_internal_file(filename: str) -> bool:
    """Tell whether *filename* belongs to rustest or to the event-loop machinery under it."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.abspath(filename)
    return path.startswith(_internal_dirs()) or os.path.basename(path) == "contextlib.py"


def _user_frames(tb: TracebackType | None) -> tuple[Frame, ...]:
    frames: list[Frame] = []
    for summary in traceback.extract_tb(tb):
        if is_internal_file(summary.filename):
            continue
        frames.append(Frame(summary.filename, summary.lineno or 0, summary.name, summary.line or ""))
    return tuple(frames)


def failure_from(exc: BaseException, phase: Phase) -> Failure:
    """Return the ``Failure`` for *exc* raised in *phase*, with only user frames kept."""
    message = getattr(exc, "msg", None)
    if not isinstance(message, str):
        try:
            message = str(exc)
        except Exception as str_error:  # a broken __str__ must not hide the failure itself
            message = f"<exception str() failed: {str_error!r}>"
    return Failure(
        phase=phase,
        exc_type=type(exc).__qualname__,
        message=message,
        frames=_user_frames(exc.__traceback__),
        exception=exc,
    )
