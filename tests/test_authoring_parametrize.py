"""Behaviour of ``parametrize``, ``param`` and ``expand_parametrize``: values, ids, order and errors."""

from __future__ import annotations

import enum
import itertools
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rustest._errors import DefinitionError
from rustest._marks import MarkDecorator, mark
from rustest._parametrize import ParamCase, expand_parametrize, param, parametrize
from rustest._spec import Mark, ParameterSet, get_marks


class Colour(enum.Enum):
    RED = 1


def _cases(*decorators: MarkDecorator) -> list[ParamCase]:
    """Expand the parametrization of a function decorated by *decorators*, listed top to bottom."""

    def target() -> None:
        """A parametrized test."""

    for decorator in reversed(decorators):
        decorator(target)
    return expand_parametrize(get_marks(target))


def _ids(*decorators: MarkDecorator) -> list[str]:
    return [case.id for case in _cases(*decorators)]


def _values(*decorators: MarkDecorator) -> list[dict[str, object]]:
    return [case.values for case in _cases(*decorators)]


def test_parametrize_gives_the_same_mark_as_mark_parametrize() -> None:
    assert parametrize("x", [1, 2], ids=["a", "b"]).mark == mark.parametrize("x", [1, 2], ids=["a", "b"]).mark


def test_parametrize_stores_argnames_as_given_and_argvalues_as_a_list() -> None:
    found = parametrize("a, b", ((value, value) for value in range(2))).mark
    assert found == Mark("parametrize", ("a, b", [(0, 0), (1, 1)]), {"ids": None, "indirect": False})


@pytest.mark.parametrize("argnames", ["a,b", "a, b", " a ,b ", ["a", "b"], ("a", "b")])
def test_every_argnames_form_names_the_same_arguments(argnames: Any) -> None:
    assert _values(parametrize(argnames, [(1, 2)])) == [{"a": 1, "b": 2}]


def test_a_single_argname_string_takes_each_value_as_is() -> None:
    assert _values(parametrize("point", [(1, 2), (3,)])) == [{"point": (1, 2)}, {"point": (3,)}]


def test_a_single_argname_in_a_list_unpacks_each_sequence() -> None:
    assert _values(parametrize(["point"], [(1,), [2]])) == [{"point": 1}, {"point": 2}]


def test_mapping_values_are_matched_to_argnames_by_name() -> None:
    assert _values(parametrize("a, b", [{"b": 2, "a": 1}])) == [{"a": 1, "b": 2}]


def test_a_mapping_with_other_keys_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"must have exactly the keys \['a', 'b'\].*missing \['b'\]"):
        _cases(parametrize("a, b", [{"a": 1, "c": 2}]))


def test_a_wrong_number_of_values_names_the_argnames() -> None:
    with pytest.raises(DefinitionError) as info:
        _cases(parametrize("a, b", [(1, 2), (1, 2, 3)]))
    message = str(info.value)
    assert message.startswith("parametrize('a, b'): the number of names (2):")
    assert "must be equal to the number of values (3):\n  (1, 2, 3)" in message


def test_a_non_sequence_value_for_several_argnames_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="each value must be a sequence of 2 values"):
        _cases(parametrize("a, b", [5]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (2.5, "2.5"),
        (1 + 2j, "(1+2j)"),
        (True, "True"),
        (None, "None"),
        ("text with spaces", "text with spaces"),
        ("", ""),
        ("é\n", "\\xe9\\n"),
        (b"\xc3\x01", "\\xc3\\x01"),
        (Colour.RED, "Colour.RED"),
        (int, "int"),
        (len, "len"),
        (re.compile(r"\d+"), "\\\\d+"),
    ],
)
def test_ids_are_made_from_values_as_pytest_makes_them(value: object, expected: str) -> None:
    assert _ids(parametrize("value", [value])) == [expected]


def test_values_without_a_natural_id_use_the_argname_and_index() -> None:
    assert _ids(parametrize("a, b", [(object(), 1), (2, [3])])) == ["a0-1", "2-b1"]


def test_an_ids_list_names_each_parameter_set() -> None:
    assert _ids(parametrize("x", [1, 2], ids=["one", "two"])) == ["one", "two"]


def test_none_in_an_ids_list_keeps_the_automatic_id() -> None:
    assert _ids(parametrize("x", [1, 2], ids=[None, 7])) == ["1", "7"]


