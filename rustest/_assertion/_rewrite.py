"""Rewrite the ``assert`` statements of a module so that a failing one explains its values.

``assert f(x) == y`` becomes, in effect::

    if not (@t2 := (@t1 := f((@t0 := x))) == (@t3 := y)):
        raise <explanation built from @t0.. @t3>
    @t0 = @t1 = @t2 = @t3 = None

Every part keeps its place in the original expression, so each part is
evaluated once and in the original order, ``and`` / ``or`` and chained
comparisons still short-circuit, and a passing assert only pays for storing
the temporaries. The explanation is built by :mod:`rustest._assertion._explain`
after the failure, from the stored values. Temporaries are named with ``@``, a
character no source-level name can hold, and are cleared after a passing
assert so they keep nothing alive.
"""

from __future__ import annotations

import ast
import enum
import itertools
import types
from collections.abc import Iterator
from dataclasses import dataclass

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
    position = _import_position(tree.body)
    tree.body[position:position] = _runtime_imports()
    ast.fix_missing_locations(tree)


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


class _Context(enum.Enum):
    """Where a part of the test sits, which decides whether a false comparison there is explained."""

    #: The whole asserted expression: it is known to be false.
    TEST = enum.auto()
    #: An operand of ``and`` / ``or`` in the test: its falseness may be why the assert failed.
    TRUTH = enum.auto()
    #: Anything else (a call argument, an operand of ``not``): its truth is not what failed.
    VALUE = enum.auto()


@dataclass
class _Part:
    """A rewritten part of the test: the expression evaluating it, and the one explaining it after failure."""

    expr: ast.expr
    explanation: ast.expr


