"""Behaviour of ``warns``, ``deprecated_call`` and the warnings recorder."""

from __future__ import annotations

import re
import warnings

import pytest

from rustest._outcomes import Failed, Skipped, skip
from rustest._warns import WarningsChecker, WarningsRecorder, deprecated_call, warns


def test_warns_records_the_expected_warning() -> None:
    with warns(UserWarning) as record:
        warnings.warn("careful", UserWarning, stacklevel=1)
    assert isinstance(record, WarningsChecker)
    assert [str(item.message) for item in record] == ["careful"]


def test_warns_accepts_a_subclass_of_one_of_a_tuple_of_classes() -> None:
    class Specific(RuntimeWarning):
        pass

    with warns((DeprecationWarning, RuntimeWarning)) as record:
        warnings.warn("specific", Specific, stacklevel=1)
    assert record[0].category is Specific


def test_warns_fails_when_no_warning_is_emitted() -> None:
    expected = "DID NOT WARN. No warnings of type <class 'UserWarning'> were emitted.\n Emitted warnings: []."
    with pytest.raises(Failed) as info, warns(UserWarning):
        pass
    assert str(info.value) == expected


def test_warns_fails_when_no_warning_matches_the_regex() -> None:
    with (
        pytest.warns(UserWarning, match="other text"),
        pytest.raises(Failed, match=r"matching the regex were emitted\.\n Regex: needle\n"),
        warns(UserWarning, match="needle"),
    ):
        warnings.warn("other text", UserWarning, stacklevel=1)


def _warn_expected_and_unrelated() -> None:
    warnings.warn("expected", UserWarning, stacklevel=1)
    warnings.warn("unrelated", RuntimeWarning, stacklevel=1)


def test_warns_emits_unexpected_warnings_again_on_exit() -> None:
    with pytest.warns(RuntimeWarning, match="unrelated"):
        warns(UserWarning, _warn_expected_and_unrelated)


def test_warns_records_a_warning_repeated_in_a_loop_each_time() -> None:
    with warns(UserWarning) as record:
        for _ in range(3):
            warnings.warn("again", UserWarning, stacklevel=1)
    assert len(record) == 3


def test_warns_lets_outcome_signals_through_unchecked() -> None:
    with pytest.raises(Skipped), warns(UserWarning):
        skip("nothing to check")


def test_warns_fails_when_the_block_raises_before_warning() -> None:
    with pytest.raises(Failed, match="DID NOT WARN") as info, warns(UserWarning):
        raise ValueError("broke first")
    assert isinstance(info.value.__context__, ValueError)


def test_the_callable_form_returns_the_functions_result() -> None:
    def compute(value: int, *, scale: int) -> int:
        warnings.warn("computing", UserWarning, stacklevel=1)
        return value * scale

    assert warns(UserWarning, compute, 2, scale=3) == 6


def test_the_callable_form_fails_when_the_function_does_not_warn() -> None:
    with pytest.raises(Failed, match="DID NOT WARN"):
        warns(UserWarning, lambda: None)


def test_warns_rejects_a_class_that_is_not_a_warning() -> None:
    with pytest.raises(TypeError, match="warns\\(\\) expects Warning subclasses, got <class 'ValueError'>"):
        warns(ValueError)  # type: ignore[arg-type]


def test_warns_rejects_unexpected_keywords_in_the_context_manager_form() -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments passed to warns: mtch"):
        warns(UserWarning, mtch="x")  # type: ignore[call-overload]


def test_warns_accepts_a_compiled_pattern() -> None:
    with warns(UserWarning, match=re.compile("ALERT", re.IGNORECASE)):
        warnings.warn("alert", UserWarning, stacklevel=1)


@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning, FutureWarning])
def test_deprecated_call_accepts_each_deprecation_category(category: type[Warning]) -> None:
    with deprecated_call():
        warnings.warn("going away", category, stacklevel=1)


def test_deprecated_call_checks_the_message() -> None:
    with (
        pytest.warns(DeprecationWarning, match="removed"),
        pytest.raises(Failed, match="Regex: renamed"),
        deprecated_call(match="renamed"),
    ):
        warnings.warn("removed", DeprecationWarning, stacklevel=1)


def test_deprecated_call_callable_form_returns_the_result() -> None:
    def old_api() -> str:
        warnings.warn("use new_api", DeprecationWarning, stacklevel=1)
        return "done"

    assert deprecated_call(old_api) == "done"


def test_the_recorder_records_every_warning_without_raising() -> None:
    with WarningsRecorder() as record:
        warnings.warn("one", UserWarning, stacklevel=1)
        warnings.warn("two", RuntimeWarning, stacklevel=1)
    assert [item.category for item in record.list] == [UserWarning, RuntimeWarning]
    assert record[1].category is RuntimeWarning


def test_pop_prefers_an_exact_category_over_a_subclass() -> None:
    with WarningsRecorder() as record:
        warnings.warn("sub", DeprecationWarning, stacklevel=1)
        warnings.warn("exact", Warning, stacklevel=1)
    assert str(record.pop(Warning).message) == "exact"
    assert len(record) == 1


def test_pop_takes_the_least_derived_subclass() -> None:
    class Specific(DeprecationWarning):
        pass

    with WarningsRecorder() as record:
        warnings.warn("specific", Specific, stacklevel=1)
        warnings.warn("general", DeprecationWarning, stacklevel=1)
    assert str(record.pop(Warning).message) == "general"


def test_pop_of_a_missing_category_is_an_assertion_error() -> None:
    with WarningsRecorder() as record:
        pass
    with pytest.raises(AssertionError, match="not found in warning list"):
        record.pop(UserWarning)


def test_clear_forgets_the_recorded_warnings() -> None:
    with WarningsRecorder() as record:
        warnings.warn("one", UserWarning, stacklevel=1)
        record.clear()
    assert len(record) == 0


def test_a_recorder_cannot_be_entered_twice_at_once() -> None:
    recorder = WarningsRecorder()
    with recorder, pytest.raises(RuntimeError, match="twice"), recorder:
        pass


def test_a_recorder_can_be_used_again_after_exit() -> None:
    recorder = WarningsRecorder()
    with recorder:
        warnings.warn("first", UserWarning, stacklevel=1)
    with recorder:
        warnings.warn("second", UserWarning, stacklevel=1)
    assert [str(item.message) for item in recorder] == ["second"]
