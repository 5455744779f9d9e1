"""Capturing what a test writes to stdout and stderr, and what it logs, per test id."""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
from typing import TextIO

__all__ = ["LOG_FORMAT", "FdCapture", "LogCapture", "NoCapture", "OutputCapture", "SysCapture"]

LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"
"""How captured log records are shown in reports (pytest's default ``log_format``)."""


class _LineHandler(logging.Handler):
    """Append each record's formatted text to a list."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # a record that cannot be formatted must not break the test that logged it
            self.lines.append(
                f"{record.levelname:<8} {record.name}:{record.filename}:{record.lineno} "
                f"(not formatted: {type(exc).__name__}: {exc}) {record.msg!r} % {record.args!r}"
            )


class LogCapture:
    """Keep what reaches the root logger, formatted, until it is taken: one test's log at a time.

    The handler is on the root logger from construction until ``close``.
    Levels are left as they are, so by default (the root logger at WARNING)
    warnings and errors are kept, as pytest does.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._handler = _LineHandler(self._lines)
        logging.getLogger().addHandler(self._handler)

    def take(self) -> str:
        """Return the lines kept since the last call, one record a line, and forget them."""
        if not self._lines:
            return ""
        text = "".join(f"{line}\n" for line in self._lines)
        self._lines.clear()
        return text

    def close(self) -> None:
        """Take the handler off the root logger."""
        logging.getLogger().removeHandler(self._handler)


class OutputCapture:
    """The interface the executor drives: start for an item, stop and read what it wrote.

    With ``logs=True`` a capture also keeps what is logged through the root
    logger while a test runs (``take_log``), as pytest's "Captured log"
    sections show.
    """

    def __init__(self, *, logs: bool = False) -> None:
        self._logs = LogCapture() if logs else None

    def take_log(self) -> str:
        """Return what was logged since the last call (``""`` when logs are not captured)."""
        return self._logs.take() if self._logs is not None else ""

    def start(self) -> None:
        """Begin capturing for the next test id."""

    def stop(self) -> tuple[str, str]:
        """Stop capturing and return ``(stdout, stderr)`` written since ``start``."""
        return "", ""

    def close(self) -> None:
        """Release what the capture holds; called once after the run."""
        if self._logs is not None:
            self._logs.close()


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


_NO_INPUT = _NoInput()


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

    def __init__(self, *, logs: bool = False) -> None:
        super().__init__(logs=logs)
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
            sys.stdin = _NO_INPUT

    def stop(self) -> tuple[str, str]:
        """Restore the streams and return what was written."""
        if self._saved is None or self._out is None or self._err is None:
            return "", ""
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        return self._out.take(), self._err.take()


class _FdRedirect:
    """Points one file descriptor at a reusable temporary file while active.

    The temporary file and the saved copy of the descriptor are made once and
    kept until ``close``; a test that wrote nothing costs two ``dup2`` calls
    and one ``lseek``, because the shared file offset says how much was written.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.tmp = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - reused for every test until close()
        self.tmp_fd = self.tmp.fileno()
        self.saved = os.dup(fd)

    def start(self) -> None:
        os.dup2(self.tmp_fd, self.fd)

    def stop(self) -> str:
        os.dup2(self.saved, self.fd)
        # Writers through the descriptor (and child processes) share this offset.
        written = os.lseek(self.tmp_fd, 0, os.SEEK_CUR)
        if not written:
            return ""
        data = os.pread(self.tmp_fd, written, 0)
        os.ftruncate(self.tmp_fd, 0)
        os.lseek(self.tmp_fd, 0, os.SEEK_SET)
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        os.close(self.saved)
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

    def __init__(self, *, logs: bool = False) -> None:
        super().__init__(logs=logs)
        self._redirects: tuple[_FdRedirect, _FdRedirect] | None = None
        self._streams: tuple[TextIO, TextIO] | None = None
        self._saved: tuple[TextIO, TextIO, TextIO] | None = None

    def start(self) -> None:
        """Redirect fds 1 and 2 for the next test id."""
        if self._saved is not None:
            return
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        if self._redirects is None or self._streams is None:
            self._redirects = (_FdRedirect(1), _FdRedirect(2))
            self._streams = (_fd_stream(1), _fd_stream(2))
        self._saved = (sys.stdout, sys.stderr, sys.stdin)
        out, err = self._redirects
        out.start()
        err.start()
        sys.stdin = _NO_INPUT
        sys.stdout, sys.stderr = self._streams

    def stop(self) -> tuple[str, str]:
        """Restore fds 1 and 2 and the sys streams; return what was written."""
        if self._saved is None or self._redirects is None:
            return "", ""
        if self._streams is not None:
            for stream in self._streams:
                stream.flush()
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        out, err = self._redirects
        return out.stop(), err.stop()

    def close(self) -> None:
        """Release the temporary files, the saved descriptors and the log handler."""
        super().close()
        if self._redirects is not None:
            for redirect in self._redirects:
                redirect.close()
            self._redirects = None