def test_an_empty_ids_list_keeps_every_automatic_id() -> None:
    assert _ids(parametrize("x", [1, 2], ids=[])) == ["1", "2"]


def test_an_ids_generator_gives_one_id_per_parameter_set() -> None:
    assert _ids(parametrize("x", ["a", "b"], ids=(f"case{n}" for n in itertools.count()))) == [
        "case0",
        "case1",
    ]


def test_an_ids_callable_names_each_value_and_none_keeps_the_automatic_id() -> None:
    def name(value: object) -> str | None:
        return f"n{value}" if value != 2 else None

    assert _ids(parametrize("a, b", [(1, 2), (3, 4)], ids=name)) == ["n1-2", "n3-n4"]


def test_an_ids_callable_result_without_a_natural_id_keeps_the_automatic_id() -> None:
    assert _ids(parametrize("x", [1], ids=lambda value: object())) == ["1"]


def test_an_ids_callable_that_raises_is_a_definition_error() -> None:
    def broken(value: object) -> str:
        raise KeyError(value)

    with pytest.raises(DefinitionError, match=r"the ids callable raised KeyError.*'x' at position 0") as info:
        _cases(parametrize("x", [1], ids=broken))
    assert isinstance(info.value.__cause__, KeyError)


def test_ids_of_the_wrong_length_are_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"parametrize\('x'\): 3 parameter sets but 2 ids; give one id"):
        _cases(parametrize("x", [1, 2, 3], ids=["a", "b"]))


def test_an_id_that_cannot_be_text_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match=r"ids\[1\] is \[1\] \(list\); an id must be"):
        _cases(parametrize("x", [1, 2], ids=["a", [1]]))


def test_a_param_id_wins_over_the_ids_list_and_is_escaped() -> None:
    assert _ids(parametrize("x", [param(1, id="naïve"), 2], ids=["one", "two"])) == ["na\\xefve", "two"]


def test_duplicate_ids_get_numeric_suffixes() -> None:
    assert _ids(parametrize("x", ["a", "b", "a"])) == ["a0", "b", "a1"]


def test_duplicate_ids_ending_in_a_digit_get_an_underscore_before_the_suffix() -> None:
    assert _ids(parametrize("x", [1, 1, 2])) == ["1_0", "1_1", "2"]


def test_a_duplicate_suffix_never_repeats_an_existing_id() -> None:
    assert _ids(parametrize("x", ["a", "a", "a0"])) == ["a1", "a2", "a0"]


def test_stacked_parametrize_varies_the_decorator_closest_to_the_function_slowest() -> None:
    cases = _cases(parametrize("x", [0, 1]), parametrize("y", [2, 3]))
    assert [case.id for case in cases] == ["2-0", "2-1", "3-0", "3-1"]
    assert [case.values for case in cases] == [
        {"y": 2, "x": 0},
        {"y": 2, "x": 1},
        {"y": 3, "x": 0},
        {"y": 3, "x": 1},
    ]


def test_marks_given_in_pytest_order_put_the_functions_parametrization_first() -> None:
    function_marks = [parametrize("x", [1]).mark]
    class_marks = [parametrize("y", ["c"]).mark]
    module_marks = [mark.slow.mark, parametrize("z", ["m"]).mark]
    cases = expand_parametrize([*function_marks, *class_marks, *module_marks])
    assert [case.id for case in cases] == ["1-c-m"]


def test_the_same_argname_in_two_parametrize_marks_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="argument 'x' is parametrized twice"):
        _cases(parametrize("x", [1]), parametrize("x, y", [(1, 2)]))


def test_a_repeated_argname_in_one_mark_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="repeat a name"):
        _cases(parametrize("x, x", [(1, 2)]))


def test_request_cannot_be_parametrized() -> None:
    with pytest.raises(DefinitionError, match="'request' is reserved"):
        _cases(parametrize("request", [1]))


def test_empty_argnames_are_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="names no argument"):
        _cases(parametrize(" , ", [1]))


def test_indirect_true_hands_every_argname_to_its_fixture() -> None:
    (case,) = _cases(parametrize("db, user", [("pg", "ann")], indirect=True))
    assert case.indirect == {"db", "user"}
    assert case.values == {"db": "pg", "user": "ann"}


def test_an_indirect_list_hands_only_those_argnames_to_fixtures() -> None:
    (case,) = _cases(parametrize("db, user", [("pg", "ann")], indirect=["db"]))
    assert case.indirect == {"db"}


