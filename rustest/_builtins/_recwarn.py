"""``recwarn``: every warning a test emits, recorded instead of shown."""

from __future__ import annotations

import warnings
from collections.abc import Generator

from rustest._builtins._define import builtin
from rustest._definitions import FixtureDef
from rustest._warns import WarningsRecorder

__all__ = ["fixtures", "recwarn"]


def recwarn() -> Generator[WarningsRecorder, None, None]:
    """Give a ``WarningsRecorder`` holding the warnings emitted during the test.

    As in pytest, a warning repeated from the same place is recorded once
    (the "default" filter); the previous filters come back after the test.
    """
    with WarningsRecorder() as recorder:
        warnings.simplefilter("default")
        yield recorder


def fixtures() -> list[FixtureDef]:
    """Return the warning recorder fixture definition."""
    return [builtin(recwarn)]
