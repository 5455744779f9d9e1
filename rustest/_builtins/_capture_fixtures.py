"""``capsys``, ``capsysbinary``, ``capfd`` and ``capfdbinary``: read what a test writes.

A capture fixture sits inside the runner's own capture for as long as the
test runs: what the test reads with ``readouterr()`` is gone, so it is not
reported again as the test's captured output; what it writes before the
fixture starts, after it stops, or never reads, reaches the runner's capture
as usual. ``disabled()`` sends output to the terminal the run started with,
past both captures.
"""

from __future__ import annotations

import abc
import collections
import functools
import io
import os
import sys
import tempfile
import weakref
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, AnyStr, Generic, NamedTuple, TextIO

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef

__all__ = [
    "CaptureFixture",
    "CaptureResult",
    "Terminal",
    "capfd",
    "capfdbinary",
    "capsys",
    "capsysbinary",
    "fixtures",
]

_STREAM_FDS = (1, 2)

if sys.version_info >= (3, 11) or TYPE_CHECKING:

    class CaptureResult(NamedTuple, Generic[AnyStr]):
        """What ``readouterr()`` returns: ``out`` and ``err`` written since the last read."""

        out: AnyStr
        err: AnyStr

else:

    class CaptureResult(collections.namedtuple("CaptureResult", ["out", "err"]), Generic[AnyStr]):
        """What ``readouterr()`` returns: ``out`` and ``err`` written since the last read."""

        __slots__ = ()


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


