"""pytest's warning categories, so suites can filter, raise and expect them by name."""

from __future__ import annotations

__all__ = [
    "PytestAssertRewriteWarning",
    "PytestCacheWarning",
    "PytestCollectionWarning",
    "PytestConfigWarning",
    "PytestDeprecationWarning",
    "PytestExperimentalApiWarning",
    "PytestFDWarning",
    "PytestRemovedIn9Warning",
    "PytestRemovedIn10Warning",
    "PytestReturnNotNoneWarning",
    "PytestUnhandledThreadExceptionWarning",
    "PytestUnknownMarkWarning",
    "PytestUnraisableExceptionWarning",
    "PytestWarning",
]


class PytestWarning(UserWarning):
    """Base class of the warnings pytest (and so this compatibility layer) names."""


class PytestAssertRewriteWarning(PytestWarning):
    """A warning about assertion rewriting."""


class PytestCacheWarning(PytestWarning):
    """A warning about the cache."""


class PytestConfigWarning(PytestWarning):
    """A warning about the configuration."""


class PytestCollectionWarning(PytestWarning):
    """A warning about a file or symbol that could not be collected."""


class PytestDeprecationWarning(PytestWarning, DeprecationWarning):
    """A feature that will be removed."""


class PytestRemovedIn9Warning(PytestDeprecationWarning):
    """A feature that pytest 9 removes."""


class PytestRemovedIn10Warning(PytestDeprecationWarning):
    """A feature that pytest 10 removes."""


class PytestExperimentalApiWarning(PytestWarning, FutureWarning):
    """An experimental API was used."""


class PytestReturnNotNoneWarning(PytestWarning):
    """A test function returned something other than ``None``."""


class PytestUnknownMarkWarning(PytestWarning):
    """A mark that is not registered was used."""


class PytestUnraisableExceptionWarning(PytestWarning):
    """An exception was raised where it could not propagate (``__del__``, a callback)."""


class PytestUnhandledThreadExceptionWarning(PytestWarning):
    """A thread ended with an exception nobody handled."""


class PytestFDWarning(PytestWarning):
    """A test leaked a file descriptor."""
