"""Test selection by ``-k`` keyword expressions and ``-m`` mark expressions, as in pytest.

Both take the same grammar::

    expression: expr? EOF
    expr:       and_expr ('or' and_expr)*
    and_expr:   not_expr ('and' not_expr)*
    not_expr:   'not' not_expr | '(' expr ')' | ident
    ident:      (\\w|:|\\+|-|\\.|\\[|\\]|\\\\|/)+

An empty expression matches everything. In ``-k`` an identifier matches a
test when it is a case-insensitive substring of the test's name (with its
parameter id), of a directory, module or class name above it, or of one of
its mark names. In ``-m`` an identifier matches a test carrying a mark of
exactly that name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from rustest._config import UsageError
from rustest._definitions import TestDef

__all__ = ["Expression", "ExpressionError", "KeywordMatcher", "MarkMatcher", "select"]

NamePredicate = Callable[[str], bool]
_Evaluator = Callable[[NamePredicate], bool]


class ExpressionError(UsageError):
    """A ``-k`` or ``-m`` expression is malformed; ``column`` is 1-based."""

    def __init__(self, option: str, expression: str, column: int, problem: str) -> None:
        super().__init__(
            f"Wrong expression passed to '{option}': {expression}: at column {column}: {problem}"
        )
        self.option = option
        self.expression = expression
        self.column = column
        self.problem = problem


_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<ident>(?:\w|:|\+|-|\.|\[|\]|\\|/)+)|(?P<bad>\S))")
_KEYWORDS = frozenset({"and", "or", "not"})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "ident", "eof"
    text: str
    column: int


def _tokenize(text: str, option: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        if match["paren"]:
            tokens.append(_Token(match["paren"], match["paren"], match.start("paren") + 1))
        elif match["ident"]:
            word = match["ident"]
            tokens.append(_Token(word if word in _KEYWORDS else "ident", word, match.start("ident") + 1))
        else:
            column = match.start("bad") + 1
            raise ExpressionError(option, text, column, f'unexpected character "{match["bad"]}"')
    tokens.append(_Token("eof", "", len(text) + 1))
    return tokens


class _Parser:
    """Recursive descent over the tokens, building a closure that evaluates the expression."""

    def __init__(self, text: str, option: str) -> None:
        self._text = text
        self._option = option
        self._tokens = _tokenize(text, option)
        self._index = 0

    def parse(self) -> _Evaluator:
        if self._peek().kind == "eof":
            return lambda _matches: True
        evaluator = self._expr()
        self._expect("eof")
        return evaluator

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _accept(self, kind: str) -> _Token | None:
        token = self._peek()
        if token.kind != kind:
            return None
        self._index += 1
        return token

    def _expect(self, *kinds: str) -> _Token:
        token = self._peek()
        if token.kind not in kinds:
            wanted = " OR ".join(_describe(kind) for kind in kinds)
            raise ExpressionError(
                self._option, self._text, token.column, f"expected {wanted}; got {_describe(token.kind)}"
            )
        self._index += 1
        return token

    def _expr(self) -> _Evaluator:
        operands = [self._and_expr()]
        while self._accept("or"):
            operands.append(self._and_expr())
        if len(operands) == 1:
            return operands[0]
        return lambda matches: any(operand(matches) for operand in operands)

    def _and_expr(self) -> _Evaluator:
        operands = [self._not_expr()]
        while self._accept("and"):
            operands.append(self._not_expr())
        if len(operands) == 1:
            return operands[0]
        return lambda matches: all(operand(matches) for operand in operands)

    def _not_expr(self) -> _Evaluator:
        if self._accept("not"):
            operand = self._not_expr()
            return lambda matches: not operand(matches)
        if self._accept("("):
            inner = self._expr()
            self._expect(")")
            return inner
        name = self._expect("not", "(", "ident").text
        return lambda matches: matches(name)


def _describe(kind: str) -> str:
    return {
        "eof": "end of input",
        "(": "left parenthesis",
        ")": "right parenthesis",
        "ident": "identifier",
    }.get(kind, kind)


class Expression:
    """A compiled ``-k`` / ``-m`` expression, evaluated against a predicate over identifiers."""

    def __init__(self, text: str, evaluator: _Evaluator) -> None:
        self.text = text
        self._evaluator = evaluator

    @classmethod
    def compile(cls, text: str, option: str = "-k") -> Expression:
        """Parse *text*; raise ``ExpressionError`` naming *option* and the column of a syntax error."""
        return cls(text, _Parser(text, option).parse())

    def evaluate(self, matches: NamePredicate) -> bool:
        """Evaluate with *matches* deciding each identifier."""
        return self._evaluator(matches)


def _keyword_names(test: TestDef) -> list[str]:
    """The lower-cased names ``-k`` looks in: directories, module, classes, the test name and its marks."""
    path, *rest = test.id.split("::")
    names = [part.lower() for part in path.split("/")]
    names.extend(part.lower() for part in rest)
    names.extend(mark.name.lower() for mark in test.marks)
    return names


_Matcher = TypeVar("_Matcher", bound="_ExpressionMatcher")


class _ExpressionMatcher:
    """A compiled expression of one command-line option, tested against one test at a time."""

    option: ClassVar[str]

    def __init__(self, expression: Expression) -> None:
        self.expression = expression

    @classmethod
    def compile(cls: type[_Matcher], text: str) -> _Matcher:
        """Compile *text*; raise ``ExpressionError`` naming this matcher's option on a syntax error."""
        return cls(Expression.compile(text, cls.option))


class KeywordMatcher(_ExpressionMatcher):
    """A ``-k`` expression: identifiers are case-insensitive substrings of a test's names."""

    option = "-k"

    def matches(self, test: TestDef) -> bool:
        """Tell whether *test* is selected."""
        names = _keyword_names(test)
        return self.expression.evaluate(lambda word: any(word.lower() in name for name in names))


class MarkMatcher(_ExpressionMatcher):
    """A ``-m`` expression: identifiers are mark names a test carries."""

    option = "-m"

    def matches(self, test: TestDef) -> bool:
        """Tell whether *test* is selected."""
        names = {mark.name for mark in test.marks}
        return self.expression.evaluate(names.__contains__)


def select(
    tests: Iterable[TestDef], keyword: str | None = None, markexpr: str | None = None
) -> tuple[list[TestDef], list[TestDef]]:
    """Split *tests* into (selected, deselected) by a ``-k`` and a ``-m`` expression, keeping order."""
    matchers: Sequence[KeywordMatcher | MarkMatcher] = [
        *([KeywordMatcher.compile(keyword)] if keyword else []),
        *([MarkMatcher.compile(markexpr)] if markexpr else []),
    ]
    selected: list[TestDef] = []
    deselected: list[TestDef] = []
    for test in tests:
        if all(matcher.matches(test) for matcher in matchers):
            selected.append(test)
        else:
            deselected.append(test)
    return selected, deselected
