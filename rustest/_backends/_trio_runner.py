"""Trio runs driven by one long-lived driver task: on the calling thread, step by step, or hosted.

The driver is the run's main task and awaits every step itself, so an async
generator fixture's nursery or cancel scope, opened during setup, is closed
by its teardown in the same task. Steps are never wrapped in a cancel scope
of ours for the same reason: such a scope could not enclose scopes that a
setup step leaves open. A KeyboardInterrupt that arrives while the executor
waits is delivered into the step the way trio delivers Ctrl-C to a main
task, at the step's next checkpoint.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
import functools
import inspect
import threading
import time
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

import trio  # type: ignore[import-untyped, unused-ignore]
import trio._core._run  # type: ignore[import-untyped, unused-ignore]
from outcome import Error, Outcome, Value
from sniffio import thread_local as sniffio_library

from rustest._backends._batch import BatchProgress
from rustest._backends._contexts import ContextChanges, apply_changes, changed_since
from rustest._backends._hosting import Hosting, StepHandOver, loop_threads
from rustest._backends._limits import CLOSE_GRACE
from rustest._backends._protocol import LeakedTask, LoopRunner, StepBatch
from rustest._plan import LoopSpec

__all__ = ["INLINE_RUNS", "open_trio_loop"]

T = TypeVar("T")

_ABANDONED: list[_InlineRunner] = []
"""Inline runs given up on at close because a task ignored cancellation.

