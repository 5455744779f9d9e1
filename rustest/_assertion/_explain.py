"""Build the message of a failed rewritten assert from its recipe and the values its parts evaluated to.

Rewritten modules call :func:`failure` or :func:`failure_with_message` only
after an assert has failed, so nothing here costs a passing assert anything.
Each part of the recipe (see :mod:`rustest._assertion._recipe`) becomes an
:class:`Explanation`; the ``AssertionError`` is made from the explanation of
the whole test. Nothing here raises because a value's ``__repr__``,
``__bool__`` or ``__eq__`` does.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rustest._assertion._compare import compare_explanation
from rustest._assertion._recipe import (
    ATTRIBUTE,
    BINARY,
    BOOLEAN,
    CALL,
    CALLEE,
    COMPARE,
    CONSTANT,
    GROUP,
    METHOD,
    NAME,
    UNARY,
    VALUE,
    Recipe,
    Ref,
)
from rustest._assertion._saferepr import DEFAULT_MAX_SIZE, safe_repr
from rustest._assertion._verbosity import get_verbosity

__all__ = [
    "DetailGroup",
    "Explanation",
    "Where",
    "failure",
    "failure_with_message",
    "render",
]

_INDENT = "  "


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
    return safe_repr(obj, None if get_verbosity() >= 2 else DEFAULT_MAX_SIZE)


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


def _resolve(ref: Ref, frame: Mapping[str, object]) -> object:
    return frame[ref] if isinstance(ref, str) else ref[1]


def _explain(recipe: Recipe, frame: Mapping[str, object], known_false: bool = False) -> Explanation:
    # *known_false*: this part is known to be false and its falseness failed the
    # assert (the whole test, or an operand of and/or that decided it). Only
    # such comparisons get a diff: one inside a call argument would mislead.
    return _BUILDERS[recipe[0]](recipe, frame, known_false)


def _explain_constant(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    return Explanation(_repr(recipe[1]))


def _explain_value(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    return Explanation(_repr(_resolve(recipe[1], frame)))


def _explain_name(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    # Modules, classes and global functions read better by name; variables by value.
    _, ref, identifier = recipe
    obj = _resolve(ref, frame)
    is_local = identifier in frame
    if isinstance(obj, (types.ModuleType, type)) or (not is_local and _is_shown_by_name(obj)):
        return Explanation(identifier)
    return Explanation(_repr(obj))


def _explain_callee(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    return Explanation(recipe[1])


def _explain_group(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    part = _explain(recipe[1], frame, known_false)
    return Explanation(f"({part.text})", part.wheres, part.details)


def _explain_attribute(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    _, ref, owner_recipe, attr = recipe
    owner = _explain(owner_recipe, frame)
    result = _resolve(ref, frame)
    expression = f"{owner.text}.{attr}"
    if _is_shown_by_name(result):
        return Explanation(expression, owner.wheres, owner.details)
    return _with_where(_repr(result), expression, (owner,))


def _explain_method(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    _, owner_recipe, attr = recipe
    owner = _explain(owner_recipe, frame)
    return Explanation(f"{owner.text}.{attr}", owner.wheres, owner.details)


def _explain_call(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    _, ref, function_recipe, argument_recipes = recipe
    function = _explain(function_recipe, frame)
    arguments = [(prefix, _explain(argument, frame)) for prefix, argument in argument_recipes]
    argument_text = ", ".join(prefix + part.text for prefix, part in arguments)
    parts = (function, *(part for _, part in arguments))
    return _with_where(_repr(_resolve(ref, frame)), f"{function.text}({argument_text})", parts)


def _with_where(shown: str, expression: str, parts: tuple[Explanation, ...]) -> Explanation:
    # "where range(1, 3) = range(1, 3)" tells nothing: such a line is left out
    # and the lines explaining its parts move up in its place.
    nested = _combine_wheres(*parts)
    wheres = nested if shown == expression else (Where(f"{shown} = {expression}", nested),)
    return Explanation(shown, wheres, _combine_details(*parts))


def _explain_unary(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    _, symbol, operand_recipe = recipe
    operand = _explain(operand_recipe, frame)
    return Explanation(f"{symbol}{operand.text}", operand.wheres, operand.details)


def _explain_binary(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    _, symbol, left_recipe, right_recipe = recipe
    left, right = _explain(left_recipe, frame), _explain(right_recipe, frame)
    return Explanation(
        f"({left.text} {symbol} {right.text})", _combine_wheres(left, right), _combine_details(left, right)
    )


def _explain_boolean(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    # Only the operands evaluated before the short-circuit are explained (the
    # others hold nothing); the rest are shown as "...". An operand that ended
    # the evaluation decided the value, so it is false when the whole is.
    _, symbol, operands = recipe
    evaluated: list[Explanation] = []
    for operand_recipe, ref in operands:
        if ref is None:
            evaluated.append(_explain(operand_recipe, frame, known_false))
            break
        value = _resolve(ref, frame)
        goes_on = _is_false(value) if symbol == "or" else _is_true(value)
        operand_false = goes_on if symbol == "or" else not goes_on
        evaluated.append(_explain(operand_recipe, frame, known_false and operand_false))
        if not goes_on:
            break
    texts = [part.text for part in evaluated]
    if len(evaluated) < len(operands):
        texts.append("...")
    return Explanation(
        "(" + f" {symbol} ".join(texts) + ")", _combine_wheres(*evaluated), _combine_details(*evaluated)
    )


def _explain_compare(recipe: Recipe, frame: Mapping[str, object], known_false: bool) -> Explanation:
    # The first pair whose outcome is not true ended the chain (the last pair
    # if all earlier ones held).
    _, pairs = recipe
    chosen = pairs[-1]
    for pair in pairs[:-1]:
        if not _is_true(_resolve(pair[5], frame)):
            chosen = pair
            break
    symbol, left_ref, right_ref, left_recipe, right_recipe, _ = chosen
    left, right = _explain(left_recipe, frame), _explain(right_recipe, frame)
    text = f"{left.text} {symbol} {right.text}"
    details = _combine_details(left, right)
    if known_false:
        left_value, right_value = _resolve(left_ref, frame), _resolve(right_ref, frame)
        lines = compare_explanation(symbol, left_value, right_value, get_verbosity())
        if lines:
            # The summary line repeats the comparison, which the text already shows.
            details += (DetailGroup(text, tuple(lines[2:])),)
    return Explanation(text, _combine_wheres(left, right), details)


_BUILDERS: dict[str, Callable[[Recipe, Mapping[str, object], bool], Explanation]] = {
    CONSTANT: _explain_constant,
    VALUE: _explain_value,
    NAME: _explain_name,
    CALLEE: _explain_callee,
    GROUP: _explain_group,
    ATTRIBUTE: _explain_attribute,
    METHOD: _explain_method,
    CALL: _explain_call,
    UNARY: _explain_unary,
    BINARY: _explain_binary,
    BOOLEAN: _explain_boolean,
    COMPARE: _explain_compare,
}


def _is_true(obj: object) -> bool:
    # A __bool__ that fails now is read as "stopped here": never look further.
    try:
        return bool(obj)
    except Exception:
        return False


def _is_false(obj: object) -> bool:
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


def failure(recipe: Recipe, frame: Mapping[str, object]) -> AssertionError:
    """Return the AssertionError for a failed assert without a message."""
    return AssertionError(_describe(recipe, frame))


def failure_with_message(message: object, recipe: Recipe, frame: Mapping[str, object]) -> AssertionError:
    """Return the AssertionError for a failed ``assert test, message``: the message, then the explanation."""
    shown = message if isinstance(message, str) else _repr(message)
    return AssertionError(f"{shown}\n{_describe(recipe, frame)}")


def _describe(recipe: Recipe, frame: Mapping[str, object]) -> str:
    # Explaining must never hide the failure itself: a value whose __bool__
    # answers differently the second time could send the replay astray.
    try:
        return render(_explain(recipe, frame, known_false=True))
    except Exception as exc:
        return f"assert <the failure could not be explained: {safe_repr(exc)}>"
