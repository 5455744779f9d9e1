"""Events the executor emits and reporters consume.

The executor prints nothing: every observable fact of a run is one of these
events, delivered in order to each listener.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "CollectionFailed",
    "Event",
    "Failure",
    "Frame",
    "Listener",
    "Outcome",
    "Phase",
    "SessionFinished",
    "SessionStarted",
    "TestFinished",
    "TestReport",
    "TestStarted",
    "WarningEmitted",
]


class Outcome(str, enum.Enum):
    """The one final outcome of a test id."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"


class Phase(str, enum.Enum):
    """The part of a test's life in which something happened."""

    SETUP = "setup"
    CALL = "call"
    TEARDOWN = "teardown"


@dataclass(frozen=True, slots=True)
class Frame:
    """One traceback frame of user code."""

    filename: str
    lineno: int
    name: str
    line: str


@dataclass(frozen=True, slots=True)
class Failure:
    """An exception raised in one phase of a test, with its traceback trimmed to user frames.

    ``message`` is ``str(exception)``; for a failed ``assert`` it holds the
    compared values and their diff. ``exception`` is the live object (not
    serialised); ``frames`` run from the outermost user frame to the one that
    raised.
    """

    phase: Phase
    exc_type: str
    message: str
    frames: tuple[Frame, ...] = ()
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    @property
    def headline(self) -> str:
        """``ExcType: message`` on one line (first line of the message)."""
        first = self.message.splitlines()[0] if self.message else ""
        return f"{self.exc_type}: {first}" if first else self.exc_type


@dataclass(slots=True)
class TestReport:
    """The single final report of one test id.

    ``when`` is the phase that decided the outcome. ``failures`` holds every
    exception worth showing (a call failure and a later teardown error are
    both kept). ``warnings`` holds messages such as tasks left running.
    ``properties`` are the ``(name, value)`` pairs the test recorded with the
    ``record_property`` fixture (``request.node.user_properties``).
    """

    __test__ = False

    nodeid: str
    outcome: Outcome
    when: Phase
    duration: float
    location: str = ""
    failures: tuple[Failure, ...] = ()
    reason: str = ""
    stdout: str = ""
    stderr: str = ""
    log: str = ""
    warnings: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    properties: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """The run begins; ``item_count`` test ids will each get one report."""

    item_count: int


@dataclass(slots=True)
class TestStarted:
    """A test id starts (its first step is about to run)."""

    __test__ = False

    nodeid: str
    location: str = ""


@dataclass(slots=True)
class TestFinished:
    """A test id has its final report."""

    __test__ = False

    report: TestReport


@dataclass(frozen=True, slots=True)
class WarningEmitted:
    """A warning not tied to one outcome (for example a teardown after the last test)."""

    message: str
    nodeid: str | None = None


@dataclass(frozen=True, slots=True)
class CollectionFailed:
    """A file could not be collected (import or syntax error); ``message`` holds its traceback."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionFinished:
    """The run ended. ``interrupted`` is set by KeyboardInterrupt, ``-x`` or ``--maxfail``."""

    counts: dict[Outcome, int]
    duration: float
    interrupted: bool = False
    reason: str = ""


Event = SessionStarted | TestStarted | TestFinished | WarningEmitted | CollectionFailed | SessionFinished
"""Any event the executor emits."""

Listener = Callable[[Event], None]
"""Something that receives events: a reporter, a collector of results, an embedder's hook."""
