"""Rewrite the ``assert`` statements of a module so that a failing one explains its values.

In a function, ``assert f(x) == y`` becomes, in effect::

    assert (@t1 := f((@t0 := x))) == (@t2 := y), @rustest_explain(<recipe>)
    del @t0, @t1, @t2

Every part keeps its place in the original expression, so each part is
evaluated once and in the original order, ``and`` / ``or`` and chained
comparisons still short-circuit, and a passing assert only pays for storing
the temporaries. How to explain a failure is one constant, a recipe
(:mod:`rustest._assertion._recipe`), that :mod:`rustest._assertion._explain`
reads with the stored values only after the failure: the message of the
assert is :func:`explain` (or :func:`explain_with_message`), which reads them
from the failing frame. The statement stays an ``assert``, so ``python -O``
strips it as it strips any other.

Temporaries are named with ``@``, a character no source-level name can hold,
and are cleared after a passing assert so they keep nothing alive: unbound
when the test evaluates every part whenever it passes, set to None when
``and`` / ``or`` or a chain may skip some; an assert that ends a function's
body leaves them to the end of the call, which comes next.

A variable that the enclosing function binds itself (a parameter, or the
target of an assignment, ``for`` or ``with`` before the assert) is not copied
to a temporary: the explanation reads it from the frame. Nothing run during
the assert can rebind it, provided no code in the module rebinds another
function's variable (no ``nonlocal``, no ``:=``, which in a comprehension
binds in the enclosing function; their mere spelling anywhere turns this
off), short of a debugger writing to the frame. Module and class namespaces
are dictionaries any code can write to, so there every value is copied, as
is any operand that ``and`` / ``or`` or a chain may skip: after a failure, a
missing value tells that the operand was never reached.

Rewriting runs on every cold import of a test file, so it is kept cheap, and
so is compiling what it makes, which costs by the node:

- the nodes of the assert's test are reused in place (the tree is the
  rewriter's to change), and the few new ones are made whole from an
  attribute dictionary, located at once (at the source node they stand for,
  or else at the assert, which is where tracebacks point);
- the message is one call of a name bound by one import per module;
- the recipe is one marshalled bytes constant: the compiler would take a
  nested tuple constant apart and merge every piece, bytes it copies whole;
- the cyclic garbage collector is paused, as syntax trees hold no cycles.
"""

from __future__ import annotations

import ast
import gc
import marshal
import sys
import types
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any, TypedDict, TypeVar

from rustest._assertion import _recipe
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
_DEL = ast.Del()
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
# except handlers and match cases whose bodies are statement lists (the flag
# tells those). Asserts never sit inside expressions.
_NESTING_FIELDS = {"body": False, "orelse": False, "finalbody": False, "handlers": True, "cases": True}

# Those fields by statement kind, filled in as kinds are met.
_nested_fields: dict[type[ast.stmt], tuple[tuple[str, bool], ...]] = {}


# The own variables of an operand that may go unevaluated: none, so that every
# value in it is copied. After a failure, a missing value is what tells that
# the operand was never reached, should a replayed truth test answer otherwise.
_NOTHING_OWN: frozenset[str] = frozenset()


_Node = TypeVar("_Node", bound=ast.AST)
# Makes a node without running its constructor (see ``_make``).
_new_node = ast.AST.__new__


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
    # The cyclic collector would walk thousands of short-lived nodes, over and
    # over, to free nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = ast.parse(source, filename=filename)
        rewrite_module(tree, source)
        code: types.CodeType = compile(tree, filename, "exec", dont_inherit=True)
    finally:
        if collecting:
            gc.enable()
    return code


def rewrite_module(tree: ast.Module, source: str | bytes | None = None) -> None:
    """Rewrite every assert statement of *tree* in place, at any depth of functions and classes.

    A module whose docstring holds one of :data:`OPT_OUT_MARKERS`, or that has
    no assert at all, is left untouched. Given the *source* that *tree* was
    parsed from, the variables that nothing can rebind while an assert runs
    are read from the frame after a failure instead of copied (see above).
    """
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is not None and any(marker in docstring for marker in OPT_OUT_MARKERS):
        return
    if not _Rewriter(source is not None and _tracks_variables_in(source)).rewrite_block(tree.body):
        return
    position = _import_position(tree.body)
    # Placed on the first line: only a failure to import the runtime would show it.
    tree.body[position:position] = _runtime_imports()


