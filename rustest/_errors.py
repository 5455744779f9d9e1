"""Error types of rustest, with messages written for the person fixing the test."""

from __future__ import annotations

__all__ = [
    "BackendMismatchError",
    "DefinitionError",
    "EmptyParameterSetError",
    "FixtureCycleError",
    "LoopScopeError",
    "PlanError",
    "RustestError",
    "ScopeMismatchError",
    "UnknownFixtureError",
]


class RustestError(Exception):
    """Base class of every error rustest raises on purpose."""


class DefinitionError(RustestError, ValueError):
    """A fixture or test definition is malformed (raised before planning)."""


class PlanError(RustestError):
    """A per-test error found while planning; the test is reported as an error and not run.

    Plan errors compare equal when their type and message are equal, so plans
    from the compiled and the pure-Python core can be compared directly.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.message == getattr(other, "message", None)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.message))

    def __reduce__(self) -> tuple[type[PlanError], tuple[str]]:
        return (type(self), (self.message,))


class UnknownFixtureError(PlanError):
    """A test or fixture requests a name that no visible fixture defines."""


class FixtureCycleError(PlanError):
    """Fixtures request each other in a cycle."""


class ScopeMismatchError(PlanError):
    """A fixture requests a fixture of narrower scope."""


class LoopScopeError(PlanError):
    """An explicit loop scope is narrower than the loop the test's async fixtures need."""


class BackendMismatchError(PlanError):
    """An async fixture pinned to one backend is used by a test on another."""


class EmptyParameterSetError(PlanError):
    """A parametrized fixture has no params; the test is reported as skipped, as pytest does."""
