"""Rewrite the ``assert`` statements of a module so that a failing one explains its values.

``assert f(x) == y`` becomes, in effect::

    if not (@t1 := f((@t0 := x))) == (@t2 := y):
        raise @rustest_ar.failure(<recipe>, @rustest_builtins.locals())
    @t0 = @t1 = @t2 = None

Every part keeps its place in the original expression, so each part is
evaluated once and in the original order, ``and`` / ``or`` and chained
comparisons still short-circuit, and a passing assert only pays for storing
the temporaries. How to explain a failure is one constant, a recipe
(:mod:`rustest._assertion._recipe`), that :mod:`rustest._assertion._explain`
reads with the stored values only after the failure. Temporaries are named
with ``@``, a character no source-level name can hold, and are cleared after a
passing assert so they keep nothing alive.
"""

from __future__ import annotations

import ast
import itertools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from rustest._assertion import _recipe
from rustest._assertion._recipe import Recipe, Ref

__all__ = ["OPT_OUT_MARKERS", "compile_rewritten", "rewrite_module"]

#: A module whose docstring contains one of these is compiled unchanged.
OPT_OUT_MARKERS = ("PYTEST_DONT_REWRITE", "RUSTEST_DONT_REWRITE")

_RUNTIME = "@rustest_ar"
_BUILTINS = "@rustest_builtins"
_RUNTIME_MODULE = "rustest._assertion._explain"

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


def compile_rewritten(source: bytes, filename: str) -> types.CodeType:
    """Compile module *source* with its asserts rewritten (unless it opts out).

    A syntax error in *source* raises SyntaxError naming *filename* and the
    offending line, exactly as a plain import would.
    """
    tree = ast.parse(source, filename=filename)
    rewrite_module(tree)
    code: types.CodeType = compile(tree, filename, "exec", dont_inherit=True)
    return code


def rewrite_module(tree: ast.Module) -> None:
    """Rewrite every assert statement of *tree* in place, at any depth of functions and classes.

    A module whose docstring holds one of :data:`OPT_OUT_MARKERS`, or that has
    no assert at all, is left untouched.
    """
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is not None and any(marker in docstring for marker in OPT_OUT_MARKERS):
        return
    if not any(isinstance(node, ast.Assert) for node in _statements(tree.body)):
        return
    temporaries = (f"@t{number}" for number in itertools.count())
    _rewrite_block(tree.body, temporaries)
    imports = _runtime_imports()
    for statement in imports:
        # Placed on the first line: only a failure to import the runtime would show it.
        ast.fix_missing_locations(statement)
    position = _import_position(tree.body)
    tree.body[position:position] = imports


