"""Behaviour of ``approx``: tolerances, containers, special values and readable reprs."""

# The documented idiom is ``actual == approx(expected)``: these tests must exercise that very form.
# ruff: noqa: SIM300

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from rustest._approx import approx


def test_a_float_within_the_default_relative_tolerance_is_equal() -> None:
    assert 0.1 + 0.2 == approx(0.3)


def test_a_float_outside_the_default_relative_tolerance_is_not_equal() -> None:
    assert 1.0 + 2e-6 != approx(1.0)


def test_the_default_absolute_tolerance_applies_near_zero() -> None:
    assert 5e-13 == approx(0.0)
    assert 5e-12 != approx(0.0)


def test_a_given_relative_tolerance_widens_the_match() -> None:
    assert 1.05 == approx(1.0, rel=0.1)
    assert 1.2 != approx(1.0, rel=0.1)


def test_a_given_absolute_tolerance_alone_replaces_the_relative_one() -> None:
    assert 1000.0 + 5e-4 != approx(1000.0, abs=1e-4)
    assert 1000.0 + 5e-5 == approx(1000.0, abs=1e-4)


def test_the_wider_of_both_given_tolerances_wins() -> None:
    assert 100.5 == approx(100.0, rel=1e-9, abs=1.0)


def test_the_repr_shows_the_expected_value_and_its_tolerance() -> None:
    assert repr(approx(1.0)) == "1.0 ± 1.0e-06"
    assert repr(approx(1000.0)) == "1000.0 ± 0.001"
    assert repr(approx(2.0, abs=0.5)) == "2.0 ± 0.5"


def test_the_repr_of_a_complex_number_shows_the_angle() -> None:
    assert repr(approx(3 + 4j)) == "(3+4j) ± 5.0e-06 ∠ ±180°"


def test_complex_numbers_compare_by_distance() -> None:
    assert (3 + 4j) * (1 + 1e-7) == approx(3 + 4j)


def test_the_repr_of_a_non_number_or_infinity_is_the_plain_value() -> None:
    assert repr(approx("text")) == "text"
    assert repr(approx(math.inf)) == "inf"


def test_a_sequence_compares_item_by_item() -> None:
    assert [0.1 + 0.2, 0.2 + 0.4] == approx([0.3, 0.6])
    assert (0.3, 0.7) != approx((0.3, 0.6))


def test_sequences_of_different_lengths_are_not_equal() -> None:
    assert [0.3] != approx([0.3, 0.6])
    assert 0.3 != approx([0.3])


def test_the_repr_of_a_sequence_keeps_its_kind() -> None:
    assert repr(approx([1.0, 2.0])) == "approx([1.0 ± 1.0e-06, 2.0 ± 2.0e-06])"
    assert repr(approx((1.0,))) == "approx((1.0 ± 1.0e-06,))"


def test_a_mapping_compares_value_by_value_with_the_same_keys() -> None:
    assert {"a": 0.1 + 0.2, "b": 1.0} == approx({"b": 1.0, "a": 0.3})
    assert {"a": 0.3} != approx({"a": 0.3, "b": 1.0})
    assert {"a": 0.4} != approx({"a": 0.3})
    assert [0.3] != approx({"a": 0.3})


def test_the_repr_of_a_mapping_shows_each_tolerance() -> None:
    assert repr(approx({"a": 1.0})) == "approx({'a': 1.0 ± 1.0e-06})"


def test_nested_sequences_are_rejected() -> None:
    with pytest.raises(TypeError, match="does not support nested data structures"):
        approx([[1.0], [2.0]])


def test_nested_mappings_are_rejected() -> None:
    with pytest.raises(TypeError, match="does not support nested mappings"):
        approx({"a": {"b": 1.0}})


def test_an_unordered_collection_is_rejected() -> None:
    with pytest.raises(TypeError, match="only supports ordered sequences"):
        approx({1.0, 2.0})


def test_booleans_compare_strictly() -> None:
    assert True == approx(True)  # noqa: E712
    assert 1 != approx(True)
    assert False != approx(True)  # noqa: E712


def test_non_numbers_compare_by_plain_equality() -> None:
    assert "abc" == approx("abc")
    assert None == approx(None)  # noqa: E711
    assert [1.0, None] == approx([1.0, None])
    assert "1.0" != approx(1.0)


def test_nan_equals_nan_only_when_allowed() -> None:
    assert math.nan != approx(math.nan)
    assert math.nan == approx(math.nan, nan_ok=True)
    assert 1.0 != approx(math.nan, nan_ok=True)


def test_infinity_only_equals_itself() -> None:
    assert math.inf == approx(math.inf)
    assert 1e308 != approx(math.inf)
    assert -math.inf != approx(math.inf)


def test_decimals_use_decimal_tolerances() -> None:
    assert Decimal("1.0000001") == approx(Decimal("1.0"))
    assert Decimal("1.01") != approx(Decimal("1.0"))
    assert Decimal("1.05") == approx(Decimal("1.0"), rel=0.1)
    assert repr(approx(Decimal("1.0"))) == "1.0 ± 1.0e-6"


def test_decimals_inside_a_sequence_compare_as_decimals() -> None:
    assert [Decimal("0.3000000001")] == approx([Decimal("0.3")])


@pytest.mark.parametrize(("rel", "abs_"), [(-0.1, None), (None, -1.0), (math.nan, None)])
def test_a_negative_or_nan_tolerance_is_rejected(rel: float | None, abs_: float | None) -> None:
    with pytest.raises(ValueError, match="tolerance must be a non-negative number"):
        approx(1.0, rel=rel, abs=abs_)


def test_approx_refuses_a_boolean_context() -> None:
    with pytest.raises(AssertionError, match=r"Did you mean: `assert a == approx\(b\)`"):
        bool(approx(1.0))


def test_approx_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(approx(1.0))


def test_approx_on_the_left_compares_the_same() -> None:
    assert approx(0.3) == 0.1 + 0.2
    assert approx(0.3) != 0.4
