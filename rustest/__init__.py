"""rustest: a fast test runner with automatic event-loop scopes for async fixtures."""

from rustest._version import __version__

__all__ = ["__version__"]
