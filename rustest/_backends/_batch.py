"""Running a batch of steps inside a loop's driver task, and the step-by-step way for loops that cannot.

A runner hands its driver one coroutine for the whole batch (``BatchProgress.drive``),
so consecutive steps cost one hand-over between the executor's thread and
the loop instead of one each. The runner's own ``run()`` machinery still
drives that coroutine, so a batch gets the same context, KeyboardInterrupt
and shutdown handling as a single step.
"""

from __future__ import annotations

from collections.abc import Callable

from rustest._backends._protocol import LoopRunner, StepBatch

__all__ = ["BatchProgress", "run_one_by_one"]


class BatchProgress:
    """One batch being run: whether a step is handed out and not done, and whether the runner is giving up.

    ``pending`` is true from the moment a step is handed out until its
    outcome reaches ``step_done``. ``abandoning`` is set by the runner, from
    its own thread of control, when it must end the batch after the step in
    progress without passing that step's outcome on (KeyboardInterrupt, a
    stopped loop): ``run()`` then reports the step's end as it would for a
    single step, and ``settle`` hands that to the pending step.
    """

    __slots__ = ("abandoning", "batch", "pending")

    def __init__(self, batch: StepBatch) -> None:
        self.batch = batch
        self.pending = False
        self.abandoning = False

    async def drive(self, begin_step: Callable[[str], None], end_step: Callable[[], bool] | None) -> None:
        """Await each step of the batch in turn, between the runner's *begin_step* and *end_step*.

        *begin_step* gets each step's owner before the step starts. *end_step*
        settles the runner's bookkeeping of a step that has just ended and
        tells whether something asked the loop to stop while it ran; the batch
        then ends with that step left pending, and the runner reports the
        stop against it. A runner whose loop cannot be stopped from inside,
        and that has nothing to settle, passes ``None``.
        """
        batch = self.batch
        next_step, step_done = batch.next_step, batch.step_done
        while (step := next_step()) is not None:
            coro, owner = step
            begin_step(owner)
            self.pending = True
            error: BaseException | None = None
            try:
                await coro
            except BaseException as exc:
                error = exc
            if (end_step is not None and end_step()) or self.abandoning:
                # The runner reports how this step ended, as run() would for a single step.
                if error is not None:
                    raise error
                return
            self.pending = False
            step_done(error)

    def settle(self, error: BaseException) -> bool:
        """Pass *error*, raised by ``run()``, to the pending step; return false if it must propagate instead.

        A KeyboardInterrupt always propagates, as does an error raised while no
        step was pending (the batch could not start, or ``step_done`` raised).
        """
        if isinstance(error, KeyboardInterrupt) or not self.pending:
            return False
        self.pending = False
        self.batch.step_done(error)
        return True


def run_one_by_one(runner: LoopRunner, batch: StepBatch) -> None:
    """Run *batch* through ``runner.run()``, one hand-over per step, for a loop that cannot run batches."""
    while (step := batch.next_step()) is not None:
        coro, owner = step
        try:
            runner.run(coro, owner)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            batch.step_done(exc)
        else:
            batch.step_done(None)
