"""Shim modules whose attributes are rustest objects, imported on first use.

A shim module holds a table from public name to ``"module:attribute"``.
Reading a name imports the rustest module that implements it and caches
the object in the shim module, so later reads are plain dictionary lookups
and importing a shim costs nothing. A name outside the table raises the
error that names the missing feature (see ``rustest._compat._missing``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from rustest._compat._missing import missing_attribute

__all__ = ["SHIM_ATTR", "lazy_module"]

SHIM_ATTR = "__rustest_shim__"
"""Set to ``True`` on every shim module, so tests and the session can tell a shim from the real thing."""


def lazy_module(
    name: str,
    doc: str,
    names: Mapping[str, str],
    *,
    hints: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> ModuleType:
    """Return a module called *name* serving *names* (``{"fixture": "rustest._fixture_api:fixture"}``).

    *values* are attributes set on the module directly. *hints* add advice to
    the error raised for a missing name (``{"hookimpl": "conftest hooks are
    not run"}``). ``dir()`` lists every served name.
    """
    module = ModuleType(name, doc)
    module.__dict__.update(values or {})
    module.__dict__[SHIM_ATTR] = True
    module.__dict__["__getattr__"] = _resolver(module, names, hints or {})
    module.__dict__["__dir__"] = lambda: sorted({*module.__dict__, *names})
    return module


def _resolver(module: ModuleType, names: Mapping[str, str], hints: Mapping[str, str]) -> Callable[[str], Any]:
    def resolve(attribute: str) -> Any:
        target = names.get(attribute)
        if target is None:
            if attribute.startswith("__") and attribute.endswith("__"):
                # Probes such as copy's __deepcopy__ or inspect's __wrapped__ expect a plain AttributeError.
                raise AttributeError(f"module {module.__name__!r} has no attribute {attribute!r}")
            raise missing_attribute(module.__name__, attribute, hints.get(attribute, ""))
        source, _, member = target.partition(":")
        value = getattr(importlib.import_module(source), member)
        setattr(module, attribute, value)
        return value

    return resolve
