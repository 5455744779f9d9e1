"""``caplog``: the log records a test emits, and levels it may change for its duration."""

from __future__ import annotations

import io
import logging
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef
from rustest._phases import PHASES, current_phase

__all__ = ["DEFAULT_LOG_FORMAT", "LogCaptureFixture", "LogCaptureHandler", "caplog", "fixtures"]

DEFAULT_LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"
"""How ``caplog.text`` formats each record (pytest's default)."""


if TYPE_CHECKING:
    _StringStreamHandler = logging.StreamHandler[io.StringIO]
else:
    # logging.StreamHandler is only subscriptable for type checkers on every supported Python.
    _StringStreamHandler = logging.StreamHandler


class LogCaptureHandler(_StringStreamHandler):
    """A handler that keeps every record it handles and its formatted text, also per test phase.

    ``records`` and ``stream`` hold everything since the last reset;
    ``phase_records`` maps each phase (``"setup"``, ``"call"``,
    ``"teardown"``) to the records emitted while the test was in it. A record
    that cannot be formatted fails the test instead of printing "Logging
    error" to stderr, so such mistakes are seen.
    """

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.records: list[logging.LogRecord] = []
        self.phase_records: dict[str, list[logging.LogRecord]] = {}
        self.setFormatter(logging.Formatter(DEFAULT_LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep *record*, under the running test's phase too, and append its formatted text."""
        self.records.append(record)
        self.phase_records.setdefault(current_phase(), []).append(record)
        super().emit(record)

    def reset(self) -> None:
        """Forget the records (of every phase) and the text kept so far."""
        self.records = []
        self.phase_records = {}
        self.stream = io.StringIO()

    def clear(self) -> None:
        """Forget the records and the text kept so far (``reset``)."""
        self.reset()

    def handleError(self, record: logging.LogRecord) -> None:
        """Raise the formatting error, so the test that logged a bad record fails.

        logging calls this from inside its ``except`` block, so a bare
        ``raise`` re-raises that error.
        """
        if logging.raiseExceptions:
            raise


def _force_enabled(level: int | str, logger: logging.Logger) -> int:
    """Lower ``logging.disable`` so *level* records of *logger* get through; return the old setting."""
    original = logger.manager.disable
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        logging.disable(logging.NOTSET)
    elif not logger.isEnabledFor(numeric):
        logging.disable(max(numeric - 10, logging.NOTSET))
    return original


class LogCaptureFixture:
    """What ``caplog`` gives a test: the records logged through the root logger during the test.

    Only records that reach the root logger's handlers are seen, so levels
    matter: raise verbosity with ``set_level`` (until the test ends) or
    ``at_level`` (inside a block). Every level it changes is restored after
    the test.
    """

    def __init__(self, handler: LogCaptureHandler | None = None) -> None:
        self.handler = handler if handler is not None else LogCaptureHandler()
        self._initial_logger_levels: dict[str | None, int] = {}
        self._initial_handler_level: int | None = None
        self._initial_disable: int | None = None

    @property
    def records(self) -> list[logging.LogRecord]:
        """The records captured in the test's current phase, oldest first (as pytest's ``caplog.records``).

        In the test body that is what the test logged; in a fixture's
        teardown, what was logged since teardown began.
        """
        return self.handler.phase_records.get(current_phase(), [])

    def get_records(self, when: str) -> list[logging.LogRecord]:
        """Return the records captured in phase *when* of the test: ``setup``, ``call`` or ``teardown``."""
        if when not in PHASES:
            raise ValueError(f"caplog.get_records() takes one of {', '.join(PHASES)}, not {when!r}")
        return list(self.handler.phase_records.get(when, []))

    @property
    def record_tuples(self) -> list[tuple[str, int, str]]:
        """``(logger name, level number, message)`` of each record: stable to compare in asserts."""
        return [(r.name, r.levelno, r.getMessage()) for r in self.records]

    @property
    def messages(self) -> list[str]:
        """The interpolated message of each record, without level prefix or exception text."""
        return [r.getMessage() for r in self.records]

    @property
    def text(self) -> str:
        """The current phase's records formatted, one a line: ``LEVEL    logger:file.py:line message``."""
        return "".join(f"{self.handler.format(record)}\n" for record in self.records)

    def clear(self) -> None:
        """Forget the records and text captured so far, in every phase."""
        self.handler.clear()

    def set_level(self, level: int | str, logger: str | None = None) -> None:
        """Set the level of *logger* (the root logger by default) and of the capture, until the test ends.

        A ``logging.disable`` setting that would hide *level* is lowered too.
        """
        logger_obj = logging.getLogger(logger)
        self._initial_logger_levels.setdefault(logger, logger_obj.level)
        logger_obj.setLevel(level)
        if self._initial_handler_level is None:
            self._initial_handler_level = self.handler.level
        self.handler.setLevel(level)
        disable = _force_enabled(level, logger_obj)
        if self._initial_disable is None:
            self._initial_disable = disable

    @contextmanager
    def at_level(self, level: int | str, logger: str | None = None) -> Iterator[None]:
        """Set the level of *logger* (root by default) and of the capture inside the block only."""
        logger_obj = logging.getLogger(logger)
        logger_level = logger_obj.level
        handler_level = self.handler.level
        logger_obj.setLevel(level)
        self.handler.setLevel(level)
        disable = _force_enabled(level, logger_obj)
        try:
            yield
        finally:
            logger_obj.setLevel(logger_level)
            self.handler.setLevel(handler_level)
            logging.disable(disable)

    @contextmanager
    def filtering(self, filter_: logging.Filter) -> Iterator[None]:
        """Apply *filter_* to the capture inside the block only."""
        self.handler.addFilter(filter_)
        try:
            yield
        finally:
            self.handler.removeFilter(filter_)

    def _finalize(self) -> None:
        """Restore every level that ``set_level`` changed."""
        if self._initial_handler_level is not None:
            self.handler.setLevel(self._initial_handler_level)
            self._initial_handler_level = None
        for name, level in self._initial_logger_levels.items():
            logging.getLogger(name).setLevel(level)
        self._initial_logger_levels.clear()
        if self._initial_disable is not None:
            logging.disable(self._initial_disable)
            self._initial_disable = None


def caplog() -> Generator[LogCaptureFixture, None, None]:
    """Capture the log records of the test; levels it changes are restored after it."""
    fixture = LogCaptureFixture()
    root = logging.getLogger()
    root.addHandler(fixture.handler)
    try:
        yield fixture
    finally:
        root.removeHandler(fixture.handler)
        fixture._finalize()
        fixture.handler.close()


def fixtures() -> list[FixtureDef]:
    """Return the log capture fixture definition."""
    return [builtin(caplog)]
