"""The errors that name a pytest feature rustest's compatibility layer does not provide."""

from __future__ import annotations

import dis
import sys
from types import FrameType

from rustest._errors import RustestError

__all__ = [
    "MissingPytestAttribute",
    "MissingPytestFeature",
    "MissingPytestModule",
    "missing_attribute",
    "missing_message",
]

_SUFFIX = "is not supported by rustest (--pytest-compat)"


def missing_message(feature: str, hint: str = "") -> str:
    """Return the sentence that names the missing pytest *feature*, with an optional *hint* after it."""
    message = f"{feature} {_SUFFIX}"
    return f"{message}: {hint}" if hint else message


class MissingPytestFeature(RustestError):
    """A test or fixture used a pytest feature that rustest lacks; the test fails with this error."""

    def __init__(self, feature: str, hint: str = "") -> None:
        super().__init__(missing_message(feature, hint))
        self.feature = feature


class MissingPytestAttribute(AttributeError):
    """``pytest.<name>`` (or ``pytest_asyncio.<name>``, ...) names something rustest does not provide."""

    def __init__(self, feature: str, hint: str = "") -> None:
        super().__init__(missing_message(feature, hint))
        self.feature = feature


class MissingPytestModule(ImportError):
    """``import _pytest.pytester`` or ``from pytest import Pytester``: the import names a missing feature."""

    def __init__(self, feature: str, module: str, hint: str = "") -> None:
        super().__init__(missing_message(feature, hint), name=module)
        self.feature = feature


def missing_attribute(module: str, name: str, hint: str = "") -> AttributeError | ImportError:
    """Return the error for a missing attribute *name* of shim module *module*.

    ``from pytest import Item`` turns an ``AttributeError`` from the module
    into a generic "cannot import name" and drops its message; when the
    attribute is read by an import statement an ``ImportError`` with the
    same message is returned instead, so the reason reaches the user.
    ``hasattr()`` and ``getattr(..., default)`` keep seeing an
    ``AttributeError``.
    """
    feature = f"{module}.{name}"
    if _read_by_import_statement(sys._getframe(2)):
        return MissingPytestModule(feature, module, hint)
    return MissingPytestAttribute(feature, hint)


def _read_by_import_statement(frame: FrameType | None) -> bool:
    """Tell whether *frame* is executing an ``IMPORT_FROM`` instruction (``from module import name``)."""
    if frame is None:
        return False
    offset = frame.f_lasti
    for instruction in dis.get_instructions(frame.f_code):
        if instruction.offset == offset:
            return instruction.opname == "IMPORT_FROM"
    return False