def test_an_indirect_name_that_is_not_an_argname_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="indirect names 'dbb', which is not one of its argnames"):
        _cases(parametrize("db", ["pg"], indirect=["dbb"]))


def test_indirect_names_of_stacked_marks_are_combined() -> None:
    (case,) = _cases(
        parametrize("a", [1], indirect=True), parametrize("b", [2]), parametrize("c", [3], indirect="c")
    )
    assert case.indirect == {"a", "c"}


def test_marks_of_param_are_carried_to_the_case_of_every_product() -> None:
    cases = _cases(
        parametrize("x", [param(1, marks=mark.slow), 2]), parametrize("y", [param(3, marks=[mark.xfail])])
    )
    assert [case.marks for case in cases] == [(Mark("xfail"), Mark("slow")), (Mark("xfail"),)]


def test_empty_argvalues_give_one_notset_case_skipped_like_pytest() -> None:
    (case,) = _cases(parametrize("a, b", [], ids=["unused"]))
    assert case.id == "NOTSET"
    assert case.values == {"a": None, "b": None}
    assert case.marks == (Mark("skip", (), {"reason": "got empty parameter set for (a, b)"}),)


def test_a_test_without_parametrize_marks_has_no_cases() -> None:
    assert expand_parametrize([mark.slow.mark]) == []


def test_a_raw_parametrize_mark_with_a_wrong_shape_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="takes \\(argnames, argvalues\\) positionally"):
        expand_parametrize([Mark("parametrize", ("x",), {})])


def test_param_returns_a_parameter_set_with_its_marks_unwrapped() -> None:
    assert param(1, 2, id="pair", marks=mark.slow) == ParameterSet(
        values=(1, 2), marks=(Mark("slow"),), id="pair"
    )


def test_param_rejects_an_id_that_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="param\\(\\): id must be a string, got int"):
        param(1, id=3)  # type: ignore[arg-type]


def test_param_rejects_usefixtures() -> None:
    with pytest.raises(DefinitionError, match=r"cannot add mark\.usefixtures"):
        param(1, marks=mark.usefixtures("db"))


def test_param_rejects_marks_that_are_not_marks() -> None:
    with pytest.raises(TypeError, match="marks must be marks"):
        param(1, marks=["slow"])  # type: ignore[list-item]


# (decorators as pytest source, the test's arguments, the same decorators made with rustest)
_PYTEST_EQUIVALENTS: list[tuple[str, str, Callable[[], list[MarkDecorator]]]] = [
    (
        "parametrize('x', [0, 1])\n@parametrize('y', [2, 3])",
        "x, y",
        lambda: [parametrize("x", [0, 1]), parametrize("y", [2, 3])],
    ),
    (
        "parametrize('v', ['a', 'a', 'a0', 1, 1, '1', None, 2.0, 'é'])",
        "v",
        lambda: [parametrize("v", ["a", "a", "a0", 1, 1, "1", None, 2.0, "é"])],
    ),
    (
        "parametrize('a,b', [(1, object()), param(2, 3, id='x y')], ids=[None, 'ignored'])",
        "a, b",
        lambda: [parametrize("a,b", [(1, object()), param(2, 3, id="x y")], ids=[None, "ignored"])],
    ),
    (
        "parametrize('v', [1, 2], ids=lambda v: None if v == 1 else f'v{v}')",
        "v",
        lambda: [parametrize("v", [1, 2], ids=lambda v: None if v == 1 else f"v{v}")],
    ),
    ("parametrize('v', [])", "v", lambda: [parametrize("v", [])]),
]


def test_ids_match_pytest_collection_for_the_same_parametrization(tmp_path: Path) -> None:
    lines = ["import pytest", "from pytest import param", "parametrize = pytest.mark.parametrize", ""]
    for index, (decorators, arguments, _) in enumerate(_PYTEST_EQUIVALENTS):
        lines += [f"@{decorators}", f"def test_{index}({arguments}): pass", ""]
    test_file = tmp_path / "test_equivalents.py"
    test_file.write_text("\n".join(lines), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        str(test_file),
    ]
    collected = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    pytest_ids = [line.split("::", 1)[1] for line in collected.stdout.splitlines() if "::" in line]
    ours = [
        f"test_{index}[{case.id}]"
        for index, (_, _, make) in enumerate(_PYTEST_EQUIVALENTS)
        for case in _cases(*make())
    ]
    assert pytest_ids == ours, collected.stdout + collected.stderr
