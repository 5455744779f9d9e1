"""Daemon threads that host event loops which must keep running between steps, and handing steps to them.

Starting a thread costs about fifteen times more than handing work to an idle
one, and a plan can open a hosted loop per test, so finished hosting threads
wait a while for the next loop before they exit. Both backends' hosted
runners hand their steps over and wait for them the same way
(``StepHandOver``).
"""

from __future__ import annotations

import _thread
import contextvars
import queue
import threading
from _thread import LockType
from collections.abc import Callable

from rustest._backends._contexts import ContextChanges, changed_since

__all__ = ["Hosting", "LoopThreadPool", "StepHandOver", "loop_threads", "wait_for_release"]

_IDLE_NAME = "rustest-loop-idle"

_SIGNAL_POLL = 0.05
"""Seconds between two looks at pending signals while waiting for a hosted step."""


def wait_for_release(lock: LockType) -> None:
    """Acquire *lock*, which another thread releases when a step is done, letting signals in.

    A blocking acquire is only interrupted by a real signal; waking up now and
    then lets Python run the handler of a signal that was only simulated
    (``_thread.interrupt_main()``) or delivered to another thread, so that
    Ctrl-C reaches the executor as KeyboardInterrupt while a hosted step runs.
    """
    while not lock.acquire(timeout=_SIGNAL_POLL):
        pass


class StepHandOver:
    """The executor's side of a hosted loop's steps: hand each one over, and wait until it is done.

    Both backends' hosted runners call ``hand_over`` from ``run()``; the
    hosting thread calls ``release`` when the step is done. If
    KeyboardInterrupt or SystemExit arrives while the executor waits, the
    step is interrupted on the hosting thread and its end awaited before the
    interrupt goes on. A second Ctrl-C abandons that wait, and the next
    hand-over waits for the abandoned step first.
    """

    __slots__ = ("_context", "_done", "awaiting", "handed_over", "started_context")

    def __init__(self) -> None:
        self._done = _thread.allocate_lock()
        self._done.acquire()
        # True from a hand-over until its step is done (or abandoned by a second Ctrl-C).
        self.awaiting = False
        # How many steps have been handed over: the number of the step in progress.
        self.handed_over = 0
        # The driver starts with the context the executor had when it opened
        # the loop; later changes there reach it step by step.
        self.started_context = self._context = contextvars.copy_context()

    def hand_over(self, send: Callable[[ContextChanges], None], interrupt: Callable[[int], bool]) -> None:
        """Hand a step over with *send* and wait until ``release`` says it is done.

        *send* gets the context variables that changed on this thread since
        the previous step. *interrupt* gets the number of the step when
        KeyboardInterrupt or SystemExit arrives, cancels it on the hosting
        thread, and returns false if the step never reached one.
        """
        if self.awaiting:
            # A step abandoned by a second KeyboardInterrupt: its outcome comes first.
            wait_for_release(self._done)
        self.awaiting = True
        self.handed_over += 1
        now = contextvars.copy_context()
        changes = changed_since(self._context, now)
        self._context = now
        try:
            send(changes)
            wait_for_release(self._done)
        except (KeyboardInterrupt, SystemExit):
            if interrupt(self.handed_over):
                wait_for_release(self._done)
            self.awaiting = False
            raise
        self.awaiting = False

    def release(self) -> None:
        """Let the executor go on: the step is done, or was interrupted before it was handed over."""
        self._done.release()


class Hosting:
    """One loop being hosted on a pool thread: its work function and a way to wait for it to end."""

    __slots__ = ("_finished", "name", "target")

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self.target = target
        self.name = name
        self._finished = threading.Event()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the work function has returned; return false if *timeout* passed first."""
        return self._finished.wait(timeout)

    def _execute(self) -> None:
        try:
            self.target()
        finally:
            self._finished.set()


class _Worker:
    __slots__ = ("jobs",)

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Hosting] = queue.SimpleQueue()


class LoopThreadPool:
    """A small pool of daemon threads, each hosting one loop at a time.

    A thread takes its name from the loop it hosts (``rustest-loop-trio-session``)
    and is renamed ``rustest-loop-idle`` while it waits. At most *max_idle*
    threads wait, each for at most *idle_timeout* seconds.
    """

    def __init__(self, max_idle: int = 4, idle_timeout: float = 10.0) -> None:
        self._max_idle = max_idle
        self._idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def start(self, hosting: Hosting) -> None:
        """Run *hosting*'s work function on a pool thread named after it."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is not None:
            worker.jobs.put(hosting)
        else:
            thread = threading.Thread(
                target=self._serve, args=(_Worker(), hosting), name=hosting.name, daemon=True
            )
            thread.start()

    def _serve(self, worker: _Worker, hosting: Hosting) -> None:
        thread = threading.current_thread()
        while True:
            thread.name = hosting.name
            hosting._execute()
            thread.name = _IDLE_NAME
            with self._lock:
                if len(self._idle) >= self._max_idle:
                    return
                self._idle.append(worker)
            try:
                hosting = worker.jobs.get(timeout=self._idle_timeout)
            except queue.Empty:
                with self._lock:
                    if worker in self._idle:
                        self._idle.remove(worker)
                        return
                # start() took this worker off the idle list just before the
                # timeout, so a job is on its way.
                hosting = worker.jobs.get()


loop_threads = LoopThreadPool()
"""The pool every hosted loop of this process runs on."""