def _statements(block: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in block:
        yield statement
        for nested in _nested_blocks(statement):
            yield from _statements(nested)


def _nested_blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    # Asserts live only in statement lists (bodies, else/finally blocks, except
    # handlers, match cases), never inside expressions, so only those are walked.
    for _, field in ast.iter_fields(statement):
        if not isinstance(field, list) or not field:
            continue
        if isinstance(field[0], ast.stmt):
            yield field
        elif isinstance(field[0], (ast.ExceptHandler, ast.match_case)):
            for clause in field:
                yield clause.body


def _rewrite_block(block: list[ast.stmt], temporaries: Iterator[str]) -> None:
    rewritten: list[ast.stmt] = []
    for statement in block:
        if isinstance(statement, ast.Assert):
            rewritten.extend(_AssertRewriter(temporaries).rewrite(statement))
        else:
            for nested in _nested_blocks(statement):
                _rewrite_block(nested, temporaries)
            rewritten.append(statement)
    block[:] = rewritten


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
    return [
        ast.Import(names=[ast.alias(name=_RUNTIME_MODULE, asname=_RUNTIME)]),
        ast.Import(names=[ast.alias(name="builtins", asname=_BUILTINS)]),
    ]


@dataclass
class _Part:
    """A rewritten part of the test: the expression evaluating it, and the recipe explaining it."""

    expr: ast.expr
    recipe: Recipe


def _load(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _runtime_call(module_alias: str, function: str, *args: ast.expr) -> ast.Call:
    # The rewritten module binds the helper modules under names no source can spell.
    return ast.Call(
        func=ast.Attribute(value=_load(module_alias), attr=function, ctx=ast.Load()),
        args=list(args),
        keywords=[],
    )


class _AssertRewriter:
    """Rewrite one assert statement, drawing temporary names from a module-wide supply."""

    def __init__(self, temporaries: Iterator[str]) -> None:
        self._temporaries = temporaries
        self._used: list[str] = []

    def rewrite(self, node: ast.Assert) -> list[ast.stmt]:
        """Return the statements replacing *node*."""
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            # Always true; leaving it alone lets the compiler warn as usual.
            return [node]
        test = self._visit(node.test)
        # The compiler takes tuples of constants as one constant; typeshed's stub
        # of ast.Constant lists only scalars.
        recipe = ast.Constant(value=cast(Any, test.recipe))
        frame_locals = _runtime_call(_BUILTINS, "locals")
        if node.msg is None:
            error = _runtime_call(_RUNTIME, "failure", recipe, frame_locals)
        else:
            error = _runtime_call(_RUNTIME, "failure_with_message", node.msg, recipe, frame_locals)
        check = ast.If(
            test=ast.UnaryOp(op=ast.Not(), operand=test.expr),
            body=[ast.Raise(exc=error, cause=None)],
            orelse=[],
        )
        statements: list[ast.stmt] = [check]
        if self._used:
            targets: list[ast.expr] = [ast.Name(id=name, ctx=ast.Store()) for name in self._used]
            statements.append(ast.Assign(targets=targets, value=ast.Constant(value=None)))
        for statement in statements:
            _fill_locations(statement, node)
        return statements

    def _capture(self, expr: ast.expr) -> tuple[ast.expr, Ref]:
        """Return *expr* made to store its value, and where the value is found after a failure."""
        if isinstance(expr, ast.Constant):
            return expr, (_recipe.CONSTANT, expr.value)
        if isinstance(expr, ast.NamedExpr) and expr.target.id.startswith("@"):
            return expr, expr.target.id
        temporary = next(self._temporaries)
        self._used.append(temporary)
        target = ast.copy_location(ast.Name(id=temporary, ctx=ast.Store()), expr)
        return ast.copy_location(ast.NamedExpr(target=target, value=expr), expr), temporary

    def _visit(self, node: ast.expr) -> _Part:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            expr, ref = self._capture(node)
            return _Part(expr, (_recipe.NAME, ref, node.id))
        if isinstance(node, ast.Constant):
            return _Part(node, (_recipe.CONSTANT, node.value))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            return self._visit_attribute(node)
        if isinstance(node, ast.Call):
            return self._visit_call(node)
        if isinstance(node, ast.UnaryOp):
            operand = self._visit_operand(node.operand)
            expr = ast.copy_location(ast.UnaryOp(op=node.op, operand=operand.expr), node)
            return _Part(expr, (_recipe.UNARY, _UNARY_SYMBOLS[type(node.op)], operand.recipe))
        if isinstance(node, ast.BinOp):
            left = self._visit_operand(node.left)
            right = self._visit_operand(node.right)
            expr = ast.copy_location(ast.BinOp(left=left.expr, op=node.op, right=right.expr), node)
            return _Part(expr, (_recipe.BINARY, _BINARY_SYMBOLS[type(node.op)], left.recipe, right.recipe))
        if isinstance(node, ast.BoolOp):
            return self._visit_boolean(node)
        if isinstance(node, ast.Compare):
            return self._visit_compare(node)
        expr, ref = self._capture(node)
        return _Part(expr, (_recipe.VALUE, ref))

    def _visit_operand(self, node: ast.expr) -> _Part:
        part = self._visit(node)
        if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return _Part(part.expr, (_recipe.GROUP, part.recipe))
        return part

    def _visit_attribute(self, node: ast.Attribute) -> _Part:
        owner = self._visit(node.value)
        attribute = ast.copy_location(ast.Attribute(value=owner.expr, attr=node.attr, ctx=ast.Load()), node)
        expr, ref = self._capture(attribute)
        return _Part(expr, (_recipe.ATTRIBUTE, ref, owner.recipe, node.attr))

    def _visit_call(self, node: ast.Call) -> _Part:
        function: ast.expr
        if isinstance(node.func, ast.Name):
            function = node.func
            function_recipe: Recipe = (_recipe.CALLEE, node.func.id)
        elif isinstance(node.func, ast.Attribute):
            owner = self._visit(node.func.value)
            function = ast.copy_location(
                ast.Attribute(value=owner.expr, attr=node.func.attr, ctx=ast.Load()), node.func
            )
            function_recipe = (_recipe.METHOD, owner.recipe, node.func.attr)
        else:
            callee = self._visit(node.func)
            function, function_recipe = callee.expr, callee.recipe
        arguments: list[ast.expr] = []
        explained: list[tuple[str, Recipe]] = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                part = self._visit(argument.value)
                arguments.append(ast.copy_location(ast.Starred(value=part.expr, ctx=ast.Load()), argument))
                explained.append(("*", part.recipe))
            else:
                part = self._visit(argument)
                arguments.append(part.expr)
                explained.append(("", part.recipe))
        keywords: list[ast.keyword] = []
        for keyword in node.keywords:
            part = self._visit(keyword.value)
            keywords.append(ast.copy_location(ast.keyword(arg=keyword.arg, value=part.expr), keyword))
            explained.append(("**" if keyword.arg is None else f"{keyword.arg}=", part.recipe))
        rewritten = ast.copy_location(ast.Call(func=function, args=arguments, keywords=keywords), node)
        expr, ref = self._capture(rewritten)
        return _Part(expr, (_recipe.CALL, ref, function_recipe, tuple(explained)))

    def _visit_boolean(self, node: ast.BoolOp) -> _Part:
        exprs: list[ast.expr] = []
        operands: list[tuple[Recipe, Ref | None]] = []
        for operand in node.values[:-1]:
            part = self._visit(operand)
            expr, ref = self._capture(part.expr)
            exprs.append(expr)
            operands.append((part.recipe, ref))
        # The last operand's truth is the whole expression's: it need not be stored.
        last = self._visit(node.values[-1])
        exprs.append(last.expr)
        operands.append((last.recipe, None))
        expr = ast.copy_location(ast.BoolOp(op=node.op, values=exprs), node)
        symbol = "or" if isinstance(node.op, ast.Or) else "and"
        return _Part(expr, (_recipe.BOOLEAN, symbol, tuple(operands)))

    def _visit_compare(self, node: ast.Compare) -> _Part:
        exprs: list[ast.expr] = []
        refs: list[Ref] = []
        recipes: list[Recipe] = []
        for operand in (node.left, *node.comparators):
            part = self._visit_operand(operand)
            expr, ref = self._capture(part.expr)
            exprs.append(expr)
            refs.append(ref)
            recipes.append(part.recipe)
        # A chain ``a < b < c`` becomes ``(a < b) and (b < c)`` with b evaluated
        # once: the same evaluation and the same result. Each pair but the last
        # stores its outcome, which tells after a failure where the chain stopped.
        pairs: list[ast.expr] = []
        explained: list[tuple[object, ...]] = []
        for index, op in enumerate(node.ops):
            left = exprs[0] if index == 0 else ast.copy_location(_read_back(refs[index]), node)
            pair: ast.expr = ast.copy_location(
                ast.Compare(left=left, ops=[op], comparators=[exprs[index + 1]]), node
            )
            outcome: Ref | None = None
            if index < len(node.ops) - 1:
                pair, outcome = self._capture(pair)
            pairs.append(pair)
            symbol = _COMPARE_SYMBOLS[type(op)]
            explained.append(
                (symbol, refs[index], refs[index + 1], recipes[index], recipes[index + 1], outcome)
            )
        expr = (
            pairs[0] if len(pairs) == 1 else ast.copy_location(ast.BoolOp(op=ast.And(), values=pairs), node)
        )
        return _Part(expr, (_recipe.COMPARE, tuple(explained)))


def _fill_locations(node: ast.AST, reference: ast.AST) -> None:
    """Give *reference*'s location to every node under *node* that has none.

    Unlike ``ast.fix_missing_locations`` this does not descend into nodes that
    have a location: they come from the source, or were placed when made,
    together with everything below them. Walking only the few nodes made
    without one keeps rewriting fast.
    """
    pending = [node]
    while pending:
        current = pending.pop()
        if "lineno" in current._attributes:
            if getattr(current, "lineno", None) is not None:
                continue
            ast.copy_location(current, reference)
        pending.extend(ast.iter_child_nodes(current))


def _read_back(ref: Ref) -> ast.expr:
    # A middle operand of a chain, already evaluated by the previous pair.
    return _load(ref) if isinstance(ref, str) else ast.Constant(value=ref[1])
