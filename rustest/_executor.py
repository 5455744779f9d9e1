"""The executor: walks a plan's steps, calls user code, and emits events.

It holds no scheduling logic: the plan says what runs, in which order and on
which loop. The executor only decides outcomes: a fixture whose setup fails
fails every test that needs that instance (without retrying it), teardown
errors belong to the test after which they ran, and stopping early (``-x``,
``--maxfail``, KeyboardInterrupt) still runs every pending teardown and
closes every loop. Every item gets exactly one ``TestFinished``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from rustest._backends import Backend, LoopRunner, StepBatch, get_backend
from rustest._capture import NoCapture, OutputCapture
from rustest._definitions import TestDef
from rustest._errors import EmptyParameterSetError
from rustest._events import (
    Event,
    Failure,
    Listener,
    Outcome,
    Phase,
    SessionFinished,
    SessionStarted,
    TestFinished,
    TestReport,
    TestStarted,
    WarningEmitted,
)
from rustest._outcomes import Exit, Failed, Skipped, XFailed
from rustest._phases import enter_phase
from rustest._plan import DIRECT, NO_LOOP, REQUEST, Plan, StepKind
from rustest._request import FixtureRequest, ItemNode, fixture_lookup_error
from rustest._traceback import failure_from

__all__ = ["NOT_RUN", "STOPPING", "SessionResult", "execute", "mark_names", "stopping_reason"]

_OPEN = int(StepKind.OPEN_LOOP)
_SETUP = int(StepKind.SETUP)
_CALL = int(StepKind.CALL)
_TEARDOWN = int(StepKind.TEARDOWN)
_CLOSE = int(StepKind.CLOSE_LOOP)
_PLAN_ERROR = int(StepKind.PLAN_ERROR)

_NOT_SET_UP = 0
_READY = 1
_FAILED = 2

_FAILING = (Outcome.FAILED, Outcome.ERROR)
# Enum members bound once: looking a member up on its class costs as much as
# a function call, and the per-test path would do it several times.
_PASSED = Outcome.PASSED
_CALL_PHASE = Phase.CALL
_TEARDOWN_PHASE = Phase.TEARDOWN
_FIXTURE_OWNER = " (fixture '"
_NO_TEST = TestDef("")
"""The test of no item: what ``_Run.cur_test`` holds between items."""


@dataclass
class SessionResult:
    """The result of ``execute``: one report per item, in execution order."""

    reports: list[TestReport]
    counts: dict[Outcome, int]
    duration: float
    interrupted: bool = False
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    exit_code: int | None = None

    @property
    def ok(self) -> bool:
        """True when nothing failed or errored and the run was not interrupted."""
        return not self.interrupted and not any(self.counts.get(o, 0) for o in _FAILING)


async def _first(agen: Any) -> Any:
    return await agen.__anext__()


async def _finish(agen: Any) -> None:
    try:
        await agen.__anext__()
    except StopAsyncIteration:
        return
    raise RuntimeError(f"async generator fixture {agen.__qualname__} yielded more than once")


def _finish_sync(gen: Any) -> None:
    try:
        next(gen)
    except StopIteration:
        return
    raise RuntimeError(f"generator fixture {gen.__qualname__} yielded more than once")


NOT_RUN = "not run: "
"""How the reason of a test that a stopping run did not run begins."""

STOPPING = "stopping after "
"""How the reason a run stopped after ``-x``/``--maxfail`` failures begins (see :func:`stopping_reason`)."""


def stopping_reason(failures: int) -> str:
    """Say why a run stopped after *failures* failed or errored tests (``-x``, ``--maxfail``)."""
    return f"{STOPPING}{failures} failure{'' if failures == 1 else 's'}"


def mark_names(marks: tuple[Any, ...]) -> tuple[str, ...]:
    """Return the names of *marks* as a report lists them (a mark without a name by its text)."""
    # getattr(m, "name", str(m)) would build every mark's repr even when it has a name.
    return tuple(m.name if hasattr(m, "name") else str(m) for m in marks)


def _properties(node: ItemNode) -> tuple[tuple[str, object], ...]:
    # A node exists only if the test or a fixture asked for ``request``.
    return tuple(node.user_properties) if node.user_properties else ()


class _Run:
    """The state of one execution; ``run()`` walks the steps once."""

    def __init__(
        self,
        plan: Plan,
        backends: Mapping[str, Backend] | None,
        listeners: Sequence[Listener],
        maxfail: int,
        capture: OutputCapture,
        config: object,
    ) -> None:
        self.plan = plan
        self.listeners = list(listeners)
        self.backends: dict[str, Backend] = dict(backends or {})
        self.maxfail = maxfail
        self.capture = capture
        self.config = config
        n = plan.instance_count
        self.values: list[object] = [None] * n
        self.state = bytearray(n)
        self.inst_failure: dict[int, Failure] = {}
        self.teardown_of: dict[int, tuple[str, Any, int]] = {}
        self.finalizers: dict[int, list[Callable[[], object]]] = {}
        self.runners: dict[int, LoopRunner] = {}
        self.loop_failure: dict[int, Failure] = {}
        self.owners: dict[str, int] = {}
        self.reports: list[TestReport] = []
        self.counts: dict[Outcome, int] = {}
        self.failures_seen = 0
        self.stopping = ""
        self.interrupted = False
        self.exit_code: int | None = None
        self.session_warnings: list[str] = []
        # The item whose steps are running.
        self.cur = -1
        self.cur_started = 0.0
        self.cur_outcome: Outcome | None = None
        self.cur_when = Phase.CALL
        self.cur_reason = ""
        self.cur_test = _NO_TEST
        # Tuples, which a report takes as they are: most tests add nothing to them.
        self.cur_failures: tuple[Failure, ...] = ()
        self.cur_warnings: tuple[str, ...] = ()
        self.cur_setup_failure: Failure | None = None
        self.cur_self: object = None
        self.cur_node: ItemNode | None = None
        # Made when ``request`` first hands it out: most tests add no finalizer.
        self.cur_test_finalizers: list[Callable[[], object]] | None = None
        self.cur_not_run = False
        self.batchers: dict[int, Callable[[StepBatch], None]] = {}
        self.takes_request: list[bool] | None = None

    # -- events ------------------------------------------------------------

    def emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    # -- items -------------------------------------------------------------

    def switch(self, item: int) -> None:
        if self.cur >= 0:
            self.finish()
        plan = self.plan
        test = self.cur_test = plan.tests[plan.item_test[item]]
        self.cur = item
        self.cur_outcome = None
        self.cur_when = _CALL_PHASE
        self.cur_reason = ""
        self.cur_failures = ()
        self.cur_warnings = ()
        self.cur_setup_failure = None
        self.cur_self = None
        self.cur_node = None
        self.cur_test_finalizers = None
        stopping = self.stopping
        self.cur_not_run = bool(stopping)
        if self.listeners:
            started = TestStarted(plan.item_ids[item], test.location)
            for listener in self.listeners:
                listener(started)
        if stopping:
            self.cur_outcome = Outcome.SKIPPED
            self.cur_reason = NOT_RUN + stopping
            self.cur_when = Phase.SETUP
        enter_phase("setup")
        self.capture.start()
        self.cur_started = perf_counter()

    def finish(self) -> None:
        duration = perf_counter() - self.cur_started
        capture = self.capture
        stdout, stderr = capture.stop()
        log = capture.take_log()
        test = self.cur_test
        outcome = self.cur_outcome or _PASSED
        when = self.cur_when
        failures = self.cur_failures
        if failures and outcome not in _FAILING and any(f.phase is _TEARDOWN_PHASE for f in failures):
            outcome, when = Outcome.ERROR, _TEARDOWN_PHASE
        node = self.cur_node
        # Positional arguments: with thirteen keywords, building the report cost twice as much.
        report = TestReport(
            self.plan.item_ids[self.cur],
            outcome,
            when,
            duration,
            test.location,
            failures,
            self.cur_reason,
            stdout,
            stderr,
            log,
            self.cur_warnings,
            mark_names(test.marks) if test.marks else (),
            _properties(node) if node is not None else (),
        )
        self.reports.append(report)
        counts = self.counts
        counts[outcome] = counts.get(outcome, 0) + 1
        self.cur = -1
        if self.listeners:
            finished = TestFinished(report)
            for listener in self.listeners:
                listener(finished)
        if outcome in _FAILING:
            self.failures_seen += 1
            if self.maxfail and self.failures_seen >= self.maxfail and not self.stopping:
                self.stopping = stopping_reason(self.failures_seen)

    def node(self) -> ItemNode:
        if self.cur_node is None:
            self.cur_node = ItemNode(self.plan.item_ids[self.cur], self.cur_test)
        return self.cur_node

    def test_self(self) -> object:
        if self.cur_self is None:
            cls = self.cur_test.cls
            if cls is not None:
                self.cur_self = cls()
        return self.cur_self

    def owner(self, fixture: str | None) -> str:
        nodeid = self.plan.item_ids[self.cur]
        return nodeid if fixture is None else f"{nodeid}{_FIXTURE_OWNER}{fixture}')"

    def item_of_owner(self, owner: str) -> int | None:
        """Map an owner label back to its item; only needed for the rare leaked task."""
        nodeid = owner.split(_FIXTURE_OWNER, 1)[0]
        if not self.owners:
            self.owners = {item_id: i for i, item_id in enumerate(self.plan.item_ids)}
        return self.owners.get(nodeid)

    # -- running user code -------------------------------------------------

    def loop_unavailable(self, loop: int) -> BaseException:
        """Return why *loop* has no runner: the error that opening it raised, or that it is not open."""
        failure = self.loop_failure.get(loop)
        if failure is not None and failure.exception is not None:
            return failure.exception
        return RuntimeError(f"event loop {loop} is not open")

    def run_async(self, loop: int, coro: Coroutine[Any, Any, Any], owner: str) -> Any:
        runner = self.runners.get(loop)
        if runner is None:
            coro.close()
            raise self.loop_unavailable(loop)
        return runner.run(coro, owner)

    def planned_names(self) -> list[str]:
        plan = self.plan
        item = self.cur
        instances = plan.item_instances[plan.item_start[item] : plan.item_start[item + 1]]
        return [plan.fixtures[plan.inst_fixture[k]].name for k in instances]

    def lookup(self, name: str, requester: str | None) -> object:
        plan = self.plan
        item = self.cur
        for k in plan.item_instances[plan.item_start[item] : plan.item_start[item + 1]]:
            if plan.fixtures[plan.inst_fixture[k]].name == name and self.state[k] == _READY:
                return self.values[k]
        planned = self.planned_names()
        raise fixture_lookup_error(
            name, plan.item_ids[item], requester=requester, planned=planned, set_up=name in planned
        )

    def request_for(self, k: int) -> FixtureRequest:
        plan = self.plan
        test = self.cur_test
        if k >= 0:
            finalizers = self.finalizers.setdefault(k, [])
        elif self.cur_test_finalizers is None:
            finalizers = self.cur_test_finalizers = []
        else:
            finalizers = self.cur_test_finalizers
        if k < 0:
            return FixtureRequest(
                fixturename=None,
                scope="function",
                node=self.node(),
                test=test,
                instance=self.test_self(),
                config=self.config,
                lookup=lambda name: self.lookup(name, None),
                finalizers=finalizers,
                fixturenames=self.planned_names,
            )
        fx = plan.fixtures[plan.inst_fixture[k]]
        param_index = plan.inst_param[k]
        if param_index >= 0 and fx.params is not None:
            param: object = fx.params[param_index]
        elif fx.name in test.indirect:
            param = test.indirect[fx.name][1]
        else:
            return FixtureRequest(
                fixturename=fx.name,
                scope=fx.scope.label,
                node=self.node(),
                test=test,
                instance=self.test_self(),
                config=self.config,
                lookup=lambda name: self.lookup(name, fx.name),
                finalizers=finalizers,
                fixturenames=self.planned_names,
            )
        return FixtureRequest(
            fixturename=fx.name,
            scope=fx.scope.label,
            node=self.node(),
            test=test,
            instance=self.test_self(),
            config=self.config,
            lookup=lambda name: self.lookup(name, fx.name),
            finalizers=finalizers,
            fixturenames=self.planned_names,
            param=param,
            param_index=max(param_index, 0),
        )

    def add_special_arguments(
        self, kwargs: dict[str, object], args: tuple[tuple[str, int], ...], k: int
    ) -> None:
        """Add the arguments that are no fixture value, ``request`` and direct values, of instance *k*.

        *k* is ``REQUEST`` for the test's own arguments.
        """
        for name, source in args:
            if source == REQUEST:
                kwargs[name] = self.request_for(k)
            elif source == DIRECT:
                kwargs[name] = self.cur_test.values[name]

    def setup(self, k: int, loop: int) -> None:
        plan = self.plan
        fx = plan.fixtures[plan.inst_fixture[k]]
        # As plan.instance_args(k), read in place: the fixture values go straight into kwargs.
        item = plan.inst_item[k]
        args = plan.closures[plan.item_closure[item]].args[plan.inst_pos[k]]
        start, instances, state, values = plan.item_start[item], plan.item_instances, self.state, self.values
        kwargs: dict[str, object] = {}
        special = False
        for name, pos in args:
            if pos < 0:
                special = True
                continue
            dep = instances[start + pos]
            if state[dep] != _READY:
                failure = self.inst_failure.get(dep)
                if failure is None:
                    failure = failure_from(
                        RuntimeError(f"fixture '{fx.name}' needs a fixture that was not set up"), Phase.SETUP
                    )
                self.fail_instance(k, failure)
                return
            kwargs[name] = values[dep]
        try:
            if special:
                self.add_special_arguments(kwargs, args, k)
            func = fx.func
            if func is None:
                raise RuntimeError(f"fixture '{fx.name}' has no function to call")
            call_args: tuple[object, ...] = (self.test_self(),) if fx.is_method else ()
            if fx.is_async:
                owner = self.owner(fx.name)
                if fx.is_generator:
                    agen = func(*call_args, **kwargs)
                    self.teardown_of[k] = ("agen", agen, loop)
                    value = self.run_async(loop, _first(agen), owner)
                else:
                    value = self.run_async(loop, func(*call_args, **kwargs), owner)
            elif fx.is_generator:
                gen = func(*call_args, **kwargs)
                self.teardown_of[k] = ("gen", gen, NO_LOOP)
                value = next(gen)
            else:
                value = func(*call_args, **kwargs)
        except KeyboardInterrupt as exc:
            self.fail_instance(k, failure_from(exc, Phase.SETUP))
            raise
        except StopIteration:
            self.fail_instance(
                k, failure_from(RuntimeError(f"generator fixture '{fx.name}' did not yield"), Phase.SETUP)
            )
        except StopAsyncIteration:
            self.fail_instance(
                k,
                failure_from(RuntimeError(f"async generator fixture '{fx.name}' did not yield"), Phase.SETUP),
            )
        except BaseException as exc:
            self.fail_instance(k, failure_from(exc, Phase.SETUP))
        else:
            self.values[k] = value
            self.state[k] = _READY

    def fixture_name(self, k: int) -> str:
        """Return the name of the fixture that instance *k* is of."""
        plan = self.plan
        return plan.fixtures[plan.inst_fixture[k]].name

    def fail_instance(self, k: int, failure: Failure) -> None:
        self.state[k] = _FAILED
        self.inst_failure[k] = failure
        if self.cur_setup_failure is None:
            self.cur_setup_failure = failure

    def teardown(self, k: int) -> None:
        enter_phase("teardown")
        how = self.teardown_of.pop(k, None)
        finalizers = self.finalizers.pop(k, None)
        was_ready = self.state[k] == _READY
        self.state[k] = _NOT_SET_UP
        self.values[k] = None
        self.inst_failure.pop(k, None)
        if how is not None and was_ready:
            kind, obj, loop = how
            try:
                if kind == "agen":
                    self.run_async(loop, _finish(obj), self.owner(self.fixture_name(k)))
                else:
                    _finish_sync(obj)
            except KeyboardInterrupt as exc:
                self.interrupt(Phase.TEARDOWN, exc)
            except BaseException as exc:
                self.teardown_failed(failure_from(exc, Phase.TEARDOWN), self.fixture_name(k))
        if finalizers:
            self.run_finalizers(finalizers)

    def run_finalizers(self, finalizers: list[Callable[[], object]]) -> None:
        while finalizers:
            finalizer = finalizers.pop()
            try:
                finalizer()
            except KeyboardInterrupt as exc:
                self.interrupt(Phase.TEARDOWN, exc)
            except BaseException as exc:
                self.teardown_failed(failure_from(exc, Phase.TEARDOWN), None)

    def teardown_failed(self, failure: Failure, fixture: str | None) -> None:
        if not self.cur_not_run:
            self.cur_failures += (failure,)
            return
        # A test that never ran must not become an error; the teardown error is still shown.
        what = f"fixture '{fixture}'" if fixture else "a finalizer"
        self.warn(f"error tearing down {what} while the run was stopping: {failure.headline}", None)

    def call(self, item: int, loop: int) -> None:
        plan = self.plan
        test = self.cur_test
        if not self.may_call(item, test):
            return
        enter_phase("call")
        try:
            result = self.call_test(item, test)
            if test.is_async:
                runner = self.runners.get(loop)
                if runner is None:
                    self.run_async(loop, result, plan.item_ids[item])
                else:
                    runner.run(result, plan.item_ids[item])
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self.call_failed(exc)
        else:
            if test.xfail is not None:
                self.call_passed(test)
        finally:
            enter_phase("teardown")
            if self.cur_test_finalizers:
                self.run_finalizers(self.cur_test_finalizers)

    def may_call(self, item: int, test: TestDef) -> bool:
        """Tell whether *item*'s test function is to be called; if not, its outcome is decided here."""
        plan = self.plan
        if self.cur_outcome is not None:
            return False
        if test.skip is not None:
            self.set_outcome(Outcome.SKIPPED, Phase.SETUP, test.skip)
            return False
        xfail = test.xfail
        if xfail is not None and not xfail.run:
            self.set_outcome(Outcome.XFAILED, Phase.SETUP, f"[NOTRUN] {xfail.reason}".rstrip())
            return False
        setup_failure = self.cur_setup_failure
        start, end = plan.item_start[item], plan.item_start[item + 1]
        if setup_failure is None and start != end:
            state, instances = self.state, plan.item_instances
            for position in range(start, end):
                k = instances[position]
                if state[k] != _READY:
                    setup_failure = self.inst_failure.get(k) or failure_from(
                        RuntimeError(f"fixture '{plan.fixtures[plan.inst_fixture[k]].name}' was not set up"),
                        Phase.SETUP,
                    )
                    break
        if setup_failure is not None:
            self.outcome_from_exception(setup_failure, Phase.SETUP)
            return False
        return True

    def call_test(self, item: int, test: TestDef) -> Any:
        """Call *item*'s test function: an async one returns the coroutine to run, a sync one runs."""
        plan = self.plan
        func = test.func
        if func is None:
            raise RuntimeError(f"test {plan.item_ids[item]} has no function to call")
        test_args = plan.closures[plan.item_closure[item]].test_args
        if not test_args and test.cls is None:
            return func()
        kwargs: dict[str, object] = {}
        if test_args:
            # As plan.item_args(item), read in place, as a fixture's setup reads its own.
            start, instances, values = plan.item_start[item], plan.item_instances, self.values
            special = False
            for name, source in test_args:
                if source >= 0:
                    kwargs[name] = values[instances[start + source]]
                else:
                    special = True
            if special:
                self.add_special_arguments(kwargs, test_args, REQUEST)
        if test.cls is not None:
            return func(self.test_self(), **kwargs)
        return func(**kwargs)

    def call_failed(self, exc: BaseException) -> None:
        self.outcome_from_exception(failure_from(exc, Phase.CALL), Phase.CALL)

    def call_passed(self, test: TestDef) -> None:
        xfail = test.xfail
        if xfail is not None:
            if xfail.strict:
                self.cur_failures += (
                    Failure(Phase.CALL, "XPassed", f"[XPASS(strict)] {xfail.reason}".rstrip()),
                )
                self.set_outcome(Outcome.FAILED, Phase.CALL, xfail.reason)
            else:
                self.set_outcome(Outcome.XPASSED, Phase.CALL, xfail.reason)

    def batchable(self, item: int) -> bool:
        """Tell whether *item*'s call may run inside its loop, in a batch: it takes no ``request``.

        Finalizers that a test adds through ``request`` are sync user code,
        which must run with no loop running.
        """
        return not self.request_takers()[self.plan.item_closure[item]]

    def request_takers(self) -> list[bool]:
        """Tell, for each closure of the plan, whether its test takes ``request``."""
        takes_request = self.takes_request
        if takes_request is None:
            takes_request = self.takes_request = [
                any(source == REQUEST for _, source in closure.test_args) for closure in self.plan.closures
            ]
        return takes_request

    def call_batch(self, run_batch: Callable[[StepBatch], None], batch: _CallBatch) -> None:
        try:
            run_batch(batch)
        except KeyboardInterrupt:
            raise
        except BaseException:
            if batch.started:
                raise
            # The runner could not start the batch: the single call reports why.
            batch.started = True
            batch.step += 1
            self.call(batch.first, batch.loop)

    def set_outcome(self, outcome: Outcome, when: Phase, reason: str = "") -> None:
        self.cur_outcome = outcome
        self.cur_when = when
        self.cur_reason = reason

    def outcome_from_exception(self, failure: Failure, when: Phase) -> None:
        exc = failure.exception
        test = self.cur_test
        if isinstance(exc, Exit):
            self.stopping = f"exit: {exc.msg}"
            self.interrupted = True
            self.exit_code = exc.returncode
        if isinstance(exc, Skipped):
            self.set_outcome(Outcome.SKIPPED, when, failure.message)
            return
        if isinstance(exc, XFailed):
            self.set_outcome(Outcome.XFAILED, when, failure.message)
            return
        xfail = test.xfail
        expected = xfail is not None and (xfail.raises is None or isinstance(exc, xfail.raises))
        if when is Phase.CALL and expected and not isinstance(exc, Failed):
            assert xfail is not None
            self.set_outcome(Outcome.XFAILED, when, xfail.reason)
            return
        self.cur_failures += (failure,)
        self.set_outcome(Outcome.FAILED if when is Phase.CALL else Outcome.ERROR, when)

    def interrupt(self, phase: Phase, exc: KeyboardInterrupt) -> None:
        self.interrupted = True
        self.stopping = "interrupted by KeyboardInterrupt"
        if self.cur >= 0 and self.cur_outcome is None:
            self.cur_failures += (failure_from(exc, phase),)
            self.set_outcome(Outcome.ERROR, phase, "interrupted")

    # -- loops -------------------------------------------------------------

    def open_loop(self, loop: int) -> None:
        spec = self.plan.loops[loop]
        try:
            backend = self.backends.get(spec.backend)
            if backend is None:
                backend = self.backends[spec.backend] = get_backend(spec.backend)
            runner = self.runners[loop] = backend.open_loop(spec)
            # A loop with a single step has nothing to batch.
            run_batch = getattr(runner, "run_batch", None) if spec.step_count > 1 else None
            if run_batch is not None:
                self.batchers[loop] = run_batch
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self.loop_failure[loop] = failure_from(exc, Phase.SETUP)

    def close_loop(self, loop: int) -> None:
        self.batchers.pop(loop, None)
        runner = self.runners.pop(loop, None)
        if runner is None:
            return
        try:
            leaks = runner.close()
        except BaseException as exc:
            self.warn(f"closing event loop {loop} failed: {type(exc).__name__}: {exc}", None)
            return
        for leak in leaks:
            message = (
                f"task {leak.description} created by {leak.owner} was still running when its event loop "
                "closed; it was cancelled. Await or cancel the tasks you start, or use a task group."
            )
            self.warn(message, self.item_of_owner(leak.owner))

    def warn(self, message: str, item: int | None) -> None:
        if item is not None and item == self.cur:
            self.cur_warnings += (message,)
        else:
            nodeid = self.plan.item_ids[item] if item is not None else None
            self.session_warnings.append(message)
            self.emit(WarningEmitted(message, nodeid))

    # -- the walk ----------------------------------------------------------

    def run(self) -> SessionResult:
        plan = self.plan
        started = perf_counter()
        self.emit(SessionStarted(plan.item_count))
        kinds, targets, loops = plan.step_kind, plan.step_target, plan.step_loop
        inst_item = plan.inst_item
        n_steps = len(kinds)
        s = 0
        while s < n_steps:
            kind, target, loop = kinds[s], targets[s], loops[s]
            s += 1
            try:
                if kind == _SETUP:
                    item = inst_item[target]
                    if item != self.cur:
                        self.switch(item)
                    if self.stopping:
                        continue
                    if self.cur_setup_failure is not None and plan.inst_scope_node[target] < 0:
                        # The test already failed in setup; its own function fixtures are not needed.
                        continue
                    self.setup(target, loop)
                elif kind == _CALL:
                    if target != self.cur:
                        self.switch(target)
                    run_batch = self.batchers.get(loop)
                    if (
                        run_batch is not None
                        and s < n_steps
                        and kinds[s] == _CALL
                        and loops[s] == loop
                        and self.batchable(target)
                    ):
                        batch = _CallBatch(self, s - 1, loop)
                        try:
                            self.call_batch(run_batch, batch)
                        finally:
                            s = batch.step
                    else:
                        self.call(target, loop)
                elif kind == _TEARDOWN:
                    self.teardown(target)
                elif kind == _OPEN:
                    if not self.stopping:
                        self.open_loop(loop)
                elif kind == _CLOSE:
                    self.close_loop(loop)
                else:
                    if target != self.cur:
                        self.switch(target)
                    if self.cur_not_run:
                        continue
                    error = plan.errors[target]
                    if isinstance(error, EmptyParameterSetError):
                        self.set_outcome(Outcome.SKIPPED, Phase.SETUP, error.message)
                    else:
                        self.cur_failures += (failure_from(error, Phase.SETUP),)
                        self.set_outcome(Outcome.ERROR, Phase.SETUP)
            except KeyboardInterrupt as exc:
                self.interrupt(Phase.CALL if kind == _CALL else Phase.SETUP, exc)
        if self.cur >= 0:
            self.finish()
        for loop in list(self.runners):
            self.close_loop(loop)
        duration = perf_counter() - started
        self.emit(SessionFinished(dict(self.counts), duration, bool(self.stopping), self.stopping))
        return SessionResult(
            self.reports,
            dict(self.counts),
            duration,
            bool(self.stopping),
            self.stopping,
            self.session_warnings,
            self.exit_code,
        )