A run dropped unfinished is finalised by the garbage collector on whichever
thread happens to collect it, and trio then clears that thread's run state;
keeping the abandoned runs referenced keeps that from happening.
"""

_STRICT_EXCEPTION_GROUPS: bool = (trio.run.__kwdefaults__ or {}).get("strict_exception_groups", True)
"""How nurseries of an inline run group errors: as ``trio.run`` does by default in the installed trio."""


def _scheduler_entry_points_known() -> bool:
    """Tell whether this trio has the scheduler entry points an inline run turns, as rustest knows them.

    They are trio internals (``trio.run`` and guest runs are built on them);
    a trio that renamed or reshaped them still gets correct runs, hosted ones,
    only slower.
    """
    setup_runner = getattr(trio._core._run, "setup_runner", None)
    if setup_runner is None or not callable(getattr(trio._core._run, "unrolled_run", None)):
        return False
    try:
        return len(inspect.signature(setup_runner).parameters) == _SETUP_RUNNER_PARAMETERS
    except (TypeError, ValueError):
        return False


_SETUP_RUNNER_PARAMETERS = 4
"""clock, instruments, restrict_keyboard_interrupt_to_checkpoints, strict_exception_groups."""

INLINE_RUNS = _scheduler_entry_points_known()
"""Whether inline specs get a run on the calling thread; if not, every trio loop is a hosted run."""


def open_trio_loop(spec: LoopSpec, cancel_timeout: float) -> LoopRunner:
    """Open an inline run on this thread if *spec* is inline and the thread has no run, else a hosted run.

    A trio whose scheduler entry points are not the ones rustest knows gets
    hosted runs for inline specs too.
    """
    if spec.inline and INLINE_RUNS and not _thread_has_trio_run():
        return _InlineRunner(cancel_timeout)
    return _HostedRunner(cancel_timeout, f"rustest-loop-trio-{spec.scope.label}")


class _Owners(trio.abc.Instrument):  # type: ignore[misc, unused-ignore]
    """Knows which step's owner started each task that is still alive.

    An instrument makes every task spawn cost a little and adding one costs
    a tenth of a short ``trio.run``, so it is added only when a second step
    begins. A run with a single step needs none: every task still alive at
    the end was started by that step's owner.
    """

    def __init__(self) -> None:
        self.current = ""
        self.owners: dict[trio.lowlevel.Task, str] = {}
        self.internal: frozenset[trio.lowlevel.Task] = frozenset()
        self.tagging = False

    def note_internal_tasks(self) -> None:
        """Remember the run's own tasks (init, the token's task, the driver); call before any step."""
        self.internal = frozenset(_live_tasks())

    def begin_step(self, owner: str) -> None:
        """Make *owner* the owner of the tasks that are started from now on."""
        self.current = owner

    def start_tagging(self) -> None:
        """Tag the tasks alive now with the current owner (or their parent's), then tag each new one."""
        self.adopt_untagged()
        self.tagging = True
        trio.lowlevel.add_instrument(self)

    def adopt_untagged(self) -> None:
        """Tag every live task that has no owner yet with its parent's owner or the current one."""
        owners = self.owners
        for task, parent in _descendants(_root_task()):
            if task not in owners and task not in self.internal:
                owners[task] = owners.get(parent, self.current)

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        """Record the owner of *task*: its parent's owner, or the owner of the step in progress."""
        nursery = task.parent_nursery
        owner = self.current
        if nursery is not None:
            owner = self.owners.get(nursery.parent_task, owner)
        self.owners[task] = owner

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        """Forget *task*: it is no longer running."""
        self.owners.pop(task, None)

    def leftovers(self) -> list[LeakedTask]:
        """Return one ``LeakedTask`` per task still alive, sorted by owner; call from inside the run."""
        if not self.tagging:
            if len(_live_tasks()) == len(self.internal):
                # Only the run's own tasks are alive: they all outlive the driver.
                return []
            self.adopt_untagged()
        leaks = [LeakedTask(owner, _describe(task)) for task, owner in self.owners.items()]
        return sorted(leaks, key=lambda leak: (leak.owner, leak.description))


class _TrioRunner(abc.ABC):
    """What inline and hosted runners share: the driver task and the owner instrument."""

    def __init__(self, cancel_timeout: float) -> None:
        self._cancel_timeout = cancel_timeout
        self._owners = _Owners()
        self._coro: Coroutine[Any, Any, Any] | None = None
        self._owner = ""
        self._changes: ContextChanges = []
        self._value: Any = None
        self._error: BaseException | None = None
        self._step = 0
        self._finished_step = 0
        self._running = False
        self._skip_step = False
        self._finishing = False
        self._closed = False
        self._token: trio.lowlevel.TrioToken | None = None
        self._driver: trio.lowlevel.Task | None = None
        self._run_outcome: Outcome[None] | None = None
        self._leaks: list[LeakedTask] = []
        self._stepped = False
        self._batch: BatchProgress | None = None

    async def _drive(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._driver = trio.lowlevel.current_task()
        self._driver_started()
        self._owners.note_internal_tasks()
        while True:
            coro = self._coro
            if coro is None:
                if self._finishing:
                    break
                await self._park()
                continue
            self._coro = None
            if self._batch is None:
                self._begin_step(self._owner)
            else:
                # A batch begins each of its steps itself; its loop has more
                # than one step, so tasks need owners from the batch's first on.
                self._stepped = True
                if not self._owners.tagging:
                    self._owners.start_tagging()
            if self._changes:
                apply_changes(self._changes)
                self._changes = []
            self._running = True
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
            self._step_finished()
        self._leaks = self._owners.leftovers()

    def _begin_step(self, owner: str) -> None:
        """Make *owner* the owner of the tasks started from now on; start tagging at the second step."""
        owners = self._owners
        if self._stepped and not owners.tagging:
            owners.start_tagging()
        self._stepped = True
        owners.current = owner

    @abc.abstractmethod
    def _driver_started(self) -> None:
        """Called in the driver once its task and the run's token are known."""

    @abc.abstractmethod
    async def _park(self) -> None:
        """Wait, in the driver, until a step or the request to finish arrives."""

    @abc.abstractmethod
    def _step_finished(self) -> None:
        """Hand the step's outcome to the thread waiting in ``run()``."""

    def _interrupt_running_step(self) -> None:
        if self._running:
            _interrupt_main_task()

    @staticmethod
    def _refuse_abort(raise_cancel: trio.lowlevel.RaiseCancelT) -> trio.lowlevel.Abort:
        # The driver waits for steps outside of every step. A cancellation
        # meant for a fixture's scope reaches the next step at its first
        # checkpoint, since the scope stays cancelled. A KeyboardInterrupt
        # delivered here came after its step had ended, and run() has raised
        # it already; consuming it keeps it from hitting the next step.
        with contextlib.suppress(BaseException):
            raise_cancel()
        return trio.lowlevel.Abort.FAILED

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

    def _fail_waiting_step(self) -> None:
        """End the step ``run()`` waits for with an error: the run itself has ended under it."""
        self._error = RuntimeError("the trio run ended while a step was in progress")
        self._value = None
        self._finished_step = self._step

    def _run_result(self) -> list[LeakedTask]:
        """Return the leaks, or raise what the run itself ended with."""
        run_outcome = self._run_outcome
        if isinstance(run_outcome, Error):
            if isinstance(run_outcome.error, KeyboardInterrupt):
                raise run_outcome.error
            raise RuntimeError("the trio run ended with an error after its last step") from run_outcome.error
        return self._leaks

    def _closed_error(self) -> RuntimeError:
        return RuntimeError("this trio runner is closed; open a new loop to run more steps")


class _InlineRunner(_TrioRunner):
    """A run on the calling thread, whose scheduling loop this runner turns only while a step runs.

    trio's scheduler is a generator that yields each time it wants I/O
    events; ``trio.run`` feeds it events until the run ends, and a guest run
    hands each turn to a host loop's callback. This runner feeds it the way
    ``trio.run`` does, on this thread, until the step it was given is done,
    and leaves it paused between steps, when no trio code runs. That costs a
    turn what a turn of ``trio.run`` costs, where a guest run's callback
    round trip about doubled the price of a test that awaits one checkpoint.
    Only the scheduler's entry points (``setup_runner``, ``unrolled_run``)
    are trio internals, the ones ``trio.run`` itself is made of.
    """

    def __init__(self, cancel_timeout: float) -> None:
        super().__init__(cancel_timeout)
        # trio's run state, its scheduler and its I/O wait while the run is alive.
        self._trio_runner: Any = None
        self._scheduler: Generator[float, Any, None] | None = None
        self._get_events: Callable[[float], Any] | None = None
        # The longest the scheduler is willing to wait for I/O before its next turn.
        self._timeout = 0.0
        # I/O events fetched for the scheduler's next turn, kept should Ctrl-C arrive before it.
        self._events: Any = None
        self._launched = False
        self._seen = contextvars.Context()

    def _driver_started(self) -> None:
        """An inline run needs no signal: ``run()`` turns the scheduler itself until the step is done."""

    async def _park(self) -> None:
        # Nothing runs between the steps of an inline loop, and the next step
        # is handed over on this same thread, so the idle driver just stays
        # runnable: the scheduler's next turn starts the next step, with no
        # wake-up through trio's I/O.
        await trio.lowlevel.cancel_shielded_checkpoint()

    def _step_finished(self) -> None:
        """The loop in ``run()`` sees the result itself."""

    def run(self, coro: Coroutine[Any, Any, T], owner: str) -> T:
        """Run *coro* in the driver task, turning the scheduler on this thread until it is done."""
        if self._closed:
            raise self._closed_error()
        if self._run_outcome is not None:
            coro.close()
            raise RuntimeError("the trio run of this runner has ended; it cannot take more steps")
        self._coro = coro
        self._owner = owner
        step = self._step = self._step + 1
        now = contextvars.copy_context()
        if self._launched:
            self._changes = changed_since(self._seen, now)
        self._seen = now
        if not self._launched:
            # The run's context starts as a copy of this one.
            self._launched = True
            self._launch()
        try:
            self._turn_until(step)
        except (KeyboardInterrupt, SystemExit):
            self._finish_interrupted_step()
            raise
        return self._take_outcome()  # type: ignore[no-any-return]

    def run_batch(self, batch: StepBatch) -> None:
        """Run *batch*'s steps back to back in the driver task, turning the scheduler until they are done."""
        progress = self._batch = BatchProgress(batch)
        # A trio run has no stop(): nothing inside it ends a step from outside.
        drive = progress.drive(self._owners.begin_step, None)
        try:
            self.run(drive, self._owner)
        except BaseException as exc:
            if inspect.getcoroutinestate(drive) == inspect.CORO_CREATED:
                # The runner was closed: the batch never started.
                drive.close()
            if not progress.settle(exc):
                raise
        finally:
            self._batch = None

    def _launch(self) -> None:
        """Start the run as ``trio.run`` does, up to the scheduler's first wait; no task has run yet."""
        runner = self._trio_runner = trio._core._run.setup_runner(None, (), False, _STRICT_EXCEPTION_GROUPS)
        self._get_events = runner.io_manager.get_events
        self._scheduler = trio._core._run.unrolled_run(runner, self._drive, ())
        self._turn(None)

    def _turn_until(self, step: int) -> None:
        """Turn the scheduler until step number *step* is done, or the run has ended."""
        scheduler, get_events = self._scheduler, self._get_events
        if scheduler is None or get_events is None:
            self._fail_waiting_step()
            return
        timeout = self._timeout
        library, sniffio_library.name = sniffio_library.name, "trio"
        try:
            while self._finished_step != step:
                events = self._events
                if events is None:
                    events = self._events = get_events(timeout)
                self._events = None
                timeout = scheduler.send(events)
        except StopIteration:
            self._run_finished(None)
        except trio.TrioInternalError as exc:
            self._run_finished(exc)
        finally:
            self._timeout = timeout
            sniffio_library.name = library

    def _turn_once(self) -> None:
        """Fetch the I/O events the scheduler waits for (unless fetched already) and give it one turn."""
        events = self._events
        if events is None:
            assert self._get_events is not None
            events = self._events = self._get_events(self._timeout)
        self._events = None
        self._turn(events)

    def _turn(self, events: Any) -> None:
        """Give the scheduler *events* for one turn of the run."""
        assert self._scheduler is not None
        library, sniffio_library.name = sniffio_library.name, "trio"
        try:
            self._timeout = self._scheduler.send(events)
        except StopIteration:
            self._run_finished(None)
        except trio.TrioInternalError as exc:
            self._run_finished(exc)
        finally:
            sniffio_library.name = library

    def _run_finished(self, internal_error: BaseException | None) -> None:
        """Record how the run ended (trio's internal error, or the driver's outcome); drop the scheduler."""
        if internal_error is not None:
            self._run_outcome = Error(internal_error)
        else:
            self._run_outcome = self._trio_runner.main_task_outcome
        self._scheduler = self._get_events = self._trio_runner = None
        if self._finished_step != self._step:
            self._fail_waiting_step()

    def _finish_interrupted_step(self) -> None:
        if self._batch is not None:
            self._batch.abandoning = True
        step = self._step
        while self._token is None and self._finished_step != step:
            self._turn_once()
        if self._finished_step != step:
            assert self._token is not None
            self._token.run_sync_soon(self._interrupt_running_step)
            self._turn_until(step)
        self._error = self._value = None

    def close(self) -> list[LeakedTask]:
        """Tell the driver to finish, turn the scheduler until the run ends (bounded), return leftovers."""
        if self._closed:
            return []
        self._closed = True
        if not self._launched:
            return []
        self._finishing = True
        if not self._turn_until_ended():
            # A task ignores cancellation. The run stays on this thread, so
            # later inline trio loops here are hosted.
            _ABANDONED.append(self)
            return self._leaks
        return self._run_result()

    def _turn_until_ended(self) -> bool:
        """Turn the scheduler until the run ends; return false if it waited longer than the cancel timeout."""
        scheduler, get_events = self._scheduler, self._get_events
        if scheduler is None or get_events is None:
            return True
        deadline: float | None = None
        # Events an interrupted turn fetched; a closing runner runs no more steps,
        # so from here on they need not survive a Ctrl-C.
        events, self._events = self._events, None
        timeout = self._timeout
        library, sniffio_library.name = sniffio_library.name, "trio"
        try:
            while True:
                if events is None:
                    if timeout > 0:
                        # The run waits for something: from here on, the wait is bounded.
                        now = time.monotonic()
                        if deadline is None:
                            deadline = now + self._cancel_timeout
                        elif now >= deadline:
                            return False
                        timeout = min(timeout, deadline - now)
                    events = get_events(timeout)
                timeout = scheduler.send(events)
                events = None
        except StopIteration:
            self._run_finished(None)
        except trio.TrioInternalError as exc:
            self._run_finished(exc)
        finally:
            sniffio_library.name = library
        return True


class _HostedRunner(_TrioRunner):
    """``trio.run`` on a hosting thread; steps are handed over through the run's token."""

    def __init__(self, cancel_timeout: float, thread_name: str) -> None:
        super().__init__(cancel_timeout)
        self._thread_name = thread_name
        self._steps = StepHandOver()
        self._hosting: Hosting | None = None
        self._started = threading.Event()
        self._parked = False

    def _driver_started(self) -> None:
        self._started.set()

    async def _park(self) -> None:
        self._parked = True
        await trio.lowlevel.wait_task_rescheduled(self._refuse_abort)

    def _wake(self) -> None:
        if self._parked:
            self._parked = False
            assert self._driver is not None
            trio.lowlevel.reschedule(self._driver)

    def _submit(self, coro: Coroutine[Any, Any, Any], owner: str, changes: ContextChanges) -> None:
        self._coro = coro
        self._owner = owner
        self._changes = changes
        self._step += 1
        self._wake()

    def _finish(self) -> None:
        self._finishing = True
        self._wake()

    def _interrupt(self, step: int) -> None:
        """Interrupt step number *step* for a KeyboardInterrupt, wherever it is, and let ``run()`` go."""
        if self._step < step:
            # Ctrl-C came before the step was handed over: nothing will release run().
            self._steps.release()
        elif self._finished_step < step:
            if self._running:
                _interrupt_main_task()
            else:
                self._skip_step = True

    def _step_finished(self) -> None:
        self._steps.release()

    def run(self, coro: Coroutine[Any, Any, T], owner: str) -> T:
        """Hand *coro* to the driver on the hosting thread and wait for its outcome."""
        if self._closed:
            raise self._closed_error()
        try:
            self._steps.hand_over(functools.partial(self._send, coro, owner), self._interrupt_from_executor)
        except (KeyboardInterrupt, SystemExit):
            self._error = self._value = None
            raise
        return self._take_outcome()  # type: ignore[no-any-return]

    def _send(self, coro: Coroutine[Any, Any, Any], owner: str, changes: ContextChanges) -> None:
        if self._hosting is None:
            self._coro = coro
            self._owner = owner
            self._changes = changes
            self._step += 1
            self._hosting = Hosting(self._host, self._thread_name)
            loop_threads.start(self._hosting)
        else:
            self._hand_over(self._submit, coro, owner, changes)

    def _interrupt_from_executor(self, step: int) -> bool:
        if self._hosting is None:
            return False
        self._started.wait()
        self._hand_over(self._interrupt, step)
        return True

    def _hand_over(self, function: Callable[..., None], *args: Any) -> None:
        assert self._token is not None
        try:
            self._token.run_sync_soon(function, *args)
        except trio.RunFinishedError:
            raise RuntimeError("the hosted trio run has ended; it cannot take more steps") from None

    def _host(self) -> None:
        self._steps.started_context.run(self._host_run)

    def _host_run(self) -> None:
        try:
            trio.run(self._drive)
        except BaseException as exc:
            self._run_outcome = Error(exc)
        else:
            self._run_outcome = Value(None)
        if self._steps.awaiting and self._finished_step != self._step:
            # The run ended under a waiting step (an internal error of trio):
            # the executor must not wait forever.
            self._fail_waiting_step()
            self._started.set()
            self._steps.release()

    def close(self) -> list[LeakedTask]:
        """Tell the driver to finish and wait (bounded) for the hosting thread; return the leftovers."""
        if self._closed:
            return []
        self._closed = True
        hosting = self._hosting
        if hosting is None:
            return []
        if self._run_outcome is None:
            self._started.wait()
            self._hand_over(self._finish)
        if not hosting.join(self._cancel_timeout + CLOSE_GRACE):
            return self._leaks
        return self._run_result()


def _thread_has_trio_run() -> bool:
    """Tell whether this thread already hosts a trio run (trio allows one per thread)."""
    try:
        trio.lowlevel.current_root_task()
    except RuntimeError:
        return False
    return True


def _interrupt_main_task() -> None:
    """Raise KeyboardInterrupt into the current run's main task (the driver) at its next checkpoint.

    This is how trio itself delivers Ctrl-C; it has no public entry point for
    a run that is not on the main thread, so the runner's own method is used.
    """
    trio._core._run.GLOBAL_RUN_CONTEXT.runner.deliver_ki()


def _live_tasks() -> set[trio.lowlevel.Task]:
    """Return the set of the current run's live tasks, which trio keeps and no public call returns."""
    tasks: set[trio.lowlevel.Task] = trio._core._run.GLOBAL_RUN_CONTEXT.runner.tasks
    return tasks


def _root_task() -> trio.lowlevel.Task:
    root = trio.lowlevel.current_root_task()
    assert root is not None
    return root


def _descendants(root: trio.lowlevel.Task) -> list[tuple[trio.lowlevel.Task, trio.lowlevel.Task]]:
    """Return ``(child, parent)`` for every task below *root*, each parent before its children."""
    found: list[tuple[trio.lowlevel.Task, trio.lowlevel.Task]] = []
    parents = [root]
    while parents:
        parent = parents.pop()
        for nursery in parent.child_nurseries:
            for child in nursery.child_tasks:
                found.append((child, parent))
                parents.append(child)
    return found


def _describe(task: trio.lowlevel.Task) -> str:
    code = getattr(task.coro, "cr_code", None)
    where = f" ({code.co_filename}:{code.co_firstlineno})" if code is not None else ""
    return f"{task.name}{where}"
