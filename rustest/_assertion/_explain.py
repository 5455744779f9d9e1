"""Build the message of a failed rewritten assert from the values its parts evaluated to.

Rewritten modules call these functions only after an assert has failed, so
nothing here costs a passing assert anything. Each function turns one piece of
the asserted expression into an :class:`Explanation`; the assert's
``AssertionError`` is made from the explanation of the whole test. No
function here raises because a value's ``__repr__``, ``__bool__`` or
``__eq__`` does.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

from rustest._assertion._compare import compare_explanation
from rustest._assertion._saferepr import DEFAULT_MAX_SIZE, safe_repr

__all__ = [
    "DetailGroup",
    "Explanation",
    "Where",
    "assertion_error",
    "assertion_error_with_message",
    "attribute",
    "binary",
    "boolean",
    "call",
    "callee",
    "compare",
    "get_verbosity",
    "group",
    "is_false",
    "is_true",
    "method",
    "name",
    "render",
    "set_verbosity",
    "unary",
    "value",
]

_INDENT = "  "

_verbosity = 0


def set_verbosity(level: int) -> None:
    """Set how much failed asserts show: 0 is short, 1 adds full diffs, 2 and more disables truncation."""
    global _verbosity
    _verbosity = level


def get_verbosity() -> int:
    """Return the verbosity set by :func:`set_verbosity` (0 unless changed)."""
    return _verbosity


@dataclass(frozen=True)
class Where:
    """One ``where <value> = <expression>`` line, with the lines that explain its own parts."""

    text: str
    nested: tuple[Where, ...] = ()


@dataclass(frozen=True)
class DetailGroup:
    """The details of one failed comparison (a diff, differing items...), under the comparison's text."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """How one part of an asserted expression reads with its values filled in."""

    text: str
    wheres: tuple[Where, ...] = ()
    details: tuple[DetailGroup, ...] = ()


def _repr(obj: object) -> str:
    return safe_repr(obj, None if _verbosity >= 2 else DEFAULT_MAX_SIZE)


def _is_shown_by_name(obj: object) -> bool:
    # Functions, classes and modules read better by name than by repr.
    try:
        return callable(obj) or hasattr(obj, "__name__")
    except Exception:
        return False


def _combine_wheres(*parts: Explanation) -> tuple[Where, ...]:
    return tuple(where for part in parts for where in part.wheres)


def _combine_details(*parts: Explanation) -> tuple[DetailGroup, ...]:
    return tuple(detail for part in parts for detail in part.details)


def value(obj: object) -> Explanation:
    """Explain a value shown as its repr (a constant, or an expression not broken down further)."""
    return Explanation(_repr(obj))


def name(obj: object, identifier: str, is_local: bool) -> Explanation:
    """Explain a variable: its repr, or its name for a module, a class, or a global function."""
    if isinstance(obj, (types.ModuleType, type)) or (not is_local and _is_shown_by_name(obj)):
        return Explanation(identifier)
    return Explanation(_repr(obj))


def callee(identifier: str) -> Explanation:
    """Explain the name of a called function, shown as written."""
    return Explanation(identifier)


def group(part: Explanation) -> Explanation:
    """Parenthesize a part that would read ambiguously inside a larger expression."""
    return Explanation(f"({part.text})", part.wheres, part.details)


def attribute(result: object, owner: Explanation, attr: str) -> Explanation:
    """Explain ``owner.attr``: its value, with a where-line showing where it came from."""
    expression = f"{owner.text}.{attr}"
    if _is_shown_by_name(result):
        return Explanation(expression, owner.wheres, owner.details)
    return _with_where(_repr(result), expression, (owner,))


def method(owner: Explanation, attr: str) -> Explanation:
    """Explain the method in a call ``owner.attr(...)``, shown as written."""
    return Explanation(f"{owner.text}.{attr}", owner.wheres, owner.details)


def call(
    result: object, function: Explanation, arguments: tuple[tuple[str, Explanation], ...]
) -> Explanation:
    """Explain a call: its result, with a where-line showing the call and its argument values.

    Each argument comes with its prefix as written: ``""``, ``"*"``, ``"**"`` or ``"name="``.
    """
    argument_text = ", ".join(prefix + part.text for prefix, part in arguments)
    parts = (function, *(part for _, part in arguments))
    return _with_where(_repr(result), f"{function.text}({argument_text})", parts)


