"""The recipe: constant data by which a rewritten assert tells how to explain its failure.

The rewriter turns each assert's test into a recipe, stored as one constant in
the module's code; on failure the runtime reads the recipe together with the
frame's local variables (where the rewritten code stored every value it
evaluated) and builds the message. A recipe is a nested tuple whose first
item names its kind:

``(CONSTANT, value)``
    a literal in the source.
``(VALUE, ref)``
    any expression not broken down further, shown as its value.
``(NAME, ref, identifier)``
    a variable.
``(CALLEE, identifier)``
    the name of a called function, shown as written.
``(GROUP, recipe)``
    a part shown in parentheses.
``(ATTRIBUTE, ref, owner, attr)``
    ``owner.attr``.
``(METHOD, owner, attr)``
    the function of a call ``owner.attr(...)``, shown as written.
``(CALL, ref, function, ((prefix, argument), ...))``
    a call; *prefix* is ``""``, ``"*"``, ``"**"`` or ``"name="``.
``(UNARY, symbol, operand)`` and ``(BINARY, symbol, left, right)``
    operators.
``(BOOLEAN, symbol, ((operand, ref), ...))``
    ``and`` / ``or``; the operand values tell where it short-circuited (the
    last operand's ref is None: its truth is the whole expression's).
``(COMPARE, ((symbol, left_ref, right_ref, left, right, outcome_ref), ...))``
    a comparison or a chain of them, one entry per pair; *outcome_ref* tells
    whether the chain went on after that pair (None for the last pair).

A *ref* is the name of the temporary holding the value, or
``(CONSTANT, value)`` for a literal.
"""

from __future__ import annotations

from typing import Any, TypeAlias

__all__ = [
    "ATTRIBUTE",
    "BINARY",
    "BOOLEAN",
    "CALL",
    "CALLEE",
    "COMPARE",
    "CONSTANT",
    "GROUP",
    "METHOD",
    "NAME",
    "UNARY",
    "VALUE",
    "Recipe",
    "Ref",
]

#: A recipe: a nested tuple of constants, its first item one of the kinds below.
Recipe: TypeAlias = tuple[Any, ...]
#: Where a value is: a temporary's name, or ``(CONSTANT, value)``.
Ref: TypeAlias = "str | tuple[str, Any]"

CONSTANT = "constant"
VALUE = "value"
NAME = "name"
CALLEE = "callee"
GROUP = "group"
ATTRIBUTE = "attribute"
METHOD = "method"
CALL = "call"
UNARY = "unary"
BINARY = "binary"
BOOLEAN = "boolean"
COMPARE = "compare"
