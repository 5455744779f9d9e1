"""Behaviour of ``raises`` and ``ExceptionInfo``: what is caught, what fails, and the messages."""

from __future__ import annotations

import re
import sys

import pytest

from rustest._outcomes import Failed, Skipped, skip
from rustest._raises import ExceptionInfo, RaisesContext, raises


def test_raises_gives_the_caught_exception_after_the_block() -> None:
    with raises(ValueError) as info:
        raise ValueError("bad value")
    assert isinstance(info, ExceptionInfo)
    assert info.type is ValueError
    assert str(info.value) == "bad value"
    assert info.tb is info.value.__traceback__
    assert info.traceback is info.tb
    assert info.typename == "ValueError"


def test_raises_returns_a_raises_context() -> None:
    assert isinstance(raises(KeyError), RaisesContext)


def test_raises_catches_subclasses_of_the_expected_type() -> None:
    with raises(LookupError) as info:
        dict[str, int]()["missing"]
    assert info.type is KeyError


def test_raises_accepts_a_tuple_of_types() -> None:
    with raises((TypeError, ValueError)) as info:
        int("x")
    assert info.type is ValueError


def test_raises_fails_when_nothing_is_raised() -> None:
    with pytest.raises(Failed, match=r"^DID NOT RAISE <class 'ValueError'>$"), raises(ValueError):
        pass


def test_raises_with_a_tuple_names_every_type_when_nothing_is_raised() -> None:
    expected = "DID NOT RAISE any of (<class 'TypeError'>, <class 'ValueError'>)"
    with pytest.raises(Failed, match=re.escape(expected)), raises((TypeError, ValueError)):
        pass


def test_raises_lets_an_exception_of_another_type_through() -> None:
    with pytest.raises(KeyError), raises(ValueError):
        raise KeyError("other")


def test_raises_accepts_an_exception_whose_message_matches() -> None:
    with raises(ValueError, match=r"must be \d+") as info:
        raise ValueError("value must be 42")
    assert info.match("42")


def test_raises_fails_when_the_message_does_not_match() -> None:
    expected = "Regex pattern did not match.\n  Expected regex: 'must be 0'\n  Actual message: 'must be 42'"
    with pytest.raises(AssertionError) as outer, raises(ValueError, match="must be 0"):
        raise ValueError("must be 42")
    assert str(outer.value) == expected


def test_a_mismatch_equal_to_the_message_suggests_re_escape() -> None:
    suggestion = r"Did you mean to `re\.escape\(\)` the regex\?"
    with pytest.raises(AssertionError, match=suggestion), raises(ValueError, match="cost (in $)"):
        raise ValueError("cost (in $)")


def test_raises_accepts_a_compiled_pattern() -> None:
    with raises(ValueError, match=re.compile("MUST", re.IGNORECASE)):
        raise ValueError("must")


# Notes (PEP 678) and exception groups are built in from Python 3.11.
if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup

    def test_raises_matches_against_the_exception_notes() -> None:
        error = ValueError("base message")
        error.add_note("while loading config.toml")
        with raises(ValueError, match=r"config\.toml"):
            raise error

    def test_raises_matches_an_exception_group_by_its_own_message() -> None:
        group = ExceptionGroup("two failures", [ValueError("a"), KeyError("b")])
        with (
            pytest.raises(AssertionError, match="Actual message: 'two failures'"),
            raises(ExceptionGroup, match="sub-exceptions"),
        ):
            raise group


def test_raises_catches_outcome_signals_like_any_base_exception() -> None:
    with raises(Skipped) as info:
        skip("not here")
    assert info.value.msg == "not here"


def test_reading_the_info_inside_the_block_is_an_error() -> None:
    with pytest.raises(AssertionError, match="only known after the 'with raises"), raises(ValueError) as info:
        _ = info.value


def test_exception_info_match_raises_assertion_error_on_mismatch() -> None:
    info = ExceptionInfo.from_exception(ValueError("abc"))
    with pytest.raises(AssertionError, match="Expected regex: 'xyz'"):
        info.match("xyz")


def test_exception_info_errisinstance_checks_the_value() -> None:
    info = ExceptionInfo.from_exception(KeyError("k"))
    assert info.errisinstance(LookupError)
    assert not info.errisinstance((ValueError, TypeError))


def test_exception_info_exconly_can_drop_the_assertion_error_prefix() -> None:
    assert ExceptionInfo.from_exception(ValueError("v")).exconly() == "ValueError: v"
    assert ExceptionInfo.from_exception(AssertionError("a == b")).exconly(tryshort=True) == "a == b"


def test_the_legacy_form_calls_the_function_and_returns_the_info() -> None:
    def divide(a: int, b: int) -> float:
        return a / b

    info = raises(ZeroDivisionError, divide, 1, b=0)
    assert info.type is ZeroDivisionError


def test_the_legacy_form_passes_every_keyword_to_the_function() -> None:
    received: dict[str, object] = {}

    def record(**kwargs: object) -> None:
        received.update(kwargs)
        raise RuntimeError

    raises(RuntimeError, record, match="not a pattern")
    assert received == {"match": "not a pattern"}


def test_the_legacy_form_fails_when_the_function_does_not_raise() -> None:
    with pytest.raises(Failed, match="DID NOT RAISE <class 'KeyError'>"):
        raises(KeyError, lambda: None)


def test_the_legacy_form_requires_a_callable() -> None:
    with pytest.raises(TypeError, match="must be callable"):
        raises(KeyError, 3)  # type: ignore[call-overload]


def test_raises_rejects_what_is_not_an_exception_type() -> None:
    with pytest.raises(TypeError, match="expects exception types such as ValueError, got 'ValueError'"):
        raises("ValueError")  # type: ignore[call-overload]


def test_raises_rejects_an_exception_instance_naming_its_type() -> None:
    with pytest.raises(TypeError, match=r"got ValueError$"):
        raises(ValueError("x"))  # type: ignore[call-overload]


def test_raises_rejects_an_empty_tuple() -> None:
    with pytest.raises(ValueError, match="non-empty tuple"):
        raises(())


def test_raises_rejects_unexpected_keywords_in_the_context_manager_form() -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments passed to raises: matchs"):
        raises(ValueError, matchs="x")  # type: ignore[call-overload]


def test_an_empty_match_warns_that_it_always_matches() -> None:
    with pytest.warns(UserWarning, match="always matches"):
        raises(ValueError, match="")


def test_an_invalid_regex_fails_the_test() -> None:
    with pytest.raises(Failed, match=r"invalid regex pattern in raises\(match='\('\)"):
        raises(ValueError, match="(")
