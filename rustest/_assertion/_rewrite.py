"""Rewrite the ``assert`` statements of a module so that a failing one explains its values.

``assert f(x) == y`` becomes, in effect::

    assert (@t1 := f((@t0 := x))) == (@t2 := y), @rustest_explain(<recipe>)
    @t0 = @t1 = @t2 = None

Every part keeps its place in the original expression, so each part is
evaluated once and in the original order, ``and`` / ``or`` and chained
comparisons still short-circuit, and a passing assert only pays for storing
the temporaries. How to explain a failure is one constant, a recipe
(:mod:`rustest._assertion._recipe`), that :mod:`rustest._assertion._explain`
reads with the stored values only after the failure: the message of the
assert is :func:`explain` (or :func:`explain_with_message`), which reads them
from the failing frame. Temporaries are named with ``@``, a character no
source-level name can hold, and are cleared after a passing assert so they
keep nothing alive. The statement stays an ``assert``, so ``python -O`` strips
it as it strips any other.

Rewriting runs on every cold import of a test file, so it is kept cheap, and
so is compiling what it makes:

- the nodes of the assert's test are reused in place (the tree is the
  rewriter's to change), and every node made is given its location when made,
  from the source node it stands for or else from the assert, which is where
  tracebacks point;
- the message is one call of a name bound by one import per module;
- the recipe is stored marshalled, as one bytes constant: the compiler takes a
  nested tuple constant apart and merges every piece, bytes it copies whole.
"""

from __future__ import annotations

import ast
import gc
import marshal
import sys
import types
from collections.abc import Callable
from typing import Any, TypedDict

from rustest._assertion import _explain, _recipe
from rustest._assertion._recipe import Recipe, Ref

__all__ = ["OPT_OUT_MARKERS", "compile_rewritten", "explain", "explain_with_message", "rewrite_module"]

#: A module whose docstring contains one of these is compiled unchanged.
OPT_OUT_MARKERS = ("PYTEST_DONT_REWRITE", "RUSTEST_DONT_REWRITE")

# The rewritten module binds the explaining functions under names no source can spell.
_EXPLAIN = "@rustest_explain"
_EXPLAIN_WITH_MESSAGE = "@rustest_explain_with_message"

# Context and operator nodes carry no location, so one of each serves every
# node made, as ``ast.parse`` itself does.
_LOAD = ast.Load()
_STORE = ast.Store()
_AND = ast.And()

_COMPARE_SYMBOLS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}

_UNARY_SYMBOLS: dict[type[ast.unaryop], str] = {
    ast.Not: "not ",
    ast.Invert: "~",
    ast.UAdd: "+",
    ast.USub: "-",
}

_BINARY_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.MatMult: "@",
    ast.Div: "/",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.FloorDiv: "//",
}

# The fields of a statement that can hold asserts: statement lists, and the
# except handlers and match cases whose bodies are statement lists. Asserts
# never sit inside expressions.
# The flag tells a field of clauses from a statement list.
_NESTING_FIELDS = {"body": False, "orelse": False, "finalbody": False, "handlers": True, "cases": True}
_nested_fields: dict[type[ast.stmt], tuple[tuple[str, bool], ...]] = {}


class _Location(TypedDict):
    """Where a node sits in the source: the keyword arguments every statement and expression node takes."""

    lineno: int
    col_offset: int
    end_lineno: int | None
    end_col_offset: int | None


def compile_rewritten(source: bytes, filename: str) -> types.CodeType:
    """Compile module *source* with its asserts rewritten (unless it opts out).

    A syntax error in *source* raises SyntaxError naming *filename* and the
    offending line, exactly as a plain import would.
    """
    # Syntax trees hold no reference cycles, so the cyclic collector would only
    # walk their thousands of short-lived nodes over and over to free nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = ast.parse(source, filename=filename)
        rewrite_module(tree)
        code: types.CodeType = compile(tree, filename, "exec", dont_inherit=True)
    finally:
        if collecting:
            gc.enable()
    return code


def rewrite_module(tree: ast.Module) -> None:
    """Rewrite every assert statement of *tree* in place, at any depth of functions and classes.

    A module whose docstring holds one of :data:`OPT_OUT_MARKERS`, or that has
    no assert at all, is left untouched.
    """
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is not None and any(marker in docstring for marker in OPT_OUT_MARKERS):
        return
    if not _Rewriter().rewrite_block(tree.body):
        return
    position = _import_position(tree.body)
    # Placed on the first line: only a failure to import the runtime would show it.
    tree.body[position:position] = _runtime_imports()


def _import_position(body: list[ast.stmt]) -> int:
    # After the docstring and the __future__ imports, which must come first.
    position = 0
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        position = 1
    while (
        position < len(body)
        and isinstance(body[position], ast.ImportFrom)
        and getattr(body[position], "module", None) == "__future__"
    ):
        position += 1
    return position


def _runtime_imports() -> list[ast.stmt]:
    first_line: _Location = {"lineno": 1, "col_offset": 0, "end_lineno": 1, "end_col_offset": 0}
    names = [
        ast.alias(explain.__name__, _EXPLAIN, **first_line),
        ast.alias(explain_with_message.__name__, _EXPLAIN_WITH_MESSAGE, **first_line),
    ]
    return [ast.ImportFrom(__name__, names, 0, **first_line)]


