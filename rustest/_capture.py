"""Capturing what a test writes to stdout and stderr, per test id."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from typing import TextIO

__all__ = ["FdCapture", "NoCapture", "OutputCapture", "SysCapture"]


class OutputCapture:
    """The interface the executor drives: start for an item, stop and read what it wrote."""

    def start(self) -> None:
        """Begin capturing for the next test id."""

    def stop(self) -> tuple[str, str]:
        """Stop capturing and return ``(stdout, stderr)`` written since ``start``."""
        return "", ""

    def close(self) -> None:
        """Release what the capture holds; called once after the run."""


class _NoInput(io.TextIOBase):
    """``sys.stdin`` while output is captured: reading raises, as with pytest, instead of hanging."""

    def read(self, size: int | None = -1) -> str:
        raise OSError("rustest: reading from stdin while output is captured! Consider using `-s`.")

    readline = read  # type: ignore[assignment]

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise io.UnsupportedOperation("redirected stdin is pseudofile, has no fileno()")


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
        self._saved: tuple[TextIO, TextIO, TextIO] | None = None
        self._out: _Tee | None = None
        self._err: _Tee | None = None

    def start(self) -> None:
        """Begin capturing (replacing the streams only once for consecutive tests)."""
        if self._saved is None:
            self._saved = (sys.stdout, sys.stderr, sys.stdin)
            self._out = _Tee(sys.stdout)
            self._err = _Tee(sys.stderr)
            sys.stdout = self._out
            sys.stderr = self._err
            sys.stdin = _NoInput()

    def stop(self) -> tuple[str, str]:
        """Restore the streams and return what was written."""
        if self._saved is None or self._out is None or self._err is None:
            return "", ""
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        return self._out.take(), self._err.take()


class _FdRedirect:
    """Points one file descriptor at a reusable temporary file while active."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.tmp = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - reused for every test until close()
        self.saved = -1

    def start(self) -> None:
        self.saved = os.dup(self.fd)
        os.dup2(self.tmp.fileno(), self.fd)

    def stop(self) -> str:
        os.dup2(self.saved, self.fd)
        os.close(self.saved)
        self.saved = -1
        self.tmp.seek(0)
        data = self.tmp.read()
        self.tmp.seek(0)
        self.tmp.truncate()
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        self.tmp.close()


def _fd_stream(fd: int) -> TextIO:
    # closefd=False: the descriptor belongs to the process; the wrapper only writes through it.
    raw = open(fd, "wb", buffering=0, closefd=False)  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", write_through=True)


class FdCapture(OutputCapture):
    """Capture file descriptors 1 and 2 (``--capture=fd``): also output of C code and subprocesses.

    ``sys.stdout`` and ``sys.stderr`` are rebound to the redirected descriptors
    so Python and native writes keep their order.
    """

    def __init__(self) -> None:
        self._out = _FdRedirect(1)
        self._err = _FdRedirect(2)
        self._saved: tuple[TextIO, TextIO, TextIO] | None = None

    def start(self) -> None:
        """Redirect fds 1 and 2 for the next test id."""
        if self._saved is not None:
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self._saved = (sys.stdout, sys.stderr, sys.stdin)
        self._out.start()
        self._err.start()
        sys.stdin = _NoInput()
        sys.stdout = _fd_stream(1)
        sys.stderr = _fd_stream(2)

    def stop(self) -> tuple[str, str]:
        """Restore fds 1 and 2 and the sys streams; return what was written."""
        if self._saved is None:
            return "", ""
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        return self._out.stop(), self._err.stop()

    def close(self) -> None:
        """Release the temporary files."""
        self._out.close()
        self._err.close()