def _close_fds(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            continue


class Terminal:
    """Where output went when the run was set up, before the runner started capturing.

    It keeps the ``sys.stdout``/``sys.stderr`` objects of that moment and
    duplicates of file descriptors 1 and 2 (closed when the object is
    garbage collected), so ``disabled()`` can write there during a test.
    """

    def __init__(self) -> None:
        self.stdout: TextIO | None = sys.stdout
        self.stderr: TextIO | None = sys.stderr
        self.fds: dict[int, int] = {}
        for fd in _STREAM_FDS:
            try:
                self.fds[fd] = os.dup(fd)
            except OSError:
                continue  # A closed descriptor (a daemon) has no terminal to reach.
        weakref.finalize(self, _close_fds, list(self.fds.values()))

    @contextmanager
    def reached(self) -> Iterator[None]:
        """Send Python and file-descriptor output inside the block to this terminal."""
        _flush_std_streams()
        saved_streams = (sys.stdout, sys.stderr)
        saved_fds: dict[int, int] = {}
        try:
            for fd, terminal_fd in self.fds.items():
                saved_fds[fd] = os.dup(fd)
                os.dup2(terminal_fd, fd)
            sys.stdout, sys.stderr = self.stdout, self.stderr
            yield
        finally:
            _flush_std_streams()
            for fd, saved in saved_fds.items():
                os.dup2(saved, fd)
                os.close(saved)
            sys.stdout, sys.stderr = saved_streams


def _write_to(stream: TextIO | None, data: bytes) -> None:
    """Write captured *data* to *stream*, as bytes when it has a binary buffer."""
    if not data or stream is None:
        return
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()


class _Capturer(abc.ABC):
    """Redirects stdout and stderr while started; ``suspend``/``resume`` pause it."""

    @abc.abstractmethod
    def start(self) -> None:
        """Begin redirecting."""

    @abc.abstractmethod
    def read(self) -> tuple[bytes, bytes]:
        """Return and forget what was written to stdout and stderr so far."""

    @abc.abstractmethod
    def suspend(self) -> None:
        """Point the streams back where they were before ``start``, for now."""

    @abc.abstractmethod
    def resume(self) -> None:
        """Redirect again after ``suspend``."""

    @abc.abstractmethod
    def stop(self) -> tuple[bytes, bytes]:
        """Stop for good, release what the capture holds, and return what was never read."""


def _text_capture_stream(buffer: io.BytesIO) -> io.TextIOWrapper:
    # newline="": keep "\n" as written, as pytest's capture does.
    return io.TextIOWrapper(buffer, encoding="UTF-8", newline="", write_through=True)


def _take(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    stream.truncate()
    return data


class _SysCapturer(_Capturer):
    """Replaces ``sys.stdout`` and ``sys.stderr`` with in-memory streams (``capsys``)."""

    def __init__(self) -> None:
        self._outer: tuple[TextIO, TextIO] | None = None
        self._buffers = (io.BytesIO(), io.BytesIO())
        self._streams = (_text_capture_stream(self._buffers[0]), _text_capture_stream(self._buffers[1]))

    def start(self) -> None:
        _flush_std_streams()
        self._outer = (sys.stdout, sys.stderr)
        self.resume()

    def read(self) -> tuple[bytes, bytes]:
        out, err = self._buffers
        return _take(out), _take(err)

    def suspend(self) -> None:
        if self._outer is not None:
            sys.stdout, sys.stderr = self._outer

    def resume(self) -> None:
        sys.stdout, sys.stderr = self._streams

    def stop(self) -> tuple[bytes, bytes]:
        unread = self.read()
        self.suspend()
        for stream in self._streams:
            stream.close()
        return unread


class _FdCapturer(_Capturer):
    """Points file descriptors 1 and 2 at temporary files (``capfd``): also catches C code and children.

    ``sys.stdout`` and ``sys.stderr`` are rebound to the redirected
    descriptors so Python and native writes keep their order.
    """

    def __init__(self) -> None:
        self._files = {fd: tempfile.TemporaryFile(buffering=0) for fd in _STREAM_FDS}  # noqa: SIM115
        self._saved_fds: dict[int, int] = {}
        self._outer: tuple[TextIO, TextIO] | None = None
        self._streams: tuple[TextIO, TextIO] | None = None

    def start(self) -> None:
        _flush_std_streams()
        self._outer = (sys.stdout, sys.stderr)
        self._saved_fds = {fd: os.dup(fd) for fd in _STREAM_FDS}
        self._streams = (self._fd_stream(1), self._fd_stream(2))
        self.resume()

    @staticmethod
    def _fd_stream(fd: int) -> TextIO:
        # closefd=False: the descriptor stays the process's; the wrapper only writes through it.
        raw = open(fd, "wb", buffering=0, closefd=False)  # noqa: SIM115
        return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="", write_through=True)

    def read(self) -> tuple[bytes, bytes]:
        _flush_std_streams()
        return _take(self._files[1]), _take(self._files[2])

    def suspend(self) -> None:
        _flush_std_streams()
        for fd, saved in self._saved_fds.items():
            os.dup2(saved, fd)
        if self._outer is not None:
            sys.stdout, sys.stderr = self._outer

    def resume(self) -> None:
        for fd, tmp in self._files.items():
            os.dup2(tmp.fileno(), fd)
        if self._streams is not None:
            sys.stdout, sys.stderr = self._streams

    def stop(self) -> tuple[bytes, bytes]:
        unread = self.read()
        self.suspend()
        _close_fds(list(self._saved_fds.values()))
        self._saved_fds = {}
        for stream in self._streams or ():
            stream.close()
        for tmp in self._files.values():
            tmp.close()
        return unread


class CaptureFixture(Generic[AnyStr]):
    """The object ``capsys``, ``capsysbinary``, ``capfd`` and ``capfdbinary`` give a test.

    ``readouterr()`` returns and forgets what was written so far; output
    never read is passed on to the runner's capture when the test ends.
    """

    def __init__(
        self, name: str, capturer: _Capturer, terminal: Terminal, convert: Callable[[bytes], AnyStr]
    ) -> None:
        self.name = name
        self._capturer = capturer
        self._terminal = terminal
        self._convert: Callable[[bytes], AnyStr] = convert
        self._closed = False

    def _start(self) -> None:
        self._capturer.start()

    def readouterr(self) -> CaptureResult[AnyStr]:
        """Return ``(out, err)`` written since the capture started or was last read, and reset them."""
        if self._closed:
            return CaptureResult(self._convert(b""), self._convert(b""))
        out, err = self._capturer.read()
        return CaptureResult(self._convert(out), self._convert(err))

    @contextmanager
    def disabled(self) -> Iterator[None]:
        """Let output inside the block through to the terminal, past this and the runner's capture."""
        self._capturer.suspend()
        try:
            with self._terminal.reached():
                yield
        finally:
            self._capturer.resume()

    def close(self) -> None:
        """Stop capturing and hand output that was never read to the streams outside."""
        if self._closed:
            return
        self._closed = True
        out, err = self._capturer.stop()
        _write_to(sys.stdout, out)
        _write_to(sys.stderr, err)


class _ActiveCapture:
    """The capture fixture currently started in this process: two at once would steal each other's output."""

    def __init__(self) -> None:
        self.name: str | None = None

    @contextmanager
    def claimed(self, name: str) -> Iterator[None]:
        if self.name is not None:
            raise RuntimeError(
                f"cannot use {self.name} and {name} at the same time: both replace the same streams; "
                "request only one capture fixture per test"
            )
        self.name = name
        try:
            yield
        finally:
            self.name = None


_ACTIVE = _ActiveCapture()


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _binary(data: bytes) -> bytes:
    return data


def _captured(fixture: CaptureFixture[AnyStr]) -> Generator[CaptureFixture[AnyStr], None, None]:
    with _ACTIVE.claimed(fixture.name):
        fixture._start()
        try:
            yield fixture
        finally:
            fixture.close()


def capsys(terminal: Terminal) -> Generator[CaptureFixture[str], None, None]:
    """Capture writes to ``sys.stdout`` and ``sys.stderr`` as text; read them with ``readouterr()``."""
    yield from _captured(CaptureFixture("capsys", _SysCapturer(), terminal, _text))


def capsysbinary(terminal: Terminal) -> Generator[CaptureFixture[bytes], None, None]:
    """Capture writes to ``sys.stdout`` and ``sys.stderr`` as bytes; read them with ``readouterr()``."""
    yield from _captured(CaptureFixture("capsysbinary", _SysCapturer(), terminal, _binary))


def capfd(terminal: Terminal) -> Generator[CaptureFixture[str], None, None]:
    """Capture file descriptors 1 and 2 (C code and subprocesses too) as text."""
    yield from _captured(CaptureFixture("capfd", _FdCapturer(), terminal, _text))


def capfdbinary(terminal: Terminal) -> Generator[CaptureFixture[bytes], None, None]:
    """Capture file descriptors 1 and 2 (C code and subprocesses too) as bytes."""
    yield from _captured(CaptureFixture("capfdbinary", _FdCapturer(), terminal, _binary))


def fixtures(terminal: Terminal) -> list[FixtureDef]:
    """Return the capture fixture definitions, whose ``disabled()`` reaches *terminal*."""
    return [
        builtin(functools.partial(function, terminal=terminal))
        for function in (capsys, capsysbinary, capfd, capfdbinary)
    ]
