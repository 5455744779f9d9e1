"""The asyncio backend's loop runners: every step of a loop runs inside one long-lived driver task.

An inline loop is driven on the calling thread, and only while ``run()`` is
in progress (``loop.run_forever()`` until the step is done). A hosted loop
runs ``run_forever()`` on a hosting thread of its own, so that background
tasks keep serving while the executor runs synchronous code; steps are
handed over with ``call_soon_threadsafe`` and their outcomes handed back
through a lock.
"""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import inspect
import sys
import threading
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from rustest._backends._asyncio import LoopFactory
from rustest._backends._batch import BatchProgress, run_one_by_one
from rustest._backends._contexts import ContextChanges, apply_changes, changed_since
from rustest._backends._hosting import Hosting, StepHandOver, loop_threads
from rustest._backends._limits import CLOSE_GRACE
from rustest._backends._protocol import LeakedTask, LoopRunner, StepBatch
from rustest._plan import LoopSpec

__all__ = ["open_asyncio_loop"]

T = TypeVar("T")


_OWNER_ATTR = "_rustest_owner"

_EXECUTOR_CALL = "a call in the loop's default executor (run_in_executor) still running"

_STEP_OWNER: contextvars.ContextVar[str] = contextvars.ContextVar("rustest_step_owner")
"""The owner of the step whose code is running, set in the driver's context for every step.

Tasks and callbacks copy the context they start in, so a task created by a
callback (a connection handler of a server started by a fixture) still sees
the owner of the step that started the server.
"""


def open_asyncio_loop(spec: LoopSpec, loop_factory: LoopFactory | None, cancel_timeout: float) -> LoopRunner:
    """Open a loop for *spec*: driven on the calling thread if inline, else on a hosting thread.

    *loop_factory* makes the loop (``asyncio.new_event_loop`` if None). An
    inline loop's driver ends after ``spec.step_count`` steps (unless it is
    0), so closing a loop whose last step left nothing behind costs no more
    turns of it; a step beyond that count raises RuntimeError.
    """
    loop = (loop_factory or asyncio.new_event_loop)()
    # A thread that is already running a loop (an embedder calling from
    # async code) cannot drive a second one, so such a loop is hosted.
    if spec.inline and asyncio._get_running_loop() is None:
        return _InlineRunner(loop, cancel_timeout, spec.step_count)
    return _HostedRunner(loop, cancel_timeout, f"rustest-loop-asyncio-{spec.scope.label}")


