"""Capturing what a test writes to stdout and stderr, per test id."""

from __future__ import annotations

import io
import sys
from typing import TextIO

__all__ = ["NoCapture", "OutputCapture", "SysCapture"]


class OutputCapture:
    """The interface the executor drives: start for an item, stop and read what it wrote."""

    def start(self) -> None:
        """Begin capturing for the next test id."""

    def stop(self) -> tuple[str, str]:
        """Stop capturing and return ``(stdout, stderr)`` written since ``start``."""
        return "", ""


class NoCapture(OutputCapture):
    """Capture nothing (``-s`` / ``--capture=no``): output goes straight to the terminal."""


class _Tee(io.TextIOBase):
    """A text stream that keeps what is written; ``isatty`` is false like pytest's capture."""

    def __init__(self, original: TextIO) -> None:
        self._buffer = io.StringIO()
        self._original = original

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._original, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        return self._buffer.write(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._original.fileno()

    def take(self) -> str:
        value = self._buffer.getvalue()
        self._buffer = io.StringIO()
        return value


class SysCapture(OutputCapture):
    """Replace ``sys.stdout`` and ``sys.stderr`` while a test id runs (``--capture=sys``)."""

    def __init__(self) -> None:
        self._saved: tuple[TextIO, TextIO] | None = None
        self._out: _Tee | None = None
        self._err: _Tee | None = None

    def start(self) -> None:
        """Begin capturing (replacing the streams only once for consecutive tests)."""
        if self._saved is None:
            self._saved = (sys.stdout, sys.stderr)
            self._out = _Tee(sys.stdout)
            self._err = _Tee(sys.stderr)
            sys.stdout = self._out  # type: ignore[assignment]
            sys.stderr = self._err  # type: ignore[assignment]

    def stop(self) -> tuple[str, str]:
        """Restore the streams and return what was written."""
        if self._saved is None or self._out is None or self._err is None:
            return "", ""
        sys.stdout, sys.stderr = self._saved
        self._saved = None
        return self._out.take(), self._err.take()