def _tracks_variables_in(source: str | bytes) -> bool:
    """Tell whether no code in *source* can rebind a variable of another function's frame.

    Only a ``nonlocal`` statement, or an assignment expression in a
    comprehension, lets other code rebind a function's variable. Looking for
    their spelling anywhere, comments and strings included, errs on the safe
    side, and costs next to nothing.
    """
    if isinstance(source, str):
        return "nonlocal" not in source and ":=" not in source
    return b"nonlocal" not in source and b":=" not in source


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
    # Imported on the first failure: a passing suite never needs the explaining code.
    from rustest._assertion import _explain

    return str(_explain.failure(marshal.loads(encoded_recipe), sys._getframe(1).f_locals))


def explain_with_message(message: object, encoded_recipe: bytes) -> str:
    """Return the message of a failed rewritten ``assert test, message``: *message*, then the explanation."""
    from rustest._assertion import _explain

    recipe = marshal.loads(encoded_recipe)
    return str(_explain.failure_with_message(message, recipe, sys._getframe(1).f_locals))


def _location(node: ast.expr | ast.stmt) -> _Location:
    return {
        "lineno": node.lineno,
        "col_offset": node.col_offset,
        "end_lineno": node.end_lineno,
        "end_col_offset": node.end_col_offset,
    }


def _make(kind: type[_Node], attributes: dict[str, object]) -> _Node:
    """Return a node of *kind* whose attributes (fields and location) are *attributes*, taken over.

    A node's constructor sets its attributes one by one through ``setattr``;
    handing over the whole dictionary costs about half as much, and making
    nodes is much of what rewriting costs.
    """
    node = _new_node(kind)
    node.__dict__ = attributes
    return node


#: A rewritten part of the test: the expression evaluating it, and the recipe explaining it.
_Part = tuple[ast.expr, Recipe]


