"""Bounded, never-failing reprs for values shown in assertion failures."""

from __future__ import annotations

import reprlib
from itertools import islice

__all__ = ["DEFAULT_MAX_SIZE", "safe_format", "safe_repr"]

#: Longest repr shown for one value unless the verbosity lifts the limit.
DEFAULT_MAX_SIZE = 240

#: Items shown per container before the rest is elided; reprlib's default of
#: six hides differences that still fit comfortably on one line.
_MAX_ITEMS = 30
_MAX_DICT_ITEMS = 15
_FILL = "..."


def _describe_failed_repr(exc: BaseException, obj: object) -> str:
    try:
        exc_text = repr(exc)
    except Exception:
        exc_text = f"unpresentable {type(exc).__name__}"
    return f"<[{exc_text} raised in repr()] {type(obj).__name__} object at 0x{id(obj):x}>"


def _ellipsize(text: str, max_size: int) -> str:
    if len(text) <= max_size:
        return text
    head = max(0, (max_size - 3) // 2)
    tail = max(0, max_size - 3 - head)
    return text[:head] + "..." + text[len(text) - tail :]


class _BoundedRepr(reprlib.Repr):
    """A reprlib.Repr that keeps dict order, survives broken __repr__ and caps the total size."""

    def __init__(self, max_size: int) -> None:
        super().__init__()
        self.max_size = max_size
        self.maxstring = max_size
        self.maxother = max_size
        self.maxlong = max_size
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = _MAX_ITEMS
        self.maxdict = _MAX_DICT_ITEMS

    def repr(self, x: object) -> str:
        try:
            text = super().repr(x)
        except Exception as exc:
            text = _describe_failed_repr(exc, x)
        return _ellipsize(text, self.max_size)

    def repr_dict(self, x: dict[object, object], level: int) -> str:
        # reprlib sorts keys; an assertion failure must show the order the test built.
        if not x:
            return "{}"
        if level <= 0:
            return "{" + _FILL + "}"
        pieces = [
            f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}"
            for key, value in islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append(_FILL)
        return "{" + ", ".join(pieces) + "}"

    def repr_instance(self, x: object, level: int) -> str:
        try:
            text = repr(x)
        except Exception as exc:
            text = _describe_failed_repr(exc, x)
        return _ellipsize(text, self.max_size)


def safe_repr(obj: object, max_size: int | None = DEFAULT_MAX_SIZE) -> str:
    """Return the repr of *obj* on one line, at most *max_size* characters, even if ``__repr__`` raises.

    ``max_size=None`` lifts the length limit (used at high verbosity).
    """
    if max_size is None:
        try:
            text = repr(obj)
        except Exception as exc:
            text = _describe_failed_repr(exc, obj)
    else:
        text = _BoundedRepr(max_size).repr(obj)
    return text.replace("\n", "\\n")


def safe_format(obj: object) -> str:
    """Return a pretty-printed, possibly multi-line repr of *obj*, even if ``__repr__`` raises."""
    import pprint  # only a failing assertion's long value is shown this way

    try:
        return pprint.pformat(obj, sort_dicts=False)
    except Exception as exc:
        return _describe_failed_repr(exc, obj)
