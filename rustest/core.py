"""The embedding API: plan and run tests on asyncio or trio without rustest's collector or CLI.

A framework builds plain definitions from its own objects, plans them, and
executes the plan, receiving events::

    from rustest import core

    nodes = [core.Node(core.Scope.SESSION, -1, "suite"), core.Node(core.Scope.MODULE, 0, "checks")]
    fixtures = [core.FixtureDef("db", connect_db, scope=core.Scope.SESSION, is_async=True)]
    tests = [core.TestDef("checks::query", query_test, node=1, requests=("db",), is_async=True)]
    result = core.run(nodes, fixtures, tests, listeners=[print])

``plan`` decides everything about order and loops (automatic loop scope);
``execute`` calls user code on the backends. Importing this module does not
import trio; the trio backend imports it when its first loop opens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rustest._backends import (
    AsyncioBackend,
    Backend,
    BatchingRunner,
    LeakedTask,
    LoopRunner,
    TrioBackend,
    get_backend,
)
from rustest._backends._protocol import StepBatch
from rustest._capture import NoCapture, OutputCapture, SysCapture
from rustest._definitions import BUILTIN, SESSION_NODE, FixtureDef, Node, TestDef, XFail
from rustest._errors import (
    BackendMismatchError,
    DefinitionError,
    EmptyParameterSetError,
    FixtureCycleError,
    LoopScopeError,
    PlanError,
    RustestError,
    ScopeMismatchError,
    UnknownFixtureError,
)
from rustest._events import (
    CollectionFailed,
    Event,
    Failure,
    Frame,
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
from rustest._executor import SessionResult, execute
from rustest._plan import (
    DIRECT,
    NO_LOOP,
    REQUEST,
    Closure,
    InstanceView,
    ItemView,
    LoopSpec,
    Plan,
    Step,
    StepKind,
)
from rustest._planner import IMPLEMENTATION, plan
from rustest._request import FixtureLookupError, FixtureRequest, ItemNode
from rustest._scope import Scope

__all__ = [
    "BUILTIN",
    "DIRECT",
    "IMPLEMENTATION",
    "NO_LOOP",
    "REQUEST",
    "SESSION_NODE",
    "AsyncioBackend",
    "Backend",
    "BackendMismatchError",
    "BatchingRunner",
    "Closure",
    "CollectionFailed",
    "DefinitionError",
    "EmptyParameterSetError",
    "Event",
    "Failure",
    "FixtureCycleError",
    "FixtureDef",
    "FixtureLookupError",
    "FixtureRequest",
    "Frame",
    "InstanceView",
    "ItemNode",
    "ItemView",
    "LeakedTask",
    "Listener",
    "LoopRunner",
    "LoopScopeError",
    "LoopSpec",
    "NoCapture",
    "Node",
    "Outcome",
    "OutputCapture",
    "Phase",
    "Plan",
    "PlanError",
    "RustestError",
    "Scope",
    "ScopeMismatchError",
    "SessionFinished",
    "SessionResult",
    "SessionStarted",
    "Step",
    "StepBatch",
    "StepKind",
    "SysCapture",
    "TestDef",
    "TestFinished",
    "TestReport",
    "TestStarted",
    "TrioBackend",
    "UnknownFixtureError",
    "WarningEmitted",
    "XFail",
    "execute",
    "get_backend",
    "plan",
    "run",
]


def run(
    nodes: Sequence[Node],
    fixtures: Sequence[FixtureDef],
    tests: Sequence[TestDef],
    *,
    backends: Mapping[str, Backend] | None = None,
    listeners: Sequence[Listener] = (),
    maxfail: int = 0,
    capture: OutputCapture | None = None,
    config: object = None,
) -> SessionResult:
    """Plan *tests* and execute the plan: ``execute(plan(nodes, fixtures, tests), ...)``."""
    return execute(
        plan(nodes, fixtures, tests),
        backends=backends,
        listeners=listeners,
        maxfail=maxfail,
        capture=capture,
        config=config,
    )
