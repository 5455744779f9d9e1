"""``cache``: values and directories kept between runs, in the cache folder that ``--lf`` uses."""

from __future__ import annotations

from rustest._builtins._define import builtin
from rustest._cache import Cache
from rustest._definitions import FixtureDef
from rustest._request import FixtureRequest
from rustest._scope import Scope

__all__ = ["cache", "fixtures"]


def cache(request: FixtureRequest) -> Cache:
    """Give the run's ``Cache``: ``get(key, default)``, ``set(key, value)`` and ``mkdir(name)``.

    Keys look like ``"myplugin/state"``; values must be JSON-serialisable.
    """
    found = getattr(request.config, "cache", None)
    if not isinstance(found, Cache):
        raise RuntimeError(
            "the cache fixture needs a run with a cache folder: run the tests with `python -m rustest`, "
            "or pass execute() a config object whose `cache` attribute is a rustest Cache"
        )
    return found


def fixtures() -> list[FixtureDef]:
    """Return the cache fixture definition."""
    return [builtin(cache, Scope.SESSION)]