class _CallBatch:
    """Consecutive calls of async tests on one loop, handed to its runner as one ``StepBatch``.

    It walks the plan from step ``step`` on, while the steps are calls on
    ``loop`` of tests that may run inside the loop, switching items and
    recording outcomes exactly as the executor's walk does for single calls.
    ``step`` ends as the index of the first step the walk has still to run.
    """

    __slots__ = (
        "first",
        "item_closure",
        "item_ids",
        "kinds",
        "loop",
        "loops",
        "request_takers",
        "run",
        "started",
        "step",
        "targets",
        "test",
    )

    def __init__(self, run: _Run, step: int, loop: int) -> None:
        plan = run.plan
        self.run = run
        self.step = step
        self.loop = loop
        self.first = plan.step_target[step]
        self.started = False
        self.test = run.cur_test
        # The plan's columns, bound once: next_step reads them for every test.
        self.kinds, self.targets, self.loops = plan.step_kind, plan.step_target, plan.step_loop
        self.item_closure, self.item_ids = plan.item_closure, plan.item_ids
        self.request_takers = run.request_takers()

    def next_step(self) -> tuple[Coroutine[Any, Any, Any], str] | None:
        """Switch to the next test of the batch and return its coroutine and owner, or ``None`` at the end."""
        self.started = True
        run = self.run
        kinds, targets, loops, loop = self.kinds, self.targets, self.loops, self.loop
        item_closure, request_takers = self.item_closure, self.request_takers
        step = self.step
        while step < len(kinds) and kinds[step] == _CALL and loops[step] == loop:
            item = targets[step]
            if request_takers[item_closure[item]]:
                return None
            self.step = step = step + 1
            if item != run.cur:
                run.switch(item)
            test = self.test = run.cur_test
            if not run.may_call(item, test):
                continue
            enter_phase("call")
            try:
                coro = run.call_test(item, test)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                run.call_failed(exc)
                continue
            return coro, self.item_ids[item]
        return None

    def step_done(self, error: BaseException | None) -> None:
        """Record the outcome of the test handed out last, as the single call would."""
        if error is None:
            if self.test.xfail is not None:
                self.run.call_passed(self.test)
        elif isinstance(error, KeyboardInterrupt):
            raise error
        else:
            self.run.call_failed(error)


def execute(
    plan: Plan,
    *,
    backends: Mapping[str, Backend] | None = None,
    listeners: Sequence[Listener] = (),
    maxfail: int = 0,
    capture: OutputCapture | None = None,
    config: object = None,
) -> SessionResult:
    """Run *plan* and return one report per item.

    ``backends`` maps backend names to ``Backend`` objects (missing ones are
    created with their defaults when a loop needs them). ``listeners`` receive
    every event in order. ``maxfail`` stops after that many failed or errored
    tests (0: never); pending teardowns still run and every loop is closed.
    ``capture`` collects each test's output (default: none). ``config`` is
    what ``request.config`` returns.
    """
    return _Run(plan, backends, listeners, maxfail, capture or NoCapture(), config).run()