class _Rewriter:
    """Rewrite the asserts of one module, numbering their temporaries across it.

    While in a function, it keeps the function's *own* variables (see the
    module's docstring), which asserts read from the frame instead of copying.
    """

    __slots__ = (
        "_all_reached",
        "_bound",
        "_count",
        "_in_function",
        "_own",
        "_parameters",
        "_tracks_variables",
        "_used",
    )

    def __init__(self, tracks_variables: bool) -> None:
        """Start on a module; *tracks_variables* tells whether its functions may have own variables."""
        self._count = 0
        self._used: list[str] = []
        self._tracks_variables = tracks_variables
        self._in_function = False
        # The current function's own variables so far, and those an operand being
        # rewritten may be read back from (none where it may go unevaluated).
        self._bound: set[str] = set()
        self._own: AbstractSet[str] = self._bound
        # The current function's parameters, not yet among its own variables:
        # most functions hold no assert, and only an assert needs them.
        self._parameters: ast.arguments | None = None
        # Whether the assert being rewritten evaluates every part whenever it passes.
        self._all_reached = True

    def rewrite_block(self, block: list[ast.stmt], is_function_body: bool = False) -> bool:
        """Rewrite the asserts in *block* and the blocks nested in it; return whether there were any."""
        rewritten: list[ast.stmt] | None = None
        found = False
        # A function's frame drops its variables as soon as its last statement is
        # done: an assert there need not clear its temporaries.
        ending = len(block) - 1 if is_function_body else -1
        for index, statement in enumerate(block):
            if isinstance(statement, ast.Assert):
                if rewritten is None:
                    rewritten = block[:index]
                rewritten.extend(self.rewrite_assert(statement, clears=index != ending))
                continue
            kind = type(statement)
            handler = _statement_handlers.get(kind)
            if handler is None and kind not in _statement_handlers:
                handler = _handler_for(kind)
            if handler is not None and handler(self, statement):
                found = True
            if rewritten is not None:
                rewritten.append(statement)
        if rewritten is None:
            return found
        block[:] = rewritten
        return True

    def _rewrite_nested(self, statement: ast.stmt) -> bool:
        """Rewrite the statement lists nested in *statement*: bodies, branches, except handlers, cases."""
        kind = type(statement)
        fields = _nested_fields.get(kind) or _nested_fields_of(kind)
        found = False
        for name, holds_clauses in fields:
            nested = getattr(statement, name)
            for block in (clause.body for clause in nested) if holds_clauses else (nested,):
                if self.rewrite_block(block):
                    found = True
        return found

    def _rewrite_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        outer = self._in_function, self._bound, self._parameters
        self._in_function = self._tracks_variables
        self._bound = set()
        self._parameters = function.args if self._tracks_variables else None
        found = self.rewrite_block(function.body, is_function_body=True)
        self._in_function, self._bound, self._parameters = outer
        return found

    def _rewrite_class(self, definition: ast.ClassDef) -> bool:
        outer = self._in_function, self._bound, self._parameters
        self._in_function, self._bound, self._parameters = False, set(), None
        found = self.rewrite_block(definition.body)
        self._in_function, self._bound, self._parameters = outer
        return found

    # The variables a statement binds count as the function's own from there
    # on, its body included.

    def _note_assignment(self, statement: ast.Assign) -> bool:
        if self._in_function:
            for target in statement.targets:
                _add_bound(target, self._bound)
        return False

    def _note_target(self, statement: ast.AugAssign | ast.AnnAssign) -> bool:
        if self._in_function:
            _add_bound(statement.target, self._bound)
        return False

    def _rewrite_loop(self, loop: ast.For | ast.AsyncFor) -> bool:
        if self._in_function:
            _add_bound(loop.target, self._bound)
        return self._rewrite_nested(loop)

    def _rewrite_with(self, statement: ast.With | ast.AsyncWith) -> bool:
        if self._in_function:
            for item in statement.items:
                if item.optional_vars is not None:
                    _add_bound(item.optional_vars, self._bound)
        return self._rewrite_nested(statement)

    def _give_up_on_variables(self, statement: ast.Global | ast.Nonlocal) -> bool:
        # Names of another scope: give up on telling, for the rest of the function.
        self._in_function, self._bound, self._parameters = False, set(), None
        return False

    def rewrite_assert(self, node: ast.Assert, clears: bool = True) -> list[ast.stmt]:
        """Return the statements replacing *node*: itself, its test made to keep its parts, and a clearing.

        Without *clears*, the temporaries are left for the end of the call to drop.
        """
        test = node.test
        if isinstance(test, ast.Tuple) and test.elts:
            # Always true; leaving it alone lets the compiler warn as usual.
            return [node]
        used = self._used = []
        if self._parameters is not None:
            _add_parameters(self._parameters, self._bound)
            self._parameters = None
        self._own = self._bound
        self._all_reached = True
        node.test, recipe = self._visit(test)
        at = _location(node)
        encoded: ast.expr = _make(ast.Constant, {"value": marshal.dumps(recipe), **at})
        message = node.msg
        if message is None:
            function = _make(ast.Name, {"id": _EXPLAIN, "ctx": _LOAD, **at})
            arguments = [encoded]
        else:
            function = _make(ast.Name, {"id": _EXPLAIN_WITH_MESSAGE, "ctx": _LOAD, **at})
            arguments = [message, encoded]
        node.msg = _make(ast.Call, {"func": function, "args": arguments, "keywords": [], **at})
        if not used or not clears:
            return [node]
        if self._all_reached:
            # Every temporary is bound once the test has passed: unbinding them is the cheaper clearing.
            targets = [_make(ast.Name, {"id": name, "ctx": _DEL, **at}) for name in used]
            return [node, _make(ast.Delete, {"targets": targets, **at})]
        targets = [_make(ast.Name, {"id": name, "ctx": _STORE, **at}) for name in used]
        cleared = _make(ast.Constant, {"value": None, **at})
        return [node, _make(ast.Assign, {"targets": targets, "value": cleared, **at})]

    def _store(self, expr: ast.expr) -> tuple[ast.NamedExpr, str]:
        """Return *expr* made to store its value in a new temporary, and the temporary's name."""
        temporary = f"@t{self._count}"
        self._count += 1
        self._used.append(temporary)
        at = _location(expr)
        target = _make(ast.Name, {"id": temporary, "ctx": _STORE, **at})
        return _make(ast.NamedExpr, {"target": target, "value": expr, **at}), temporary

    def _kept(self, expr: ast.expr, recipe: Recipe) -> tuple[ast.expr, Ref]:
        """Return the visited *expr* (explained by *recipe*) and where its value is found after a failure.

        A literal, or a part whose recipe already says where its value is, is
        returned as it is; anything else is made to store its value.
        """
        kind = recipe[0]
        if kind in _KEEPING_KINDS:
            return expr, recipe[1]
        if kind == _recipe.CONSTANT:
            return expr, recipe
        return self._store(expr)

    def _visit(self, node: ast.expr) -> _Part:
        if isinstance(node, ast.Name):
            identifier = node.id
            if identifier in self._own:
                return node, (_recipe.NAME, identifier, identifier)
            expr, ref = self._store(node)
            return expr, (_recipe.NAME, ref, identifier)
        if isinstance(node, ast.Constant):
            return node, (_recipe.CONSTANT, node.value)
        visit = _VISITORS.get(type(node))
        if visit is not None:
            return visit(self, node)
        expr, ref = self._store(node)
        return expr, (_recipe.VALUE, ref)

    def _visit_operand(self, node: ast.expr) -> _Part:
        """Visit an operand of an operator, putting a comparison or a ``not`` in parentheses."""
        if type(node) not in _GROUPING_KINDS or (
            isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)
        ):
            return self._visit(node)
        expr, recipe = self._visit(node)
        return expr, (_recipe.GROUP, recipe)

    def _visit_unary(self, unary: ast.UnaryOp) -> _Part:
        unary.operand, operand = self._visit_operand(unary.operand)
        return unary, (_recipe.UNARY, _UNARY_SYMBOLS[type(unary.op)], operand)

    def _visit_binary(self, binary: ast.BinOp) -> _Part:
        binary.left, left = self._visit_operand(binary.left)
        binary.right, right = self._visit_operand(binary.right)
        return binary, (_recipe.BINARY, _BINARY_SYMBOLS[type(binary.op)], left, right)

    def _visit_attribute(self, attribute: ast.Attribute) -> _Part:
        attribute.value, owner = self._visit(attribute.value)
        expr, ref = self._store(attribute)
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
        expr, ref = self._store(call)
        return expr, (_recipe.CALL, ref, function_recipe, tuple(explained))

    def _visit_boolean(self, boolean: ast.BoolOp) -> _Part:
        self._all_reached = False
        values = boolean.values
        operands: list[tuple[Recipe, Ref | None]] = []
        last = len(values) - 1
        own = self._own
        for index in range(last):
            expr, recipe = self._visit(values[index])
            values[index], ref = self._kept(expr, recipe)
            operands.append((recipe, ref))
            self._own = _NOTHING_OWN
        # The last operand's truth is the whole expression's: it need not be stored.
        values[last], recipe = self._visit(values[last])
        operands.append((recipe, None))
        self._own = own
        symbol = "or" if isinstance(boolean.op, ast.Or) else "and"
        return boolean, (_recipe.BOOLEAN, symbol, tuple(operands))

    def _visit_compare(self, compare: ast.Compare) -> _Part:
        ops = compare.ops
        if len(ops) == 1:
            left, left_recipe = self._visit_operand(compare.left)
            compare.left, left_ref = self._kept(left, left_recipe)
            right, right_recipe = self._visit_operand(compare.comparators[0])
            right, right_ref = self._kept(right, right_recipe)
            compare.comparators = [right]
            pair = (_COMPARE_SYMBOLS[type(ops[0])], left_ref, right_ref, left_recipe, right_recipe, None)
            return compare, (_recipe.COMPARE, (pair,))
        return self._visit_chain(compare)

    def _visit_chain(self, compare: ast.Compare) -> _Part:
        # A chain ``a < b < c`` becomes ``(a < b) and (b < c)`` with b evaluated
        # once: the same evaluation and the same result. Each pair but the last
        # stores its outcome, which tells after a failure where the chain stopped.
        self._all_reached = False
        exprs: list[ast.expr] = []
        refs: list[Ref] = []
        recipes: list[Recipe] = []
        own = self._own
        for index, operand in enumerate((compare.left, *compare.comparators)):
            if index == 2:
                self._own = _NOTHING_OWN
            expr, recipe = self._visit_operand(operand)
            expr, ref = self._kept(expr, recipe)
            exprs.append(expr)
            refs.append(ref)
            recipes.append(recipe)
        self._own = own
        ops = compare.ops
        at = _location(compare)
        pairs: list[ast.expr] = []
        explained: list[tuple[object, ...]] = []
        for index, op in enumerate(ops):
            left = exprs[0] if index == 0 else _read_back(refs[index], at)
            pair: ast.expr = _make(
                ast.Compare, {"left": left, "ops": [op], "comparators": [exprs[index + 1]], **at}
            )
            outcome: Ref | None = None
            if index < len(ops) - 1:
                pair, outcome = self._store(pair)
            pairs.append(pair)
            symbol = _COMPARE_SYMBOLS[type(op)]
            explained.append(
                (symbol, refs[index], refs[index + 1], recipes[index], recipes[index + 1], outcome)
            )
        chain = _make(ast.BoolOp, {"op": _AND, "values": pairs, **at})
        return chain, (_recipe.COMPARE, tuple(explained))


