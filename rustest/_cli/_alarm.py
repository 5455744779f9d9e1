"""Stop a test that runs past its timeout with ``SIGALRM``: ``Timeout`` is raised in the test where it is.

Without a guarded test process (``--no-crash-guard``, coverage, a tracer,
``rustest.run()``), a real-time timer set when a test starts raises
``Timeout`` in the test when the time is up, and the run goes on in the same
process. In a guarded test process the guard, which watches the deadlines,
sends the signal itself first, so that the test's teardown runs and its
report keeps its output and the line it waited on; only a test that does
not stop then is killed. Two places need care:

- An asyncio loop of rustest's waiting for events: raised there, the
  exception would leave the loop in the middle of a turn and the test's
  task waiting forever. The future the test awaits gets the exception
  instead, so its ``await`` raises it.
- rustest's own code (the executor's bookkeeping, a loop's driver), where an
  exception would end the run rather than the test: the timer fires again a
  millisecond later, by when the test's code runs again.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from types import FrameType
from typing import Any

from rustest._cli._timeout import Limit, Timeout, timeout_message
from rustest._events import Event, Listener, SessionFinished, TestFinished, TestStarted
from rustest._traceback import is_internal_file

__all__ = ["alarm_listener", "can_raise_in_tests", "guard_alarm_listener"]

_PACKAGE_PREFIX = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_RETRY_SECONDS = 0.001
_ASYNC_GENERATOR_STEP = "async_generator_"


def can_raise_in_tests() -> bool:
    """Tell whether ``SIGALRM`` can interrupt the tests of this run: a POSIX process, on its main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def alarm_listener(limits: Sequence[Limit]) -> Listener:
    """Return the listener that interrupts each test of an unguarded run with ``SIGALRM`` when its time is up.

    When a test with a limit starts, it installs a handler that raises
    ``Timeout`` and sets a one-shot real-time timer; when the test finishes
    it stops the timer and puts back the handler that was there before.
    Call it only where ``can_raise_in_tests()``.
    """
    return _Alarm(limits, None)


def guard_alarm_listener(limits: Sequence[Limit], requested: Callable[[], int]) -> Listener:
    """Return the listener that lets the guard raise ``Timeout`` in a test of its process with ``SIGALRM``.

    The handler is installed now, for the whole run, and no timer is set: a
    test's start and finish only move counters. The guard records which
    test it stops before it sends the signal, and *requested* reads that (as
    a count of started tests), so a signal that arrives once that test
    finished is ignored. Call it only where ``can_raise_in_tests()``.
    """
    alarm = _Alarm(limits, requested)
    alarm.install()
    return alarm.follow


class _Alarm:
    """The state of the alarm listeners: which test runs, whether its time may run out, the handler replaced.

    With *requested* the guard sends the signal and the handler stays
    installed for the run; without it each test with a limit sets a timer.
    """

    def __init__(self, limits: Sequence[Limit], requested: Callable[[], int] | None) -> None:
        self._limits = limits
        self._requested = requested
        self._started = 0
        self._armed = False
        self._retrying = False
        self._previous: Any = None
        self._limit: Limit | None = None
        self._message = ""

    def install(self) -> None:
        """Install the handler until the run finishes, for a guard that sends the signal itself."""
        self._previous = signal.signal(signal.SIGALRM, self._expired)

    def __call__(self, event: Event) -> None:
        """Set the timer when a test with a limit starts; stop it when the test or the run finishes."""
        kind = event.__class__
        if kind is TestStarted:
            limit = self._limits[self._started]
            self._started += 1
            if limit.seconds:
                self._message = timeout_message(limit)
                self._previous = signal.signal(signal.SIGALRM, self._expired)
                signal.setitimer(signal.ITIMER_REAL, limit.seconds)
                self._armed = True
        elif self._armed and (kind is TestFinished or kind is SessionFinished):
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._restore()
            self._armed = False

    def follow(self, event: Event) -> None:
        """Keep count of the tests for the guard's signal: plain assignments, for the cost of every test."""
        kind = event.__class__
        if kind is TestStarted:
            limit = self._limits[self._started]
            self._started += 1
            if limit.seconds:
                if limit is not self._limit:
                    # Most tests share one limit: its message is written once.
                    self._limit = limit
                    self._message = timeout_message(limit)
                self._armed = True
        elif kind is TestFinished or kind is SessionFinished:
            self._armed = False
            if self._retrying:
                signal.setitimer(signal.ITIMER_REAL, 0)
                self._retrying = False
            if kind is SessionFinished:
                self._restore()

    def _restore(self) -> None:
        previous = self._previous
        # None: the handler was not set from Python; the default is what such a process had.
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        self._previous = None

    def _expired(self, signum: int, frame: FrameType | None) -> None:
        requested = self._requested
        if not self._armed or (requested is not None and requested() != self._started):
            # The guard's signal for a test that finished meanwhile.
            return
        asyncio = sys.modules.get("asyncio")
        loop = asyncio._get_running_loop() if asyncio is not None else None
        if loop is not None and asyncio is not None and asyncio.current_task(loop) is None:
            step = _step_awaiting_user_code(asyncio.all_tasks(loop))
            if step is not None:
                # rustest's loop waits for events: raised here, the exception would leave the loop in
                # the middle of a turn and the test's task waiting. The test gets it where it awaits.
                loop.call_soon_threadsafe(self._fail_step, step, self._started)
                return
        if frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_PREFIX):
            # rustest's own code is running (the executor's bookkeeping, a loop's driver), where an
            # exception would end the run rather than the test: try again as soon as the test's code runs.
            signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
            self._retrying = True
            return
        self._retrying = False
        raise Timeout(self._message)

    def _fail_step(self, task: Any, test: int) -> None:
        """Raise ``Timeout`` where the step in asyncio *task* awaits, if test number *test* still runs it.

        The future at the end of the chain of awaited tasks gets the
        exception, so the ``await`` in the test raises it. When the chain
        ends at no pending future, the loop is stopped, which ends the step
        with an error that says so.
        """
        if not self._armed or self._started != test or _step_awaiting_user_code([task]) is not task:
            # The test ended, or its step did, before the loop ran this.
            return
        import asyncio

        waiter = task
        while isinstance(waiter, asyncio.Task):
            # The future a task waits for: both of asyncio's Task implementations keep it there.
            waiter = getattr(waiter, "_fut_waiter", None)
        if isinstance(waiter, asyncio.Future) and not waiter.done():
            waiter.set_exception(Timeout(self._message))
            return
        task.get_loop().stop()


def _step_awaiting_user_code(tasks: Iterable[Any]) -> Any:
    """Return the task of *tasks* in which rustest runs a test's or fixture's step, or ``None``.

    Its outermost coroutine is rustest's, and its chain of awaits reaches
    user code: a coroutine of neither rustest nor the event loop, or the
    step of an async generator (rustest only steps fixtures' generators).
    """
    for task in tasks:
        coroutine: Any = task.get_coro()
        code = getattr(coroutine, "cr_code", None)
        if code is None or not code.co_filename.startswith(_PACKAGE_PREFIX):
            continue
        awaited = getattr(coroutine, "cr_await", None)
        while awaited is not None:
            code = getattr(awaited, "cr_code", None) or getattr(awaited, "gi_code", None)
            if code is not None and not is_internal_file(code.co_filename):
                return task
            if type(awaited).__name__.startswith(_ASYNC_GENERATOR_STEP):
                return task
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return None