def _load(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _runtime_call(function: str, *args: ast.expr) -> ast.Call:
    # A call to a function of the runtime module, bound in the rewritten module under an unspellable name.
    return ast.Call(
        func=ast.Attribute(value=_load(_RUNTIME), attr=function, ctx=ast.Load()), args=list(args), keywords=[]
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
        test = self._visit(node.test, _Context.TEST)
        if node.msg is None:
            error = _runtime_call("assertion_error", test.explanation)
        else:
            error = _runtime_call("assertion_error_with_message", node.msg, test.explanation)
        check = ast.If(
            test=ast.UnaryOp(op=ast.Not(), operand=test.expr),
            body=[ast.copy_location(ast.Raise(exc=error, cause=None), node)],
            orelse=[],
        )
        statements: list[ast.stmt] = [check]
        if self._used:
            targets: list[ast.expr] = [ast.Name(id=name, ctx=ast.Store()) for name in self._used]
            statements.append(ast.Assign(targets=targets, value=ast.Constant(value=None)))
        for statement in statements:
            ast.copy_location(statement, node)
            ast.fix_missing_locations(statement)
        return statements

    def _capture(self, expr: ast.expr) -> tuple[ast.expr, ast.expr]:
        """Return *expr* made to store its value, and an expression reading that value back."""
        if isinstance(expr, ast.Constant):
            return expr, expr
        if isinstance(expr, ast.NamedExpr) and expr.target.id.startswith("@"):
            return expr, _load(expr.target.id)
        temporary = next(self._temporaries)
        self._used.append(temporary)
        stored = ast.NamedExpr(target=ast.Name(id=temporary, ctx=ast.Store()), value=expr)
        return ast.copy_location(stored, expr), _load(temporary)

    def _visit(self, node: ast.expr, context: _Context) -> _Part:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            return self._visit_name(node)
        if isinstance(node, ast.Constant):
            return _Part(node, _runtime_call("value", node))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            return self._visit_attribute(node)
        if isinstance(node, ast.Call):
            return self._visit_call(node)
        if isinstance(node, ast.UnaryOp):
            return self._visit_unary(node)
        if isinstance(node, ast.BinOp):
            return self._visit_binary(node)
        if isinstance(node, ast.BoolOp):
            return self._visit_boolean(node, context)
        if isinstance(node, ast.Compare):
            return self._visit_compare(node, context)
        expr, value = self._capture(node)
        return _Part(expr, _runtime_call("value", value))

    def _visit_operand(self, node: ast.expr) -> _Part:
        part = self._visit(node, _Context.VALUE)
        if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return _Part(part.expr, _runtime_call("group", part.explanation))
        return part

    def _visit_name(self, node: ast.Name) -> _Part:
        expr, value = self._capture(node)
        identifier = ast.Constant(value=node.id)
        local_names = ast.Call(
            func=ast.Attribute(value=_load(_BUILTINS), attr="locals", ctx=ast.Load()), args=[], keywords=[]
        )
        is_local = ast.Compare(left=identifier, ops=[ast.In()], comparators=[local_names])
        return _Part(expr, _runtime_call("name", value, identifier, is_local))

    def _visit_attribute(self, node: ast.Attribute) -> _Part:
        owner = self._visit(node.value, _Context.VALUE)
        attribute = ast.copy_location(ast.Attribute(value=owner.expr, attr=node.attr, ctx=ast.Load()), node)
        expr, value = self._capture(attribute)
        return _Part(
            expr, _runtime_call("attribute", value, owner.explanation, ast.Constant(value=node.attr))
        )

    def _visit_call(self, node: ast.Call) -> _Part:
        function: ast.expr
        if isinstance(node.func, ast.Name):
            function = node.func
            function_explanation: ast.expr = _runtime_call("callee", ast.Constant(value=node.func.id))
        elif isinstance(node.func, ast.Attribute):
            owner = self._visit(node.func.value, _Context.VALUE)
            function = ast.copy_location(
                ast.Attribute(value=owner.expr, attr=node.func.attr, ctx=ast.Load()), node.func
            )
            function_explanation = _runtime_call(
                "method", owner.explanation, ast.Constant(value=node.func.attr)
            )
        else:
            callee = self._visit(node.func, _Context.VALUE)
            function, function_explanation = callee.expr, callee.explanation
        arguments: list[ast.expr] = []
        explained: list[ast.expr] = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                part = self._visit(argument.value, _Context.VALUE)
                arguments.append(ast.copy_location(ast.Starred(value=part.expr, ctx=ast.Load()), argument))
                explained.append(ast.Tuple(elts=[ast.Constant(value="*"), part.explanation], ctx=ast.Load()))
            else:
                part = self._visit(argument, _Context.VALUE)
                arguments.append(part.expr)
                explained.append(ast.Tuple(elts=[ast.Constant(value=""), part.explanation], ctx=ast.Load()))
        keywords: list[ast.keyword] = []
        for keyword in node.keywords:
            part = self._visit(keyword.value, _Context.VALUE)
            keywords.append(ast.copy_location(ast.keyword(arg=keyword.arg, value=part.expr), keyword))
            prefix = "**" if keyword.arg is None else f"{keyword.arg}="
            explained.append(ast.Tuple(elts=[ast.Constant(value=prefix), part.explanation], ctx=ast.Load()))
        rewritten = ast.copy_location(ast.Call(func=function, args=arguments, keywords=keywords), node)
        expr, value = self._capture(rewritten)
        argument_tuple = ast.Tuple(elts=explained, ctx=ast.Load())
        return _Part(expr, _runtime_call("call", value, function_explanation, argument_tuple))

    def _visit_unary(self, node: ast.UnaryOp) -> _Part:
        operand = self._visit_operand(node.operand)
        expr = ast.copy_location(ast.UnaryOp(op=node.op, operand=operand.expr), node)
        symbol = ast.Constant(value=_UNARY_SYMBOLS[type(node.op)])
        return _Part(expr, _runtime_call("unary", symbol, operand.explanation))

    def _visit_binary(self, node: ast.BinOp) -> _Part:
        left = self._visit_operand(node.left)
        right = self._visit_operand(node.right)
        expr = ast.copy_location(ast.BinOp(left=left.expr, op=node.op, right=right.expr), node)
        symbol = ast.Constant(value=_BINARY_SYMBOLS[type(node.op)])
        return _Part(expr, _runtime_call("binary", symbol, left.explanation, right.explanation))

    def _visit_boolean(self, node: ast.BoolOp, context: _Context) -> _Part:
        operand_context = _Context.VALUE if context is _Context.VALUE else _Context.TRUTH
        is_or = isinstance(node.op, ast.Or)
        exprs: list[ast.expr] = []
        values: list[ast.expr] = []
        explanations: list[ast.expr] = []
        for operand in node.values:
            part = self._visit(operand, operand_context)
            expr, value = self._capture(part.expr)
            exprs.append(expr)
            values.append(value)
            explanations.append(part.explanation)
        # Only the operands evaluated before the short-circuit are explained;
        # the guards replay it from the stored operand values.
        evaluated: ast.expr = ast.List(elts=[explanations[-1]], ctx=ast.Load())
        for value, explanation in zip(reversed(values[:-1]), reversed(explanations[:-1]), strict=True):
            goes_on = _runtime_call("is_false" if is_or else "is_true", value)
            evaluated = ast.BinOp(
                left=ast.List(elts=[explanation], ctx=ast.Load()),
                op=ast.Add(),
                right=ast.IfExp(test=goes_on, body=evaluated, orelse=ast.List(elts=[], ctx=ast.Load())),
            )
        expr = ast.copy_location(ast.BoolOp(op=node.op, values=exprs), node)
        symbol = ast.Constant(value="or" if is_or else "and")
        return _Part(expr, _runtime_call("boolean", symbol, evaluated, ast.Constant(value=len(node.values))))

    def _visit_compare(self, node: ast.Compare, context: _Context) -> _Part:
        operands = [node.left, *node.comparators]
        exprs: list[ast.expr] = []
        values: list[ast.expr] = []
        explanations: list[ast.expr] = []
        for operand in operands:
            part = self._visit_operand(operand)
            expr, value = self._capture(part.expr)
            exprs.append(expr)
            values.append(value)
            explanations.append(part.explanation)
        # A chain ``a < b < c`` becomes ``(a < b) and (b < c)`` with b evaluated
        # once: the same evaluation and the same result, one stored outcome per pair.
        pairs: list[ast.expr] = []
        outcomes: list[ast.expr] = []
        for index, op in enumerate(node.ops):
            left = exprs[0] if index == 0 else values[index]
            pair: ast.expr = ast.copy_location(
                ast.Compare(left=left, ops=[op], comparators=[exprs[index + 1]]), node
            )
            if len(node.ops) > 1 or context is _Context.TRUTH:
                pair, outcome = self._capture(pair)
                outcomes.append(outcome)
            pairs.append(pair)

        def explain_pair(index: int) -> ast.expr:
            if context is _Context.TEST:
                explain: ast.expr = ast.Constant(value=True)
            elif context is _Context.TRUTH:
                explain = _runtime_call("is_false", outcomes[index])
            else:
                explain = ast.Constant(value=False)
            symbol = ast.Constant(value=_COMPARE_SYMBOLS[type(node.ops[index])])
            return _runtime_call(
                "compare",
                symbol,
                values[index],
                values[index + 1],
                explanations[index],
                explanations[index + 1],
                explain,
            )

        # The first false pair is the one that ended the chain.
        explanation = explain_pair(len(pairs) - 1)
        for index in reversed(range(len(pairs) - 1)):
            goes_on = _runtime_call("is_true", outcomes[index])
            explanation = ast.IfExp(test=goes_on, body=explanation, orelse=explain_pair(index))
        expr = (
            pairs[0] if len(pairs) == 1 else ast.copy_location(ast.BoolOp(op=ast.And(), values=pairs), node)
        )
        return _Part(expr, explanation)