# Each visitor takes the node of the type it is listed under; names and
# literals, the commonest parts, are handled by ``_visit`` itself.
_VISITORS: dict[type[ast.expr], Callable[[_Rewriter, Any], _Part]] = {
    ast.Attribute: _Rewriter._visit_attribute,
    ast.Call: _Rewriter._visit_call,
    ast.UnaryOp: _Rewriter._visit_unary,
    ast.BinOp: _Rewriter._visit_binary,
    ast.BoolOp: _Rewriter._visit_boolean,
    ast.Compare: _Rewriter._visit_compare,
}

# The operands put in parentheses: comparisons, and ``not`` among the unary operators.
_GROUPING_KINDS = frozenset({ast.Compare, ast.UnaryOp})

# The recipes that already say where their part's value is (second item).
_KEEPING_KINDS = frozenset({_recipe.NAME, _recipe.ATTRIBUTE, _recipe.CALL, _recipe.VALUE})


#: What rewriting does with a statement besides an assert (given the rewriter
#: and the statement, it tells whether asserts were found), or None for nothing.
_Handler = Callable[[_Rewriter, Any], bool] | None

# Kinds of statement that bind variables or open a scope; any other kind is
# handled by what its fields can hold (see ``_handler_for``).
_statement_handlers: dict[type[ast.stmt], _Handler] = {
    ast.FunctionDef: _Rewriter._rewrite_function,
    ast.AsyncFunctionDef: _Rewriter._rewrite_function,
    ast.ClassDef: _Rewriter._rewrite_class,
    ast.Assign: _Rewriter._note_assignment,
    ast.AugAssign: _Rewriter._note_target,
    ast.AnnAssign: _Rewriter._note_target,
    ast.For: _Rewriter._rewrite_loop,
    ast.AsyncFor: _Rewriter._rewrite_loop,
    ast.With: _Rewriter._rewrite_with,
    ast.AsyncWith: _Rewriter._rewrite_with,
    ast.Global: _Rewriter._give_up_on_variables,
    ast.Nonlocal: _Rewriter._give_up_on_variables,
}


