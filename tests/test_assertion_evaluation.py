"""Rewritten asserts evaluate exactly like plain ones: once, in order, short-circuiting, anywhere."""

from __future__ import annotations

import ast
import gc
import itertools
import sys
import textwrap
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

from rustest._assertion import import_path_rewritten
from rustest._assertion._rewrite import compile_rewritten, rewrite_module

LoadModule = Callable[[str], ModuleType]

_module_numbers = itertools.count()


@pytest.fixture
def load(tmp_path: Path) -> Iterator[LoadModule]:
    """Write a source snippet to a file and import it with asserts rewritten."""
    names: list[str] = []

    def load_source(source: str) -> ModuleType:
        name = f"rustest_evaluation_sample_{next(_module_numbers)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        names.append(name)
        return import_path_rewritten(path, name)

    yield load_source
    for name in names:
        sys.modules.pop(name, None)


COUNTING = textwrap.dedent("""
    calls = []
    def count(value):
        calls.append(value)
        return value
""")


def test_passing_assert_calls_each_function_once(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(1) == 1\n")
    module.check()
    assert module.calls == [1]


def test_failing_assert_calls_each_function_once(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(1) == count(2)\n")
    with pytest.raises(AssertionError):
        module.check()
    assert module.calls == [1, 2]


def test_failing_message_is_evaluated_once_and_only_on_failure(load: LoadModule) -> None:
    module = load(COUNTING + "def check(ok):\n    assert ok, count('message')\n")
    module.check(True)
    assert module.calls == []
    with pytest.raises(AssertionError, match=r"^message\nassert False$"):
        module.check(False)
    assert module.calls == ["message"]


def test_and_stops_at_the_first_false_operand(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(0) and count(1)\n")
    with pytest.raises(AssertionError):
        module.check()
    assert module.calls == [0]


def test_or_stops_at_the_first_true_operand(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(1) or count(2)\n")
    module.check()
    assert module.calls == [1]


def test_chained_comparison_stops_at_the_first_false_pair(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(1) > count(2) > count(3)\n")
    with pytest.raises(AssertionError, match=r"^assert 1 > 2"):
        module.check()
    assert module.calls == [1, 2]


def test_chained_comparison_evaluates_the_middle_operand_once(load: LoadModule) -> None:
    module = load(COUNTING + "def check():\n    assert count(1) < count(2) < count(3)\n")
    module.check()
    assert module.calls == [1, 2, 3]


def test_chained_comparison_gives_the_same_result_as_python(load: LoadModule) -> None:
    module = load("def check(a, b, c):\n    assert a < b < c\n")
    module.check(1, 2, 3)
    with pytest.raises(AssertionError, match=r"^assert 3 < 2$"):
        module.check(1, 3, 2)


def test_a_variable_is_read_before_a_later_call_rebinds_it(load: LoadModule) -> None:
    module = load("""
        state = 1
        def advance():
            global state
            state = 2
            return 1
        def check():
            assert state == advance()
    """)
    module.check()


def test_walrus_binds_its_name_as_in_plain_python(load: LoadModule) -> None:
    module = load("""
        def check():
            before = 1
            assert before == (before := 1)
            assert (found := 5) == 5
            return found, before
    """)
    assert module.check() == (5, 1)


def test_error_from_an_evaluated_part_propagates_unchanged(load: LoadModule) -> None:
    module = load("""
        def fail():
            raise KeyError("inner")
        def check():
            assert fail() == 1
    """)
    with pytest.raises(KeyError, match="inner"):
        module.check()


def test_error_from_the_truth_test_propagates_unchanged(load: LoadModule) -> None:
    module = load("""
        class Ambiguous:
            def __bool__(self):
                raise ValueError("ambiguous truth")
        def check():
            assert Ambiguous()
    """)
    with pytest.raises(ValueError, match="ambiguous truth"):
        module.check()


def test_passing_assert_keeps_no_reference_to_its_values(load: LoadModule) -> None:
    module = load("""
        class Token:
            pass
        def make():
            return Token()
        def check(observe):
            assert observe(make()) is not None
            return observe.last()
    """)

    class Observer:
        def __init__(self) -> None:
            self.reference: weakref.ref[object] | None = None

        def __call__(self, value: object) -> object:
            self.reference = weakref.ref(value)
            return value

        def last(self) -> object:
            gc.collect()
            assert self.reference is not None
            return self.reference()

    assert module.check(Observer()) is None


def test_assert_in_an_async_function_is_rewritten(load: LoadModule) -> None:
    module = load("""
        import asyncio
        async def value():
            return 2
        async def check_async():
            assert await value() == 1
        def check():
            asyncio.run(check_async())
    """)
    with pytest.raises(AssertionError, match=r"^assert 2 == 1$"):
        module.check()


def test_assert_with_yield_in_a_generator_is_rewritten(load: LoadModule) -> None:
    module = load("""
        def receiver():
            assert (yield) == 3
        def check():
            generator = receiver()
            next(generator)
            generator.send(4)
    """)
    with pytest.raises(AssertionError, match=r"^assert 4 == 3$"):
        module.check()


def test_assert_in_a_method_sees_self(load: LoadModule) -> None:
    module = load("""
        class Case:
            limit = 3
            def check(self):
                assert self.limit == 4
    """)
    with pytest.raises(AssertionError, match=r"^assert 3 == 4\n"):
        module.Case().check()


def test_assert_in_a_class_body_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "class_body.py"
    path.write_text("class Settings:\n    size = 2\n    assert size == 3\n")
    with pytest.raises(AssertionError, match=r"^assert 2 == 3$"):
        import_path_rewritten(path, "rustest_evaluation_class_body")


def test_asserts_nested_in_compound_statements_are_rewritten(load: LoadModule) -> None:
    module = load("""
        def check(value):
            match value:
                case int():
                    for _ in [1]:
                        try:
                            pass
                        finally:
                            with open(__file__) as stream:
                                assert len(stream.read()) == -1
    """)
    with pytest.raises(AssertionError, match=r"\+  where \d+ = len\("):
        module.check(1)


def test_module_level_assert_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "module_level.py"
    path.write_text("LIMIT = 2\nassert LIMIT > 3\n")
    with pytest.raises(AssertionError, match=r"^assert 2 > 3$"):
        import_path_rewritten(path, "rustest_evaluation_module_level")


def test_future_imports_stay_first(load: LoadModule) -> None:
    module = load('''
        """A docstring."""
        from __future__ import annotations
        def check(value: Undefined) -> None:
            assert value == 1
    ''')
    with pytest.raises(AssertionError, match=r"^assert 2 == 1$"):
        module.check(2)


def test_asserting_a_tuple_still_warns_that_it_is_always_true() -> None:
    with pytest.warns(SyntaxWarning, match="assertion is always true"):
        compile_rewritten(b"def check():\n    assert (1, 'message')\n", "always_true.py")


def test_module_without_asserts_is_left_untouched() -> None:
    tree = ast.parse("def check():\n    return 1\n")
    before = ast.dump(tree)
    rewrite_module(tree)
    assert ast.dump(tree) == before


def test_value_changing_its_truth_on_replay_still_fails_the_assert(load: LoadModule) -> None:
    module = load("""
        class Fickle:
            answers = [False, True]
            def __bool__(self):
                return self.answers.pop(0)
        def check():
            other = 1
            assert Fickle() and other
    """)
    with pytest.raises(AssertionError, match=r"^assert <the failure could not be explained: "):
        module.check()


class Observer:
    """Passes a value through, keeping only a weak reference to it."""

    def __init__(self) -> None:
        self.reference: weakref.ref[object] | None = None

    def __call__(self, value: object) -> object:
        self.reference = weakref.ref(value)
        return value

    def alive(self) -> bool:
        gc.collect()
        return self.reference is not None and self.reference() is not None


TOKENS = textwrap.dedent("""
    class Token:
        pass
    def make():
        return Token()
""")


def test_passing_assert_with_and_keeps_no_reference_to_its_values(load: LoadModule) -> None:
    module = load(
        TOKENS + "def check(observe):\n    assert observe(make()) and observe\n    return observe.alive()\n"
    )
    assert module.check(Observer()) is False


def test_assert_that_ends_a_function_keeps_no_reference_once_it_returns(load: LoadModule) -> None:
    module = load(TOKENS + "def check(observe):\n    assert observe(make()) is not None\n")
    observer = Observer()
    module.check(observer)
    assert observer.alive() is False


def temporaries_of(function: FunctionType) -> list[str]:
    return [name for name in function.__code__.co_varnames if name.startswith("@")]


def test_assert_on_variables_the_function_binds_copies_none_of_them(load: LoadModule) -> None:
    module = load("""
        def check(expected, *rest, **options):
            value = expected
            total: int = 0
            total += value
            for index, (item, *others) in enumerate([(value,)]):
                with open(__file__) as stream:
                    assert value == expected
                    assert item == total
                    assert index < 1
                    assert not others
                    assert stream
                    assert not rest
                    assert not options
    """)
    module.check(1)
    assert temporaries_of(module.check) == []


def test_variables_the_function_binds_are_explained_with_their_values(load: LoadModule) -> None:
    module = load("def check(expected):\n    value = expected - 1\n    assert value == expected\n")
    with pytest.raises(AssertionError, match=r"^assert 1 == 2$"):
        module.check(2)


def test_global_rebound_during_the_assert_is_explained_with_the_value_it_had(load: LoadModule) -> None:
    module = load("""
        state = 1
        def advance():
            global state
            state = 2
            return 3
        def check():
            assert state == advance()
    """)
    with pytest.raises(AssertionError, match=r"^assert 1 == 3\n"):
        module.check()


def test_variable_rebound_through_nonlocal_is_explained_with_the_value_it_had(load: LoadModule) -> None:
    module = load("""
        def check():
            value = 1
            def bump():
                nonlocal value
                value = 5
                return 2
            assert value == bump()
    """)
    with pytest.raises(AssertionError, match=r"^assert 1 == 2\n"):
        module.check()


def test_variable_rebound_by_a_generator_is_explained_with_the_value_it_had(load: LoadModule) -> None:
    module = load("""
        def check():
            value = 1
            values = (value := each for each in [7])
            assert value == next(values)
    """)
    with pytest.raises(AssertionError, match=r"^assert 1 == 7\n"):
        module.check()


def test_variable_declared_global_in_the_function_is_explained_with_the_value_it_had(
    load: LoadModule,
) -> None:
    module = load("""
        state = 0
        def advance():
            global state
            state = 2
            return 3
        def check():
            global state
            state = 1
            assert state == advance()
    """)
    with pytest.raises(AssertionError, match=r"^assert 1 == 3\n"):
        module.check()


def test_module_level_name_rebound_during_the_assert_is_explained_with_the_value_it_had(
    tmp_path: Path,
) -> None:
    path = tmp_path / "module_level_rebound.py"
    path.write_text(
        "LIMIT = 2\ndef bump():\n    global LIMIT\n    LIMIT = 9\n    return 3\nassert LIMIT == bump()\n"
    )
    with pytest.raises(AssertionError, match=r"^assert 2 == 3\n"):
        import_path_rewritten(path, "rustest_evaluation_module_level_rebound")
