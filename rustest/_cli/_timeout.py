"""Per-test timeouts: how long each test may run, and what stops a test that runs longer.

A test's limit comes from the closest ``mark.timeout(seconds)`` on it (its
own, its class's, its module's), else from ``--timeout``, else from the
``timeout`` setting; 0 means no limit. It covers the test's whole run, from
its ``TestStarted`` event to its ``TestFinished`` event: the setup of its
fixtures (wider-scoped ones it triggers too), its call and its teardown.

Two mechanisms stop a test, chosen once per run:

- In a guarded test process (the normal case, see ``_guard``), the test
  process writes each test's start time and limit into the page it shares
  with its guard, with no system call and no thread. The guard waits for
  the process with a deadline: when the running test passes its limit, it
  makes the process write every thread's stack to the dump file, then has
  ``Timeout`` raised in the test, which ends it as any failure does. A
  test that does not finish soon after (stuck in C code that never returns
  to Python, say) is killed with its process; the guard reports it as
  timed out and continues the run in a new process.
- In an unguarded run on the main thread of a POSIX process, ``SIGALRM``
  from ``setitimer`` raises ``Timeout`` in the test where it is, and the run
  goes on in the same process (see ``_alarm``). Code that does not return to
  the interpreter (a C call that blocks with signals retried) is not
  stopped this way.

Where neither works (Windows without the guard) the run warns once and sets
no limit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rustest._config import UsageError, parse_timeout
from rustest._events import Phase
from rustest._outcomes import Failed

if TYPE_CHECKING:
    from rustest._definitions import TestDef
    from rustest._plan import Plan

__all__ = [
    "COMMAND_LINE",
    "CONFIGURATION",
    "MARK",
    "NO_ENFORCEMENT_WARNING",
    "SOURCES",
    "TIMEOUT_MARK",
    "Limit",
    "Timeout",
    "item_limits",
    "shortest_limit",
    "timed_out_phase",
    "timeout_message",
]

COMMAND_LINE = "--timeout"
CONFIGURATION = "timeout setting"
MARK = "mark.timeout"
SOURCES = (COMMAND_LINE, CONFIGURATION, MARK)
"""Where a limit can come from, as the reports name it; a guarded process records the index."""

TIMEOUT_MARK = "timeout"

NO_ENFORCEMENT_WARNING = (
    "timeouts are not enforced in this run: the tests run in this process (there is no guarded child "
    "process), where SIGALRM cannot interrupt them (that needs a POSIX system and the main thread); "
    "they run without a time limit"
)

_FRAME_PREFIX = '  File "'
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_EXECUTOR_FILE = os.path.join(_PACKAGE_DIR, "_executor.py")
_EXECUTOR_PHASES = {
    "open_loop": Phase.SETUP,
    "setup": Phase.SETUP,
    "call": Phase.CALL,
    "call_test": Phase.CALL,
    "call_batch": Phase.CALL,
    "next_step": Phase.CALL,
    "step_done": Phase.CALL,
    "teardown": Phase.TEARDOWN,
    "run_finalizers": Phase.TEARDOWN,
    "close_loop": Phase.TEARDOWN,
}
"""The phase a test is in while the executor's method of that name runs."""
_MARK_KEYWORDS = frozenset({"timeout", "method"})
_MARK_USAGE = (
    "write @mark.timeout(5) or @mark.timeout(0.5) for a limit in seconds, "
    "or @mark.timeout(0) for none on this test"
)


class Limit(NamedTuple):
    """How long a test may run, in seconds (0: no limit), and where that was set (one of ``SOURCES``)."""

    seconds: float
    source: str


class Timeout(Failed):
    """Raised in a test that ran longer than its timeout, where it was when the time ran out.

    It is a ``Failed``: a broad ``except Exception`` in the code under test
    does not swallow it, and an ``xfail`` mark does not turn it into an
    expected failure.
    """


def timeout_message(limit: Limit) -> str:
    """Say that a test ran out of *limit*: ``the test ran longer than its 5 s timeout (--timeout) ...``."""
    return f"the test ran longer than its {limit.seconds:g} s timeout ({limit.source}) and was stopped"


def _mark_limit(test: TestDef) -> Limit | None:
    """Return the limit of the closest ``mark.timeout`` on *test*, or ``None`` when it has none.

    Raises ``UsageError`` naming the test and the right spelling when the
    mark's arguments are not one number of seconds >= 0.
    """
    for mark in test.marks:
        if getattr(mark, "name", None) != TIMEOUT_MARK:
            continue
        args, kwargs = tuple(mark.args), dict(mark.kwargs)
        unknown = sorted(set(kwargs) - _MARK_KEYWORDS)
        values = [*args, *([kwargs["timeout"]] if "timeout" in kwargs else [])]
        method = kwargs.get("method", "signal")
        if unknown or len(values) != 1 or method not in ("signal", "thread"):
            raise UsageError(f"{test.id}: {_describe(args, kwargs)} is not a timeout; {_MARK_USAGE}")
        try:
            return Limit(parse_timeout(values[0]), MARK)
        except ValueError as exc:
            raise UsageError(f"{test.id}: {_describe(args, kwargs)}: {exc}; {_MARK_USAGE}") from None
    return None


def _describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    words = [*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())]
    return f"mark.timeout({', '.join(words)})"


def item_limits(plan: Plan, default: Limit) -> list[Limit] | None:
    """Return the limit of each item of *plan*, in run order, or ``None`` when no item has one.

    *default* applies to tests without a ``mark.timeout``. Raises
    ``UsageError`` when a mark is wrong, naming every such test's id.
    """
    marked: dict[int, Limit] = {}
    errors: list[str] = []
    for index, test in enumerate(plan.tests):
        if not test.marks:
            continue
        try:
            limit = _mark_limit(test)
        except UsageError as exc:
            errors.append(str(exc))
            continue
        if limit is not None:
            marked[index] = limit
    if errors:
        raise UsageError("\n".join(dict.fromkeys(errors)))
    if not default.seconds and not any(limit.seconds for limit in marked.values()):
        return None
    return [marked.get(test, default) for test in plan.item_test]


def shortest_limit(limits: Sequence[Limit]) -> float:
    """Return the shortest of *limits* in seconds, leaving out tests without one (0 when none has one)."""
    return min((limit.seconds for limit in limits if limit.seconds), default=0.0)


def timed_out_phase(dump: str) -> Phase:
    """Tell in which phase a test was when its stacks were dumped at its timeout: setup, call or teardown.

    The innermost frame of the executor in the stacks says it (``setup``,
    ``teardown``, ``call`` and their helpers). A dump that shows none (were
    those methods renamed, the end-to-end timeout tests would fail) counts
    as the call.
    """
    for line in dump.splitlines():
        if not line.startswith(_FRAME_PREFIX):
            continue
        path, _, where = line[len(_FRAME_PREFIX) :].partition('"')
        # A path as the module was imported, relative when its sys.path entry was.
        if os.path.abspath(path) == _EXECUTOR_FILE:
            phase = _EXECUTOR_PHASES.get(where.rsplit(" in ", 1)[-1].strip())
            if phase is not None:
                return phase
    return Phase.CALL