def _handler_for(kind: type[ast.stmt]) -> _Handler:
    """Return (and remember) what rewriting does with a statement of *kind* not seen before."""
    handler = _Rewriter._rewrite_nested if _nested_fields_of(kind) else None
    _statement_handlers[kind] = handler
    return handler


def _nested_fields_of(kind: type[ast.stmt]) -> tuple[tuple[str, bool], ...]:
    """Return (and remember) the fields of a statement of *kind* that can hold statements."""
    fields = tuple((name, _NESTING_FIELDS[name]) for name in kind._fields if name in _NESTING_FIELDS)
    _nested_fields[kind] = fields
    return fields


def _add_parameters(parameters: ast.arguments, names: set[str]) -> None:
    """Add the names of *parameters* to *names*."""
    for parameter in (*parameters.posonlyargs, *parameters.args, *parameters.kwonlyargs):
        names.add(parameter.arg)
    for collector in (parameters.vararg, parameters.kwarg):
        if collector is not None:
            names.add(collector.arg)


def _add_bound(target: ast.expr, names: set[str]) -> None:
    """Add the variables that assigning to *target* binds to *names*."""
    if isinstance(target, ast.Name):
        names.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _add_bound(element, names)
    elif isinstance(target, ast.Starred):
        _add_bound(target.value, names)


def _read_back(ref: Ref, at: _Location) -> ast.expr:
    # A middle operand of a chain, already evaluated by the previous pair.
    if isinstance(ref, str):
        return _make(ast.Name, {"id": ref, "ctx": _LOAD, **at})
    return _make(ast.Constant, {"value": ref[1], **at})
