"""The protocol between the executor and an event-loop backend.

The executor opens one ``LoopRunner`` per loop of the plan, hands it every
async step that the plan puts on that loop, and closes it after the loop's
last teardown. Everything loop-specific (which thread drives the loop, how a
step's result travels back, how leftover tasks are found) stays behind these
two small interfaces, so an embedder can add a backend of its own.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rustest._plan import LoopSpec

__all__ = ["Backend", "BatchingRunner", "LeakedTask", "LoopRunner", "StepBatch"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LeakedTask:
    """A task that was still running on a loop when the loop was closed.

    ``owner`` is the owner label of the step that created the task (a test id
    such as ``tests/test_a.py::test_x``, or ``fixture db``), so that the leak is
    reported against the code that started it and not against whichever test
    happened to run last. ``description`` names the task and the coroutine it
    was running.
    """

    owner: str
    description: str


class LoopRunner(Protocol):
    """One open event loop that runs the async steps of the plan, one at a time.

    Every ``run()`` on one runner awaits its coroutine inside the same
    long-lived driver task, so an async generator fixture's setup and
    teardown run in one task, and context variables set by one step are seen
    by the next. Between two ``run()`` calls the calling thread has no running
    event loop, so synchronous user code may call ``asyncio.run()`` or
    ``trio.run()`` itself.
    """

    def run(self, coro: Coroutine[Any, Any, T], owner: str) -> T:
        """Run *coro* to completion on this loop and return its value or raise its exception.

        *owner* labels the step (a test id or ``fixture <name>``); tasks that
        the step creates are tagged with it. Exceptions derived from
        ``BaseException`` travel back like any other and leave the runner
        usable. If ``KeyboardInterrupt`` arrives while the step runs, the step
        is cancelled, allowed to finish cancelling, and ``KeyboardInterrupt``
        is raised; the runner stays usable for teardown steps.
        """
        ...

    def close(self) -> list[LeakedTask]:
        """Cancel what is left on the loop, shut the loop down and return the tasks that were left.

        Leftover tasks are cancelled and given a short, bounded time to
        finish; async generators are finalised and the default executor is
        shut down where the backend has them. Closing never hangs on a task
        that ignores cancellation: such a task is abandoned and still
        reported. Calling ``run()`` after ``close()`` is an error.
        """
        ...


class StepBatch(Protocol):
    """Consecutive steps of one loop that a runner may run back to back inside the loop.

    The executor hands a batch of test calls to a runner that supports it, so
    that a run of async tests on one inline loop costs one hand-over instead of
    one per test. Both methods are called on the loop's thread, inside the
    driver task, while the loop is running; they run no user code.
    """

    def next_step(self) -> tuple[Coroutine[Any, Any, Any], str] | None:
        """Prepare the next step; return its coroutine and owner label, or ``None`` when the batch is over."""
        ...

    def step_done(self, error: BaseException | None) -> None:
        """Take the outcome of the step handed out last: the exception it raised, or ``None``.

        An exception raised here (the executor re-raises a ``KeyboardInterrupt``
        that a test raised) ends the batch and is raised by ``run_batch``.
        """
        ...


class BatchingRunner(LoopRunner, Protocol):
    """A ``LoopRunner`` that can also run a ``StepBatch`` in one hand-over."""

    def run_batch(self, batch: StepBatch) -> None:
        """Run the steps *batch* hands out, one after another in the driver task, without leaving the loop.

        Every step keeps what ``run()`` gives it: its owner label tags the tasks
        it creates, and each step's outcome reaches ``batch.step_done``. If the
        run of steps cannot start (the runner is closed), the error is raised
        before ``next_step`` is called. An error that ends a step from outside
        (a step that stops the loop, a run that ends under a step) is passed to
        ``step_done`` as ``run()`` would have raised it, and ends the batch. If
        ``KeyboardInterrupt`` arrives, the step in progress is cancelled and
        allowed to finish, its outcome is dropped, and ``KeyboardInterrupt`` is
        raised; the runner stays usable.
        """
        ...


class Backend(Protocol):
    """An event-loop implementation that the executor can open loops on."""

    name: str
    """The backend's name as tests and configuration spell it (``"asyncio"``, ``"trio"``)."""

    def open_loop(self, spec: LoopSpec) -> LoopRunner:
        """Open the loop described by *spec* and return the runner that drives it.

        ``spec.inline`` true allows the backend to drive the loop on the
        calling thread only while a ``run()`` is in progress; false requires
        the loop to keep running between steps on a thread of its own, so that
        background tasks keep serving while synchronous code runs. A
        ``spec.step_count`` other than 0 is the most ``run()`` calls the loop
        will get (a batch counts as one); a runner may rely on it.
        """
        ...