def _with_where(shown: str, expression: str, parts: tuple[Explanation, ...]) -> Explanation:
    # "where range(1, 3) = range(1, 3)" tells nothing: such a line is left out
    # and the lines explaining its parts move up in its place.
    nested = _combine_wheres(*parts)
    wheres = nested if shown == expression else (Where(f"{shown} = {expression}", nested),)
    return Explanation(shown, wheres, _combine_details(*parts))


def unary(symbol: str, operand: Explanation) -> Explanation:
    """Explain a unary operation (``not x``, ``-x``, ``+x``, ``~x``)."""
    return Explanation(f"{symbol}{operand.text}", operand.wheres, operand.details)


def binary(symbol: str, left: Explanation, right: Explanation) -> Explanation:
    """Explain a binary operation such as ``a + b``, parenthesized."""
    return Explanation(
        f"({left.text} {symbol} {right.text})",
        _combine_wheres(left, right),
        _combine_details(left, right),
    )


def boolean(symbol: str, evaluated: list[Explanation], operand_count: int) -> Explanation:
    """Explain ``a and b`` / ``a or b`` from the operands evaluated before it short-circuited.

    Operands never evaluated are shown as ``...``.
    """
    texts = [part.text for part in evaluated]
    if len(evaluated) < operand_count:
        texts.append("...")
    return Explanation(
        "(" + f" {symbol} ".join(texts) + ")",
        _combine_wheres(*evaluated),
        _combine_details(*evaluated),
    )


def compare(
    symbol: str,
    left_value: object,
    right_value: object,
    left: Explanation,
    right: Explanation,
    explain: bool,
) -> Explanation:
    """Explain one comparison; with *explain* (it is false and that matters), add its diff or details."""
    text = f"{left.text} {symbol} {right.text}"
    details = _combine_details(left, right)
    if explain:
        lines = compare_explanation(symbol, left_value, right_value, _verbosity)
        if lines:
            # The summary line repeats the comparison, which the text already shows.
            details += (DetailGroup(text, tuple(lines[2:])),)
    return Explanation(text, _combine_wheres(left, right), details)


def is_true(obj: object) -> bool:
    """Tell whether *obj* is true, treating a failing ``__bool__`` as false."""
    try:
        return bool(obj)
    except Exception:
        return False


def is_false(obj: object) -> bool:
    """Tell whether *obj* is false, treating a failing ``__bool__`` as true."""
    try:
        return not obj
    except Exception:
        return False


def render(explanation: Explanation) -> str:
    """Render the explanation of a whole asserted expression as the failure message."""
    lines = [f"assert {explanation.text}"]
    lines.extend(_render_wheres(explanation.wheres, depth=1))
    only_group = len(explanation.details) == 1 and explanation.details[0].heading == explanation.text
    for detail in explanation.details:
        lines.append("")
        if only_group:
            lines.extend(_indent(detail.lines, 1))
        else:
            lines.append(f"{_INDENT}{detail.heading}:")
            lines.extend(_indent(detail.lines, 2))
    return "\n".join(lines)


def _render_wheres(wheres: tuple[Where, ...], depth: int) -> list[str]:
    lines: list[str] = []
    for position, where in enumerate(wheres):
        word = "where" if position == 0 else "and  "
        lines.append(f" +{_INDENT * depth}{word} {where.text}")
        lines.extend(_render_wheres(where.nested, depth + 1))
    return lines


def _indent(lines: tuple[str, ...], levels: int) -> list[str]:
    return [_INDENT * levels + line if line else line for line in lines]


def assertion_error(explanation: Explanation) -> AssertionError:
    """Return the AssertionError for a failed assert without a message."""
    return AssertionError(render(explanation))


def assertion_error_with_message(message: object, explanation: Explanation) -> AssertionError:
    """Return the AssertionError for a failed ``assert test, message``: the message, then the explanation."""
    shown = message if isinstance(message, str) else _repr(message)
    return AssertionError(f"{shown}\n{render(explanation)}")