def explain(encoded_recipe: bytes) -> str:
    """Return the message of a failed rewritten assert that has none of its own.

    Rewritten code calls it, only once the assert has failed, with the
    assert's marshalled recipe; the values the recipe refers to are the local
    variables of the calling frame.
    """
    return str(_explain.failure(marshal.loads(encoded_recipe), sys._getframe(1).f_locals))


def explain_with_message(message: object, encoded_recipe: bytes) -> str:
    """Return the message of a failed rewritten ``assert test, message``: *message*, then the explanation."""
    recipe = marshal.loads(encoded_recipe)
    return str(_explain.failure_with_message(message, recipe, sys._getframe(1).f_locals))


def _location(node: ast.expr | ast.stmt) -> _Location:
    return {
        "lineno": node.lineno,
        "col_offset": node.col_offset,
        "end_lineno": node.end_lineno,
        "end_col_offset": node.end_col_offset,
    }


#: A rewritten part of the test: the expression evaluating it, and the recipe explaining it.
_Part = tuple[ast.expr, Recipe]


class _Rewriter:
    """Rewrite the asserts of one module, numbering their temporaries across it."""

    __slots__ = ("_count", "_used")

    def __init__(self) -> None:
        self._count = 0
        self._used: list[str] = []

    def rewrite_block(self, block: list[ast.stmt]) -> bool:
        """Rewrite the asserts in *block* and the blocks nested in it; return whether there were any."""
        rewritten: list[ast.stmt] | None = None
        found = False
        for index, statement in enumerate(block):
            if isinstance(statement, ast.Assert):
                if rewritten is None:
                    rewritten = block[:index]
                rewritten.extend(self.rewrite_assert(statement))
                continue
            kind = type(statement)
            fields = _nested_fields.get(kind)
            if fields is None:
                fields = _nested_fields[kind] = tuple(
                    (name, _NESTING_FIELDS[name]) for name in kind._fields if name in _NESTING_FIELDS
                )
            for name, holds_clauses in fields:
                nested = getattr(statement, name)
                for inner in (clause.body for clause in nested) if holds_clauses else (nested,):
                    if self.rewrite_block(inner):
                        found = True
            if rewritten is not None:
                rewritten.append(statement)
        if rewritten is None:
            return found
        block[:] = rewritten
        return True

    def rewrite_assert(self, node: ast.Assert) -> list[ast.stmt]:
        """Return the statements replacing *node*: itself, its test made to keep its parts, and a clearing."""
        test = node.test
        if isinstance(test, ast.Tuple) and test.elts:
            # Always true; leaving it alone lets the compiler warn as usual.
            return [node]
        used = self._used = []
        node.test, recipe = self._visit(test)
        at = _location(node)
        arguments: list[ast.expr] = [ast.Constant(marshal.dumps(recipe), **at)]
        if node.msg is None:
            function = ast.Name(_EXPLAIN, _LOAD, **at)
        else:
            function = ast.Name(_EXPLAIN_WITH_MESSAGE, _LOAD, **at)
            arguments.insert(0, node.msg)
        node.msg = ast.Call(function, arguments, [], **at)
        if not used:
            return [node]
        targets: list[ast.expr] = [ast.Name(name, _STORE, **at) for name in used]
        return [node, ast.Assign(targets, ast.Constant(None, **at), **at)]

    def _capture(self, expr: ast.expr) -> tuple[ast.expr, Ref]:
        """Return *expr* made to store its value, and where the value is found after a failure."""
        if isinstance(expr, ast.Constant):
            return expr, (_recipe.CONSTANT, expr.value)
        if isinstance(expr, ast.NamedExpr) and expr.target.id.startswith("@"):
            return expr, expr.target.id
        temporary = f"@t{self._count}"
        self._count += 1
        self._used.append(temporary)
        at = _location(expr)
        return ast.NamedExpr(ast.Name(temporary, _STORE, **at), expr, **at), temporary

    def _visit(self, node: ast.expr) -> _Part:
        visit = _VISITORS.get(type(node))
        if visit is not None:
            return visit(self, node)
        expr, ref = self._capture(node)
        return expr, (_recipe.VALUE, ref)

    def _visit_name(self, name: ast.Name) -> _Part:
        expr, ref = self._capture(name)
        if type(name.ctx) is not ast.Load:
            return expr, (_recipe.VALUE, ref)
        return expr, (_recipe.NAME, ref, name.id)

    def _visit_constant(self, constant: ast.Constant) -> _Part:
        return constant, (_recipe.CONSTANT, constant.value)

    def _visit_unary(self, unary: ast.UnaryOp) -> _Part:
        unary.operand, operand = self._visit_operand(unary.operand)
        return unary, (_recipe.UNARY, _UNARY_SYMBOLS[type(unary.op)], operand)

    def _visit_binary(self, binary: ast.BinOp) -> _Part:
        binary.left, left = self._visit_operand(binary.left)
        binary.right, right = self._visit_operand(binary.right)
        return binary, (_recipe.BINARY, _BINARY_SYMBOLS[type(binary.op)], left, right)

    def _visit_operand(self, node: ast.expr) -> _Part:
        # Judged before visiting: a visited comparison chain is a BoolOp.
        grouped = isinstance(node, ast.Compare) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        )
        expr, recipe = self._visit(node)
        return (expr, (_recipe.GROUP, recipe)) if grouped else (expr, recipe)

    def _visit_attribute(self, attribute: ast.Attribute) -> _Part:
        if type(attribute.ctx) is not ast.Load:
            expr, ref = self._capture(attribute)
            return expr, (_recipe.VALUE, ref)
        attribute.value, owner = self._visit(attribute.value)
        expr, ref = self._capture(attribute)
        return expr, (_recipe.ATTRIBUTE, ref, owner, attribute.attr)

    def _visit_call(self, call: ast.Call) -> _Part:
        function = call.func
        function_recipe: Recipe
        if isinstance(function, ast.Name):
            function_recipe = (_recipe.CALLEE, function.id)
        elif isinstance(function, ast.Attribute):
            function.value, owner = self._visit(function.value)
            function_recipe = (_recipe.METHOD, owner, function.attr)
        else:
            call.func, function_recipe = self._visit(function)
        explained: list[tuple[str, Recipe]] = []
        arguments = call.args
        for index, argument in enumerate(arguments):
            if isinstance(argument, ast.Starred):
                argument.value, recipe = self._visit(argument.value)
                explained.append(("*", recipe))
            else:
                arguments[index], recipe = self._visit(argument)
                explained.append(("", recipe))
        for keyword in call.keywords:
            keyword.value, recipe = self._visit(keyword.value)
            explained.append(("**" if keyword.arg is None else f"{keyword.arg}=", recipe))
        expr, ref = self._capture(call)
        return expr, (_recipe.CALL, ref, function_recipe, tuple(explained))

    def _visit_boolean(self, boolean: ast.BoolOp) -> _Part:
        values = boolean.values
        operands: list[tuple[Recipe, Ref | None]] = []
        last = len(values) - 1
        for index in range(last):
            expr, recipe = self._visit(values[index])
            values[index], ref = self._capture(expr)
            operands.append((recipe, ref))
        # The last operand's truth is the whole expression's: it need not be stored.
        values[last], recipe = self._visit(values[last])
        operands.append((recipe, None))
        symbol = "or" if type(boolean.op) is ast.Or else "and"
        return boolean, (_recipe.BOOLEAN, symbol, tuple(operands))

    def _visit_compare(self, compare: ast.Compare) -> _Part:
        exprs: list[ast.expr] = []
        refs: list[Ref] = []
        recipes: list[Recipe] = []
        for operand in (compare.left, *compare.comparators):
            expr, recipe = self._visit_operand(operand)
            expr, ref = self._capture(expr)
            exprs.append(expr)
            refs.append(ref)
            recipes.append(recipe)
        ops = compare.ops
        if len(ops) == 1:
            compare.left = exprs[0]
            compare.comparators = [exprs[1]]
            symbol = _COMPARE_SYMBOLS[type(ops[0])]
            return compare, (_recipe.COMPARE, ((symbol, refs[0], refs[1], recipes[0], recipes[1], None),))
        # A chain ``a < b < c`` becomes ``(a < b) and (b < c)`` with b evaluated
        # once: the same evaluation and the same result. Each pair but the last
        # stores its outcome, which tells after a failure where the chain stopped.
        at = _location(compare)
        pairs: list[ast.expr] = []
        explained: list[tuple[object, ...]] = []
        for index, op in enumerate(ops):
            left = exprs[0] if index == 0 else _read_back(refs[index], at)
            pair: ast.expr = ast.Compare(left, [op], [exprs[index + 1]], **at)
            outcome: Ref | None = None
            if index < len(ops) - 1:
                pair, outcome = self._capture(pair)
            pairs.append(pair)
            symbol = _COMPARE_SYMBOLS[type(op)]
            explained.append(
                (symbol, refs[index], refs[index + 1], recipes[index], recipes[index + 1], outcome)
            )
        return ast.BoolOp(_AND, pairs, **at), (_recipe.COMPARE, tuple(explained))


# Each visitor takes the node of the type it is listed under.
_VISITORS: dict[type[ast.expr], Callable[[_Rewriter, Any], _Part]] = {
    ast.Name: _Rewriter._visit_name,
    ast.Constant: _Rewriter._visit_constant,
    ast.Attribute: _Rewriter._visit_attribute,
    ast.Call: _Rewriter._visit_call,
    ast.UnaryOp: _Rewriter._visit_unary,
    ast.BinOp: _Rewriter._visit_binary,
    ast.BoolOp: _Rewriter._visit_boolean,
    ast.Compare: _Rewriter._visit_compare,
}


def _read_back(ref: Ref, at: _Location) -> ast.expr:
    # A middle operand of a chain, already evaluated by the previous pair.
    if isinstance(ref, str):
        return ast.Name(ref, _LOAD, **at)
    return ast.Constant(ref[1], **at)