class _AsyncioRunner(abc.ABC):
    """What inline and hosted runners share: the driver task, owner tags and shutdown."""

    def __init__(self, loop: asyncio.AbstractEventLoop, cancel_timeout: float) -> None:
        self._loop = loop
        self._cancel_timeout = cancel_timeout
        self._previous_factory = loop.get_task_factory()
        loop.set_task_factory(self._create_task)
        self._driver: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._coro: Coroutine[Any, Any, Any] | None = None
        self._owner = ""
        self._changes: ContextChanges = []
        self._value: Any = None
        self._error: BaseException | None = None
        self._step = 0
        self._finished_step = 0
        self._running = False
        self._step_cancels = 0
        self._skip_step = False
        self._cancelled_while_idle = False
        self._finishing = False
        self._closed = False
        self._leaks: list[LeakedTask] = []
        self._spawned = False
        # The number of steps the plan puts on the loop, when the runner may rely on it (else 0).
        self._planned_steps = 0
        # The driver's context when it ended after the last planned step; None while it serves steps.
        self._ended_context: contextvars.Context | None = None

    def _create_task(self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        factory = self._previous_factory
        task = asyncio.Task(coro, loop=loop, **kwargs) if factory is None else factory(loop, coro, **kwargs)
        # Code scheduled from another thread carries no owner: it belongs to
        # the step in progress.
        setattr(task, _OWNER_ATTR, _STEP_OWNER.get(self._owner))
        self._spawned = True
        return task

    def _start_driver(self) -> asyncio.Task[None]:
        # Created directly, not through the task factory: the driver belongs
        # to no step and is never reported as left over.
        driver = self._driver = asyncio.Task(self._drive(), loop=self._loop)
        return driver

    async def _drive(self) -> None:
        loop = self._loop
        while True:
            coro = self._coro
            if coro is None:
                if self._finishing:
                    break
                if self._step == self._planned_steps:
                    # The loop's last step is done: rather than wait for a step
                    # that will not come, the driver ends, and a loop with
                    # nothing to clean up closes without waking it again.
                    self._ended_context = contextvars.copy_context()
                    return
                self._waiter = loop.create_future()
                try:
                    await self._waiter
                except asyncio.CancelledError:
                    # A fixture's task group or timeout cancelled its task
                    # between steps; the cancellation belongs to the next step.
                    self._cancelled_while_idle = True
                continue
            self._coro = None
            self._running = True
            if self._changes:
                apply_changes(self._changes)
                self._changes = []
            _STEP_OWNER.set(self._owner)
            if self._cancelled_while_idle:
                self._cancelled_while_idle = False
                self._cancel_step()
            try:
                if self._skip_step:
                    self._skip_step = False
                    coro.close()
                    raise KeyboardInterrupt
                self._value = await coro
            except BaseException as exc:
                self._error = exc
            self._running = False
            self._finished_step = self._step
            while self._step_cancels:
                self._step_cancels -= 1
                _uncancel(self._driver)
            loop.call_soon(self._step_finished, self._step)
        self._leaks = await self._shutdown()

    @abc.abstractmethod
    def _step_finished(self, step: int) -> None:
        """Hand the outcome of step number *step* to the thread waiting in ``run()``."""

    def _cancel_step(self) -> None:
        """Cancel the step the driver is awaiting; the driver undoes the count once it is over."""
        assert self._driver is not None
        self._step_cancels += 1
        self._driver.cancel()

    async def _shutdown(self) -> list[LeakedTask]:
        leaks = await self._cancel_leftovers()
        await self._bounded(self._loop.shutdown_asyncgens())
        return leaks + await self._shutdown_executor()

    async def _shutdown_executor(self) -> list[LeakedTask]:
        """Shut the default executor down, waiting at most the cancel timeout for its calls.

        ``loop.shutdown_default_executor()`` waits for every call without a
        bound (its thread is joined on the loop's own thread), so where the
        loop exposes its executor the wait is done here instead, bounded.
        """
        loop = self._loop
        executor = getattr(loop, "_default_executor", None)
        if not isinstance(executor, concurrent.futures.Executor):
            await loop.shutdown_default_executor()
            return []
        finished: asyncio.Future[None] = loop.create_future()

        def shut_down() -> None:
            executor.shutdown(wait=True)
            # The loop is closed if the wait below gave up first.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, finished)

        threading.Thread(target=shut_down, name="rustest-executor-shutdown", daemon=True).start()
        await asyncio.wait([finished], timeout=self._cancel_timeout)
        if finished.done():
            return []
        return [LeakedTask(self._owner, _EXECUTOR_CALL)]

    async def _cancel_leftovers(self) -> list[LeakedTask]:
        if not self._spawned:
            return []
        loop = self._loop
        leaks: list[LeakedTask] = []
        known: set[asyncio.Task[Any]] = set()
        pending: set[asyncio.Task[Any]] = set()
        deadline = loop.time() + self._cancel_timeout
        while True:
            # Tasks cancelled in one round may start others while they unwind.
            for task in asyncio.all_tasks(loop):
                if task is not self._driver and task not in known:
                    known.add(task)
                    pending.add(task)
                    leaks.append(LeakedTask(getattr(task, _OWNER_ATTR, self._owner), _describe(task)))
                    task.cancel()
            pending = {task for task in pending if not task.done()}
            remaining = deadline - loop.time()
            if not pending or remaining <= 0:
                break
            try:
                await asyncio.wait(pending, timeout=remaining)
            except asyncio.CancelledError:
                # A leftover task group reacting to its children's cancellation.
                _uncancel(self._driver)
        return sorted(leaks, key=lambda leak: (leak.owner, leak.description))

    async def _bounded(self, awaitable: Awaitable[None]) -> None:
        """Await *awaitable* in the driver task itself, cancelling it after the cancel timeout."""
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            assert self._driver is not None
            self._driver.cancel()

        timer = self._loop.call_later(self._cancel_timeout, expire)
        try:
            await awaitable
        except asyncio.CancelledError:
            if not expired:
                raise
            _uncancel(self._driver)
        finally:
            timer.cancel()

    def _nothing_to_clean(self) -> bool:
        """Tell whether closing can skip the driver's shutdown: no task, async generator or executor to end.

        asyncio has no public way to ask a loop whether it tracks async
        generators or has started its default executor; a loop that does not
        expose them (uvloop) always takes the full shutdown.
        """
        if self._spawned:
            return False
        asyncgens = getattr(self._loop, "_asyncgens", None)
        return asyncgens is not None and not asyncgens and getattr(self._loop, "_default_executor", 0) is None

    def _take_outcome(self) -> Any:
        """Return the finished step's value or raise its exception, keeping no reference to either."""
        error, value = self._error, self._value
        self._error = self._value = None
        if error is None:
            return value
        try:
            raise error
        finally:
            del error

    def _unusable(self) -> RuntimeError:
        if self._closed:
            return RuntimeError("this event loop runner is closed; open a new loop to run more steps")
        return RuntimeError(
            "the asyncio event loop of this runner was closed by user code; rustest opens and "
            "closes the loops it drives, so tests and fixtures must not close them"
        )


class _InlineRunner(_AsyncioRunner):
    """Drives the loop on the calling thread, and only while ``run()`` is in progress."""

    def __init__(self, loop: asyncio.AbstractEventLoop, cancel_timeout: float, planned_steps: int) -> None:
        super().__init__(loop, cancel_timeout)
        self._planned_steps = planned_steps
        self._stopped_by_runner = False
        self._seen = contextvars.Context()
        self._batch: BatchProgress | None = None

    def run(self, coro: Coroutine[Any, Any, T], owner: str) -> T:
        """Run *coro* in the driver task, driving the loop on this thread until it is done."""
        loop = self._loop
        if self._closed or loop.is_closed():
            raise self._unusable()
        if self._ended_context is not None:
            coro.close()
            raise RuntimeError(
                f"this event loop was opened for {self._planned_steps} step(s) and has run them all; "
                "open a new loop to run more"
            )
        asyncio.set_event_loop(loop)
        self._coro = coro
        self._owner = owner
        self._step += 1
        self._stopped_by_runner = False
        driver = self._driver
        now = contextvars.copy_context()
        if driver is None:
            # The driver's context starts as a copy of this one.
            self._start_driver()
        else:
            self._changes = changed_since(self._seen, now)
            waiter = self._waiter
            if driver.done() or waiter is None or waiter.done():
                raise RuntimeError("the driver task of this loop is no longer waiting for steps")
            waiter.set_result(None)
        self._seen = now
        try:
            loop.run_forever()
        except (KeyboardInterrupt, SystemExit):
            self._abandon_batch()
            if self._finished_step != self._step:
                self._cancel_step()
                self._run_until_step_finished()
            self._error = self._value = None
            raise
        if not self._stopped_by_runner:
            self._abandon_batch()
            if self._finished_step != self._step:
                self._cancel_step()
                self._run_until_step_finished()
            error = self._error
            self._error = self._value = None
            raise _stopped_loop_error(self._owner, error)
        if self._error is None:
            value, self._value = self._value, None
            return value  # type: ignore[no-any-return]
        return self._take_outcome()  # type: ignore[no-any-return]

    def run_batch(self, batch: StepBatch) -> None:
        """Run *batch*'s steps back to back in the driver task, driving the loop until the last is done."""
        # A batch must see a step that stops the loop before the next step
        # starts; asyncio's own loops say so in ``_stopping`` (uvloop hides it).
        if not isinstance(getattr(self._loop, "_stopping", None), bool):
            run_one_by_one(self, batch)
            return
        progress = self._batch = BatchProgress(batch)
        drive = progress.drive(self._begin_batch_step, self._end_batch_step)
        try:
            self.run(drive, self._owner)
        except BaseException as exc:
            if inspect.getcoroutinestate(drive) == inspect.CORO_CREATED:
                # The runner was unusable: the batch never started.
                drive.close()
            if not progress.settle(exc):
                raise
        finally:
            self._batch = None

    def _begin_batch_step(self, owner: str) -> None:
        self._owner = owner
        _STEP_OWNER.set(owner)

    def _end_batch_step(self) -> bool:
        # As after a single step: task groups and timeouts of the next step
        # must not see a cancellation that ended this one.
        while self._step_cancels:
            self._step_cancels -= 1
            _uncancel(self._driver)
        return bool(self._loop._stopping)  # type: ignore[attr-defined]

    def _abandon_batch(self) -> None:
        """End the batch in progress after its current step, whose end ``run()`` is about to report."""
        if self._batch is not None:
            self._batch.abandoning = True

    def _step_finished(self, step: int) -> None:
        # A stale call (its step ended because the loop was stopped by the
        # step itself) must not stop a later step.
        if step == self._step:
            self._stopped_by_runner = True
            self._loop.stop()

    def _run_until_step_finished(self) -> None:
        while not self._stopped_by_runner:
            self._loop.run_forever()

    def close(self) -> list[LeakedTask]:
        """Cancel leftover tasks, finalise async generators, shut down the executor and close the loop."""
        if self._closed:
            return []
        self._closed = True
        loop = self._loop
        driver = self._driver
        if loop.is_closed():
            leaks = _report_without_cancelling(loop, driver)
            if driver is not None:
                _drop_idle_driver(driver)
            self._release_loop()
            return leaks
        if driver is None:
            loop.close()
            self._release_loop()
            return []
        waiter = self._waiter
        idle = waiter is not None and not waiter.done()
        ended_context = self._ended_context
        if (idle or ended_context is not None) and self._nothing_to_clean():
            if waiter is not None and idle:
                # Ending the idle driver would cost one more turn of the loop,
                # as much as a whole short test; it holds nothing, so it is
                # dropped. Cancelling its waiter moves the waiter's wake-up
                # call into the loop's queue, which closing empties, so that
                # the driver and its waiter do not hold each other as garbage.
                waiter.cancel()
                _drop_idle_driver(driver)
            loop.close()
            self._release_loop()
            asyncio.set_event_loop(None)
            return []
        asyncio.set_event_loop(loop)
        self._finishing = True
        if ended_context is not None:
            # The driver ended after the last step; a new one, in the context
            # the steps left, cleans the loop up.
            driver = ended_context.run(self._start_driver)
        elif waiter is not None and idle:
            waiter.set_result(None)
        driver.add_done_callback(lambda _: loop.stop())
        try:
            while not driver.done():
                loop.run_forever()
            loop.close()
        finally:
            asyncio.set_event_loop(None)
        self._release_loop()
        return self._leaks

    def _release_loop(self) -> None:
        """Give the closed loop its own task factory back, so that it and this runner do not form a cycle.

        A loop opened per test would otherwise be freed only by the garbage
        collector, whose passes cost a fresh-loop test about a tenth of its time.
        """
        self._loop.set_task_factory(self._previous_factory)


class _HostedRunner(_AsyncioRunner):
    """Runs the loop forever on a hosting thread; steps cross threads."""

    def __init__(self, loop: asyncio.AbstractEventLoop, cancel_timeout: float, thread_name: str) -> None:
        super().__init__(loop, cancel_timeout)
        self._thread_name = thread_name
        self._steps = StepHandOver()
        self._hosting: Hosting | None = None
        self._step_open = False
        self._step_failure: BaseException | None = None

    def run(self, coro: Coroutine[Any, Any, T], owner: str) -> T:
        """Hand *coro* to the driver task on the hosting thread and wait for its outcome."""
        if self._closed:
            raise self._unusable()
        try:
            self._steps.hand_over(functools.partial(self._send, coro, owner), self._interrupt_from_executor)
        except (KeyboardInterrupt, SystemExit):
            self._error = self._value = None
            raise
        return self._take_outcome()  # type: ignore[no-any-return]

    def _send(self, coro: Coroutine[Any, Any, Any], owner: str, changes: ContextChanges) -> None:
        if self._hosting is None:
            self._take(coro, owner, changes)
            self._hosting = Hosting(self._host, self._thread_name)
            loop_threads.start(self._hosting)
        else:
            self._loop.call_soon_threadsafe(self._submit, coro, owner, changes)

    def _interrupt_from_executor(self, step: int) -> bool:
        if self._hosting is None:
            return False
        self._loop.call_soon_threadsafe(self._interrupt, step)
        return True

    def _take(self, coro: Coroutine[Any, Any, Any], owner: str, changes: ContextChanges) -> None:
        self._coro = coro
        self._owner = owner
        self._changes = changes
        self._step += 1
        self._step_open = True

    def _submit(self, coro: Coroutine[Any, Any, Any], owner: str, changes: ContextChanges) -> None:
        asyncio.set_event_loop(self._loop)
        self._take(coro, owner, changes)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _interrupt(self, step: int) -> None:
        """Cancel step number *step* for a KeyboardInterrupt, wherever it is, and let ``run()`` go."""
        if self._step < step:
            # Ctrl-C came before the step was handed over: nothing will release run().
            self._steps.release()
        elif self._finished_step < step:
            if self._running:
                self._cancel_step()
            else:
                self._skip_step = True

    def _step_finished(self, step: int) -> None:
        self._step_open = False
        failure = self._step_failure
        if failure is not None:
            self._step_failure = None
            if failure.__cause__ is None:
                failure.__cause__ = self._error
            self._error = failure
            self._value = None
        self._steps.release()

    def _host(self) -> None:
        self._steps.started_context.run(self._host_loop)

    def _host_loop(self) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            driver = self._start_driver()
            driver.add_done_callback(lambda _: loop.stop())
            while not driver.done():
                try:
                    loop.run_forever()
                except (KeyboardInterrupt, SystemExit) as exc:
                    # Raised by a task on this thread; it belongs to the step in progress.
                    self._fail_step(exc)
                else:
                    if not driver.done():
                        self._fail_step(_stopped_loop_error(self._owner, None))
            loop.close()
        finally:
            asyncio.set_event_loop(None)

    def _fail_step(self, failure: BaseException) -> None:
        if not self._step_open:
            return
        self._step_failure = failure
        if self._running:
            self._cancel_step()

    def _finish(self) -> None:
        self._finishing = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> list[LeakedTask]:
        """Stop the driver, let it clean the loop up on its thread, and wait for that thread."""
        if self._closed:
            return []
        self._closed = True
        hosting = self._hosting
        if hosting is None:
            self._loop.close()
            return []
        self._loop.call_soon_threadsafe(self._finish)
        hosting.join(2 * self._cancel_timeout + CLOSE_GRACE)
        return self._leaks


def _stopped_loop_error(owner: str, cause: BaseException | None) -> RuntimeError:
    error = RuntimeError(
        f"{owner} stopped the event loop it was running on (loop.stop()); rustest drives this "
        "loop and stops it itself, so a test or fixture must not stop it"
    )
    error.__cause__ = cause
    return error


def _report_without_cancelling(
    loop: asyncio.AbstractEventLoop, driver: asyncio.Task[None] | None
) -> list[LeakedTask]:
    """Report the tasks of a loop that user code closed: nothing can run on it any more."""
    leaks = [
        LeakedTask(getattr(task, _OWNER_ATTR, ""), _describe(task))
        for task in asyncio.all_tasks(loop)
        if task is not driver
    ]
    return sorted(leaks, key=lambda leak: (leak.owner, leak.description))


def _drop_idle_driver(driver: asyncio.Task[None]) -> None:
    """End a driver task that waits for steps on a loop that will not run again."""
    # asyncio logs a pending task when it is destroyed unless told not to, as
    # run_until_complete() tells it for the tasks it makes.
    driver._log_destroy_pending = False  # type: ignore[attr-defined]
    driver.get_coro().close()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _describe(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", None) or type(coro).__name__
    code = getattr(coro, "cr_code", None)
    where = f" ({code.co_filename}:{code.co_firstlineno})" if code is not None else ""
    return f"{task.get_name()} running {name}(){where}"


def _uncancel(task: asyncio.Task[Any] | None) -> None:
    """Undo one cancellation request, so task groups and timeouts keep an honest count."""
    if sys.version_info >= (3, 11) and task is not None:
        task.uncancel()
