"""``-k`` keyword and ``-m`` mark expressions, and ``select``."""

from __future__ import annotations

import pytest

from rustest._config import UsageError
from rustest._definitions import TestDef
from rustest._selection import Expression, ExpressionError, KeywordMatcher, MarkMatcher, select
from rustest._spec import Mark


def make_test(test_id: str, *marks: str) -> TestDef:
    return TestDef(id=test_id, marks=tuple(Mark(name) for name in marks))


def keyword(expression: str, test: TestDef) -> bool:
    return KeywordMatcher.compile(expression).matches(test)


def marked(expression: str, test: TestDef) -> bool:
    return MarkMatcher.compile(expression).matches(test)


USERS = make_test("tests/api/test_users.py::TestCreate::test_admin[pg-1]", "slow", "db")


@pytest.mark.parametrize(
    "expression",
    ["admin", "ADMIN", "test_adm", "TestCreate", "create", "test_users.py", "users", "api", "SLOW", "pg-1"],
)
def test_keyword_matches_a_substring_of_any_name_of_the_test(expression: str) -> None:
    assert keyword(expression, USERS)


@pytest.mark.parametrize("expression", ["guest", "tests/api", "test_users.py::TestCreate", "fast"])
def test_keyword_does_not_match_what_is_not_one_of_its_names(expression: str) -> None:
    assert not keyword(expression, USERS)


def test_keyword_does_not_match_the_rootdir_relative_path_as_a_whole() -> None:
    assert not keyword("api/test_users", USERS)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("admin and slow", True),
        ("admin and not slow", False),
        ("guest or admin", True),
        ("not guest", True),
        ("not (guest or admin)", False),
        ("(guest or admin) and db", True),
        ("guest or admin and fast", False),
        ("not not admin", True),
    ],
)
def test_keyword_boolean_operators(expression: str, expected: bool) -> None:
    assert keyword(expression, USERS) is expected


def test_and_binds_tighter_than_or() -> None:
    assert keyword("admin or guest and fast", USERS)


def test_empty_expression_matches_everything() -> None:
    assert Expression.compile("   ").evaluate(lambda name: False)


@pytest.mark.parametrize(
    ("expression", "column", "problem"),
    [
        ("admin and", 10, "expected not OR left parenthesis OR identifier; got end of input"),
        ("(admin", 7, "expected right parenthesis; got end of input"),
        ("admin guest", 7, "expected end of input; got identifier"),
        ("admin $ x", 7, 'unexpected character "$"'),
        (")", 1, "expected not OR left parenthesis OR identifier; got right parenthesis"),
    ],
)
def test_syntax_error_names_the_column(expression: str, column: int, problem: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        KeywordMatcher.compile(expression)
    assert (caught.value.column, caught.value.problem) == (column, problem)
    expected = f"Wrong expression passed to '-k': {expression}: at column {column}: {problem}"
    assert str(caught.value) == expected


def test_mark_expression_errors_name_the_m_option() -> None:
    with pytest.raises(ExpressionError, match="Wrong expression passed to '-m'"):
        MarkMatcher.compile("slow or")


def test_expression_errors_are_usage_errors_and_value_errors() -> None:
    assert issubclass(ExpressionError, UsageError)
    assert issubclass(ExpressionError, ValueError)


def test_mark_expression_matches_exact_mark_names() -> None:
    assert marked("slow", USERS)
    assert not marked("slo", USERS)
    assert not marked("Slow", USERS)


def test_mark_expression_ignores_test_names() -> None:
    assert not marked("admin", USERS)


def test_mark_expression_boolean_operators() -> None:
    assert marked("slow and db", USERS)
    assert not marked("slow and not db", USERS)
    assert marked("web or (db and not fast)", USERS)


def test_select_splits_tests_and_keeps_order() -> None:
    first, second = make_test("t.py::test_a", "slow"), make_test("t.py::test_b")
    third = make_test("t.py::test_c", "slow")
    selected, deselected = select([first, second, third], markexpr="slow")
    assert (selected, deselected) == ([first, third], [second])


def test_select_combines_keyword_and_mark_expressions() -> None:
    first, second = make_test("t.py::test_a", "slow"), make_test("t.py::test_b", "slow")
    assert select([first, second], keyword="test_b", markexpr="slow") == ([second], [first])


def test_select_without_expressions_selects_everything() -> None:
    tests = [make_test("t.py::test_a"), make_test("t.py::test_b")]
    assert select(tests) == (tests, [])
