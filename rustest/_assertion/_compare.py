"""Explain why a comparison between two values does not hold: text diffs, item and attribute differences."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any, TypeGuard

from rustest._assertion._saferepr import DEFAULT_MAX_SIZE, safe_format, safe_repr
from rustest._assertion._truncate import truncate_explanation

__all__ = ["compare_explanation"]

# Below this many identical leading or trailing characters a text diff keeps them all.
_TEXT_CONTEXT_THRESHOLD = 42
# Characters of identical context kept next to a difference when the rest is skipped.
_TEXT_CONTEXT = 10
# Width of the "E   AssertionError: assert " prefix a terminal report puts before the summary.
_SUMMARY_INDENT = 15
_SUMMARY_WIDTH = 80
_INDENT = "  "


def compare_explanation(op: str, left: object, right: object, verbose: int) -> list[str] | None:
    """Explain why ``left <op> right`` is false, as lines of text; None when the values say it all.

    The first line is a summary (``left_repr op right_repr``), followed by an
    empty line and the details: a diff for text, the first differing index and
    extra items for sequences, differing and missing keys for mappings, extra
    items for sets, differing attributes for dataclasses, named tuples and
    attrs classes. *op* is the operator as written in source (``"=="``,
    ``"not in"``, ``"is"``, ...). With *verbose* >= 1 full diffs are shown;
    below 2 the result is cut to a few lines. A failing ``__eq__`` or
    ``__repr__`` never escapes: it is reported in the lines instead.
    """
    try:
        details = _details(op, left, right, verbose)
    except Exception as exc:
        details = [f"(explaining the comparison failed: {safe_repr(exc)})"]
    if not details:
        return None
    repr_size = None if verbose >= 2 else (_SUMMARY_WIDTH - _SUMMARY_INDENT - len(op) - 2) // 2
    summary = f"{safe_repr(left, repr_size)} {op} {safe_repr(right, repr_size)}"
    lines = [summary, "", *details]
    return lines if verbose >= 2 else truncate_explanation(lines)


def _details(op: str, left: object, right: object, verbose: int) -> list[str]:
    if op == "==":
        return _explain_not_equal(left, right, verbose)
    if op == "is":
        return _explain_not_identical(left, right)
    if op == "not in":
        return _explain_contained(left, right, verbose)
    if op in ("<=", ">=", "<", ">") and isinstance(left, Set) and isinstance(right, Set):
        return _explain_set_order(op, left, right, verbose)
    return []


def _repr(obj: object, verbose: int) -> str:
    return safe_repr(obj, None if verbose >= 2 else DEFAULT_MAX_SIZE)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _explain_not_equal(left: object, right: object, verbose: int) -> list[str]:
    if isinstance(left, str) and isinstance(right, str):
        return _diff_text(left, right, verbose)
    if isinstance(left, bytes) and isinstance(right, bytes):
        return _diff_text(_bytes_as_text(left), _bytes_as_text(right), verbose)
    if type(left) is type(right):
        attributes = _compared_attributes(left)
        if attributes is not None:
            return _explain_attributes(left, right, attributes, verbose)
        if type(left).__eq__ is object.__eq__:
            return [
                f"{type(left).__qualname__} does not define __eq__, so two of its objects are equal "
                "only if they are the same object"
            ]
    if _is_sequence(left) and _is_sequence(right):
        differences = _sequence_differences(left, right, verbose)
    elif isinstance(left, Set) and isinstance(right, Set):
        differences = _set_differences(left, right, verbose)
    elif isinstance(left, Mapping) and isinstance(right, Mapping):
        differences = _mapping_differences(left, right, verbose)
    else:
        return _same_repr_note(left, right, verbose)
    if not differences and type(left) is not type(right):
        differences = [f"Types differ: {type(left).__qualname__} != {type(right).__qualname__}"]
    return differences + _full_diff(left, right, verbose)


def _bytes_as_text(value: bytes) -> str:
    # The escaped form keeps every byte visible while letting line breaks drive the diff.
    return repr(value)[2:-1].replace(r"\n", "\n")


def _is_sequence(value: object) -> TypeGuard[Sequence[Any]]:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def _same_repr_note(left: object, right: object, verbose: int) -> list[str]:
    if _repr(left, verbose) != _repr(right, verbose):
        return []
    note = "Both sides have the same repr but compare unequal"
    if type(left) is not type(right):
        note += f" (types {type(left).__qualname__} and {type(right).__qualname__})"
    return [note]


def _diff_text(left: str, right: str, verbose: int) -> list[str]:
    lines: list[str] = []
    if verbose < 1:
        left, right, lines = _skip_identical_ends(left, right)
    left_lines, right_lines = left.splitlines(), right.splitlines()
    if left.isspace() or right.isspace():
        left_lines, right_lines = [repr(left)], [repr(right)]
        lines.append("Strings contain only whitespace, escaping them using repr()")
    elif left_lines == right_lines:
        # Only line endings differ: show each line escaped so they can be seen.
        left_lines = [repr(line) for line in left.splitlines(keepends=True)]
        right_lines = [repr(line) for line in right.splitlines(keepends=True)]
        lines.append("Strings differ only in line endings, escaping them using repr()")
    elif left.endswith("\n") != right.endswith("\n"):
        side = "Left" if left.endswith("\n") else "Right"
        lines.append(f"{side} ends with a newline, the other side does not")
    # The right side is the expected value: lines only it has are marked "-",
    # lines only the left (actual) side has are marked "+".
    import difflib  # only a failing comparison pays for it

    lines.extend(line.rstrip("\n") for line in difflib.ndiff(right_lines, left_lines))
    return lines


def _skip_identical_ends(left: str, right: str) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    prefix = _common_prefix_length(left, right)
    if prefix > _TEXT_CONTEXT_THRESHOLD:
        skipped = prefix - _TEXT_CONTEXT
        notes.append(f"Skipping {skipped} identical leading characters in diff, use -v to show")
        left, right = left[skipped:], right[skipped:]
        prefix = _TEXT_CONTEXT
    suffix = _common_suffix_length(left, right, limit=min(len(left), len(right)) - prefix)
    if suffix > _TEXT_CONTEXT_THRESHOLD:
        skipped = suffix - _TEXT_CONTEXT
        notes.append(f"Skipping {skipped} identical trailing characters in diff, use -v to show")
        left, right = left[: len(left) - skipped], right[: len(right) - skipped]
    return left, right, notes


def _common_prefix_length(left: str, right: str) -> int:
    length = 0
    for left_char, right_char in zip(left, right, strict=False):
        if left_char != right_char:
            break
        length += 1
    return length


def _common_suffix_length(left: str, right: str, limit: int) -> int:
    length = 0
    while length < limit and left[-1 - length] == right[-1 - length]:
        length += 1
    return length


def _compared_attributes(value: object) -> list[str] | None:
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        params = getattr(cls, "__dataclass_params__", None)
        if params is None or not params.eq:
            return None
        return [field.name for field in dataclasses.fields(cls) if field.compare]
    attrs_attributes = getattr(cls, "__attrs_attrs__", None)
    if attrs_attributes is not None:
        return [attribute.name for attribute in attrs_attributes if getattr(attribute, "eq", True)]
    if isinstance(value, tuple) and hasattr(cls, "_fields"):
        return list(cls._fields)
    return None


def _explain_attributes(left: object, right: object, attributes: list[str], verbose: int) -> list[str]:
    matching: list[str] = []
    differing: list[str] = []
    for name in attributes:
        (matching if getattr(left, name) == getattr(right, name) else differing).append(name)
    lines: list[str] = []
    if matching and verbose < 2:
        lines.append(f"Omitting {_plural(len(matching), 'identical attribute')}, use -vv to show")
    elif matching:
        lines.append("Matching attributes:")
        lines.extend(safe_format(matching).splitlines())
    if differing:
        lines.append("Differing attributes:")
        lines.extend(safe_format(differing).splitlines())
    for name in differing:
        left_value, right_value = getattr(left, name), getattr(right, name)
        lines.append("")
        lines.append(f"Drill down into differing attribute {name}:")
        lines.append(f"{_INDENT}{name}: {_repr(left_value, verbose)} != {_repr(right_value, verbose)}")
        lines.extend(
            _INDENT + line if line else line for line in _explain_not_equal(left_value, right_value, verbose)
        )
    return lines


def _sequence_differences(left: Sequence[Any], right: Sequence[Any], verbose: int) -> list[str]:
    lines: list[str] = []
    for index, (left_item, right_item) in enumerate(zip(left, right, strict=False)):
        if left_item != right_item:
            lines.append(
                f"At index {index} diff: {_repr(left_item, verbose)} != {_repr(right_item, verbose)}"
            )
            break
    surplus = len(left) - len(right)
    if surplus:
        side, longer, shorter = ("Left", left, right) if surplus > 0 else ("Right", right, left)
        first_extra = _repr(longer[len(shorter)], verbose)
        if abs(surplus) == 1:
            lines.append(f"{side} contains one more item: {first_extra}")
        else:
            lines.append(f"{side} contains {abs(surplus)} more items, first extra item: {first_extra}")
    return lines


def _set_differences(left: Set[Any], right: Set[Any], verbose: int) -> list[str]:
    return _extra_set_items("left", left, right, verbose) + _extra_set_items("right", right, left, verbose)


def _extra_set_items(side: str, items: Set[Any], other: Set[Any], verbose: int) -> list[str]:
    extra = _sorted_for_display([item for item in items if item not in other], verbose)
    if not extra:
        return []
    return [f"Extra items in the {side} set:", *(_repr(item, verbose) for item in extra)]


def _sorted_for_display(items: list[Any], verbose: int) -> list[Any]:
    try:
        return sorted(items)
    except Exception:
        return sorted(items, key=lambda item: _repr(item, verbose))


def _mapping_differences(left: Mapping[Any, Any], right: Mapping[Any, Any], verbose: int) -> list[str]:
    same: dict[Any, Any] = {}
    differing: list[Any] = []
    for key, value in left.items():
        if key in right:
            if value == right[key]:
                same[key] = value
            else:
                differing.append(key)
    lines: list[str] = []
    if same and verbose < 2:
        lines.append(f"Omitting {_plural(len(same), 'identical item')}, use -vv to show")
    elif same:
        lines.append("Common items:")
        lines.extend(safe_format(same).splitlines())
    differences: list[str] = []
    if differing:
        differences.append("Differing items:")
        differences.extend(
            f"{_repr({key: left[key]}, verbose)} != {_repr({key: right[key]}, verbose)}" for key in differing
        )
    differences.extend(_extra_mapping_items("Left", left, right))
    differences.extend(_extra_mapping_items("Right", right, left))
    return lines + differences if differences else []


def _extra_mapping_items(side: str, mapping: Mapping[Any, Any], other: Mapping[Any, Any]) -> list[str]:
    extra = {key: value for key, value in mapping.items() if key not in other}
    if not extra:
        return []
    return [f"{side} contains {_plural(len(extra), 'more item')}:", *safe_format(extra).splitlines()]


def _full_diff(left: Iterable[Any], right: Iterable[Any], verbose: int) -> list[str]:
    if verbose < 1:
        return ["Use -v to get more diff"]
    left_lines = safe_format(left).splitlines()
    right_lines = safe_format(right).splitlines()
    # As for text, the right side is the expected one and is marked "-".
    import difflib  # only a failing comparison pays for it

    return ["", "Full diff:", *(line.rstrip() for line in difflib.ndiff(right_lines, left_lines))]


def _explain_not_identical(left: object, right: object) -> list[str]:
    if left is not right and left == right:
        return ["The two sides are equal but are different objects"]
    return []


def _explain_contained(item: object, container: object, verbose: int) -> list[str]:
    if isinstance(item, str) and isinstance(container, str):
        return _locate_in_text(item, container, verbose)
    if isinstance(container, Mapping):
        return [f"{_repr(item, verbose)} is a key, with value {_repr(container[item], verbose)}"]
    if _is_sequence(container):
        return [f"{_repr(item, verbose)} is contained at index {container.index(item)}"]
    return []


def _locate_in_text(term: str, text: str, verbose: int) -> list[str]:
    start = text.find(term)
    if start < 0:
        return []
    header = f"{safe_repr(term, _TEXT_CONTEXT_THRESHOLD)} is contained here:"
    if "\n" in term:
        return [header, f"{_INDENT}at character {start}"]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    column = start - line_start
    if verbose < 1:
        match_end = column + len(term)
        if len(line) - match_end > _TEXT_CONTEXT_THRESHOLD:
            line = line[: match_end + _TEXT_CONTEXT] + "..."
        if column > _TEXT_CONTEXT_THRESHOLD:
            cut = column - _TEXT_CONTEXT
            line = "..." + line[cut:]
            column = _TEXT_CONTEXT + len("...")
    return [header, _INDENT + line, _INDENT + " " * column + "^" * len(term)]


def _explain_set_order(op: str, left: Set[Any], right: Set[Any], verbose: int) -> list[str]:
    if op in ("<=", "<"):
        lines = _extra_set_items("left", left, right, verbose)
    else:
        lines = _extra_set_items("right", right, left, verbose)
    if not lines and op in ("<", ">") and left == right:
        return ["Both sets are equal"]
    return lines
