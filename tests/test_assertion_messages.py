"""The messages of failed rewritten asserts: values, where-lines, diffs, truncation."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rustest._assertion import get_verbosity, import_path_rewritten, set_verbosity

LoadModule = Callable[[str], ModuleType]

_module_numbers = itertools.count()


@pytest.fixture
def load(tmp_path: Path) -> Iterator[LoadModule]:
    """Write a source snippet to a file and import it with asserts rewritten."""
    names: list[str] = []

    def load_source(source: str) -> ModuleType:
        name = f"rustest_message_sample_{next(_module_numbers)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        names.append(name)
        return import_path_rewritten(path, name)

    yield load_source
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture(autouse=True)
def default_verbosity() -> Iterator[None]:
    previous = get_verbosity()
    set_verbosity(0)
    yield
    set_verbosity(previous)


def failure(module: ModuleType, function: str = "check") -> str:
    with pytest.raises(AssertionError) as caught:
        getattr(module, function)()
    return str(caught.value)


def test_equality_shows_both_values(load: LoadModule) -> None:
    module = load("""
        def check():
            a, b = 1, 2
            assert a == b
    """)
    assert failure(module) == "assert 1 == 2"


def test_call_result_gets_a_where_line(load: LoadModule) -> None:
    module = load("""
        def f():
            return 1
        def check():
            assert f() == 2
    """)
    assert failure(module) == "assert 1 == 2\n +  where 1 = f()"


def test_calls_on_both_sides_get_where_and_and_lines(load: LoadModule) -> None:
    module = load("""
        def f():
            return 1
        def g():
            return 2
        def check():
            assert f() == g()
    """)
    assert failure(module) == "assert 1 == 2\n +  where 1 = f()\n +  and   2 = g()"


def test_nested_calls_indent_their_where_lines(load: LoadModule) -> None:
    module = load("""
        def f(value):
            return value + 1
        def g():
            return 2
        def check():
            assert f(g()) == 4
    """)
    assert failure(module) == "assert 3 == 4\n +  where 3 = f(2)\n +    where 2 = g()"


def test_false_call_shows_its_arguments(load: LoadModule) -> None:
    module = load("""
        def is_ok(value):
            return False
        def check():
            assert is_ok(3)
    """)
    assert failure(module) == "assert False\n +  where False = is_ok(3)"


def test_call_shows_keyword_and_unpacked_arguments(load: LoadModule) -> None:
    module = load("""
        def f(*args, **kwargs):
            return None
        def check():
            extra = [2]
            options = {"b": 3}
            assert f(1, *extra, a=4, **options)
    """)
    assert failure(module) == "assert None\n +  where None = f(1, *[2], a=4, **{'b': 3})"


def test_attribute_shows_owner_and_attribute(load: LoadModule) -> None:
    module = load("""
        class Box:
            size = 5
            def __repr__(self):
                return "<Box>"
        def check():
            assert Box().size == 4
    """)
    assert failure(module) == "assert 5 == 4\n +  where 5 = <Box>.size\n +    where <Box> = Box()"


def test_method_call_is_shown_as_written(load: LoadModule) -> None:
    module = load("""
        class Box:
            def is_empty(self):
                return False
            def __repr__(self):
                return "<Box>"
        box = Box()
        def check():
            assert box.is_empty()
    """)
    assert failure(module) == "assert False\n +  where False = <Box>.is_empty()"


def test_module_attribute_is_shown_as_a_dotted_name(load: LoadModule) -> None:
    module = load("""
        import os
        def check():
            assert os.path.sep == "|"
    """)
    assert failure(module) == "assert '/' == '|'\n +  where '/' = os.path.sep\n\n  - |\n  + /"


def test_global_function_is_shown_by_name_and_global_value_by_repr(load: LoadModule) -> None:
    module = load("""
        LIMIT = 3
        def check():
            assert LIMIT == len
    """)
    assert failure(module) == "assert 3 == len"


def test_local_function_outside_a_call_is_shown_by_repr(load: LoadModule) -> None:
    module = load("""
        def check():
            def handler():
                pass
            assert handler is None
    """)
    assert failure(module).startswith("assert <function check.<locals>.handler at 0x")


def test_where_line_identical_on_both_sides_is_left_out(load: LoadModule) -> None:
    module = load("""
        def check():
            assert list(range(1, 3)) == [2]
    """)
    assert failure(module).splitlines()[1:2] == [" +  where [1, 2] = list(range(1, 3))"]


def test_single_line_strings_show_where_they_differ(load: LoadModule) -> None:
    module = load("""
        def check():
            assert "hello world" == "hello wurld"
    """)
    assert failure(module) == (
        "assert 'hello world' == 'hello wurld'\n"
        "\n"
        "  - hello wurld\n"
        "  ?        ^\n"
        "  + hello world\n"
        "  ?        ^"
    )


def test_multi_line_strings_show_a_line_diff(load: LoadModule) -> None:
    module = load("""
        def check():
            assert "one\\ntwo\\nthree" == "one\\n2\\nthree"
    """)
    assert failure(module).splitlines()[2:] == ["    one", "  - 2", "  + two", "    three"]


def test_list_equality_shows_first_differing_index(load: LoadModule) -> None:
    module = load("""
        def check():
            assert [1, 2, 3] == [1, 2, 4, 5]
    """)
    assert failure(module).splitlines()[2:] == [
        "  At index 2 diff: 3 != 4",
        "  Right contains one more item: 5",
        "  Use -v to get more diff",
    ]


def test_dict_equality_shows_differing_and_extra_keys(load: LoadModule) -> None:
    module = load("""
        def check():
            assert {"a": 1, "b": 2} == {"a": 1, "b": 3, "c": 4}
    """)
    assert failure(module).splitlines()[2:] == [
        "  Omitting 1 identical item, use -vv to show",
        "  Differing items:",
        "  {'b': 2} != {'b': 3}",
        "  Right contains 1 more item:",
        "  {'c': 4}",
        "  Use -v to get more diff",
    ]


def test_set_equality_shows_extra_items(load: LoadModule) -> None:
    module = load("""
        def check():
            assert {1, 2} == {2, 3}
    """)
    assert failure(module).splitlines()[2:6] == [
        "  Extra items in the left set:",
        "  1",
        "  Extra items in the right set:",
        "  3",
    ]


def test_dataclass_equality_names_the_differing_attribute(load: LoadModule) -> None:
    module = load("""
        from dataclasses import dataclass
        @dataclass
        class User:
            name: str
            age: int
        def check():
            assert User("ann", 3) == User("ann", 4)
    """)
    message = failure(module)
    assert "  Drill down into differing attribute age:\n    age: 3 != 4" in message


def test_less_than_shows_both_values(load: LoadModule) -> None:
    module = load("""
        def check():
            small, big = 5, 3
            assert small < big
    """)
    assert failure(module) == "assert 5 < 3"


def test_membership_shows_item_and_container(load: LoadModule) -> None:
    module = load("""
        def check():
            assert 5 in [1, 2]
    """)
    assert failure(module) == "assert 5 in [1, 2]"


def test_not_in_text_points_at_the_occurrence(load: LoadModule) -> None:
    module = load("""
        def check():
            assert "foo" not in "a foo b"
    """)
    assert failure(module).splitlines()[2:] == ["  'foo' is contained here:", "    a foo b", "      ^^^"]


def test_is_not_none_shows_the_value(load: LoadModule) -> None:
    module = load("""
        def check():
            found = None
            assert found is not None
    """)
    assert failure(module) == "assert None is not None"


def test_is_between_equal_objects_says_they_are_distinct(load: LoadModule) -> None:
    module = load("""
        def check():
            assert [1] is [1]
    """)
    assert failure(module).splitlines()[-1] == "  The two sides are equal but are different objects"


def test_chained_comparison_reports_the_failing_pair(load: LoadModule) -> None:
    module = load("""
        def check():
            low, middle, high = 1, 3, 2
            assert low < middle < high
    """)
    assert failure(module) == "assert 3 < 2"


def test_not_shows_the_negated_value(load: LoadModule) -> None:
    module = load("""
        def f():
            return 1
        def check():
            assert not f()
    """)
    assert failure(module) == "assert not 1\n +  where 1 = f()"


def test_and_shows_operands_up_to_the_false_one(load: LoadModule) -> None:
    module = load("""
        def check():
            ready, done, extra = True, 0, 1
            assert ready and done and extra
    """)
    assert failure(module) == "assert (True and 0 and ...)"


def test_or_explains_each_failed_comparison(load: LoadModule) -> None:
    module = load("""
        def check():
            items = [1]
            assert items == [2] or items == [3]
    """)
    assert failure(module) == (
        "assert ([1] == [2] or [1] == [3])\n"
        "\n"
        "  [1] == [2]:\n"
        "    At index 0 diff: 1 != 2\n"
        "    Use -v to get more diff\n"
        "\n"
        "  [1] == [3]:\n"
        "    At index 0 diff: 1 != 3\n"
        "    Use -v to get more diff"
    )


def test_and_explains_only_the_comparison_that_was_false(load: LoadModule) -> None:
    module = load("""
        def check():
            items = [1]
            assert items == [1] and items == [2]
    """)
    assert failure(module) == (
        "assert ([1] == [1] and [1] == [2])\n"
        "\n"
        "  [1] == [2]:\n"
        "    At index 0 diff: 1 != 2\n"
        "    Use -v to get more diff"
    )


def test_negated_comparison_is_not_diffed(load: LoadModule) -> None:
    module = load("""
        def check():
            items = [1]
            assert not items == [1]
    """)
    assert failure(module) == "assert not ([1] == [1])"


def test_comparison_inside_a_call_is_not_diffed(load: LoadModule) -> None:
    module = load("""
        def check():
            assert all([[1] == [2]])
    """)
    assert failure(module) == "assert False\n +  where False = all([False])"


def test_binary_operation_is_parenthesized(load: LoadModule) -> None:
    module = load("""
        def f():
            return 1
        def check():
            assert f() + 1 == 3
    """)
    assert failure(module) == "assert (1 + 1) == 3\n +  where 1 = f()"


def test_comparison_operand_of_a_comparison_is_parenthesized(load: LoadModule) -> None:
    module = load("""
        def check():
            a = 1
            assert (a == 1) == False
    """)
    assert failure(module) == "assert (1 == 1) == False"


def test_explicit_message_comes_before_the_explanation(load: LoadModule) -> None:
    module = load("""
        def check():
            count = 2
            assert count == 3, "wrong count\\nsee log"
    """)
    assert failure(module) == "wrong count\nsee log\nassert 2 == 3"


def test_non_string_message_is_shown_as_repr(load: LoadModule) -> None:
    module = load("""
        def check():
            assert [], {"key": 1}
    """)
    assert failure(module) == "{'key': 1}\nassert []"


def test_failing_repr_is_reported_instead_of_raised(load: LoadModule) -> None:
    module = load("""
        class Broken:
            def __repr__(self):
                raise ValueError("no repr")
        def check():
            value = Broken()
            assert value == 1
    """)
    assert failure(module).startswith("assert <[ValueError('no repr') raised in repr()] Broken object at 0x")


def test_long_values_are_shortened_in_the_middle(load: LoadModule) -> None:
    module = load("""
        def check():
            text = "a" * 300
            assert text is None
    """)
    message = failure(module)
    assert len(message) < 260
    assert "..." in message


def test_long_diff_is_truncated_at_default_verbosity(load: LoadModule) -> None:
    module = load("""
        def check():
            assert "\\n".join(map(str, range(40))) == "\\n".join(map(str, range(1, 41)))
    """)
    assert failure(module).endswith("...Full output truncated (35 lines hidden), use '-vv' to show")


def test_verbosity_two_shows_the_whole_diff(load: LoadModule) -> None:
    module = load("""
        def check():
            assert "\\n".join(map(str, range(40))) == "\\n".join(map(str, range(1, 41)))
    """)
    set_verbosity(2)
    message = failure(module)
    assert "truncated" not in message
    assert "  + 0" in message


def test_verbosity_one_shows_the_full_diff_of_lists(load: LoadModule) -> None:
    module = load("""
        def check():
            assert [1, 2] == [1, 3]
    """)
    set_verbosity(1)
    assert failure(module).splitlines()[2:] == [
        "  At index 1 diff: 2 != 3",
        "",
        "  Full diff:",
        "  - [1, 3]",
        "  ?     ^",
        "  + [1, 2]",
        "  ?     ^",
    ]
